import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { unencapsulated } from './unencapsulated.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

/** One registry per app, so that tests can build many apps in one process. */
export const metricsPlugin = unencapsulated('streamgate-metrics', async (app) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  app.decorate('metrics', registry);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    duration.observe({ route, method: request.method, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
});

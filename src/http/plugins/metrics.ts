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
  // One child per label set, kept: prom-client would otherwise check and hash the labels object on every request.
  const children = new Map<string, Histogram.Internal<'route' | 'method' | 'status'>>();
  app.decorate('metrics', registry);
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let child = children.get(key);
    if (child === undefined) {
      child = duration.labels(route, request.method, String(reply.statusCode));
      children.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });
});

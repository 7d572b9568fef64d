import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertServing } from '../plugins/lifecycle.js';
import { problemResponses } from '../schemas/problem.js';

const status = z.object({ status: z.enum(['ok', 'ready']) });

/** Liveness, readiness and metrics; the Redis commands named are the nearest analogues. */
export const serviceRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/healthz', {
    schema: {
      operationId: 'getHealth',
      summary: 'Liveness: the process answers',
      tags: ['service'],
      'x-redis-command': 'PING',
      response: { 200: status.meta({ description: 'Alive' }) },
    },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/readyz', {
    schema: {
      operationId: 'getReadiness',
      summary: 'Readiness: storage loaded and not shutting down',
      tags: ['service'],
      'x-redis-command': 'INFO persistence (loading)',
      response: { 200: status.meta({ description: 'Ready' }), ...problemResponses() },
    },
    handler: async () => {
      assertServing(app);
      return { status: 'ready' as const };
    },
  });

  app.get('/metrics', {
    schema: {
      operationId: 'getMetrics',
      summary: 'Prometheus metrics',
      tags: ['service'],
      'x-redis-command': 'INFO',
      response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } } },
    },
    handler: async (_request, reply) => {
      const body = await app.metrics.metrics();
      return reply.type(app.metrics.contentType).serializer((payload: unknown) => payload as string).send(body);
    },
  });
};

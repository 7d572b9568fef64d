import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** No CORS headers at all unless origins are configured; `*` allows any. */
export async function registerCors(app: FastifyInstance, origins: string[]): Promise<void> {
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: origins.includes('*') ? true : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: ['Location', 'x-request-id'],
  });
}

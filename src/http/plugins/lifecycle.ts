import type { FastifyReply } from 'fastify';
import { StreamError } from '../../domain/errors.js';
import { unencapsulated } from './unencapsulated.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Aborted when the app starts closing: long-polls answer at once. */
    shutdownSignal: AbortSignal;
  }
}

/** Refuses API requests while storage loads or the server drains. */
export const lifecyclePlugin = unencapsulated('streamgate-lifecycle', async (app) => {
  const shutdown = new AbortController();
  app.decorate('shutdownSignal', shutdown.signal);
  app.addHook('preClose', async () => {
    shutdown.abort();
  });
});

export function assertServing(app: { shutdownSignal: AbortSignal; backend: { isReady(): boolean } }): void {
  if (app.shutdownSignal.aborted) throw new StreamError('SHUTTING_DOWN', 'the server is shutting down; retry on another instance');
  if (!app.backend.isReady()) throw new StreamError('STORAGE_UNAVAILABLE', 'storage is not ready (still loading, or unreachable); retry shortly');
}

/**
 * Aborts when the client goes away before the answer is written, or at
 * shutdown. The request's own 'close' cannot serve: Node emits it as soon as
 * the body has been read.
 */
export function waitSignal(reply: FastifyReply, shutdownSignal: AbortSignal): AbortSignal {
  const clientGone = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) clientGone.abort();
  });
  return AbortSignal.any([clientGone.signal, shutdownSignal]);
}

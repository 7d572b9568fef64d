import type { FastifyReply, FastifyRequest } from 'fastify';
import { streamError } from '../../domain/errors.js';
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
  // Draining: what is answered now closes its connection, so keep-alive clients reconnect elsewhere.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (shutdown.signal.aborted && request.raw.httpVersionMajor < 2) reply.header('connection', 'close');
    done(null, payload);
  });
});

export function assertServing(app: { shutdownSignal: AbortSignal; backend: { isReady(): boolean } }): void {
  if (app.shutdownSignal.aborted) throw streamError('SHUTTING_DOWN', 'draining');
  if (!app.backend.isReady()) throw streamError('STORAGE_UNAVAILABLE', 'loading');
}

/** Requests that may wait (a long-poll): their time is not request latency (see the metrics plugin). */
const waiting = new WeakSet<FastifyRequest>();

export function mayWait(request: FastifyRequest): boolean {
  return waiting.has(request);
}

/**
 * For a request that may wait: aborts when the client goes away before the
 * answer is written, or at shutdown. The request's own 'close' cannot serve:
 * Node emits it as soon as the body has been read.
 */
export function waitSignal(reply: FastifyReply, shutdownSignal: AbortSignal): AbortSignal {
  waiting.add(reply.request);
  const clientGone = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) clientGone.abort();
  });
  return AbortSignal.any([clientGone.signal, shutdownSignal]);
}

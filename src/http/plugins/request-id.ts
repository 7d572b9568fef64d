import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { unencapsulated } from './unencapsulated.js';

const ACCEPTABLE_ID = /^[\x21-\x7e]{1,128}$/;

/** Keeps a sane incoming `x-request-id` so that logs correlate across services; otherwise a UUID. */
export function genReqId(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
}

export const requestIdPlugin = unencapsulated('streamgate-request-id', async (app) => {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
});

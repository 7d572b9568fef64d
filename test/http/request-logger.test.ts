import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createEmbeddedBackend } from '../../src/backends/embedded/embedded-backend.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';

/** An app whose pino logger writes its lines into an array. */
async function appLoggingAt(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const logger = pino({ level }, sink);
  const child = vi.spyOn(logger, 'child');
  const backend = createEmbeddedBackend();
  const app = buildApp({ backend, config: loadConfig({}), logger });
  await app.ready();
  return { app, lines, child, close: async () => (await app.close(), await backend.close()) };
}

describe('request loggers', () => {
  it('are not made for requests that log nothing', async () => {
    const t = await appLoggingAt('warn');
    try {
      const children = t.child.mock.calls.length;
      expect((await t.app.inject({ method: 'GET', url: '/v1/streams/s' })).statusCode).toBe(404);
      expect((await t.app.inject({ method: 'POST', url: '/v1/streams/s/messages', payload: { fields: { a: 'b' } } })).statusCode).toBe(201);
      expect(t.child.mock.calls.length).toBe(children);
      expect(t.lines).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('carry the request ID on every line they write', async () => {
    const t = await appLoggingAt('info');
    try {
      const r = await t.app.inject({ method: 'GET', url: '/v1/streams/s', headers: { 'x-request-id': 'rid-1' } });
      expect(r.statusCode).toBe(404);
      const mine = t.lines.filter((line) => line.reqId === 'rid-1').map((line) => line.msg);
      expect(mine).toEqual(['incoming request', 'request rejected', 'request completed']);
    } finally {
      await t.close();
    }
  });
});

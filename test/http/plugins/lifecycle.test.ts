import { request as httpRequest } from 'node:http';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StreamBackend } from '../../../src/backends/contract.js';
import { buildTestAppOn, call, streamName, streamPath, type AnyTestApp } from '../../helpers/app.js';
import { httpBackendMatrix, useHttpBackend } from '../../helpers/backends.js';

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A plain request on its own connection (fetch's pool would open a spare one and hold up close). */
function send(url: string, options: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<{ status: number; body: unknown } | 'aborted'> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = httpRequest(url, {
      method: options.method ?? 'GET',
      agent: false,
      signal: options.signal,
      headers: payload === undefined ? {} : { 'content-type': 'application/json' },
    });
    req.on('error', (error) => (options.signal?.aborted ? resolve('aborted') : reject(error)));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.end(payload);
  });
}

/** The current backend row's backend, shared by the row's tests (each test makes its own app). */
let backend: StreamBackend;
let t: AnyTestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function listening(): Promise<{ t: AnyTestApp; base: string }> {
  t = await buildTestAppOn(backend);
  const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
  return { t, base: address };
}

describe.each(httpBackendMatrix())('on $name', (row) => {
  const env = useHttpBackend(row);
  beforeAll(() => {
    backend = env.backend;
  });

  describe('long-poll over HTTP', () => {
    it('a client that goes away stops its XREAD wait', async () => {
      const { t, base } = await listening();
      const s = streamName();
      await call(t.app, 'POST', streamPath(s, 'messages'), { fields: { a: '1' } });
      const client = new AbortController();
      const request = send(`${base}${streamPath(s, 'messages')}?after=$&waitMs=30000`, { signal: client.signal });
      await until(() => t.backend.waiterCount === 1);
      client.abort();
      expect(await request).toBe('aborted');
      await until(() => t.backend.waiterCount === 0);
    });

    it('a client that goes away stops its XREADGROUP wait, and nothing is delivered to it', async () => {
      const { t, base } = await listening();
      const s = streamName();
      await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'g', mkStream: true });
      const client = new AbortController();
      const request = send(`${base}${streamPath(s, 'groups', 'g', 'consumers', 'c', 'read')}`, { method: 'POST', body: { waitMs: 30000 }, signal: client.signal });
      await until(() => t.backend.waiterCount === 1);
      client.abort();
      expect(await request).toBe('aborted');
      await until(() => t.backend.waiterCount === 0);
      await call(t.app, 'POST', streamPath(s, 'messages'), { fields: { a: '1' } });
      expect((await call(t.app, 'GET', streamPath(s, 'groups', 'g'))).json()).toMatchObject({ pending: 0, lag: 1 });
    });

    it('a POST long-poll is not cut short once its body has been read', async () => {
      const { t, base } = await listening();
      const s = streamName();
      await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'g', mkStream: true });
      const response = send(`${base}${streamPath(s, 'groups', 'g', 'consumers', 'c', 'read')}`, { method: 'POST', body: { waitMs: 30000 } });
      await until(() => t.backend.waiterCount === 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(t.backend.waiterCount).toBe(1);
      await call(t.app, 'POST', streamPath(s, 'messages'), { id: '1-0', fields: { a: '1' } });
      expect(await response).toEqual({ status: 200, body: { messages: [{ id: '1-0', fields: { a: '1' }, deliveryCount: 1 }] } });
    });

    it('closing the app answers waiting long-polls at once with no messages', async () => {
      const { t, base } = await listening();
      const s = streamName();
      await call(t.app, 'POST', streamPath(s, 'messages'), { fields: { a: '1' } });
      const response = send(`${base}${streamPath(s, 'messages')}?after=$&waitMs=30000`);
      await until(() => t.backend.waiterCount === 1);
      const started = Date.now();
      await t.app.close();
      expect(await response).toEqual({ status: 200, body: { messages: [] } });
      expect(Date.now() - started).toBeLessThan(2000);
    });
  });
});

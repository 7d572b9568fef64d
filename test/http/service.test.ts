import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamBackend } from '../../src/backends/contract.js';
import { createEmbeddedBackend } from '../../src/backends/embedded/embedded-backend.js';
import { StreamError } from '../../src/domain/errors.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { buildTestApp, call, streamName, streamPath, type TestApp } from '../helpers/app.js';
import { expectProblem } from './expect-problem.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

/** The app over an embedded backend with some methods replaced. */
async function appWith(overrides: Partial<StreamBackend>) {
  const backend = createEmbeddedBackend();
  const app = buildApp({ backend: Object.assign(Object.create(backend), overrides), config: loadConfig({}) });
  await app.ready();
  return { app, close: async () => (await app.close(), await backend.close()) };
}

describe('service routes', () => {
  it('GET /healthz and /readyz answer 200', async () => {
    expect((await call(t.app, 'GET', '/healthz')).json()).toEqual({ status: 'ok' });
    expect((await call(t.app, 'GET', '/readyz')).json()).toEqual({ status: 'ready' });
  });

  it('/readyz and the API answer 503 STORAGE_UNAVAILABLE until the backend is ready', async () => {
    const loading = await appWith({ isReady: () => false });
    try {
      expect((await call(loading.app, 'GET', '/healthz')).statusCode).toBe(200);
      expectProblem(await call(loading.app, 'GET', '/readyz'), 503, 'STORAGE_UNAVAILABLE');
      expectProblem(await call(loading.app, 'GET', '/v1/streams'), 503, 'STORAGE_UNAVAILABLE');
    } finally {
      await loading.close();
    }
  });

  it('GET /metrics exposes default metrics and request durations by route', async () => {
    await call(t.app, 'GET', streamPath(streamName()));
    const r = await call(t.app, 'GET', '/metrics');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body).toContain('process_cpu_user_seconds_total');
    expect(r.body).toMatch(/http_request_duration_seconds_count\{route="\/v1\/streams\/:stream",method="GET",status="404"\} \d+/);
  });

  it('keeps metrics per app', async () => {
    const other = await buildTestApp();
    try {
      expect((await call(other.app, 'GET', '/metrics')).body).not.toContain('route="/v1/streams/:stream"');
    } finally {
      await other.close();
    }
  });

  it('echoes a sane x-request-id and generates one otherwise', async () => {
    const given = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const generated = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id\u0001' } });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const doc = (await call(t.app, 'GET', '/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/v1/streams/{stream}/messages'].post.operationId).toBe('appendMessage');
    const ui = await call(t.app, 'GET', '/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });

  it('sends no CORS headers by default, and allows configured origins', async () => {
    const plain = await t.app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://a.example' } });
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
    const cors = await buildTestApp({ corsOrigins: ['https://a.example'] });
    try {
      const allowed = await cors.app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://a.example' } });
      expect(allowed.headers['access-control-allow-origin']).toBe('https://a.example');
      const other = await cors.app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://b.example' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await cors.app.inject({
        method: 'OPTIONS',
        url: streamPath('s', 'messages'),
        headers: { origin: 'https://a.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.statusCode).toBe(204);
    } finally {
      await cors.close();
    }
  });
});

describe('errors', () => {
  it('unknown routes are 404 NOT_FOUND problems', async () => {
    expectProblem(await call(t.app, 'GET', '/nope'), 404, 'NOT_FOUND');
    expectProblem(await call(t.app, 'POST', '/v1/streams'), 404, 'NOT_FOUND');
    expectProblem(await call(t.app, 'PATCH', streamPath('s', 'messages')), 404, 'NOT_FOUND');
    expectProblem(await call(t.app, 'GET', '/v1/streams/s/nope'), 404, 'NOT_FOUND');
  });

  it('a body over BODY_LIMIT_BYTES is 413 PAYLOAD_TOO_LARGE', async () => {
    const small = await buildTestApp({ bodyLimitBytes: 1024 });
    try {
      const s = streamName();
      expectProblem(await call(small.app, 'POST', streamPath(s, 'messages'), { fields: { a: 'x'.repeat(2000) } }), 413, 'PAYLOAD_TOO_LARGE');
      expectProblem(await call(small.app, 'GET', streamPath(s)), 404, 'NO_STREAM');
    } finally {
      await small.close();
    }
  });

  it('bad JSON, prototype poisoning and wrong content types are 4xx VALIDATION', async () => {
    const url = streamPath(streamName(), 'messages');
    const send = (payload: string, type = 'application/json') => t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': type } });
    expectProblem(await send('{"fields":'), 400, 'VALIDATION');
    const poisoned = expectProblem(await send('{"fields":{"__proto__":{"a":"b"}}}'), 400, 'VALIDATION');
    expect(poisoned).toMatch(/object key "__proto__".*send fields as \[name, value\] pairs/);
    expect(expectProblem(await send('{"fields":{"__proto__":"x"}}'), 400, 'VALIDATION')).toBe(poisoned);
    expect(expectProblem(await send('{"fields":{"\\u005f_proto__":{"a":"b"}}}'), 400, 'VALIDATION')).toBe(poisoned);
    const constructor = expectProblem(await send('{"fields":{"constructor":{"prototype":{"a":"b"}}}}'), 400, 'VALIDATION');
    expect(constructor).toMatch(/object key "constructor" holding a "prototype"/);
    expect(expectProblem(await send('{"fields":{"\\u0063onstructor":{"prototype":{"a":"b"}}}}'), 400, 'VALIDATION')).toBe(constructor);
    // The pairs form stores such names as any other.
    expect((await send('{"fields":[["__proto__","x"],["constructor","y"]]}')).statusCode).toBe(201);
    expect((await send('{"fields":{"constructor":"y"}}')).statusCode).toBe(201);
    expect(expectProblem(await send('{"fields":'), 400, 'VALIDATION')).toMatch(/^the body is not valid JSON: /);
    expect((await send('\uFEFF{"fields":{"a":"b"}}')).statusCode).toBe(201);
    expect((await send('{"fields":{"a":"__proto__ constructor \\u0041"}}')).statusCode).toBe(201);
    expectProblem(await send(''), 400, 'VALIDATION');
    expectProblem(await send('fields=a', 'text/plain'), 415, 'VALIDATION');
    expectProblem(await send('<fields/>', 'application/xml'), 415, 'VALIDATION');
  });

  it('an unexpected error is a 500 INTERNAL problem that hides the cause', async () => {
    const broken = await appWith({
      streamInfo: async () => {
        throw new TypeError('secret detail');
      },
    });
    try {
      const detail = expectProblem(await call(broken.app, 'GET', streamPath('s')), 500, 'INTERNAL');
      expect(detail).not.toContain('secret');
    } finally {
      await broken.close();
    }
  });

  it('storage faults are 503 STORAGE_UNAVAILABLE', async () => {
    const failing = await appWith({
      append: async () => {
        throw new StreamError('STORAGE_UNAVAILABLE', 'fsync failed');
      },
    });
    try {
      expect(expectProblem(await call(failing.app, 'POST', streamPath('s', 'messages'), { fields: { a: '1' } }), 503, 'STORAGE_UNAVAILABLE')).toBe('fsync failed');
    } finally {
      await failing.close();
    }
  });
});

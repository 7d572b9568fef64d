import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, streamPath, type TestApp } from '../../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('CORS', () => {
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

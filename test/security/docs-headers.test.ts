import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

describe('/docs', () => {
  it('carries helmet security headers, and its page and assets still load', async () => {
    for (const url of ['/docs/', '/docs/static/index.html', '/docs/static/swagger-initializer.js', '/docs/json']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBeLessThan(400);
      expect(response.headers['content-security-policy'], url).toMatch(/default-src 'self'/);
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(response.headers['x-frame-options'], url).toBe('SAMEORIGIN');
    }
  });

  it('leaves the API answers alone', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/streams' });
    expect(response.headers['content-security-policy']).toBeUndefined();
  });
});

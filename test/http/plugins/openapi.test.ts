import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('the OpenAPI plugin', () => {
  it('serves the OpenAPI document and Swagger UI', async () => {
    const doc = (await call(t.app, 'GET', '/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/v1/streams/{stream}/messages'].post.operationId).toBe('appendMessage');
    const ui = await call(t.app, 'GET', '/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });
});

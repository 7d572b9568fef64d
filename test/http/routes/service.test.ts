import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamBackend } from '../../../src/backends/contract.js';
import { createEmbeddedBackend } from '../../../src/backends/embedded/embedded-backend.js';
import { loadConfig } from '../../../src/config.js';
import { buildApp } from '../../../src/http/app.js';
import { buildTestApp, call, type TestApp } from '../../helpers/app.js';
import { expectProblem } from '../../helpers/expect-problem.js';

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
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamBackend } from '../../../src/backends/contract.js';
import { createEmbeddedBackend } from '../../../src/backends/embedded/embedded-backend.js';
import { loadConfig } from '../../../src/config.js';
import { buildApp } from '../../../src/http/app.js';
import { buildTestAppOn, call, type AnyTestApp } from '../../helpers/app.js';
import { httpBackendMatrix, useHttpBackend } from '../../helpers/backends.js';
import { expectProblem } from '../../helpers/expect-problem.js';


/** The app over an embedded backend with some methods replaced. */
async function appWith(overrides: Partial<StreamBackend>) {
  const backend = createEmbeddedBackend();
  const app = buildApp({ backend: Object.assign(Object.create(backend), overrides), config: loadConfig({}) });
  await app.ready();
  return { app, close: async () => (await app.close(), await backend.close()) };
}

describe.each(httpBackendMatrix())('service routes on $name', (row) => {
  const env = useHttpBackend(row);
  let t: AnyTestApp;
  beforeAll(async () => {
    t = await buildTestAppOn(env.backend);
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET /healthz and /readyz answer 200', async () => {
    expect((await call(t.app, 'GET', '/healthz')).json()).toEqual({ status: 'ok' });
    expect((await call(t.app, 'GET', '/readyz')).json()).toEqual({ status: 'ready' });
  });
});

// The readiness gate is the route's own: one backend (embedded, isReady replaced) shows it for all.
describe('service routes: the readiness gate', () => {
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

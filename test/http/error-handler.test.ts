import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamBackend } from '../../src/backends/contract.js';
import { createEmbeddedBackend } from '../../src/backends/embedded/embedded-backend.js';
import { StreamError } from '../../src/domain/errors.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { buildTestApp, call, streamName, streamPath, type TestApp } from '../helpers/app.js';
import { expectProblem } from '../helpers/expect-problem.js';

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

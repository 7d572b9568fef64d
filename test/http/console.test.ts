import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler, notFoundHandler } from '../../src/http/error-handler.js';
import { consolePlugin } from '../../src/http/plugins/console.js';
import { buildTestApp } from '../helpers/app.js';

async function serve(root: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  await app.register(consolePlugin, { root });
  await app.ready();
  return app;
}

describe('the console plugin', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'streamgate-console-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers a problem that says to run npm run build when the console is not built', async () => {
    const app = await serve(join(dir, 'missing'));
    for (const url of ['/ui', '/ui/', '/ui/streams/orders']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code: 'NOT_FOUND', status: 404 });
      expect(res.json().detail).toContain('npm run build');
    }
    await app.close();
  });

  it('answers the page for every console path and the files under /ui/assets/', async () => {
    const root = join(dir, 'built');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(root, 'assets', 'console.js'), 'export {};\n');
    const app = await serve(root);
    for (const url of ['/ui', '/ui/', '/ui/streams/orders', '/ui/streams/a%2Fb/groups/g']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<title>console</title>');
    }
    const script = await app.inject({ url: '/ui/assets/console.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toContain('javascript');
    const missing = await app.inject({ url: '/ui/assets/nothing.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NOT_FOUND');
    await app.close();
  });

  it('is not part of the OpenAPI document', async () => {
    const t = await buildTestApp();
    const paths = Object.keys((await t.app.inject({ url: '/openapi.json' })).json().paths);
    expect(paths.some((p) => p.startsWith('/ui'))).toBe(false);
    expect(paths).toContain('/v1/streams');
    await t.close();
  });
});

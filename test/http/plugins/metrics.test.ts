import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, streamName, streamPath, type TestApp } from '../../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('metrics', () => {
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
});

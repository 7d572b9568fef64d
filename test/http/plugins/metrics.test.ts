import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createBackend } from '../../../src/backends/create-backend.js';
import { loadConfig } from '../../../src/config.js';
import { buildApp } from '../../../src/http/app.js';
import { storageTimingsMetrics } from '../../../src/http/plugins/metrics.js';
import { buildTestApp, call, streamName, streamPath, type TestApp } from '../../helpers/app.js';
import { openSse } from '../../helpers/sse.js';
import { useTempDirs } from '../../storage/helpers/temp-dir.js';

const tempDir = useTempDirs();

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

/** The value of one sample line of the exposition, or undefined. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.startsWith(`${name}{`) ? line.slice(name.length + 1, line.indexOf('}')) : '';
    if (want.every((w) => labelText.split(',').includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

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

  it('reports per stream and per group: length, lag, pending, consumers, oldest pending age', async () => {
    const s = streamName();
    await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), { messages: [{ fields: { a: '1' } }, { fields: { a: '2' } }, { fields: { a: '3' } }] });
    await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'g', startId: '0' });
    await call(t.app, 'POST', streamPath(s, 'groups', 'g', 'consumers', 'c', 'read'), { count: 2 });
    const body = (await call(t.app, 'GET', '/metrics')).body;
    expect(sample(body, 'streamgate_stream_length', { stream: s })).toBe(3);
    expect(sample(body, 'streamgate_group_lag', { stream: s, group: 'g' })).toBe(1);
    expect(sample(body, 'streamgate_group_pending', { stream: s, group: 'g' })).toBe(2);
    expect(sample(body, 'streamgate_group_consumers', { stream: s, group: 'g' })).toBe(1);
    const age = sample(body, 'streamgate_group_oldest_pending_age_seconds', { stream: s, group: 'g' })!;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(60);

    await call(t.app, 'POST', streamPath(s, 'groups', 'g', 'acks'), { ids: (await call(t.app, 'GET', streamPath(s, 'messages'))).json().messages.map((m: { id: string }) => m.id) });
    const fresh = (await call(t.app, 'GET', '/metrics')).body;
    expect(sample(fresh, 'streamgate_group_pending', { stream: s, group: 'g' })).toBe(0);
    expect(sample(fresh, 'streamgate_group_oldest_pending_age_seconds', { stream: s, group: 'g' })).toBeUndefined();
  });

  it('tracks at most METRICS_STREAMS streams, the first by name', async () => {
    const capped = await buildTestApp({ metricsStreams: 2 });
    try {
      for (const name of ['c', 'a', 'b']) await call(capped.app, 'POST', streamPath(name, 'messages'), { fields: { x: '1' } });
      const body = (await call(capped.app, 'GET', '/metrics')).body;
      expect(sample(body, 'streamgate_stream_length', { stream: 'a' })).toBe(1);
      expect(sample(body, 'streamgate_stream_length', { stream: 'b' })).toBe(1);
      expect(sample(body, 'streamgate_stream_length', { stream: 'c' })).toBeUndefined();
    } finally {
      await capped.close();
    }
  });

  it('measures long-polls and event streams apart from request latency, and counts what waits now', async () => {
    const t = await buildTestApp();
    onTestFinished(() => t.close());
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const s = streamName();
    await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'g', mkStream: true });
    const poll = fetch(`${base}${streamPath(s, 'groups', 'g', 'consumers', 'c', 'read')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ waitMs: 200 }),
    });
    const sse = await openSse(`${base}${streamPath(s, 'events')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const during = (await call(t.app, 'GET', '/metrics')).body;
    expect(sample(during, 'streamgate_sse_streams_open')).toBe(1);
    expect(sample(during, 'streamgate_waiting_reads')).toBe(2);
    await poll;
    sse.close();
    await sse.closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const body = (await call(t.app, 'GET', '/metrics')).body;
    const route = '/v1/streams/:stream/groups/:group/consumers/:consumer/read';
    expect(sample(body, 'streamgate_long_poll_duration_seconds_count', { route, status: '200' })).toBe(1);
    expect(sample(body, 'http_request_duration_seconds_count', { route })).toBeUndefined();
    expect(sample(body, 'streamgate_sse_connection_seconds_count')).toBe(1);
    expect(sample(body, 'streamgate_sse_streams_open')).toBe(0);
    expect(sample(body, 'http_request_duration_seconds_count', { route: '/v1/streams/:stream/events' })).toBeUndefined();
  });

  it('reports log write, fdatasync and snapshot times of the embedded store', async () => {
    const registry = new Registry();
    const dir = await tempDir();
    const config = { ...loadConfig({}), dataDir: dir, fsync: 'always' as const, snapshotLogBytes: 1024 };
    const backend = await createBackend(config, { logger: { info() {}, warn() {}, error() {} }, storageTimings: storageTimingsMetrics(registry) });
    const app = buildApp({ backend, config, metrics: registry });
    try {
      await app.ready();
      for (let i = 0; i < 20; i++) await app.inject({ method: 'POST', url: streamPath('s', 'messages'), payload: { fields: { n: String(i), pad: 'x'.repeat(100) } } });
      await backend.close();
      const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(sample(body, 'streamgate_storage_log_write_seconds_count')).toBeGreaterThanOrEqual(20);
      expect(sample(body, 'streamgate_storage_fsync_seconds_count')).toBeGreaterThanOrEqual(20);
      expect(sample(body, 'streamgate_storage_log_write_bytes_sum')).toBeGreaterThan(20 * 100);
      expect(sample(body, 'streamgate_storage_snapshot_seconds_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    } finally {
      await app.close();
    }
  });
});

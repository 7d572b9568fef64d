/**
 * NDJSON ingest holds one chunk per request, not the body: a server process
 * on the Redis backend (so the stored entries live in redis-server, not in the
 * process measured) takes a 200,000-line body of ~56 MB in one request, and
 * its peak resident memory (VmHWM) grows by far less than the body. Its V8
 * old space is capped at 64 MB: with the default heap, V8 lets garbage (the
 * chunks already written) pile up to ~70 MB before collecting, which would
 * hide a real leak; capped, growth is what the request holds.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../../helpers/server-process.js';
import { redisServerAvailable, startRedisServer, type RedisServerHandle } from '../../helpers/redis-server.js';

const LINES = 200_000;
const PADDING = 'x'.repeat(260);

/** A status line of /proc/<pid>/status, in bytes. */
function procBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) * 1024;
}

/** Streams `lines` NDJSON lines to `url` in writes of 500 lines, waiting for 'drain' as a well-behaved client does. */
function ingest(url: string, stream: string, lines: number): Promise<{ status: number; body: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const req = httpRequest(`${url}/v1/streams/${stream}/messages/batch`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body, bytes }));
    });
    req.on('error', reject);
    let sent = 0;
    const writeSome = (): void => {
      while (sent < lines) {
        let text = '';
        for (let i = 0; i < 500 && sent < lines; i++, sent++) text += `{"fields":{"n":"${sent}","pad":"${PADDING}"}}\n`;
        bytes += text.length;
        if (!req.write(text)) return void req.once('drain', writeSome);
      }
      req.end();
    };
    writeSome();
  });
}

describe.skipIf(!redisServerAvailable() && process.env.REQUIRE_REDIS !== '1')('NDJSON ingest memory', () => {
  let redis: RedisServerHandle;
  let server: ServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
    server = await startServer({
      BACKEND: 'redis',
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      REQUEST_TIMEOUT_MS: '300000',
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=64`,
    });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
  });

  it(`takes ${LINES} lines in one request with peak RSS growing far less than the body`, async () => {
    const pid = server.child.pid!;
    // Warm-up: compiled code, connection buffers and the first chunks' garbage are in the baseline.
    expect((await ingest(server.url, 'warm', 20_000)).status).toBe(201);
    const before = procBytes(pid, 'VmHWM');
    const { status, body, bytes } = await ingest(server.url, 'big', LINES);
    const growth = procBytes(pid, 'VmHWM') - before;
    expect(status, body).toBe(201);
    expect(JSON.parse(body)).toMatchObject({ appended: LINES, duplicates: 0 });
    expect(bytes).toBeGreaterThan(50 * 1024 * 1024);
    // A server that kept the body (or its lines, or its messages) would grow by more than the body's size.
    console.info(`NDJSON ingest: ${(bytes / 1048576).toFixed(1)} MB body, peak RSS growth ${(growth / 1048576).toFixed(1)} MB`);
    expect(growth).toBeLessThan(bytes / 3);
  }, 180_000);
});

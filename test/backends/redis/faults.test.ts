/**
 * Redis stopped and restarted under load, through the HTTP app: while it is
 * down every failing request is a 503 STORAGE_UNAVAILABLE and /readyz says
 * not ready; parked readers are answered or errored cleanly; the service is
 * back by itself once Redis is, without a restart of streamgate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '../../../src/backends/redis/redis-backend.js';
import { buildTestAppOn, streamPath, type TestAppOn } from '../../helpers/app.js';
import { serverKindAvailable } from '../../helpers/redis-cluster.js';
import { freePort, startRedisServer, type RedisServerHandle } from '../../helpers/redis-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!serverKindAvailable('redis'))('Redis going away and coming back', () => {
  let server: RedisServerHandle;
  let backend: RedisBackend;
  let t: TestAppOn<RedisBackend>;

  beforeAll(async () => {
    server = await startRedisServer();
    backend = new RedisBackend({ connection: { host: '127.0.0.1', port: server.port, tls: false, db: 0, clusterNodes: [] } });
    await backend.connected();
    t = await buildTestAppOn(backend);
  });

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await server?.stop();
  });

  it('answers 503 STORAGE_UNAVAILABLE while down, and recovers by itself', async () => {
    const stream = 'faults';
    const statuses: { status: number; code?: string; phase: string }[] = [];
    let phase = 'up';
    let running = true;
    const load = (async () => {
      let i = 0;
      while (running) {
        const response = await t.app.inject({ method: 'POST', url: streamPath(stream, 'messages'), payload: { fields: { i: String(i++) } } });
        statuses.push({ status: response.statusCode, code: response.statusCode >= 400 ? response.json().code : undefined, phase });
        const read = await t.app.inject({ method: 'GET', url: `${streamPath(stream, 'messages')}?count=1` });
        statuses.push({ status: read.statusCode, code: read.statusCode >= 400 ? read.json().code : undefined, phase });
        await sleep(2);
      }
    })();
    // A long-poll parked while Redis goes away is answered (empty) or errored (503), never left hanging.
    await t.app.inject({ method: 'POST', url: streamPath('faults-parked', 'messages'), payload: { fields: { k: 'v' } } });
    const parked = t.app.inject({ method: 'GET', url: `${streamPath('faults-parked', 'messages')}?after=$&waitMs=3000` });

    await sleep(200);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    phase = 'down';
    await server.stop();
    await sleep(300);
    expect(backend.isReady()).toBe(false);
    const notReady = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect([notReady.statusCode, notReady.json().code]).toEqual([503, 'STORAGE_UNAVAILABLE']);
    await sleep(300);

    const port = server.port;
    server = await startRedisServer({ port });
    phase = 'back';
    const deadline = Date.now() + 10_000;
    while (!backend.isReady() && Date.now() < deadline) await sleep(20);
    expect(backend.isReady()).toBe(true);
    await sleep(300);
    running = false;
    await load;

    const parkedAnswer = await parked;
    // The restarted server is empty (no persistence here): the parked stream is gone, which is NO_STREAM.
    const answer = parkedAnswer.statusCode === 200 ? 'ok' : parkedAnswer.json().code;
    expect(['ok', 'STORAGE_UNAVAILABLE', 'NO_STREAM'], parkedAnswer.body).toContain(answer);

    const failures = statuses.filter((s) => s.status >= 400);
    expect(failures.every((s) => s.status === 503 && s.code === 'STORAGE_UNAVAILABLE')).toBe(true);
    expect(statuses.some((s) => s.phase === 'up' && s.status < 300)).toBe(true);
    expect(statuses.filter((s) => s.phase === 'down').length).toBeGreaterThan(10);
    expect(statuses.some((s) => s.phase === 'down' && s.status === 503)).toBe(true);
    expect(statuses.some((s) => s.phase === 'back' && s.status < 300)).toBe(true);
    const after = await t.app.inject({ method: 'POST', url: streamPath(stream, 'messages'), payload: { fields: { after: 'restart' } } });
    expect(after.statusCode).toBe(201);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  }, 30_000);
});

describe.skipIf(!serverKindAvailable('redis'))('Redis unreachable at start', () => {
  it('serves 503s and a not-ready /readyz until Redis comes up, then serves', async () => {
    const port = await freePort();
    const backend = new RedisBackend({ connection: { host: '127.0.0.1', port, tls: false, db: 0, clusterNodes: [] } });
    const t = await buildTestAppOn(backend);
    let server: RedisServerHandle | undefined;
    try {
      await sleep(200);
      expect(backend.isReady()).toBe(false);
      expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
      const refused = await t.app.inject({ method: 'POST', url: streamPath('early', 'messages'), payload: { fields: { k: 'v' } } });
      expect([refused.statusCode, refused.json().code]).toEqual([503, 'STORAGE_UNAVAILABLE']);
      server = await startRedisServer({ port });
      await backend.connected();
      expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      const accepted = await t.app.inject({ method: 'POST', url: streamPath('early', 'messages'), payload: { fields: { k: 'v' } } });
      expect(accepted.statusCode).toBe(201);
    } finally {
      await t.close();
      await backend.close();
      await server?.stop();
    }
  }, 30_000);
});

describe.skipIf(!serverKindAvailable('redis'))('Redis frozen (SIGSTOP: sockets open, no replies)', () => {
  let server: RedisServerHandle;
  let backend: RedisBackend;
  let t: TestAppOn<RedisBackend>;
  const commandTimeoutMs = 300;

  beforeAll(async () => {
    server = await startRedisServer();
    backend = new RedisBackend({ connection: { host: '127.0.0.1', port: server.port, tls: false, db: 0, clusterNodes: [], commandTimeoutMs } });
    await backend.connected();
    t = await buildTestAppOn(backend);
  });

  afterAll(async () => {
    server?.resume();
    await t?.close();
    await backend?.close();
    await server?.stop();
  });

  it('answers 503 STORAGE_UNAVAILABLE after REDIS_COMMAND_TIMEOUT_MS instead of hanging, and serves again once it resumes', async () => {
    const stream = 'frozen';
    expect((await t.app.inject({ method: 'POST', url: streamPath(stream, 'messages'), payload: { fields: { n: '0' } } })).statusCode).toBe(201);
    server.pause();
    try {
      const started = performance.now();
      const [write, read] = await Promise.all([
        t.app.inject({ method: 'POST', url: streamPath(stream, 'messages'), payload: { fields: { n: '1' } } }),
        t.app.inject({ method: 'GET', url: `${streamPath(stream, 'messages')}?count=10` }),
      ]);
      const elapsed = performance.now() - started;
      for (const response of [write, read]) expect([response.statusCode, response.json().code]).toEqual([503, 'STORAGE_UNAVAILABLE']);
      // The deadline ends them, not the server: well before it resumes (generous for a loaded machine).
      expect(elapsed).toBeGreaterThanOrEqual(commandTimeoutMs - 20);
      expect(elapsed).toBeLessThan(commandTimeoutMs + 2_500);
    } finally {
      server.resume();
    }
    // The connection was kept: the next requests are answered, and replies are matched to their commands again.
    const after = await t.app.inject({ method: 'POST', url: streamPath(stream, 'messages'), payload: { fields: { n: '2' } } });
    expect(after.statusCode).toBe(201);
    const range = await t.app.inject({ method: 'GET', url: `${streamPath(stream, 'messages')}?count=10` });
    expect(range.statusCode).toBe(200);
    const values = range.json().messages.map((m: { fields: { n: string } }) => m.fields.n);
    // The timed-out write may or may not have been applied (its outcome is unknown to the client), never twice.
    expect(values[0]).toBe('0');
    expect(values.at(-1)).toBe('2');
    expect(values.length === 2 || (values.length === 3 && values[1] === '1')).toBe(true);
  });
});

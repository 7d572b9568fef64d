/**
 * Redis's own refusals as catalogue errors: a server at maxmemory with noeviction refuses writes with
 * `OOM command not allowed when used memory > 'maxmemory'`, which is 507 OUT_OF_MEMORY (never 500/503),
 * while reads, group reads, acks and deletes keep working and a refused write changes nothing.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRedisMessage } from '../../../src/backends/redis/errors.js';
import { RedisBackend } from '../../../src/backends/redis/redis-backend.js';
import { buildTestAppOn, call, json, readGroup, streamPath, type TestAppOn } from '../../helpers/app.js';
import { expectProblem } from '../../helpers/expect-problem.js';
import { redisKind, valkeyKind, type ServerKind } from '../../helpers/redis-cluster.js';
import { startRedisServer, type RedisServerHandle } from '../../helpers/redis-server.js';

describe('fromRedisMessage', () => {
  it('maps OOM to OUT_OF_MEMORY and keeps Redis wording; tagged and script-located errors too', () => {
    const oom = fromRedisMessage("OOM command not allowed when used memory > 'maxmemory'.");
    expect(oom.code).toBe('OUT_OF_MEMORY');
    expect(oom.message).toBe("OOM command not allowed when used memory > 'maxmemory'.");
    const inScript = fromRedisMessage(`OOM command not allowed when used memory > 'maxmemory'. script: ${'a'.repeat(40)}, on @user_script:12.`);
    expect(inScript.code).toBe('OUT_OF_MEMORY');
    expect(fromRedisMessage('LOADING Redis is loading the dataset in memory').code).toBe('STORAGE_UNAVAILABLE');
  });
});

const kinds = [redisKind(), valkeyKind()].filter((k): k is ServerKind => k !== null);

describe.each(kinds.map((kind) => ({ name: kind.name, kind })))('maxmemory with noeviction on $name', ({ kind }) => {
  let server: RedisServerHandle;
  let backend: RedisBackend;
  let t: TestAppOn<RedisBackend>;
  const stream = 'oom';
  const value = 'v'.repeat(50_000);

  beforeAll(async () => {
    server = await startRedisServer({ bin: kind.server, args: ['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'] });
    backend = new RedisBackend({ connection: { host: '127.0.0.1', port: server.port, tls: false, db: 0, clusterNodes: [] } });
    await backend.connected();
    t = await buildTestAppOn(backend);
  }, 30_000);

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await server?.stop();
  });

  it('writes answer 507 OUT_OF_MEMORY; reads, group reads, acks, deletes and trims still work', async () => {
    expect((await call(t.app, 'POST', streamPath(stream, 'groups'), { name: 'g', startId: '0', mkStream: true })).statusCode).toBe(201);
    // A group with a delivery policy holding one entry: its reads and claims need memory for the deadlines.
    expect((await call(t.app, 'POST', streamPath(stream, 'groups'), { name: 'p', startId: '0', policy: { ackDeadlineMs: 60_000 } })).statusCode).toBe(201);
    const held = json(await call(t.app, 'POST', streamPath(stream, 'messages'), { fields: { small: '1' } })).id as string;
    expect(json(await call(t.app, 'POST', streamPath(stream, 'groups', 'p', 'consumers', 'a', 'read'), {})).messages).toHaveLength(1);
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 200 && refused === undefined; i++) {
      const added = await call(t.app, 'POST', streamPath(stream, 'messages'), { fields: { v: value } });
      statuses.push(added.statusCode);
      if (added.statusCode !== 201) refused = added;
    }
    expect(refused).toBeDefined();
    expect(statuses.every((s) => s === 201 || s === 507)).toBe(true);
    expect(expectProblem(refused!, 507, 'OUT_OF_MEMORY')).toContain('maxmemory');
    const length = json(await call(t.app, 'GET', streamPath(stream))).length as number;
    expect(length).toBe(statuses.length);
    // Redis counts the refused command's own query buffer, so right after a refusal the usage can dip back under
    // maxmemory and the next write pass: set the limit a margin below what is used, so the writes below are refused.
    const admin = new Redis({ host: '127.0.0.1', port: server.port });
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
    await admin.config('SET', 'maxmemory', String(used - 200_000));

    // Other writes that need memory: a batch, a new group, a new consumer; none changes anything.
    expectProblem(await call(t.app, 'POST', streamPath(stream, 'messages', 'batch'), { messages: [{ fields: { v: value } }, { fields: { v: value } }] }), 507, 'OUT_OF_MEMORY');
    expectProblem(await call(t.app, 'POST', streamPath(stream, 'groups'), { name: 'g2', startId: '0' }), 507, 'OUT_OF_MEMORY');
    expectProblem(await call(t.app, 'PUT', streamPath(stream, 'groups', 'g', 'consumers', 'x')), 507, 'OUT_OF_MEMORY');
    expect(json(await call(t.app, 'GET', streamPath(stream))).length).toBe(length);
    expect(json(await call(t.app, 'GET', streamPath(stream, 'groups'))).groups).toHaveLength(2);
    // In the policy group: a read, a claim and an autoclaim are refused before anything is delivered or claimed.
    expectProblem(await call(t.app, 'POST', streamPath(stream, 'groups', 'p', 'consumers', 'b', 'read'), {}), 507, 'OUT_OF_MEMORY');
    expectProblem(await call(t.app, 'POST', streamPath(stream, 'groups', 'p', 'claims'), { consumer: 'b', minIdleMs: 0, ids: [held] }), 507, 'OUT_OF_MEMORY');
    expectProblem(await call(t.app, 'POST', streamPath(stream, 'groups', 'p', 'autoclaim'), { consumer: 'b', minIdleMs: 0 }), 507, 'OUT_OF_MEMORY');
    const pendingInP = json(await call(t.app, 'GET', `${streamPath(stream, 'groups', 'p', 'pending', 'messages')}?count=10`)).messages as { id: string; consumer: string; deliveryCount: number }[];
    expect(pendingInP.map((e) => [e.id, e.consumer, e.deliveryCount])).toEqual([[held, 'a', 1]]);

    // Reads, group reads (a new consumer included), acks, deletes and trims work over the limit.
    const range = await call(t.app, 'GET', `${streamPath(stream, 'messages')}?count=2`);
    expect(range.statusCode).toBe(200);
    const read = await readGroup(t.app, stream, 'c', { count: 3 });
    expect(read.statusCode).toBe(200);
    const ids = (json(read).messages as { id: string }[]).map((m) => m.id);
    expect(ids).toHaveLength(3);
    expect(json(await call(t.app, 'GET', streamPath(stream, 'groups', 'g', 'pending'))).count).toBe(3);
    expect(json(await call(t.app, 'POST', streamPath(stream, 'groups', 'g', 'acks'), { ids })).acknowledged).toBe(3);
    expect((await call(t.app, 'DELETE', `${streamPath(stream, 'messages')}/${encodeURIComponent(ids[0]!)}`)).statusCode).toBeLessThan(300);
    expect((await call(t.app, 'POST', streamPath(stream, 'trim'), { maxLen: 0 })).statusCode).toBe(200);
    expect(json(await call(t.app, 'GET', streamPath(stream))).length).toBe(0);
    // With the memory back (under the server's 2 MB again), writes are accepted again.
    await admin.config('SET', 'maxmemory', '2mb');
    admin.disconnect();
    expect((await call(t.app, 'POST', streamPath(stream, 'messages'), { fields: { v: 'small' } })).statusCode).toBe(201);
  });
});

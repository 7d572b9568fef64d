/**
 * REDIS_WAIT_REPLICAS: a write answers once that many replicas have it (WAIT),
 * and 503 STORAGE_UNAVAILABLE when fewer acknowledged it in time. Also the
 * server version read at connect.
 */
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '../../../src/backends/redis/redis-backend.js';
import { atLeast } from '../../../src/backends/redis/connection.js';
import { StreamError } from '../../../src/domain/errors.js';
import type { RedisConnectionConfig } from '../../../src/config.js';
import { streamName } from '../../helpers/app.js';
import { redisKind, serverKindAvailable, startCluster, valkeyKind } from '../../helpers/redis-cluster.js';
import { startRedisServer, type RedisServerHandle } from '../../helpers/redis-server.js';

const connection = (port: number): RedisConnectionConfig => ({ host: '127.0.0.1', port, tls: false, db: 0, clusterNodes: [] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!serverKindAvailable('redis'))('WAIT after writes', () => {
  let primary: RedisServerHandle;
  let replica: RedisServerHandle | undefined;
  const backends: RedisBackend[] = [];
  const open = async (waitReplicas: number, waitTimeoutMs = 200): Promise<RedisBackend> => {
    const backend = new RedisBackend({ connection: connection(primary.port), waitReplicas, waitTimeoutMs });
    backends.push(backend);
    await backend.connected();
    return backend;
  };

  beforeAll(async () => {
    primary = await startRedisServer({ args: ['--repl-diskless-sync-delay', '0'] });
  });

  afterAll(async () => {
    await Promise.all(backends.map((b) => b.close()));
    await replica?.stop();
    await primary?.stop();
  });

  it('reads INFO server at connect', async () => {
    const backend = await open(0);
    expect(backend.serverVersion).toMatchObject({ server: 'redis', version: primary.version, redisVersion: primary.version });
    expect(atLeast(backend.serverVersion, 7, 0)).toBe(true);
    expect(atLeast(backend.serverVersion, 99, 0)).toBe(false);
  });

  it('with no replica, a write that asks for one is a 503 (applied on the primary, not replicated)', async () => {
    const backend = await open(1, 100);
    const s = streamName();
    const error = await backend.append(s, { id: { kind: 'auto' }, fields: ['k', 'v'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).code).toBe('STORAGE_UNAVAILABLE');
    expect((error as StreamError).message).toContain('0 of 1 replicas');
    expect(await backend.length(s)).toBe(1);
  });

  it('with a replica attached, writes wait for it and answer 2xx', async () => {
    replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
    const admin = new Redis({ host: '127.0.0.1', port: replica.port });
    const deadline = Date.now() + 10_000;
    while (!/master_link_status:up/.test(await admin.info('replication'))) {
      if (Date.now() > deadline) throw new Error('the replica did not sync');
      await sleep(50);
    }
    const backend = await open(1, 2_000);
    const s = streamName();
    const id = await backend.append(s, { id: { kind: 'auto' }, fields: ['k', 'v'] });
    await backend.createGroup(s, 'g', { startId: 0n });
    // WAIT returned: the replica has both writes already.
    expect(await admin.xlen(s)).toBe(1);
    expect(((await admin.xinfo('GROUPS', s)) as unknown[]).length).toBe(1);
    expect(id).not.toBeNull();
    admin.disconnect();
  });
});

describe.skipIf(!serverKindAvailable('valkey'))('feature detection on Valkey', () => {
  it('tells Valkey from Redis and keeps its Redis-compatible version', async () => {
    const server = await startRedisServer({ bin: valkeyKind()!.server });
    const backend = new RedisBackend({ connection: connection(server.port) });
    try {
      await backend.connected();
      expect(backend.serverVersion).toEqual({ server: 'valkey', version: '8.0.1', redisVersion: '7.2.4' });
      expect(atLeast(backend.serverVersion, 7, 2)).toBe(true);
    } finally {
      await backend.close();
      await server.stop();
    }
  });
});

describe.skipIf(!serverKindAvailable('redis'))('WAIT in a Cluster', () => {
  it('runs on the master of the written key (no replicas here: 0 of 1)', async () => {
    const cluster = await startCluster(redisKind()!);
    const backend = new RedisBackend({
      connection: { ...connection(cluster.ports[0]!), clusterNodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })) },
      waitReplicas: 1,
      waitTimeoutMs: 50,
    });
    try {
      await backend.connected();
      // The whole slot map is known (stringNumbers must not reach ioredis's CLUSTER SLOTS refresh: connection.ts).
      await new Promise<void>((resolve) => (backend.client as Cluster).refreshSlotsCache(() => resolve()));
      expect((backend.client as Cluster).slots.filter(Boolean)).toHaveLength(16384);
      for (const s of [streamName(), streamName(), streamName(), streamName()]) {
        const error = await backend.append(s, { id: { kind: 'auto' }, fields: ['k', 'v'] }).catch((e: unknown) => e);
        expect((error as StreamError).code).toBe('STORAGE_UNAVAILABLE');
        expect((error as StreamError).message).toContain('only 0 of 1 replicas');
        expect(await backend.length(s)).toBe(1);
      }
    } finally {
      await backend.close();
      await cluster.stop();
    }
  }, 60_000);
});

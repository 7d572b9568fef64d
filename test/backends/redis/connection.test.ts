/**
 * The standalone client's writes (connection.ts): the commands of one
 * event-loop turn leave in one socket write, in the order they were sent,
 * and a turn's batch goes out while an earlier batch still waits for its
 * replies (ioredis's autopipelining holds it back a round trip); in a
 * Cluster, on each node's connection alike.
 */
import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient, type RedisClient } from '../../../src/backends/redis/connection.js';
import { redisKind, serverKindAvailable, startCluster, type ClusterHandle } from '../../helpers/redis-cluster.js';
import { startRedisServer, type RedisServerHandle } from '../../helpers/redis-server.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe.skipIf(!serverKindAvailable('redis'))('standalone client writes', () => {
  let server: RedisServerHandle;
  let client: Redis;
  let admin: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    const made: RedisClient = createRedisClient({ host: '127.0.0.1', port: server.port, tls: false, db: 0, clusterNodes: [] });
    client = made as Redis;
    admin = new Redis({ host: '127.0.0.1', port: server.port });
    // No offline queue: commands wait for the connection to be ready.
    if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  });

  afterAll(async () => {
    client?.disconnect();
    admin?.disconnect();
    await server?.stop();
  });

  it('sends the commands of one turn in one write, in order', async () => {
    const key = 'turn-order';
    expect(client.stream.writableLength).toBe(0);
    const replies = [client.rpush(key, 'a'), client.rpush(key, 'b'), client.lrange(key, 0, -1)];
    // All three in the socket's buffer, held there until the turn ends, then written at once.
    const encoded = ['*3\r\n$5\r\nrpush\r\n$10\r\nturn-order\r\n$1\r\na\r\n', '*3\r\n$5\r\nrpush\r\n$10\r\nturn-order\r\n$1\r\nb\r\n', '*4\r\n$6\r\nlrange\r\n$10\r\nturn-order\r\n$1\r\n0\r\n$2\r\n-1\r\n'];
    expect(client.stream.writableLength).toBe(encoded.join('').length);
    await nextTurn();
    expect(client.stream.writableLength).toBe(0);
    expect(await Promise.all(replies)).toEqual(['1', '2', ['a', 'b']]); // stringNumbers: integers come as strings
  });

  it("sends a turn's commands while an earlier turn's replies are outstanding", async () => {
    // CLIENT PAUSE WRITE holds every write command's reply (Redis 6.2+); reads and PINGs still answer.
    await admin.call('CLIENT', 'PAUSE', '300', 'WRITE');
    const first = client.set('paused-1', 'x');
    await nextTurn();
    const afterFirst = client.stream.bytesWritten;
    let firstDone = false;
    void first.then(() => (firstDone = true));
    const second = client.set('paused-2', 'y');
    await nextTurn();
    expect(firstDone).toBe(false);
    expect(client.stream.bytesWritten).toBeGreaterThan(afterFirst);
    await admin.call('CLIENT', 'UNPAUSE');
    expect(await Promise.all([first, second])).toEqual(['OK', 'OK']);
  });
});

describe.skipIf(!serverKindAvailable('redis'))('Cluster node writes', () => {
  let cluster: ClusterHandle;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(redisKind()!);
    client = createRedisClient({ host: '127.0.0.1', port: cluster.ports[0]!, tls: false, db: 0, clusterNodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })) }) as Cluster;
    if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  }, 30_000);

  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it("sends the commands of one turn to a key's node in one write, in order", async () => {
    const key = 'node-turn';
    await client.del(key);
    const owner = client.slots[calculateSlot(key)]![0];
    const node = client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner)!;
    expect(node.stream.writableLength).toBe(0);
    const replies = [client.rpush(key, 'a'), client.rpush(key, 'b'), client.lrange(key, 0, -1)];
    expect(node.stream.writableLength).toBeGreaterThan(0);
    await nextTurn();
    expect(node.stream.writableLength).toBe(0);
    expect(await Promise.all(replies)).toEqual(['1', '2', ['a', 'b']]);
  });
});

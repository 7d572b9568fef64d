/**
 * Two streamgate replicas (two RedisBackend instances) over one Redis, and
 * over one Cluster: wake-ups across replicas, fair and exact delivery of a
 * group's entries, and the connections 10,000 parked waiters cost.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { RedisBackend } from '../../../src/backends/redis/redis-backend.js';
import { formatId, makeId, type StreamId } from '../../../src/domain/ids.js';
import { streamName } from '../../helpers/app.js';
import { redisClusterRow, redisStandaloneRow, useBackend } from '../../helpers/backends.js';

const rows = [redisStandaloneRow, redisClusterRow].filter((row) => row.available);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/**
 * Connections each server has from clients named `name` (CLIENT LIST), and
 * how many of them are ioredis's short-lived `ioredis-cluster(refresher)`
 * (CLUSTER SLOTS, every 5 s, closed after). ioredis names a Cluster's
 * connections `ioredis-cluster(<role>):name`.
 */
async function connectionsNamed(ports: number[], name: string): Promise<{ steady: number[]; refreshers: number }> {
  let refreshers = 0;
  const steady = await Promise.all(
    ports.map(async (port) => {
      const admin = new Redis({ host: '127.0.0.1', port });
      const list = (await admin.client('LIST')) as string;
      admin.disconnect();
      const lines = list.split('\n').filter((line) => line.includes(` name=${name} `) || line.includes(`):${name} `));
      const refresh = lines.filter((line) => line.includes('(refresher)')).length;
      refreshers += refresh;
      return lines.length - refresh;
    }),
  );
  return { steady, refreshers };
}

describe.each(rows)('two replicas on $name', (row) => {
  const env = useBackend(row);
  const replicas = async (): Promise<[RedisBackend, RedisBackend]> => [
    env.backend as RedisBackend,
    (await env.servers.makeBackend()) as RedisBackend,
  ];

  it('a read parked on A is woken by an append through B, and by a raw XADD', async () => {
    const [a, b] = await replicas();
    const s = streamName();
    await a.createGroup(s, 'g', { startId: '$', mkStream: true });
    const latencies: number[] = [];
    // The first wakes load the scripts on each node and warm the JIT: 5 of them are not measured.
    for (let i = 0; i < 55; i++) {
      const read = a.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }] }, { waitMs: 5_000 });
      await sleep(2);
      const started = performance.now();
      await b.append(s, { id: { kind: 'auto' }, fields: ['i', String(i)] });
      const result = await read;
      if (i >= 5) latencies.push(performance.now() - started);
      expect(result[0]!.entries.map((e) => e.fields)).toEqual([['i', String(i)]]);
    }
    latencies.sort((x, y) => x - y);
    console.log(`cross-replica wake on ${row.name} (50 wakes): p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`);

    const raw = env.servers.rawClient()!;
    const read = a.readStreams([{ key: s, after: '$' }], undefined, { waitMs: 5_000 });
    await sleep(20);
    const started = performance.now();
    const added = await raw.xadd(s, '*', 'by', 'redis-cli');
    const result = await read;
    console.log(`foreign XADD wake on ${row.name}: ${(performance.now() - started).toFixed(1)} ms (poll interval 50 ms)`);
    expect(result.map((r) => r.entries.map((e) => formatId(e.id)))).toEqual([[added]]);
  });

  it('the appends of one turn to one stream send one wake notice, and every one of them reaches the readers on B', async () => {
    const [a, b] = await replicas();
    const s = streamName();
    await a.createGroup(s, 'g', { startId: '$', mkStream: true });
    const listener = env.servers.rawClient()!;
    const notices: string[] = [];
    listener.on('message', (_channel: string, message: string) => {
      if (message.includes(JSON.stringify(s))) notices.push(message);
    });
    await listener.subscribe('streamgate:wake');
    const read = b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }], count: 100 }, { waitMs: 5_000 });
    await sleep(20);
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => a.append(s, { id: { kind: 'auto' }, fields: ['i', String(i)] })));
    const first = await read;
    const rest = await b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }], count: 100 }, { waitMs: 0 });
    const delivered = [...first, ...rest].flatMap((r) => r.entries.map((e) => e.id));
    expect(delivered).toEqual(ids);
    await sleep(50);
    // Standalone: the notice is queued behind the turn's XADDs; a Cluster sends it after the replies of a turn.
    if (row.cluster) expect(notices.length).toBeGreaterThanOrEqual(1);
    else expect(notices).toHaveLength(1);
  });

  it('SSE room (pendingBelow) parked on A is made by an ack through B', async () => {
    const [a, b] = await replicas();
    const s = streamName();
    await a.createGroup(s, 'g', { startId: 0n, mkStream: true });
    await a.append(s, { id: { kind: 'explicit', id: makeId(1n, 0n) }, fields: ['k', 'v'] });
    await a.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }] }, { waitMs: 0 });
    const room = a.pendingBelow(s, 'g', 'c', 1, { waitMs: 5_000 });
    await sleep(20);
    await b.ack(s, 'g', [makeId(1n, 0n)]);
    expect(await room).toBe(0);
  });

  it('10,000 entries, four consumers over both replicas: none lost, none delivered twice as new', async () => {
    const [a, b] = await replicas();
    const s = streamName();
    const total = 10_000;
    await a.createGroup(s, 'g', { startId: '$', mkStream: true });
    const seen = new Map<StreamId, string>();
    let duplicates = 0;
    let done = false;
    const consume = async (backend: RedisBackend, consumer: string): Promise<number> => {
      let got = 0;
      while (!done) {
        const result = await backend.readGroup({ group: 'g', consumer, streams: [{ key: s, from: '>' }], count: 100 }, { waitMs: 200 });
        const ids = result.flatMap((r) => r.entries.map((e) => e.id));
        for (const id of ids) {
          if (seen.has(id)) duplicates++;
          seen.set(id, consumer);
        }
        got += ids.length;
        if (ids.length > 0) await backend.ack(s, 'g', ids);
        if (seen.size >= total) done = true;
      }
      return got;
    };
    const consumers = [consume(a, 'a1'), consume(b, 'b1'), consume(a, 'a2'), consume(b, 'b2')];
    for (let sent = 0; sent < total; sent += 500) {
      const batch = Array.from({ length: 500 }, (_, i) => ({ id: { kind: 'auto' as const }, fields: ['n', String(sent + i)] }));
      await (sent % 1000 === 0 ? a : b).appendBatch(s, batch, {});
    }
    const counts = await Promise.all(consumers);
    expect(duplicates).toBe(0);
    expect(seen.size).toBe(total);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(total);
    expect(counts.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    expect((await a.pendingSummary(s, 'g')).count).toBe(0);
  }, 60_000);

  it('10,000 parked waiters on one replica use the documented connections per node', async () => {
    const replica = (await env.servers.makeBackend({ connectionName: 'sg-count' })) as RedisBackend;
    const streams = Array.from({ length: 100 }, () => streamName());
    for (const s of streams) await replica.createGroup(s, 'g', { startId: '$', mkStream: true });
    const reads: Promise<unknown>[] = [];
    for (let i = 0; i < 10_000; i++) {
      const s = streams[i % streams.length]!;
      reads.push(
        Math.floor(i / streams.length) % 2 === 0
          ? replica.readGroup({ group: 'g', consumer: `c${i}`, streams: [{ key: s, from: '>' }], count: 1 }, { waitMs: 15_000 })
          : replica.readStreams([{ key: s, after: 0n }], undefined, { waitMs: 15_000 }),
      );
    }
    await sleep(500);
    expect(replica.waiterCount).toBe(10_000);
    const ports = row.cluster ? env.servers.connection!.clusterNodes.map((n) => n.port) : [env.servers.connection!.port];
    const { steady, refreshers } = await connectionsNamed(ports, 'sg-count');
    console.log(`connections of a replica with 10,000 waiters on ${row.name}: ${steady.join(' + ')} (per node), and ${refreshers} slot refresher`);
    // One command connection per master and one subscriber connection in all (plus, at times, ioredis's slot refresher).
    for (const n of steady) expect(n).toBeLessThanOrEqual(2);
    expect(steady.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(ports.length + 1);
    expect(refreshers).toBeLessThanOrEqual(row.cluster ? 1 : 0);
    // 50 group readers (COUNT 1) and 50 XREAD waiters per stream: 50 entries serve them all.
    const started = performance.now();
    for (const s of streams) await replica.appendBatch(s, Array.from({ length: 50 }, () => ({ id: { kind: 'auto' as const }, fields: ['wake', 'up'] })), {});
    const results = await Promise.all(reads);
    console.log(`10,000 waiters served in ${(performance.now() - started).toFixed(0)} ms`);
    const unserved = results.map((r, i) => ((r as unknown[]).length === 1 ? -1 : i)).filter((i) => i >= 0);
    expect(unserved).toEqual([]);
    await replica.close();
  }, 120_000);
});

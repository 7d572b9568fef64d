/**
 * Delivery policies with two replicas (two RedisBackend instances) over one
 * Redis and one Cluster: both run the timers, and when both step the same
 * group at once each due entry is moved by exactly one of them (no duplicate
 * dead letter, no entry taken back twice), whether the dead-letter stream
 * shares the stream's slot (one script) or not (Cluster: the leased two-step
 * move). Members left by a raw XACK (redis-cli) are dropped, not acted on.
 */
import { describe, expect, it } from 'vitest';
import type { RedisBackend } from '../../../src/backends/redis/redis-backend.js';
import { formatId, MAX_ID } from '../../../src/domain/ids.js';
import { DEAD_LETTER_FIELDS } from '../../../src/domain/types.js';
import { streamName } from '../../helpers/app.js';
import { redisClusterRow, redisStandaloneRow, useBackend, valkeyStandaloneRow } from '../../helpers/backends.js';

const rows = [redisStandaloneRow, redisClusterRow, valkeyStandaloneRow].filter((row) => row.available);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ENTRIES = 60;
const ALL = { start: { id: 0n, exclusive: false }, end: { id: MAX_ID, exclusive: false } };

/** The due step is private: the race calls it directly, on both replicas at once, besides their own timers. */
const step = (b: RedisBackend, stream: string, group: string): Promise<unknown> =>
  (b as unknown as { runDue(stream: string, group: string): Promise<unknown> }).runDue(stream, group);

describe.each(rows)('delivery policies on two replicas on $name', (row) => {
  const env = useBackend(row, row.cluster ? { keyPrefix: 'sg:' } : {});
  const replicas = async (): Promise<[RedisBackend, RedisBackend]> => [env.backend as RedisBackend, (await env.servers.makeBackend(row.cluster ? { keyPrefix: 'sg:' } : {})) as RedisBackend];

  async function deliveredOnce(a: RedisBackend, stream: string, policy: object): Promise<string[]> {
    await a.createGroup(stream, 'g', { startId: '$', mkStream: true, policy });
    const ids: string[] = [];
    for (let i = 0; i < ENTRIES; i++) ids.push(formatId((await a.append(stream, { id: { kind: 'auto' }, fields: ['i', String(i)] }))!));
    const [read] = await a.readGroup({ group: 'g', consumer: 'c', streams: [{ key: stream, from: '>' }] }, { waitMs: 0 });
    expect(read!.entries).toHaveLength(ENTRIES);
    return ids;
  }

  const cases = [
    { name: 'a dead-letter stream in its slot', names: () => { const tag = streamName(); return { stream: `{${tag}}s`, dlq: `{${tag}}dlq` }; } },
    { name: 'a dead-letter stream anywhere', names: () => ({ stream: streamName(), dlq: streamName() }) },
  ];

  it.each(cases)('racing on due entries, one replica dead-letters each and the other does nothing ($name)', async ({ names }) => {
    const [a, b] = await replicas();
    const { stream, dlq } = names();
    const ids = await deliveredOnce(a, stream, { ackDeadlineMs: 40, maxDeliveries: 1, deadLetterStream: dlq });
    await sleep(60);
    for (let i = 0; i < 5; i++) await Promise.all([step(a, stream, 'g'), step(b, stream, 'g'), step(a, stream, 'g'), step(b, stream, 'g')]);
    // A replica's own timer may still hold the lease of a two-step move when the awaited steps return: wait for
    // every letter (bounded), then once more, so that a duplicate written late would be seen.
    const deadline = Date.now() + 5_000;
    while ((await a.length(dlq)) < ENTRIES && Date.now() < deadline) await sleep(25);
    await sleep(100);
    const letters = (await a.range(dlq, { start: ALL.start, end: ALL.end }))!;
    const origins = letters.map((e) => {
      const f = e.fields!;
      return f[f.indexOf(DEAD_LETTER_FIELDS.id) + 1];
    });
    expect(origins.sort()).toEqual([...ids].sort());
    expect((await a.pendingSummary(stream, 'g')).count).toBe(0);
  });

  it('racing on entries past their deadline, each is taken back once and redelivered once', async () => {
    const [a, b] = await replicas();
    const stream = streamName();
    const ids = await deliveredOnce(a, stream, { ackDeadlineMs: 40 });
    await sleep(60);
    await Promise.all([step(a, stream, 'g'), step(b, stream, 'g'), step(a, stream, 'g'), step(b, stream, 'g')]);
    const pending = await b.pendingEntries(stream, 'g', { ...ALL, count: 1000 });
    expect(pending.map((p) => [formatId(p.id), p.consumer, p.deliveryCount])).toEqual(ids.map((id) => [id, null, 1]));
    const [first, second] = await Promise.all([
      a.readGroup({ group: 'g', consumer: 'x', streams: [{ key: stream, from: '>' }] }, { waitMs: 0 }),
      b.readGroup({ group: 'g', consumer: 'y', streams: [{ key: stream, from: '>' }] }, { waitMs: 0 }),
    ]);
    const got = [...(first[0]?.entries ?? []), ...(second[0]?.entries ?? [])];
    expect(got.map((e) => formatId(e.id)).sort()).toEqual([...ids].sort());
    expect(new Set(got.map((e) => e.deliveryCount))).toEqual(new Set([2]));
  });

  it('an entry acked by another Redis client is dropped from the due set, never dead-lettered', async () => {
    const [a] = await replicas();
    const stream = streamName();
    const dlq = streamName();
    const ids = await deliveredOnce(a, stream, { ackDeadlineMs: 40, maxDeliveries: 1, deadLetterStream: dlq });
    const raw = env.servers.rawClient()!;
    const prefix = row.cluster ? 'sg:' : '';
    expect(await raw.xack(prefix + stream, 'g', ...ids)).toBe(ENTRIES);
    await sleep(60);
    await step(a, stream, 'g');
    expect(await a.length(dlq)).toBe(0);
    expect(await raw.exists(prefix + dlq)).toBe(0);
  });
});

/**
 * Waiting reads on every backend: woken by our own writes and (Redis) by a
 * foreign client's; ended by abort, timeout, or the group going away.
 */
import { describe, expect, it } from 'vitest';
import { StreamError } from '../../src/domain/errors.js';
import { makeId, type StreamId } from '../../src/domain/ids.js';
import { streamName } from '../helpers/app.js';
import { backendMatrix, useBackend } from '../helpers/backends.js';

const rows = backendMatrix().filter((row) => row.available);
const entry = (n: number) => ({ id: { kind: 'explicit' as const, id: makeId(BigInt(n), 0n) }, fields: ['n', String(n)] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(rows)('blocking reads on $name', (row) => {
  const env = useBackend(row);

  it('a group read parked on an empty stream is woken by an append and gets it with count 1', async () => {
    const b = env.backend;
    const s = streamName();
    await b.createGroup(s, 'g', { startId: '$', mkStream: true });
    const started = Date.now();
    const read = b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }] }, { waitMs: 5_000 });
    await sleep(30);
    const added = await b.append(s, entry(1));
    expect(await read).toEqual([{ key: s, entries: [{ id: added, fields: ['n', '1'], deliveryCount: 1 }] }]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('an XREAD parked on $ is woken by an append, and sees only what came after', async () => {
    const b = env.backend;
    const s = streamName();
    await b.append(s, entry(1));
    const read = b.readStreams([{ key: s, after: '$' }], undefined, { waitMs: 5_000 });
    await sleep(30);
    await b.append(s, entry(2));
    expect(await read).toEqual([{ key: s, entries: [{ id: makeId(2n, 0n), fields: ['n', '2'] }] }]);
  });

  // Only a Redis has other clients: the embedded backend's data is reachable through streamgate alone.
  if (row.kind !== 'embedded') it('a foreign XADD (a plain Redis client) wakes a parked read', async () => {
    const b = env.backend;
    const s = streamName();
    await b.createGroup(s, 'g', { startId: '$', mkStream: true });
    const read = b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }] }, { waitMs: 5_000 });
    await sleep(30);
    const raw = env.servers.rawClient()!;
    const started = Date.now();
    const added = await raw.xadd(s, '*', 'from', 'redis-cli');
    const result = await read;
    expect(result[0]!.entries.map((e) => e.fields)).toEqual([['from', 'redis-cli']]);
    expect(result[0]!.entries[0]!.id.toString()).not.toBe('');
    expect(added).not.toBeNull();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('a timeout answers nothing; an abort answers nothing and takes nothing', async () => {
    const b = env.backend;
    const s = streamName();
    await b.createGroup(s, 'g', { startId: '$', mkStream: true });
    const started = Date.now();
    expect(await b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }] }, { waitMs: 100 })).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    const controller = new AbortController();
    const read = b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }] }, { waitMs: 5_000, signal: controller.signal });
    await sleep(30);
    controller.abort();
    expect(await read).toEqual([]);
    await b.append(s, entry(1));
    await sleep(30);
    expect((await b.pendingSummary(s, 'g')).count).toBe(0);
  });

  it('one new entry goes to exactly one of several parked readers of a group', async () => {
    const b = env.backend;
    const s = streamName();
    await b.createGroup(s, 'g', { startId: '$', mkStream: true });
    const reads = ['a', 'b', 'c'].map((consumer) =>
      b.readGroup({ group: 'g', consumer, streams: [{ key: s, from: '>' }] }, { waitMs: 500 }),
    );
    await sleep(30);
    await b.append(s, entry(1));
    const results = await Promise.all(reads);
    expect(results.flatMap((r) => r.flatMap((x) => x.entries.map((e) => e.id)))).toEqual([makeId(1n, 0n)]);
  });

  it('a parked group read fails NOGROUP when its group is destroyed', async () => {
    const b = env.backend;
    const s = streamName();
    await b.createGroup(s, 'g', { startId: '$', mkStream: true });
    const read = b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }] }, { waitMs: 5_000 }).then(
      () => null,
      (err: unknown) => err,
    );
    await sleep(30);
    await b.destroyGroup(s, 'g');
    const err = await read;
    expect(err).toBeInstanceOf(StreamError);
    expect((err as StreamError).code).toBe('NOGROUP');
  });

  it('pendingBelow waits for an ack to make room', async () => {
    const b = env.backend;
    const s = streamName();
    await b.createGroup(s, 'g', { startId: 0n, mkStream: true });
    for (let i = 1; i <= 2; i++) await b.append(s, entry(i));
    await b.readGroup({ group: 'g', consumer: 'c', streams: [{ key: s, from: '>' }] }, { waitMs: 0 });
    expect(await b.pendingBelow(s, 'g', 'c', 5, { waitMs: 1_000 })).toBe(2);
    expect(await b.pendingBelow(s, 'g', 'c', 2, { waitMs: 50 })).toBe(2);
    const below = b.pendingBelow(s, 'g', 'c', 2, { waitMs: 5_000 });
    await sleep(30);
    await b.ack(s, 'g', [makeId(1n, 0n) as StreamId]);
    expect(await below).toBe(1);
    expect(await b.pendingBelow(streamName(), 'g', 'c', 1, { waitMs: 0 })).toBe(0);
  });
});

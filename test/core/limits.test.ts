import { describe, expect, it } from 'vitest';
import type { CoreLimits } from '../../src/core/keyspace.js';
import { StreamCore } from '../../src/core/stream-core.js';
import { entryBytes } from '../../src/core/reply-budget.js';
import { add, all, bound, code, fmt, id } from './helpers.js';

const KB = 1024;

/** A core with `limits`, and stream `big` holding `n` entries of one `size`-byte value each (IDs 1-0 .. n-0), group `g` at 0. */
function bigCore(limits: Partial<CoreLimits>, n: number, size: number) {
  let now = 1_700_000_000_000;
  const core = new StreamCore({ clock: () => now, limits });
  core.xgroupCreate('big', 'g', { startId: 0n, mkStream: true });
  const value = 'x'.repeat(size);
  for (let i = 1; i <= n; i++) core.xadd('big', { id: add(`${i}-0`), fields: ['v', value] });
  return { core, tick: (ms: number) => (now += ms) };
}

const ids = (entries: { id: bigint }[]) => fmt(entries.map((e) => e.id));

describe('reply byte budget (limits.replyBytes)', () => {
  it('a group read stops at the budget before delivering: only returned entries are pending, and the next read continues', () => {
    // 10 KB budget, 1 KB entries (+1 byte of name): 9 fit, the 10th would pass it.
    const { core } = bigCore({ replyBytes: 10 * KB }, 30, KB);
    const first = core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'big', from: '>' }], count: 10_000 });
    expect(first[0]!.entries).toHaveLength(9);
    expect(core.xpendingSummary('big', 'g').count).toBe(9);
    const second = core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'big', from: '>' }], count: 10_000 });
    expect(ids(second[0]!.entries)[0]).toBe('10-0');
    expect(core.xpendingSummary('big', 'g').count).toBe(18);
    expect(core.xinfoGroups('big')![0]).toMatchObject({ lastDeliveredId: id('18-0'), entriesRead: 18n });
  });

  it('always returns at least one entry, even one larger than the budget', () => {
    const { core } = bigCore({ replyBytes: 100 }, 3, KB);
    const read = core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'big', from: '>' }] });
    expect(ids(read[0]!.entries)).toEqual(['1-0']);
    expect(ids(core.xrange('big', all)!)).toEqual(['1-0']);
    expect(ids(core.xread([{ key: 'big', after: 0n }])[0]!.entries)).toEqual(['1-0']);
  });

  it('history reads bump only the entries they return', () => {
    const { core } = bigCore({ replyBytes: 10 * KB }, 20, KB);
    const all20 = { group: 'g', consumer: 'c', streams: [{ key: 'big', from: '>' as const }], maxBytes: 100 * KB };
    // MAXSIZE above the server's budget: the budget wins.
    expect(core.xreadgroup(all20)[0]!.entries).toHaveLength(9);
    const history = core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'big', from: 0n }] });
    expect(history[0]!.entries.map((e) => e.deliveryCount)).toEqual(Array(9).fill(2));
  });

  it('XRANGE, XREVRANGE, XREAD and XINFO STREAM FULL stop at the budget', () => {
    const { core } = bigCore({ replyBytes: 10 * KB }, 30, KB);
    expect(ids(core.xrange('big', { ...all, count: 1000 })!)).toEqual(fmt(Array.from({ length: 9 }, (_, i) => id(`${i + 1}-0`))));
    expect(ids(core.xrange('big', { ...all, reverse: true })!)[0]).toBe('30-0');
    expect(core.xrange('big', { ...all, reverse: true })!).toHaveLength(9);
    const read = core.xread([{ key: 'big', after: 0n }], 1000);
    expect(read[0]!.entries).toHaveLength(9);
    expect(core.xinfoStreamFull('big', 0)!.entries).toHaveLength(9);
  });

  it('XREAD over several streams shares one budget; streams after it is spent are left out', () => {
    const { core } = bigCore({ replyBytes: 10 * KB }, 5, KB);
    for (let i = 1; i <= 10; i++) core.xadd('other', { id: add(`${i}-0`), fields: ['v', 'x'.repeat(KB)] });
    const read = core.xread([{ key: 'big', after: 0n }, { key: 'other', after: 0n }]);
    expect(read.map((r) => [r.key, r.entries.length])).toEqual([
      ['big', 5],
      ['other', 4],
    ]);
  });

  it('XAUTOCLAIM claims only what fits and its cursor points at the first entry left', () => {
    const { core, tick } = bigCore({ replyBytes: 10 * KB }, 30, KB);
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 'big', from: '>' }], maxBytes: 1_000_000_000 });
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 'big', from: '>' }] });
    tick(1000);
    const claimed = core.xautoclaim('big', 'g', { consumer: 'b', minIdleMs: 500, start: 0n, count: 100 });
    expect(claimed.entries).toHaveLength(9);
    expect(claimed.nextStart).toBe(id('10-0'));
    expect(core.xpendingSummary('big', 'g').consumers).toEqual([
      { name: 'a', count: 9 },
      { name: 'b', count: 9 },
    ]);
    const next = core.xautoclaim('big', 'g', { consumer: 'b', minIdleMs: 500, start: claimed.nextStart, count: 100 });
    expect(ids(next.entries)[0]).toBe('10-0');
    // JUSTID replies carry no fields: the budget does not apply.
    tick(1000);
    expect(core.xautoclaim('big', 'g', { consumer: 'c', minIdleMs: 500, start: 0n, count: 100, justId: true }).entries).toHaveLength(18);
  });

  it('XCLAIM claims the IDs that fit and leaves the rest with their owner', () => {
    const { core, tick } = bigCore({ replyBytes: 10 * KB }, 20, KB);
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 'big', from: '>' }] });
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 'big', from: '>' }] });
    tick(1000);
    const wanted = Array.from({ length: 18 }, (_, i) => id(`${i + 1}-0`));
    const claimed = core.xclaim('big', 'g', { consumer: 'b', minIdleMs: 0, ids: wanted });
    expect(claimed).toHaveLength(9);
    expect(core.xpendingRange('big', 'g', { start: bound('10-0', 'start'), end: bound('+', 'end'), count: 1 })[0]!.consumer).toBe('a');
  });

  it('MAXCOUNT and MAXSIZE over several streams (XREAD)', () => {
    const { core } = bigCore({}, 5, 10);
    for (let i = 1; i <= 5; i++) core.xadd('other', { id: add(`${i}-0`), fields: ['v', 'y'.repeat(10)] });
    const streams = [
      { key: 'big', after: 0n },
      { key: 'other', after: 0n },
    ];
    expect(core.xread(streams, 5, { maxCount: 7 }).map((r) => r.entries.length)).toEqual([5, 2]);
    expect(core.xread(streams, undefined, { maxBytes: 33 }).map((r) => r.entries.length)).toEqual([3]);
    expect(core.xread(streams, undefined, { maxBytes: 1 }).map((r) => r.entries.length)).toEqual([1]);
    expect(code(() => core.xread(streams, 5, { maxCount: 2 }))).toBe('VALIDATION');
    expect(code(() => core.xread(streams, 5, { maxBytes: 0 }))).toBe('VALIDATION');
  });

  it('measures names and values in UTF-8 bytes', () => {
    expect(entryBytes(['ü', '€', 'a'])).toBe(2 + 3 + 1);
  });
});

describe('MAX_STREAMS (limits.maxStreams)', () => {
  it('refuses a write that would create a stream past the cap, changing nothing; existing streams still take writes', () => {
    const core = new StreamCore({ limits: { maxStreams: 2 } });
    core.xadd('a', { id: add('*'), fields: ['k', 'v'] });
    core.xgroupCreate('b', 'g', { startId: '$', mkStream: true });
    expect(code(() => core.xadd('c', { id: add('*'), fields: ['k', 'v'] }))).toBe('MAX_STREAMS_REACHED');
    expect(code(() => core.xaddBatch('c', [{ id: add('*'), fields: ['k', 'v'] }], {}))).toBe('MAX_STREAMS_REACHED');
    expect(code(() => core.xgroupCreate('c', 'g', { startId: '$', mkStream: true }))).toBe('MAX_STREAMS_REACHED');
    expect(code(() => core.xaddIdempotent('c', { id: add('*'), fields: ['k', 'v'], idempotency: { producer: 'p', key: 'k' } }))).toBe('MAX_STREAMS_REACHED');
    expect(code(() => core.xaddBatchIdempotent('c', [{ id: add('*'), fields: ['k', 'v'], idempotency: { producer: 'p', key: 'k' } }], {}))).toBe('MAX_STREAMS_REACHED');
    // A batch under one key (the Idempotency-Key header) once skipped the check and created the stream.
    expect(code(() => core.xaddBatchIdempotent('c', [{ id: add('*'), fields: ['k', 'v'] }], { idempotency: { producer: 'p', key: 'b' } }))).toBe('MAX_STREAMS_REACHED');
    expect(core.xadd('c', { id: add('*'), fields: ['k', 'v'], noMkStream: true })).toBeNull();
    expect(core.streamKeys()).toEqual(['a', 'b']);
    expect(core.xadd('a', { id: add('*'), fields: ['k', 'v'] })).not.toBeNull();
    core.del('a');
    expect(core.xadd('c', { id: add('*'), fields: ['k', 'v'] })).not.toBeNull();
  });
});

describe('MAX_CONSUMERS_PER_GROUP (limits.maxConsumersPerGroup)', () => {
  it('counts explicit creation, group reads and claims; a refused read delivers nothing', () => {
    const { core } = bigCore({ maxConsumersPerGroup: 2 }, 5, 1);
    expect(core.xgroupCreateConsumer('big', 'g', 'a')).toBe(true);
    core.xreadgroup({ group: 'g', consumer: 'b', streams: [{ key: 'big', from: '>' }], count: 1 });
    expect(code(() => core.xgroupCreateConsumer('big', 'g', 'c'))).toBe('MAX_CONSUMERS_REACHED');
    expect(code(() => core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'big', from: '>' }] }))).toBe('MAX_CONSUMERS_REACHED');
    expect(code(() => core.xautoclaim('big', 'g', { consumer: 'c', minIdleMs: 0, start: 0n }))).toBe('MAX_CONSUMERS_REACHED');
    expect(code(() => core.xclaim('big', 'g', { consumer: 'c', minIdleMs: 0, ids: [id('1-0')] }))).toBe('MAX_CONSUMERS_REACHED');
    expect(core.xpendingSummary('big', 'g').count).toBe(1);
    expect(core.xinfoGroups('big')![0]).toMatchObject({ consumers: 2, lastDeliveredId: id('1-0') });
    // Existing consumers keep reading; deleting one makes room.
    expect(core.xgroupCreateConsumer('big', 'g', 'a')).toBe(false);
    expect(core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 'big', from: '>' }], count: 1 })[0]!.entries).toHaveLength(1);
    core.xgroupDelConsumer('big', 'g', 'a');
    expect(core.xgroupCreateConsumer('big', 'g', 'c')).toBe(true);
  });

  it('a multi-stream group read over the cap on any stream fails whole', () => {
    const core = new StreamCore({ limits: { maxConsumersPerGroup: 1 } });
    for (const key of ['s1', 's2']) {
      core.xgroupCreate(key, 'g', { startId: 0n, mkStream: true });
      core.xadd(key, { id: add('1-0'), fields: ['k', 'v'] });
    }
    core.xgroupCreateConsumer('s2', 'g', 'other');
    const read = () => core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 's1', from: '>' }, { key: 's2', from: '>' }] });
    expect(code(read)).toBe('MAX_CONSUMERS_REACHED');
    expect(core.xpendingSummary('s1', 'g').count).toBe(0);
    expect(core.xinfoGroups('s1')![0]!.consumers).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import type { EffectBatch } from '../../src/core/effects.js';
import { StreamError } from '../../src/domain/errors.js';
import { MAX_ID, formatId } from '../../src/domain/ids.js';
import { add, all, bound, coreWithClock, fmt, id } from './helpers.js';

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof StreamError) return err.code;
    throw err;
  }
  throw new Error('expected a StreamError');
};

describe('XADD', () => {
  it('generates IDs that never go backwards and roll into the next ms', () => {
    const { core, clock } = coreWithClock(1000);
    expect(formatId(core.xadd('s', { id: add('*'), fields: ['a', '1'] })!)).toBe('1000-0');
    expect(formatId(core.xadd('s', { id: add('*'), fields: ['a', '1'] })!)).toBe('1000-1');
    clock.now = 500;
    expect(formatId(core.xadd('s', { id: add('*'), fields: ['a', '1'] })!)).toBe('1000-2');
    core.xadd('s', { id: add('1000-18446744073709551615'), fields: ['a', '1'] });
    expect(formatId(core.xadd('s', { id: add('*'), fields: ['a', '1'] })!)).toBe('1001-0');
  });

  it('refuses 0-0, IDs not above the top, and exhausted IDs', () => {
    const { core } = coreWithClock();
    expect(code(() => core.xadd('s', { id: add('0-0'), fields: ['a', '1'] }))).toBe('ID_NOT_GREATER');
    expect(code(() => core.xadd('s', { id: add('0'), fields: ['a', '1'] }))).toBe('ID_NOT_GREATER');
    expect(core.exists('s')).toBe(false);
    core.xadd('s', { id: add('5-5'), fields: ['a', '1'] });
    expect(code(() => core.xadd('s', { id: add('5-5'), fields: ['a', '1'] }))).toBe('ID_NOT_GREATER');
    expect(code(() => core.xadd('s', { id: add('4-*'), fields: ['a', '1'] }))).toBe('ID_NOT_GREATER');
    core.xadd('s', { id: add('6-18446744073709551615'), fields: ['a', '1'] });
    expect(code(() => core.xadd('s', { id: add('6-*'), fields: ['a', '1'] }))).toBe('SEQ_EXHAUSTED');
    core.xadd('s', { id: add('18446744073709551615-18446744073709551615'), fields: ['a', '1'] });
    expect(code(() => core.xadd('s', { id: add('*'), fields: ['a', '1'] }))).toBe('ID_EXHAUSTED');
    expect(code(() => core.xadd('s', { id: add('18446744073709551615-18446744073709551615'), fields: ['a', '1'] }))).toBe('ID_EXHAUSTED');
  });

  it('counts deleted entries in last-generated-id', () => {
    const { core } = coreWithClock();
    core.xadd('s', { id: add('1-1'), fields: ['a', '1'] });
    core.xdel('s', [id('1-1')]);
    expect(code(() => core.xadd('s', { id: add('1-1'), fields: ['a', '1'] }))).toBe('ID_NOT_GREATER');
    expect(formatId(core.xadd('s', { id: add('1-*'), fields: ['a', '1'] })!)).toBe('1-2');
  });

  it('answers null with NOMKSTREAM on a missing stream and creates nothing', () => {
    const { core } = coreWithClock();
    expect(core.xadd('s', { id: add('*'), fields: ['a', '1'], noMkStream: true })).toBeNull();
    expect(core.exists('s')).toBe(false);
  });

  it('trims exactly with MAXLEN and leaves an empty stream that keeps its counters at MAXLEN 0', () => {
    const { core } = coreWithClock();
    for (let i = 1; i <= 10; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['n', String(i)] });
    core.xadd('s', { id: add('11-0'), fields: ['n', '11'], trim: { maxLen: 3n, approximate: false } });
    expect(fmt(core.xrange('s', all)!.map((e) => e.id))).toEqual(['9-0', '10-0', '11-0']);
    core.xadd('s', { id: add('12-0'), fields: ['n', '12'], trim: { maxLen: 0n, approximate: false } });
    const info = core.xinfoStream('s')!;
    expect(info.length).toBe(0);
    expect(formatId(info.lastGeneratedId)).toBe('12-0');
    expect(info.entriesAdded).toBe(12n);
    expect(info.maxDeletedEntryId).toBe(0n);
  });

  it('trims approximately by whole nodes of 100 entries, never below the threshold', () => {
    const { core } = coreWithClock();
    for (let i = 1; i <= 250; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['n', String(i)] });
    expect(core.xtrim('s', { maxLen: 120n, approximate: true })).toBe(100);
    expect(core.xlen('s')).toBe(150);
    expect(core.xtrim('s', { maxLen: 120n, approximate: true })).toBe(0);
    expect(core.xtrim('s', { minId: id('201'), approximate: false })).toBe(100);
    expect(formatId(core.xrange('s', all)![0]!.id)).toBe('201-0');
  });

  it('refuses LIMIT without ~', () => {
    const { core } = coreWithClock();
    core.xadd('s', { id: add('1-1'), fields: ['a', '1'] });
    expect(code(() => core.xtrim('s', { maxLen: 1n, approximate: false, limit: 10 }))).toBe('VALIDATION');
  });

  it('validates a batch whole before adding any of it', () => {
    const { core } = coreWithClock();
    core.xadd('s', { id: add('5-0'), fields: ['a', '1'] });
    expect(
      code(() =>
        core.xaddBatch('s', [{ id: add('6-0'), fields: ['a', '1'] }, { id: add('6-0'), fields: ['a', '2'] }], {}),
      ),
    ).toBe('ID_NOT_GREATER');
    expect(core.xlen('s')).toBe(1);
    expect(fmt(core.xaddBatch('s', [{ id: add('6-0'), fields: ['a', '1'] }, { id: add('6-*'), fields: ['a', '2'] }], {})!)).toEqual(['6-0', '6-1']);
  });
});

describe('XRANGE', () => {
  it('honours incomplete, exclusive and reverse ranges with COUNT', () => {
    const { core } = coreWithClock();
    for (const i of ['1-0', '1-1', '2-0', '2-5', '3-0']) core.xadd('s', { id: add(i), fields: ['a', i] });
    const ids = (start: string, end: string, count?: number, reverse = false) =>
      fmt(core.xrange('s', { start: bound(start, 'start'), end: bound(end, 'end'), count, reverse })!.map((e) => e.id));
    expect(ids('2', '2')).toEqual(['2-0', '2-5']);
    expect(ids('(1-1', '+')).toEqual(['2-0', '2-5', '3-0']);
    expect(ids('-', '(3-0')).toEqual(['1-0', '1-1', '2-0', '2-5']);
    expect(ids('-', '+', 2, true)).toEqual(['3-0', '2-5']);
    expect(ids('1-1', '2-0', undefined, true)).toEqual(['2-0', '1-1']);
    expect(core.xrange('missing', all)).toBeNull();
  });

  it('errors on exclusive bounds at the edges of the ID space', () => {
    const { core } = coreWithClock();
    core.xadd('s', { id: add('1-0'), fields: ['a', '1'] });
    expect(code(() => core.xrange('s', { start: bound('(18446744073709551615-18446744073709551615', 'start'), end: bound('+', 'end') }))).toBe('INVALID_ID');
    expect(code(() => core.xrange('s', { start: bound('-', 'start'), end: bound('(0-0', 'end') }))).toBe('INVALID_ID');
  });

  it('seeks across many nodes', () => {
    const { core } = coreWithClock();
    for (let i = 1; i <= 1000; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['n', String(i)] });
    core.xdel('s', [id('500-0'), id('501-0')]);
    expect(fmt(core.xrange('s', { start: bound('499', 'start'), end: bound('+', 'end'), count: 3 })!.map((e) => e.id))).toEqual(['499-0', '502-0', '503-0']);
    expect(fmt(core.xrange('s', { start: bound('-', 'start'), end: bound('502', 'end'), count: 3, reverse: true })!.map((e) => e.id))).toEqual(['502-0', '499-0', '498-0']);
  });
});

describe('consumer groups', () => {
  function orders() {
    const ctx = coreWithClock();
    ctx.core.xgroupCreate('orders', 'g', { startId: 0n, mkStream: true });
    for (let i = 1; i <= 3; i++) ctx.core.xadd('orders', { id: add(`${i}-0`), fields: ['order_id', String(1000 + i)] });
    return ctx;
  }

  it('delivers each new entry once across consumers and tracks the PEL', () => {
    const { core } = orders();
    const a = core.xreadgroup({ group: 'g', consumer: 'payment', streams: [{ key: 'orders', from: '>' }], count: 1 });
    const b = core.xreadgroup({ group: 'g', consumer: 'inventory', streams: [{ key: 'orders', from: '>' }], count: 1 });
    expect(fmt(a[0]!.entries.map((e) => e.id))).toEqual(['1-0']);
    expect(a[0]!.entries[0]!.deliveryCount).toBe(1);
    expect(fmt(b[0]!.entries.map((e) => e.id))).toEqual(['2-0']);
    const summary = core.xpendingSummary('orders', 'g');
    expect(summary.count).toBe(2);
    expect(summary.consumers).toEqual([
      { name: 'inventory', count: 1 },
      { name: 'payment', count: 1 },
    ]);
    expect(core.xack('orders', 'g', [id('1-0'), id('1-0'), id('9-0')])).toBe(1);
    expect(core.xpendingSummary('orders', 'g').count).toBe(1);
    const [group] = core.xinfoGroups('orders')!;
    expect(group).toMatchObject({ name: 'g', consumers: 2, pending: 1, entriesRead: 2n, lag: 1n });
  });

  it('history reads return only this consumer’s pending entries, deleted ones with null fields, and bump counts', () => {
    const { core } = orders();
    core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'orders', from: '>' }] });
    core.xdel('orders', [id('2-0')]);
    const history = core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'orders', from: 0n }] });
    expect(history[0]!.entries.map((e) => [formatId(e.id), e.fields === null, e.deliveryCount])).toEqual([
      ['1-0', false, 2],
      ['2-0', true, undefined],
      ['3-0', false, 2],
    ]);
    const other = core.xreadgroup({ group: 'g', consumer: 'd', streams: [{ key: 'orders', from: 0n }] });
    expect(other).toEqual([{ key: 'orders', entries: [] }]);
  });

  it('NOACK adds nothing to the PEL but advances the group', () => {
    const { core } = orders();
    core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'orders', from: '>' }], noAck: true });
    expect(core.xinfoGroups('orders')![0]).toMatchObject({ pending: 0, entriesRead: 3n, lag: 0n, lastDeliveredId: id('3-0') });
  });

  it('a > read after SETID back reassigns pending entries with count 1', () => {
    const { core } = orders();
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 'orders', from: '>' }] });
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 'orders', from: 0n }] });
    core.xgroupSetId('orders', 'g', { lastId: 0n });
    core.xreadgroup({ group: 'g', consumer: 'b', streams: [{ key: 'orders', from: '>' }], count: 1 });
    const pending = core.xpendingRange('orders', 'g', { ...all, count: 10 });
    expect(pending.map((p) => [formatId(p.id), p.consumer, p.deliveryCount])).toEqual([
      ['1-0', 'b', 1],
      ['2-0', 'a', 2],
      ['3-0', 'a', 2],
    ]);
  });

  it('fails a multi-stream read whole when one stream lacks the group', () => {
    const { core } = orders();
    core.xadd('other', { id: add('1-0'), fields: ['a', '1'] });
    expect(code(() => core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'orders', from: '>' }, { key: 'other', from: '>' }] }))).toBe('NOGROUP');
    expect(core.xpendingSummary('orders', 'g').count).toBe(0);
    expect(core.xinfoConsumers('orders', 'g')).toEqual([]);
    expect(code(() => core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'nope', from: '>' }] }))).toBe('NO_STREAM');
  });

  it('creates the consumer on a read that delivers nothing (Redis 7.2)', () => {
    const { core } = coreWithClock();
    core.xgroupCreate('s', 'g', { startId: '$', mkStream: true });
    expect(core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 's', from: '>' }] })).toEqual([]);
    expect(core.xinfoConsumers('s', 'g').map((c) => [c.name, c.pending, c.inactiveMs])).toEqual([['c', 0, -1]]);
  });

  it('BUSYGROUP, missing key without MKSTREAM, NOGROUP on SETID', () => {
    const { core } = orders();
    expect(code(() => core.xgroupCreate('orders', 'g', { startId: '$' }))).toBe('BUSYGROUP');
    expect(code(() => core.xgroupCreate('nope', 'g', { startId: '$' }))).toBe('NO_STREAM');
    expect(code(() => core.xgroupSetId('orders', 'nope', { lastId: 0n }))).toBe('NOGROUP');
    expect(core.xgroupDestroy('orders', 'nope')).toBe(false);
    expect(core.xgroupDestroy('orders', 'g')).toBe(true);
  });

  it('DELCONSUMER answers the pending count and drops those entries for good', () => {
    const { core } = orders();
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 'orders', from: '>' }], count: 2 });
    expect(core.xgroupDelConsumer('orders', 'g', 'a')).toBe(2);
    expect(core.xgroupDelConsumer('orders', 'g', 'a')).toBeNull();
    expect(core.xpendingSummary('orders', 'g').count).toBe(0);
    const next = core.xreadgroup({ group: 'g', consumer: 'b', streams: [{ key: 'orders', from: '>' }] });
    expect(fmt(next[0]!.entries.map((e) => e.id))).toEqual(['3-0']);
  });

  it('CREATECONSUMER answers whether it created', () => {
    const { core } = orders();
    expect(core.xgroupCreateConsumer('orders', 'g', 'x')).toBe(true);
    expect(core.xgroupCreateConsumer('orders', 'g', 'x')).toBe(false);
  });
});

describe('lag and entries-read', () => {
  it('is null for a group created at $ until it can be known, and null with a tombstone ahead', () => {
    const { core } = coreWithClock();
    for (let i = 1; i <= 5; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['a', '1'] });
    core.xgroupCreate('s', 'mid', { startId: id('3-0') });
    expect(core.xinfoGroups('s')![0]).toMatchObject({ entriesRead: null, lag: null });
    core.xgroupCreate('s', 'top', { startId: '$' });
    expect(core.groupInfo('s', 'top')).toMatchObject({ entriesRead: null, lag: 0n });
    core.xgroupCreate('s', 'zero', { startId: 0n });
    expect(core.groupInfo('s', 'zero')).toMatchObject({ entriesRead: null, lag: 5n });
    core.xdel('s', [id('4-0')]);
    expect(core.groupInfo('s', 'zero')!.lag).toBeNull();
    core.xreadgroup({ group: 'zero', consumer: 'c', streams: [{ key: 's', from: '>' }] });
    expect(core.groupInfo('s', 'zero')).toMatchObject({ entriesRead: 5n, lag: 0n });
  });

  it('XCLAIM LASTID moves last-delivered-id but not entries-read', () => {
    const { core } = coreWithClock();
    for (let i = 1; i <= 3; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['a', '1'] });
    core.xgroupCreate('s', 'g', { startId: 0n, entriesRead: 0n });
    core.xclaim('s', 'g', { consumer: 'c', minIdleMs: 0, ids: [], lastId: id('2-0') });
    expect(core.groupInfo('s', 'g')).toMatchObject({ lastDeliveredId: id('2-0'), entriesRead: 0n, lag: 3n });
  });
});

describe('claims', () => {
  function pending() {
    const ctx = coreWithClock(10_000);
    const { core } = ctx;
    core.xgroupCreate('s', 'g', { startId: 0n, mkStream: true });
    for (let i = 1; i <= 5; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['n', String(i)] });
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 's', from: '>' }], count: 4 });
    return ctx;
  }

  it('XCLAIM honours min-idle, bumps counts, RETRYCOUNT, JUSTID and TIME', () => {
    const { core, clock } = pending();
    clock.now += 100;
    expect(core.xclaim('s', 'g', { consumer: 'b', minIdleMs: 1000, ids: [id('1-0')] })).toEqual([]);
    const claimed = core.xclaim('s', 'g', { consumer: 'b', minIdleMs: 50, ids: [id('1-0'), id('2-0')] });
    expect(claimed.map((e) => [formatId(e.id), e.deliveryCount])).toEqual([
      ['1-0', 2],
      ['2-0', 2],
    ]);
    core.xclaim('s', 'g', { consumer: 'b', minIdleMs: 0, ids: [id('3-0')], justId: true, retryCount: 7, timeMs: clock.now - 40 });
    const p = core.xpendingRange('s', 'g', { ...all, count: 10, consumer: 'b' });
    expect(p.map((x) => [formatId(x.id), x.deliveryCount, x.idleMs])).toEqual([
      ['1-0', 2, 0],
      ['2-0', 2, 0],
      ['3-0', 7, 40],
    ]);
  });

  it('XCLAIM FORCE creates PEL entries (count 2, or 1 with JUSTID) only for existing entries', () => {
    const { core } = pending();
    expect(core.xclaim('s', 'g', { consumer: 'b', minIdleMs: 0, ids: [id('5-0')], force: true })[0]!.deliveryCount).toBe(2);
    core.xadd('s', { id: add('6-0'), fields: ['n', '6'] });
    core.xclaim('s', 'g', { consumer: 'b', minIdleMs: 0, ids: [id('6-0'), id('99-0')], force: true, justId: true });
    const p = core.xpendingRange('s', 'g', { start: bound('5', 'start'), end: bound('+', 'end'), count: 10 });
    expect(p.map((x) => [formatId(x.id), x.deliveryCount])).toEqual([
      ['5-0', 2],
      ['6-0', 1],
    ]);
  });

  it('XCLAIM drops pending IDs whose entries were deleted', () => {
    const { core } = pending();
    core.xdel('s', [id('2-0')]);
    expect(fmt(core.xclaim('s', 'g', { consumer: 'b', minIdleMs: 0, ids: [id('2-0'), id('3-0')] }).map((e) => e.id))).toEqual(['3-0']);
    expect(core.xpendingSummary('s', 'g').count).toBe(3);
  });

  it('XAUTOCLAIM returns a cursor, claims, and the deleted IDs, which count against COUNT', () => {
    const { core, clock } = pending();
    core.xdel('s', [id('1-0'), id('2-0')]);
    clock.now += 10;
    const first = core.xautoclaim('s', 'g', { consumer: 'b', minIdleMs: 5, start: 0n, count: 2 });
    expect(first.entries).toEqual([]);
    expect(fmt(first.deletedIds)).toEqual(['1-0', '2-0']);
    expect(formatId(first.nextStart)).toBe('3-0');
    const second = core.xautoclaim('s', 'g', { consumer: 'b', minIdleMs: 5, start: first.nextStart, count: 2 });
    expect(fmt(second.entries.map((e) => e.id))).toEqual(['3-0', '4-0']);
    expect(second.nextStart).toBe(0n);
    expect(core.xinfoConsumers('s', 'g').map((c) => [c.name, c.pending])).toEqual([
      ['a', 0],
      ['b', 2],
    ]);
  });

  it('XAUTOCLAIM scans at most COUNT * 10 entries', () => {
    const { core } = coreWithClock();
    core.xgroupCreate('s', 'g', { startId: 0n, mkStream: true });
    for (let i = 1; i <= 30; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['n', String(i)] });
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 's', from: '>' }] });
    const r = core.xautoclaim('s', 'g', { consumer: 'b', minIdleMs: 1_000_000, start: 0n, count: 1 });
    expect(r.entries).toEqual([]);
    expect(formatId(r.nextStart)).toBe('11-0');
  });
});

describe('XSETID, XDEL and XINFO', () => {
  it('checks XSETID against the top entry, the length and max-deleted-id', () => {
    const { core } = coreWithClock();
    core.xadd('s', { id: add('5-0'), fields: ['a', '1'] });
    expect(code(() => core.xsetid('s', { lastId: id('4-0') }))).toBe('SETID_TOO_SMALL');
    expect(code(() => core.xsetid('s', { lastId: id('6-0'), entriesAdded: 0n }))).toBe('SETID_TOO_SMALL');
    expect(code(() => core.xsetid('s', { lastId: id('6-0'), maxDeletedId: id('7-0') }))).toBe('SETID_TOO_SMALL');
    expect(code(() => core.xsetid('nope', { lastId: id('6-0') }))).toBe('NO_STREAM');
    core.xsetid('s', { lastId: id('9-0'), entriesAdded: 10n, maxDeletedId: id('3-0') });
    expect(core.xinfoStream('s')).toMatchObject({ lastGeneratedId: id('9-0'), entriesAdded: 10n, maxDeletedEntryId: id('3-0') });
  });

  it('XSETID on an empty stream can move the last ID back', () => {
    const { core } = coreWithClock();
    core.xadd('s', { id: add('5-0'), fields: ['a', '1'], trim: { maxLen: 0n, approximate: false } });
    core.xsetid('s', { lastId: id('1-0') });
    expect(core.xinfoStream('s')!.lastGeneratedId).toBe(id('1-0'));
  });

  it('XDEL sets max-deleted-entry-id and the recorded first entry', () => {
    const { core } = coreWithClock();
    for (let i = 1; i <= 3; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['a', '1'] });
    expect(core.xdel('s', [id('1-0'), id('1-0'), id('7-0')])).toBe(1);
    expect(core.xinfoStream('s')).toMatchObject({ length: 2, maxDeletedEntryId: id('1-0'), recordedFirstEntryId: id('2-0') });
    expect(core.xinfoStream('s')!.firstEntry!.id).toBe(id('2-0'));
  });

  it('XINFO STREAM FULL lists entries, groups, PELs and consumers up to COUNT', () => {
    const { core } = coreWithClock();
    core.xgroupCreate('s', 'g', { startId: 0n, mkStream: true });
    for (let i = 1; i <= 12; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['a', '1'] });
    core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 's', from: '>' }] });
    const full = core.xinfoStreamFull('s')!;
    expect(full.entries).toHaveLength(10);
    expect(full.groups[0]!.pelCount).toBe(12);
    expect(full.groups[0]!.pending).toHaveLength(10);
    expect(full.groups[0]!.consumers[0]!.pending).toHaveLength(10);
    expect(core.xinfoStreamFull('s', 0)!.entries).toHaveLength(12);
    expect(MAX_ID > 0n).toBe(true);
  });

  it('lists streams by prefix with a cursor', () => {
    const { core } = coreWithClock();
    for (const k of ['a:1', 'a:2', 'a:3', 'b:1']) core.xadd(k, { id: add('1-1'), fields: ['a', '1'] });
    const page1 = core.listStreams({ prefix: 'a:', limit: 2 });
    expect(page1.streams.map((s) => s.name)).toEqual(['a:1', 'a:2']);
    const page2 = core.listStreams({ prefix: 'a:', limit: 2, cursor: page1.nextCursor! });
    expect(page2).toMatchObject({ streams: [{ name: 'a:3' }], nextCursor: null });
  });
});

describe('effects and replay', () => {
  it('logs a NOACK read without its IDs: nothing entered the PEL', () => {
    const batches: EffectBatch[] = [];
    const { core } = coreWithClock();
    core.setSink((b) => batches.push(b));
    core.xgroupCreate('s', 'g', { startId: 0n, mkStream: true });
    for (let i = 1; i <= 3; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['n', String(i)] });
    core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 's', from: '>' }], noAck: true });
    const deliver = batches.flat().find((e) => e.op === 'deliver');
    expect(deliver).toMatchObject({ ids: [], active: true, lastId: id('3-0'), entriesRead: 3n });
    const replayed = coreWithClock().core;
    for (const b of batches) replayed.applyBatch(b);
    expect(replayed.xinfoConsumers('s', 'g')[0]!.inactiveMs).toBeGreaterThanOrEqual(0);
  });

  it('replaying the emitted effects rebuilds the same state', () => {
    const batches: unknown[][] = [];
    const { core, clock } = coreWithClock();
    core.setSink((b) => batches.push(b));
    core.xgroupCreate('s', 'g', { startId: 0n, mkStream: true });
    for (let i = 1; i <= 150; i++) core.xadd('s', { id: add('*'), fields: ['n', String(i)] });
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 's', from: '>' }], count: 20 });
    clock.now += 5;
    core.xclaim('s', 'g', { consumer: 'b', minIdleMs: 0, ids: [core.xrange('s', all)![3]!.id] });
    core.xdel('s', [core.xrange('s', all)![5]!.id]);
    core.xtrim('s', { maxLen: 120n, approximate: false });
    core.xack('s', 'g', [core.xrange('s', all)![0]!.id]);
    const replayed = coreWithClock().core;
    for (const b of batches) replayed.applyBatch(b as never);
    expect(replayed.debugState()).toEqual(core.debugState());
    // Idempotent: the log applied again over the state it built changes nothing.
    for (const b of batches) replayed.applyBatch(b as never);
    expect(replayed.debugState()).toEqual(core.debugState());
  });
});

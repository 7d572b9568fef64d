import { describe, expect, it } from 'vitest';
import { errorMessage } from '../../src/domain/errors.js';
import { formatId } from '../../src/domain/ids.js';
import { add, all, bound, coreWithClock, fmt, id, thrown } from './helpers.js';

function pending() {
  const ctx = coreWithClock(10_000);
  const { core } = ctx;
  core.xgroupCreate('s', 'g', { startId: 0n, mkStream: true });
  for (let i = 1; i <= 5; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['n', String(i)] });
  core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 's', from: '>' }], count: 4 });
  return ctx;
}

describe('XPENDING', () => {
  it('summarises the PEL, and lists a range with IDLE, COUNT and a consumer', () => {
    const { core, clock } = pending();
    expect(core.xpendingSummary('s', 'g')).toEqual({ count: 4, minId: id('1-0'), maxId: id('4-0'), consumers: [{ name: 'a', count: 4 }] });
    clock.now += 50;
    core.xclaim('s', 'g', { consumer: 'b', minIdleMs: 0, ids: [id('2-0')] });
    const range = core.xpendingRange('s', 'g', { start: bound('(1-0', 'start'), end: bound('4', 'end'), count: 2 });
    expect(range.map((p) => [formatId(p.id), p.consumer, p.idleMs, p.deliveryCount])).toEqual([
      ['2-0', 'b', 0, 2],
      ['3-0', 'a', 50, 1],
    ]);
    expect(fmt(core.xpendingRange('s', 'g', { ...all, count: 10, minIdleMs: 10 }).map((p) => p.id))).toEqual(['1-0', '3-0', '4-0']);
    expect(core.xpendingRange('s', 'g', { ...all, count: 10, consumer: 'nobody' })).toEqual([]);
    expect(core.xpendingRange('s', 'g', { ...all, count: 0 })).toEqual([]);
  });

  it('says NOGROUP in XPENDING\'s words, for a missing key too', () => {
    const { core } = pending();
    expect(thrown(() => core.xpendingSummary('s', 'nope'))).toMatchObject({ code: 'NOGROUP', message: errorMessage('NOGROUP', 'keyOrGroup', 's', 'nope') });
    expect(thrown(() => core.xautoclaim('gone', 'g', { consumer: 'b', minIdleMs: 0, start: 0n }))).toMatchObject({
      code: 'NO_STREAM',
      message: "NOGROUP No such key 'gone' or consumer group 'g'",
    });
    expect(thrown(() => core.xclaim('s', 'nope', { consumer: 'b', minIdleMs: 0, ids: [] })).code).toBe('NOGROUP');
  });
});

describe('XCLAIM and XAUTOCLAIM', () => {
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

  it('XCLAIM LASTID moves last-delivered-id but not entries-read', () => {
    const { core } = coreWithClock();
    for (let i = 1; i <= 3; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['a', '1'] });
    core.xgroupCreate('s', 'g', { startId: 0n, entriesRead: 0n });
    core.xclaim('s', 'g', { consumer: 'c', minIdleMs: 0, ids: [], lastId: id('2-0') });
    expect(core.groupInfo('s', 'g')).toMatchObject({ lastDeliveredId: id('2-0'), entriesRead: 0n, lag: 3n });
  });
});

describe('XNACK', () => {
  const pel = (core: ReturnType<typeof pending>['core']) => core.xpendingRange('s', 'g', { start: all.start, end: all.end, count: 100 });

  it('refuses a missing key or group (NO_STREAM / NOGROUP), no IDs, and a negative RETRYCOUNT', () => {
    const { core } = pending();
    expect(thrown(() => core.xnack('nope', 'g', { ids: [id('1-0')], mode: 'fail' })).code).toBe('NO_STREAM');
    expect(thrown(() => core.xnack('s', 'nope', { ids: [id('1-0')], mode: 'fail' })).code).toBe('NOGROUP');
    expect(thrown(() => core.xnack('s', 'g', { ids: [], mode: 'fail' })).code).toBe('VALIDATION');
    expect(thrown(() => core.xnack('s', 'g', { ids: [id('1-0')], mode: 'fail', retryCount: -1 })).code).toBe('VALIDATION');
  });

  it('releases pending entries: no owner, idle unknown, out of the consumer PEL; IDs not pending are skipped', () => {
    const { core } = pending();
    expect(core.xnack('s', 'g', { ids: [id('2-0'), id('5-0'), id('9-0'), id('2-0')], mode: 'fail' })).toBe(1);
    const entry = pel(core).find((p) => p.id === id('2-0'))!;
    expect(entry).toEqual({ id: id('2-0'), consumer: null, idleMs: null, deliveryCount: 1 });
    expect(core.xpendingRange('s', 'g', { start: all.start, end: all.end, count: 10, consumer: 'a' }).map((p) => formatId(p.id))).toEqual([
      '1-0',
      '3-0',
      '4-0',
    ]);
    expect(core.xpendingSummary('s', 'g')).toMatchObject({ count: 4, consumers: [{ name: 'a', count: 3 }] });
    expect(core.xinfoConsumers('s', 'g')[0]!.pending).toBe(3);
  });

  it('SILENT lowers the delivery count by one (not below 0), FAIL keeps it, FATAL sets the maximum, RETRYCOUNT overrides', () => {
    const { core } = pending();
    core.xnack('s', 'g', { ids: [id('1-0')], mode: 'silent' });
    core.xnack('s', 'g', { ids: [id('1-0')], mode: 'silent' });
    core.xnack('s', 'g', { ids: [id('2-0')], mode: 'fail' });
    core.xnack('s', 'g', { ids: [id('3-0')], mode: 'fatal' });
    core.xnack('s', 'g', { ids: [id('4-0')], mode: 'fatal', retryCount: 7 });
    expect(pel(core).map((p) => p.deliveryCount)).toEqual([0, 1, Number.MAX_SAFE_INTEGER, 7]);
  });

  it('FORCE creates an unowned entry for an ID that exists but is not pending, and only then', () => {
    const { core } = pending();
    expect(core.xnack('s', 'g', { ids: [id('5-0'), id('9-0')], mode: 'fail', force: true })).toBe(1);
    expect(pel(core).find((p) => p.id === id('5-0'))).toEqual({ id: id('5-0'), consumer: null, idleMs: null, deliveryCount: 0 });
  });

  it('counts nacked entries in XINFO STREAM FULL (nackedCount) and shows them unowned', () => {
    const { core } = pending();
    core.xnack('s', 'g', { ids: [id('1-0'), id('3-0')], mode: 'fail' });
    const group = core.xinfoStreamFull('s')!.groups[0]!;
    expect(group.nackedCount).toBe(2);
    expect(group.pelCount).toBe(4);
    expect(group.pending.filter((p) => p.consumer === null).map((p) => formatId(p.id))).toEqual(['1-0', '3-0']);
    expect(group.consumers[0]!.pelCount).toBe(2);
  });

  it('XCLAIM and XAUTOCLAIM skip the min-idle check for unowned entries; a claim gives them an owner again', () => {
    const ctx = pending();
    const { core } = ctx;
    core.xnack('s', 'g', { ids: [id('1-0')], mode: 'fail' });
    expect(core.xclaim('s', 'g', { consumer: 'b', minIdleMs: 1_000_000, ids: [id('1-0'), id('2-0')] }).map((d) => formatId(d.id))).toEqual(['1-0']);
    expect(pel(core)[0]).toMatchObject({ consumer: 'b', deliveryCount: 2, idleMs: 0 });
    expect(core.xinfoStreamFull('s')!.groups[0]!.nackedCount).toBe(0);
    core.xnack('s', 'g', { ids: [id('3-0')], mode: 'fail' });
    const auto = core.xautoclaim('s', 'g', { consumer: 'c', minIdleMs: 1_000_000, start: 0n });
    expect(auto.entries.map((d) => formatId(d.id))).toEqual(['3-0']);
  });

  it('an ack of a nacked entry removes it from the nacked zone; DELCONSUMER leaves nacked entries', () => {
    const { core } = pending();
    core.xnack('s', 'g', { ids: [id('1-0'), id('2-0')], mode: 'fail' });
    core.xack('s', 'g', [id('1-0')]);
    expect(core.xinfoStreamFull('s')!.groups[0]!.nackedCount).toBe(1);
    core.xgroupDelConsumer('s', 'g', 'a');
    expect(pel(core).map((p) => formatId(p.id))).toEqual(['2-0']);
  });

  it('replays to the same state, from the log and from a snapshot, nacked order included', () => {
    const { core } = coreWithClock(10_000);
    const batches: Parameters<typeof core.applyBatch>[0][] = [];
    core.setSink((b) => batches.push(b));
    core.xgroupCreate('s', 'g', { startId: 0n, mkStream: true });
    for (let i = 1; i <= 5; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['n', String(i)] });
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 's', from: '>' }], count: 4 });
    core.xnack('s', 'g', { ids: [id('3-0'), id('1-0')], mode: 'silent' });
    core.xnack('s', 'g', { ids: [id('5-0')], mode: 'fail', force: true });
    const replayed = coreWithClock(10_000).core;
    for (const b of batches) replayed.applyBatch(b);
    expect(replayed.debugState()).toEqual(core.debugState());
    const fromSnapshot = coreWithClock(10_000).core;
    fromSnapshot.applyBatch(core.xrange('s', all)!.map((e, i) => ({ op: 'add', key: 's', id: e.id, fields: e.fields!, entriesAdded: BigInt(i + 1) })));
    for (const b of core.snapshotStreamState('s')) fromSnapshot.applyBatch(b);
    expect(fromSnapshot.debugState()).toEqual(core.debugState());
    expect((fromSnapshot.debugState() as { s: { groups: { nacked: string[] }[] } }).s.groups[0]!.nacked).toEqual([
      String(id('3-0')),
      String(id('1-0')),
      String(id('5-0')),
    ]);
  });
});

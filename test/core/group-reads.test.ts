import { describe, expect, it } from 'vitest';
import { distinct } from '../../src/core/group-reads.js';
import { errorMessage } from '../../src/domain/errors.js';
import { formatId } from '../../src/domain/ids.js';
import { add, all, code, coreWithClock, fmt, id, ordersCore, thrown } from './helpers.js';

describe('XREADGROUP', () => {
  it('delivers each new entry once across consumers and tracks the PEL', () => {
    const { core } = ordersCore();
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
    const { core } = ordersCore();
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
    const { core } = ordersCore();
    core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'orders', from: '>' }], noAck: true });
    expect(core.xinfoGroups('orders')![0]).toMatchObject({ pending: 0, entriesRead: 3n, lag: 0n, lastDeliveredId: id('3-0') });
  });

  it('a > read after SETID back reassigns pending entries with count 1', () => {
    const { core } = ordersCore();
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
    const { core } = ordersCore();
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

  it("says NOGROUP in XREADGROUP's words, for a missing key too", () => {
    const { core } = ordersCore();
    const words = errorMessage('NOGROUP', 'readGroup', 'orders', 'nope');
    expect(thrown(() => core.xreadgroup({ group: 'nope', consumer: 'c', streams: [{ key: 'orders', from: '>' }] }))).toMatchObject({ code: 'NOGROUP', message: words });
    expect(thrown(() => core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'gone', from: '>' }] }))).toMatchObject({
      code: 'NO_STREAM',
      message: errorMessage('NOGROUP', 'readGroup', 'gone', 'g'),
    });
  });
});

describe('XACK', () => {
  it('counts each pending ID once and answers null for a missing key or group', () => {
    const { core } = ordersCore();
    core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'orders', from: '>' }] });
    expect(core.xack('orders', 'g', [id('2-0'), id('1-0'), id('2-0')])).toBe(2);
    expect(core.xack('orders', 'g', [id('1-0')])).toBe(0);
    expect(core.xack('orders', 'nope', [id('3-0')])).toBeNull();
    expect(core.xack('nope', 'g', [id('3-0')])).toBeNull();
    expect(fmt(core.xpendingRange('orders', 'g', { ...all, count: 10 }).map((p) => p.id))).toEqual(['3-0']);
  });

  it('distinct keeps first-seen order and hands ascending IDs back as they are', () => {
    const ascending = [id('1-0'), id('2-0'), id('3-0')];
    expect(distinct(ascending)).toBe(ascending);
    expect(distinct([id('2-0'), id('1-0'), id('2-0')]).map(formatId)).toEqual(['2-0', '1-0']);
    expect(distinct([])).toEqual([]);
  });
});

describe('XREADGROUP CLAIM', () => {
  /** Stream s, group g; consumer a read 1-0..3-0 at t0; 4-0, 5-0 new. */
  function claimSetup() {
    const ctx = coreWithClock(100_000);
    const { core, clock } = ctx;
    core.xgroupCreate('s', 'g', { startId: 0n, mkStream: true });
    for (let i = 1; i <= 3; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['n', String(i)] });
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 's', from: '>' }] });
    clock.now += 10;
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 's', from: id('2-0') }], count: 1 }); // 3-0 redelivered at t0+10
    for (let i = 4; i <= 5; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['n', String(i)] });
    return ctx;
  }
  const claimRead = (core: ReturnType<typeof claimSetup>['core'], minIdle: number, count?: number, noAck = false) =>
    core.xreadgroup({ group: 'g', consumer: 'b', streams: [{ key: 's', from: '>' }], claimMinIdleMs: minIdle, noAck, ...(count ? { count } : {}) });

  it('claims idle pending entries first, least recently delivered first, then new ones, within COUNT', () => {
    const { core, clock } = claimSetup();
    clock.now += 100;
    const [result] = claimRead(core, 50, 4);
    expect(result!.entries.map((e) => [formatId(e.id), e.deliveryCount, e.idleMs])).toEqual([
      ['1-0', 2, 110],
      ['2-0', 2, 110],
      ['3-0', 3, 100],
      ['4-0', 1, undefined],
    ]);
    const owners = core.xpendingRange('s', 'g', { start: all.start, end: all.end, count: 10 }).map((p) => p.consumer);
    expect(owners).toEqual(['b', 'b', 'b', 'b']);
  });

  it('stops at the first entry idle less than min-idle-time', () => {
    const { core, clock } = claimSetup();
    clock.now += 5;
    // 1-0 and 2-0 idle 15, 3-0 idle 5.
    expect(fmt(claimRead(core, 10)[0]!.entries.map((e) => e.id))).toEqual(['1-0', '2-0', '4-0', '5-0']);
  });

  it('takes nacked entries first, in the order they were nacked', () => {
    const { core, clock } = claimSetup();
    core.xnack('s', 'g', { ids: [id('3-0')], mode: 'fail' });
    core.xnack('s', 'g', { ids: [id('2-0')], mode: 'fail' });
    clock.now += 1;
    // Min idle far above anything owned: only the nacked zone is claimable.
    expect(fmt(claimRead(core, 1_000_000, 3)[0]!.entries.map((e) => e.id))).toEqual(['3-0', '2-0', '4-0']);
  });

  it('min-idle-time 0 claims every pending entry; a negative one is refused', () => {
    const { core } = claimSetup();
    expect(fmt(claimRead(core, 0, 10)[0]!.entries.map((e) => e.id))).toEqual(['1-0', '2-0', '3-0', '4-0', '5-0']);
    expect(code(() => claimRead(core, -1))).toBe('VALIDATION');
  });

  it('skips pending entries whose stream entry is gone (they stay pending)', () => {
    const { core, clock } = claimSetup();
    core.xdel('s', [id('1-0')]);
    clock.now += 100;
    expect(fmt(claimRead(core, 50, 1)[0]!.entries.map((e) => e.id))).toEqual(['2-0']);
    expect(core.xpendingSummary('s', 'g').count).toBe(3);
  });

  it('NOACK does not apply to claimed entries; new entries read with NOACK are not pending', () => {
    const { core, clock } = claimSetup();
    clock.now += 100;
    const [result] = claimRead(core, 50, 4, true);
    expect(result!.entries.map((e) => e.deliveryCount)).toEqual([2, 2, 3, undefined]);
    expect(core.xpendingSummary('s', 'g')).toMatchObject({ count: 3, consumers: [{ name: 'b', count: 3 }] });
  });

  it('is ignored for history reads', () => {
    const { core } = claimSetup();
    const [result] = core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 's', from: 0n }], claimMinIdleMs: 0 });
    expect(fmt(result!.entries.map((e) => e.id))).toEqual(['1-0', '2-0', '3-0']);
  });

  it('keeps the claim order across acks, claims and deletions (the time index follows the PEL)', () => {
    const { core, clock } = claimSetup();
    clock.now += 100;
    claimRead(core, 50, 1); // 1-0 to b, now fresh
    core.xack('s', 'g', [id('2-0')]);
    core.xclaim('s', 'g', { consumer: 'c', minIdleMs: 0, ids: [id('3-0')], idleMs: 1000 });
    core.xgroupDelConsumer('s', 'g', 'b');
    clock.now += 1;
    // Left: 3-0 (idle 1001, owner c). 1-0 went with b.
    expect(fmt(claimRead(core, 500, 5)[0]!.entries.map((e) => e.id))).toEqual(['3-0', '4-0', '5-0']);
  });

  it('finds when an entry next becomes claimable (a timer, not a scan)', () => {
    const { core } = claimSetup();
    expect(core.nextClaimableTime('s', 'g', 50)).toBe(100_000 + 50);
    core.xnack('s', 'g', { ids: [id('3-0')], mode: 'fail' });
    expect(core.nextClaimableTime('s', 'g', 50)).toBe(Number.NEGATIVE_INFINITY);
    core.xack('s', 'g', [id('1-0'), id('2-0'), id('3-0')]);
    expect(core.nextClaimableTime('s', 'g', 50)).toBeUndefined();
    expect(core.nextClaimableTime('nope', 'g', 50)).toBeUndefined();
  });
});

describe('XREADGROUP MAXCOUNT / MAXSIZE', () => {
  /** Two streams a and b (entries 1-0..3-0, 4 bytes each), group g at 0 on both. */
  function twoStreams() {
    const ctx = coreWithClock();
    for (const key of ['a', 'b']) {
      ctx.core.xgroupCreate(key, 'g', { startId: 0n, mkStream: true });
      for (let i = 1; i <= 3; i++) ctx.core.xadd(key, { id: add(`${i}-0`), fields: ['nn', `v${i}`] });
    }
    return ctx;
  }
  const readBoth = (core: ReturnType<typeof twoStreams>['core'], caps: { maxCount?: number; maxBytes?: number; count?: number }) =>
    core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'a', from: '>' }, { key: 'b', from: '>' }], ...caps });

  it('MAXCOUNT caps the whole reply across streams (COUNT is per stream)', () => {
    const { core } = twoStreams();
    const reply = readBoth(core, { count: 2, maxCount: 3 });
    expect(reply.map((r) => [r.key, fmt(r.entries.map((e) => e.id))])).toEqual([
      ['a', ['1-0', '2-0']],
      ['b', ['1-0']],
    ]);
  });

  it('MAXSIZE caps the bytes; an entry left out is not added to a PEL; at least one entry is returned', () => {
    const { core } = twoStreams();
    const reply = readBoth(core, { maxBytes: 10 });
    expect(reply.map((r) => [r.key, r.entries.length])).toEqual([['a', 2]]);
    expect(core.xpendingSummary('a', 'g').count).toBe(2);
    expect(core.xpendingSummary('b', 'g').count).toBe(0);
    expect(core.groupInfo('b', 'g')!.lastDeliveredId).toBe(0n);
    const one = readBoth(core, { maxBytes: 1 });
    expect(one.map((r) => [r.key, fmt(r.entries.map((e) => e.id))])).toEqual([['a', ['3-0']]]);
  });

  it('refuses MAXCOUNT below COUNT and non-positive caps; absent caps mean the old reply', () => {
    const { core } = twoStreams();
    expect(code(() => readBoth(core, { count: 3, maxCount: 2 }))).toBe('VALIDATION');
    expect(code(() => readBoth(core, { maxBytes: 0 }))).toBe('VALIDATION');
    expect(code(() => readBoth(core, { maxCount: 0 }))).toBe('VALIDATION');
    expect(readBoth(core, {}).map((r) => r.entries.length)).toEqual([3, 3]);
  });
});

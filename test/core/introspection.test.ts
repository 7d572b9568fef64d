import { describe, expect, it } from 'vitest';
import { errorMessage } from '../../src/domain/errors.js';
import { add, coreWithClock, id, ordersCore, thrown } from './helpers.js';

describe('XINFO', () => {
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
  });

  it('STREAM and GROUPS answer null for a missing key; one group row and one PEL size come without the others', () => {
    const { core } = ordersCore();
    core.xgroupCreate('orders', 'b', { startId: '$' });
    core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'orders', from: '>' }], count: 2 });
    expect(core.xinfoStream('nope')).toBeNull();
    expect(core.xinfoGroups('nope')).toBeNull();
    expect(core.xinfoStream('orders')).toMatchObject({ length: 3, groups: 2, firstEntry: { id: id('1-0') }, lastEntry: { id: id('3-0') } });
    expect(core.xinfoGroups('orders')!.map((g) => g.name)).toEqual(['b', 'g']);
    expect(core.groupInfo('orders', 'g')).toEqual(core.xinfoGroups('orders')![1]);
    expect(core.groupInfo('orders', 'nope')).toBeNull();
    expect(core.consumerPendingCount('orders', 'g', 'c')).toBe(2);
    expect(core.consumerPendingCount('orders', 'g', 'nobody')).toBe(0);
  });

  it('CONSUMERS reports idle and inactive times, in XINFO\'s words when the key or group is missing', () => {
    const { core, clock } = ordersCore();
    core.xgroupCreateConsumer('orders', 'g', 'idle');
    core.xreadgroup({ group: 'g', consumer: 'busy', streams: [{ key: 'orders', from: '>' }], count: 1 });
    clock.now += 30;
    expect(core.xinfoConsumers('orders', 'g')).toEqual([
      { name: 'busy', pending: 1, idleMs: 30, inactiveMs: 30 },
      { name: 'idle', pending: 0, idleMs: 30, inactiveMs: -1 },
    ]);
    expect(thrown(() => core.xinfoConsumers('nope', 'g'))).toMatchObject({ code: 'NO_STREAM', message: 'ERR no such key' });
    expect(thrown(() => core.xinfoConsumers('orders', 'nope'))).toMatchObject({ code: 'NOGROUP', message: errorMessage('NOGROUP', 'groupForKey', 'orders', 'nope') });
  });
});

describe('exports', () => {
  it("snapshotStreamState holds the stream's counters, groups, consumers and PELs in batches of at most batchSize", () => {
    const { core } = ordersCore();
    core.xreadgroup({ group: 'g', consumer: 'a', streams: [{ key: 'orders', from: '>' }], count: 2 });
    core.xreadgroup({ group: 'g', consumer: 'b', streams: [{ key: 'orders', from: '>' }] });
    const batches = core.snapshotStreamState('orders', 2);
    expect(batches.map((b) => b.length)).toEqual([2, 2, 2]);
    expect(batches.flat()).toEqual([
      { op: 'set-id', key: 'orders', lastId: id('3-0'), entriesAdded: 3n, maxDeletedId: 0n, firstId: id('1-0') },
      { op: 'group-create', key: 'orders', group: 'g', lastId: id('3-0'), entriesRead: 3n },
      { op: 'consumer-create', key: 'orders', group: 'g', consumer: 'a', time: 1_700_000_000_000 },
      {
        op: 'pending-set',
        key: 'orders',
        group: 'g',
        consumer: 'a',
        seenTime: 1_700_000_000_000,
        activeTime: 1_700_000_000_000,
        entries: [
          { id: id('1-0'), time: 1_700_000_000_000, count: 1 },
          { id: id('2-0'), time: 1_700_000_000_000, count: 1 },
        ],
      },
      { op: 'consumer-create', key: 'orders', group: 'g', consumer: 'b', time: 1_700_000_000_000 },
      {
        op: 'pending-set',
        key: 'orders',
        group: 'g',
        consumer: 'b',
        seenTime: 1_700_000_000_000,
        activeTime: 1_700_000_000_000,
        entries: [{ id: id('3-0'), time: 1_700_000_000_000, count: 1 }],
      },
    ]);
    expect(core.snapshotStreamState('nope')).toEqual([]);
  });

  it('debugState leaves out the seen-time of reads that changed nothing else', () => {
    const { core, clock } = ordersCore();
    core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'orders', from: '>' }] });
    const state = core.debugState();
    clock.now += 10;
    core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'orders', from: '>' }] });
    expect(core.debugState()).toEqual(state);
    core.xack('orders', 'g', [id('1-0')]);
    expect(core.debugState()).not.toEqual(state);
  });
});

import { describe, expect, it } from 'vitest';
import { estimateEntriesRead, groupLag, rangeHasTombstones } from '../../src/core/lag.js';
import { MAX_ID } from '../../src/domain/ids.js';
import { add, coreWithClock, id } from './helpers.js';

/** A stream with entries 1-0 .. 5-0 and the core it lives in. */
function fiveEntries() {
  const { core } = coreWithClock();
  for (let i = 1; i <= 5; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['a', '1'] });
  return { core, stream: () => core.streamForSnapshot('s')! };
}

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
});

describe('rangeHasTombstones', () => {
  it('is false until an XDEL, then true for ranges holding max-deleted-entry-id while it is not before the first entry', () => {
    const { core, stream } = fiveEntries();
    expect(rangeHasTombstones(stream(), 0n, MAX_ID)).toBe(false);
    core.xdel('s', [id('3-0')]);
    expect(rangeHasTombstones(stream(), id('2-0'), MAX_ID)).toBe(true);
    expect(rangeHasTombstones(stream(), id('4-0'), MAX_ID)).toBe(false);
    core.xtrim('s', { minId: id('4-0'), approximate: false });
    expect(rangeHasTombstones(stream(), 0n, MAX_ID)).toBe(false);
  });
});

describe('estimateEntriesRead', () => {
  it('knows the counter at the ends of the stream and before its first entry, and nothing in between', () => {
    const { core, stream } = fiveEntries();
    expect(estimateEntriesRead(stream(), id('5-0'))).toBe(5n);
    expect(estimateEntriesRead(stream(), id('1-0'))).toBe(1n);
    expect(estimateEntriesRead(stream(), 0n)).toBe(0n);
    expect(estimateEntriesRead(stream(), id('3-0'))).toBeNull();
    expect(estimateEntriesRead(stream(), id('9-0'))).toBeNull();
    // Deleted before the first entry: still counted as read.
    core.xdel('s', [id('1-0')]);
    expect(estimateEntriesRead(stream(), id('2-0'))).toBe(2n);
    core.xdel('s', [id('3-0')]);
    expect(estimateEntriesRead(stream(), id('2-0'))).toBeNull();
    core.xtrim('s', { maxLen: 0n, approximate: false });
    expect(estimateEntriesRead(stream(), id('3-0'))).toBe(5n);
  });
});

describe('groupLag', () => {
  it('is exact from entries-read without tombstones ahead, else estimated from last-delivered-id', () => {
    const { core, stream } = fiveEntries();
    core.xgroupCreate('s', 'g', { startId: id('2-0'), entriesRead: 2n });
    const group = () => stream().groups.get('g')!;
    expect(groupLag(stream(), group())).toBe(3n);
    core.xdel('s', [id('4-0')]);
    expect(groupLag(stream(), group())).toBeNull();
    core.xgroupSetId('s', 'g', { lastId: id('5-0') });
    expect(groupLag(stream(), group())).toBe(0n);
  });
});

import { describe, expect, it } from 'vitest';
import { BTree } from '../../src/core/btree.js';
import type { Effect, EffectBatch } from '../../src/core/effects.js';
import { applyEffect } from '../../src/core/replay.js';
import type { Stream } from '../../src/core/stream.js';
import { add, all, coreWithClock, fmt, id } from './helpers.js';

describe('replay', () => {
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

  it('applies each effect idempotently, and ignores effects on groups that are gone', () => {
    const streams = new BTree<string, Stream>();
    const fields = ['a', '1'];
    applyEffect(streams, { op: 'add', key: 's', id: id('1-0'), fields, entriesAdded: 1n });
    applyEffect(streams, { op: 'add', key: 's', id: id('1-0'), fields, entriesAdded: 1n });
    applyEffect(streams, { op: 'group-create', key: 's', group: 'g', lastId: 0n, entriesRead: null });
    applyEffect(streams, { op: 'group-create', key: 's', group: 'g', lastId: id('1-0'), entriesRead: 1n });
    const deliver: Effect = { op: 'deliver', key: 's', group: 'g', consumer: 'c', time: 5, ids: [id('1-0')], active: true, lastId: id('1-0'), entriesRead: 1n };
    applyEffect(streams, deliver);
    applyEffect(streams, deliver);
    const s = streams.get('s')!;
    expect(s.length).toBe(1);
    expect(s.groups.get('g')!.lastId).toBe(id('1-0'));
    expect(s.groups.get('g')!.pel.size).toBe(1);
    applyEffect(streams, { ...deliver, group: 'gone' });
    applyEffect(streams, { op: 'ack', key: 'missing', group: 'g', ids: [id('1-0')] });
    applyEffect(streams, { op: 'consumer-delete', key: 's', group: 'g', consumer: 'c' });
    expect(s.groups.get('g')!.pel.size).toBe(0);
    expect(streams.keysArray()).toEqual(['s']);
  });

  it('an XADD replayed over a snapshot that holds its entry makes it the recorded first entry again', () => {
    const { core } = coreWithClock();
    core.xadd('s', { id: add('1-0'), fields: ['a', '1'] });
    core.xdel('s', [id('1-0')]);
    const replay: EffectBatch = [{ op: 'add', key: 's', id: id('2-0'), fields: ['a', '2'], entriesAdded: 2n }];
    core.applyBatch(replay);
    core.applyBatch([{ op: 'delete', key: 's', ids: [], maxDeletedId: id('1-0'), firstId: 0n }]);
    core.applyBatch(replay);
    expect(core.xinfoStream('s')).toMatchObject({ length: 1, recordedFirstEntryId: id('2-0'), entriesAdded: 2n });
    expect(fmt(core.xrange('s', all)!.map((e) => e.id))).toEqual(['2-0']);
  });
});

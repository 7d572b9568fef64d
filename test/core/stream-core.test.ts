import { describe, expect, it } from 'vitest';
import type { EffectBatch } from '../../src/core/effects.js';
import { StreamCore } from '../../src/core/stream-core.js';
import { add, coreWithClock, id } from './helpers.js';

describe('StreamCore', () => {
  it('hands each changing command to the sink, then to every batch listener until it unsubscribes', () => {
    const seen: string[] = [];
    const { core } = coreWithClock();
    core.setSink((batch) => seen.push(`sink ${batch.map((e) => e.op).join(',')}`));
    const unsubscribe = core.onBatch((batch) => seen.push(`listener ${batch.length}`));
    core.xgroupCreate('s', 'g', { startId: 0n, mkStream: true });
    core.xlen('s');
    unsubscribe();
    core.xadd('s', { id: add('1-0'), fields: ['a', '1'] });
    expect(seen).toEqual(['sink create,group-create', 'listener 2', 'sink add']);
  });

  it('reads the clock it was given', () => {
    const { core, clock } = coreWithClock(42);
    expect(core.now()).toBe(42);
    clock.now = 43;
    expect(core.now()).toBe(43);
    expect(new StreamCore().now()).toBeGreaterThan(1_600_000_000_000);
  });

  it('replays batches without emitting them, and forgets everything on reset', () => {
    const emitted: EffectBatch[] = [];
    const core = new StreamCore({ sink: (batch) => emitted.push(batch) });
    core.applyBatch([{ op: 'add', key: 'b', id: id('1-0'), fields: ['a', '1'], entriesAdded: 1n }, { op: 'create', key: 'a' }]);
    expect(emitted).toEqual([]);
    expect(core.streamKeys()).toEqual(['a', 'b']);
    expect(core.lastIdOf('b')).toBe(id('1-0'));
    expect(core.streamForSnapshot('b')!.length).toBe(1);
    core.reset();
    expect(core.streamKeys()).toEqual([]);
    expect(core.exists('b')).toBe(false);
  });
});

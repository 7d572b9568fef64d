import { describe, expect, it } from 'vitest';
import type { EffectBatch } from '../../src/core/effects.js';
import { StreamCore } from '../../src/core/stream-core.js';
import { add, all, code, coreWithClock, fmt, id } from './helpers.js';

/** Stream `s` with entries 1-0..n-0, groups `g1` and `g2` at 0-0 (none read yet); effects recorded. */
function setup(n = 5): { core: StreamCore; batches: EffectBatch[] } {
  const { core } = coreWithClock();
  const batches: EffectBatch[] = [];
  core.setSink((b) => batches.push(b));
  for (let i = 1; i <= n; i++) core.xadd('s', { id: add(`${i}-0`), fields: ['n', String(i)] });
  core.xgroupCreate('s', 'g1', { startId: 0n });
  core.xgroupCreate('s', 'g2', { startId: 0n });
  return { core, batches };
}

const read = (core: StreamCore, group: string, count?: number) =>
  core.xreadgroup({ group, consumer: 'c', streams: [{ key: 's', from: '>' }], ...(count ? { count } : {}) });
const ids = (core: StreamCore) => fmt(core.xrange('s', all)!.map((e) => e.id));
const pel = (core: StreamCore, group: string) =>
  fmt(core.xpendingRange('s', group, { start: all.start, end: all.end, count: 100 }).map((p) => p.id));

/** A fresh core replaying `batches` reaches the same state. */
function expectReplays(core: StreamCore, batches: EffectBatch[]): void {
  const replayed = new StreamCore();
  for (const b of batches) replayed.applyBatch(b);
  expect(replayed.debugState()).toEqual(core.debugState());
}

describe('XACKDEL', () => {
  it('answers notFound for every ID on a missing key or group', () => {
    const { core } = setup();
    expect(core.xackdel('missing', 'g1', [id('1-0'), id('2-0')])).toEqual(['notFound', 'notFound']);
    expect(core.xackdel('s', 'nope', [id('1-0')])).toEqual(['notFound']);
  });

  it('refuses an empty ID list', () => {
    const { core } = setup();
    expect(code(() => core.xackdel('s', 'g1', []))).toBe('VALIDATION');
  });

  it('answers notFound for an ID not in the group PEL and deletes nothing, even when the entry exists', () => {
    const { core } = setup();
    expect(core.xackdel('s', 'g1', [id('1-0')])).toEqual(['notFound']);
    expect(ids(core)).toEqual(['1-0', '2-0', '3-0', '4-0', '5-0']);
  });

  it('KEEPREF (the default): acks, deletes, and leaves other groups\' PEL entries dangling', () => {
    const { core, batches } = setup();
    read(core, 'g1');
    read(core, 'g2');
    expect(core.xackdel('s', 'g1', [id('1-0'), id('2-0')])).toEqual(['deleted', 'deleted']);
    expect(ids(core)).toEqual(['3-0', '4-0', '5-0']);
    expect(pel(core, 'g1')).toEqual(['3-0', '4-0', '5-0']);
    expect(pel(core, 'g2')).toEqual(['1-0', '2-0', '3-0', '4-0', '5-0']);
    expectReplays(core, batches);
  });

  it('DELREF: removes the entry from every group PEL, then deletes it', () => {
    const { core, batches } = setup();
    read(core, 'g1');
    read(core, 'g2');
    expect(core.xackdel('s', 'g1', [id('1-0')], 'delRef')).toEqual(['deleted']);
    expect(pel(core, 'g2')).toEqual(['2-0', '3-0', '4-0', '5-0']);
    expect(ids(core)).toEqual(['2-0', '3-0', '4-0', '5-0']);
    expectReplays(core, batches);
  });

  it('ACKED: acks; keeps an entry another group references (pending or unread) as referenced, deletes the rest', () => {
    const { core, batches } = setup();
    read(core, 'g1');
    read(core, 'g2', 2); // g2 has 1-0, 2-0 pending and has not read 3-0..5-0
    core.xack('s', 'g2', [id('1-0')]);
    expect(core.xackdel('s', 'g1', [id('1-0'), id('2-0'), id('3-0')], 'acked')).toEqual(['deleted', 'referenced', 'referenced']);
    expect(ids(core)).toEqual(['2-0', '3-0', '4-0', '5-0']);
    expect(pel(core, 'g1')).toEqual(['4-0', '5-0']);
    expectReplays(core, batches);
  });

  it('a second occurrence of an ID in one call is notFound (it is no longer pending)', () => {
    const { core } = setup();
    read(core, 'g1');
    expect(core.xackdel('s', 'g1', [id('1-0'), id('1-0')])).toEqual(['deleted', 'notFound']);
  });

  it('answers deleted for a PEL entry whose stream entry is already gone', () => {
    const { core } = setup();
    read(core, 'g1');
    core.xdel('s', [id('2-0')]);
    expect(core.xackdel('s', 'g1', [id('2-0')])).toEqual(['deleted']);
    expect(pel(core, 'g1')).toEqual(['1-0', '3-0', '4-0', '5-0']);
  });

  it('updates max-deleted-entry-id and the first entry as XDEL does', () => {
    const { core } = setup();
    read(core, 'g1');
    core.xackdel('s', 'g1', [id('1-0'), id('3-0')]);
    const info = core.xinfoStream('s')!;
    expect(info.maxDeletedEntryId).toBe(id('3-0'));
    expect(info.firstEntry?.id).toBe(id('2-0'));
  });
});

describe('XDELEX', () => {
  it('answers notFound for every ID on a missing key, and refuses an empty list', () => {
    const { core } = setup();
    expect(core.xdelex('missing', [id('1-0')])).toEqual(['notFound']);
    expect(code(() => core.xdelex('s', []))).toBe('VALIDATION');
  });

  it('KEEPREF: deletes what exists (deleted), notFound for the rest, PELs untouched', () => {
    const { core, batches } = setup();
    read(core, 'g1');
    expect(core.xdelex('s', [id('1-0'), id('9-0'), id('1-0')])).toEqual(['deleted', 'notFound', 'notFound']);
    expect(pel(core, 'g1')).toEqual(['1-0', '2-0', '3-0', '4-0', '5-0']);
    expectReplays(core, batches);
  });

  it('DELREF: cleans every PEL first (also for an entry already gone), then deletes', () => {
    const { core, batches } = setup();
    read(core, 'g1');
    read(core, 'g2');
    core.xdel('s', [id('2-0')]);
    expect(core.xdelex('s', [id('1-0'), id('2-0')], 'delRef')).toEqual(['deleted', 'notFound']);
    expect(pel(core, 'g1')).toEqual(['3-0', '4-0', '5-0']);
    expect(pel(core, 'g2')).toEqual(['3-0', '4-0', '5-0']);
    expectReplays(core, batches);
  });

  it('ACKED: referenced entries are kept (also when the entry itself is gone); unreferenced ones are deleted', () => {
    const { core } = setup();
    read(core, 'g1');
    read(core, 'g2', 3);
    core.xack('s', 'g1', [id('1-0'), id('2-0')]);
    core.xack('s', 'g2', [id('1-0')]);
    core.xdel('s', [id('3-0')]);
    // 1-0: read and acked by both -> deleted; 2-0: pending in g2; 3-0: gone but pending; 5-0: unread by g2.
    expect(core.xdelex('s', [id('1-0'), id('2-0'), id('3-0'), id('5-0')], 'acked')).toEqual([
      'deleted',
      'referenced',
      'referenced',
      'referenced',
    ]);
  });

  it('ACKED on a stream with no groups deletes (as the source does, not as redis.io says)', () => {
    const { core } = coreWithClock();
    core.xadd('t', { id: add('1-0'), fields: ['a', 'b'] });
    expect(core.xdelex('t', [id('1-0')], 'acked')).toEqual(['deleted']);
  });
});

describe('trimming with KEEPREF / DELREF / ACKED', () => {
  it('KEEPREF (default) trims as before, leaving PEL entries dangling', () => {
    const { core } = setup();
    read(core, 'g1');
    expect(core.xtrim('s', { maxLen: 2n, approximate: false, refs: 'keepRef' })).toBe(3);
    expect(pel(core, 'g1')).toEqual(['1-0', '2-0', '3-0', '4-0', '5-0']);
  });

  it('DELREF removes every trimmed entry from every group PEL', () => {
    const { core, batches } = setup();
    read(core, 'g1');
    read(core, 'g2', 1);
    expect(core.xtrim('s', { maxLen: 2n, approximate: false, refs: 'delRef' })).toBe(3);
    expect(ids(core)).toEqual(['4-0', '5-0']);
    expect(pel(core, 'g1')).toEqual(['4-0', '5-0']);
    expect(pel(core, 'g2')).toEqual([]);
    expectReplays(core, batches);
  });

  it('ACKED trims only unreferenced entries, skipping referenced ones (gaps; MAXLEN may not be reached)', () => {
    const { core, batches } = setup();
    read(core, 'g1');
    read(core, 'g2', 4);
    core.xack('s', 'g1', [id('1-0'), id('2-0'), id('3-0'), id('4-0')]);
    core.xack('s', 'g2', [id('1-0'), id('3-0')]);
    // 2-0 and 4-0 still pending in g2; 5-0 unread by g2.
    expect(core.xtrim('s', { maxLen: 1n, approximate: false, refs: 'acked' })).toBe(2);
    expect(ids(core)).toEqual(['2-0', '4-0', '5-0']);
    // Trimming does not move max-deleted-entry-id.
    expect(core.xinfoStream('s')!.maxDeletedEntryId).toBe(0n);
    expect(core.xinfoStream('s')!.firstEntry?.id).toBe(id('2-0'));
    expectReplays(core, batches);
  });

  it('ACKED with MINID, and on a stream without groups (nothing referenced)', () => {
    const { core } = coreWithClock();
    for (let i = 1; i <= 4; i++) core.xadd('t', { id: add(`${i}-0`), fields: ['a', 'b'] });
    expect(core.xtrim('t', { minId: id('3-0'), approximate: false, refs: 'acked' })).toBe(2);
    expect(fmt(core.xrange('t', all)!.map((e) => e.id))).toEqual(['3-0', '4-0']);
  });

  it('with DELREF, `~` changes nothing (entries one by one), and LIMIT still caps the work', () => {
    const { core } = setup(300);
    expect(core.xtrim('s', { maxLen: 10n, approximate: true, refs: 'delRef' })).toBe(290);
    expect(core.xlen('s')).toBe(10);
    const other = setup(300).core;
    expect(other.xtrim('s', { maxLen: 10n, approximate: true, limit: 50, refs: 'delRef' })).toBe(50);
    // KEEPREF with `~` removes whole nodes only: fewer than exact.
    const keep = setup(300).core;
    expect(keep.xtrim('s', { maxLen: 10n, approximate: true })).toBeLessThan(290);
  });

  it('applies on XADD with trim, and has no effect without trimming', () => {
    const { core } = setup(3);
    read(core, 'g1');
    core.xadd('s', { id: add('4-0'), fields: ['n', '4'], trim: { maxLen: 2n, approximate: false, refs: 'delRef' } });
    expect(ids(core)).toEqual(['3-0', '4-0']);
    expect(pel(core, 'g1')).toEqual(['3-0']);
    core.xaddBatch('s', [{ id: add('5-0'), fields: ['n', '5'] }], { trim: { maxLen: 1n, approximate: false, refs: 'acked' } });
    // 3-0 pending in g1, 4-0 and 5-0 unread by both: nothing is unreferenced.
    expect(ids(core)).toEqual(['3-0', '4-0', '5-0']);
  });
});

import { describe, expect, it } from 'vitest';
import type { EffectBatch } from '../../src/core/effects.js';
import { fieldsDigest } from '../../src/core/idempotency.js';
import { StreamCore } from '../../src/core/stream-core.js';
import { add, all, code, coreWithClock } from './helpers.js';

const auto = { kind: 'auto' as const };

function setup() {
  const ctx = coreWithClock(1_700_000_000_000);
  const batches: EffectBatch[] = [];
  ctx.core.setSink((b) => batches.push(b));
  return { ...ctx, batches };
}

describe('XADD IDMP / IDMPAUTO', () => {
  it('a duplicate (producer, iid) answers the original ID, appends nothing, trims nothing', () => {
    const { core, clock } = setup();
    const first = core.xaddIdempotent('s', { id: auto, fields: ['a', '1'], idempotency: { producer: 'p', key: 'k1' } })!;
    expect(first.duplicate).toBe(false);
    clock.now += 5;
    core.xadd('s', { id: auto, fields: ['b', '2'] });
    const again = core.xaddIdempotent('s', { id: auto, fields: ['other', 'fields'], trim: { maxLen: 0n, approximate: false }, idempotency: { producer: 'p', key: 'k1' } })!;
    expect(again).toEqual({ id: first.id, duplicate: true });
    expect(core.xlen('s')).toBe(2);
    // Another producer with the same iid is not a duplicate.
    expect(core.xaddIdempotent('s', { id: auto, fields: ['a', '1'], idempotency: { producer: 'q', key: 'k1' } })!.duplicate).toBe(false);
  });

  it('answers the original ID even when that entry was deleted since', () => {
    const { core } = setup();
    const first = core.xaddIdempotent('s', { id: auto, fields: ['a', '1'], idempotency: { producer: 'p', key: 'k' } })!;
    core.xdel('s', [first.id]);
    expect(core.xaddIdempotent('s', { id: auto, fields: ['a', '1'], idempotency: { producer: 'p', key: 'k' } })).toEqual({ id: first.id, duplicate: true });
  });

  it('IDMPAUTO: the iid is a hash of the pairs, independent of their order', () => {
    const { core } = setup();
    expect(fieldsDigest(['a', '1', 'b', '2'])).toBe(fieldsDigest(['b', '2', 'a', '1']));
    expect(fieldsDigest(['a', '1', 'b', '2'])).not.toBe(fieldsDigest(['a', '2', 'b', '1']));
    expect(fieldsDigest(['ab', 'c'])).not.toBe(fieldsDigest(['a', 'bc']));
    const first = core.xaddIdempotent('s', { id: auto, fields: ['a', '1', 'b', '2'], idempotency: { producer: 'p' } })!;
    expect(core.xaddIdempotent('s', { id: auto, fields: ['b', '2', 'a', '1'], idempotency: { producer: 'p' } })).toEqual({ id: first.id, duplicate: true });
  });

  it('only with automatic IDs; producer and iid non-empty', () => {
    const { core } = setup();
    expect(code(() => core.xaddIdempotent('s', { id: add('5-0'), fields: ['a', '1'], idempotency: { producer: 'p', key: 'k' } }))).toBe('VALIDATION');
    expect(code(() => core.xaddIdempotent('s', { id: add('5-*'), fields: ['a', '1'], idempotency: { producer: 'p', key: 'k' } }))).toBe('VALIDATION');
    expect(code(() => core.xaddIdempotent('s', { id: auto, fields: ['a', '1'], idempotency: { producer: '', key: 'k' } }))).toBe('VALIDATION');
    expect(code(() => core.xaddIdempotent('s', { id: auto, fields: ['a', '1'], idempotency: { producer: 'p', key: '' } }))).toBe('VALIDATION');
    expect(core.exists('s')).toBe(false);
  });

  it('strict keys (the Idempotency-Key header): the same key with other fields is IDEMPOTENCY_KEY_REUSED', () => {
    const { core } = setup();
    core.xaddIdempotent('s', { id: auto, fields: ['a', '1'], idempotency: { producer: 'p', key: 'k', strict: true } });
    expect(code(() => core.xaddIdempotent('s', { id: auto, fields: ['a', '2'], idempotency: { producer: 'p', key: 'k', strict: true } }))).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(core.xaddIdempotent('s', { id: auto, fields: ['a', '1'], idempotency: { producer: 'p', key: 'k', strict: true } })!.duplicate).toBe(true);
  });

  it('forgets the oldest iid past idmp-maxsize, and iids older than idmp-duration', () => {
    const { core, clock } = setup();
    core.xadd('s', { id: auto, fields: ['x', 'y'] });
    core.xcfgset('s', { idempotencyMaxSize: 2, idempotencyDurationS: 10 });
    for (const k of ['k1', 'k2', 'k3']) {
      clock.now += 1;
      core.xaddIdempotent('s', { id: auto, fields: ['a', k], idempotency: { producer: 'p', key: k } });
    }
    expect(core.xinfoStream('s')!.idempotency).toMatchObject({ producersTracked: 1, keysTracked: 2, keysAdded: 3n, duplicates: 0n });
    expect(core.xaddIdempotent('s', { id: auto, fields: ['a', 'k1'], idempotency: { producer: 'p', key: 'k1' } })!.duplicate).toBe(false);
    expect(core.xaddIdempotent('s', { id: auto, fields: ['a', 'k3'], idempotency: { producer: 'p', key: 'k3' } })!.duplicate).toBe(true);
    clock.now += 11_000;
    expect(core.xinfoStream('s')!.idempotency).toMatchObject({ producersTracked: 0, keysTracked: 0, duplicates: 1n });
    expect(core.xaddIdempotent('s', { id: auto, fields: ['a', 'k3'], idempotency: { producer: 'p', key: 'k3' } })!.duplicate).toBe(false);
  });

  it('with NOMKSTREAM on a missing key answers null and records nothing', () => {
    const { core } = setup();
    expect(core.xaddIdempotent('s', { id: auto, fields: ['a', '1'], noMkStream: true, idempotency: { producer: 'p' } })).toBeNull();
    expect(core.exists('s')).toBe(false);
  });

  it('replays from the log and from a snapshot to the same state', () => {
    const { core, clock, batches } = setup();
    core.xaddIdempotent('s', { id: auto, fields: ['a', '1'], idempotency: { producer: 'p', key: 'k' } });
    core.xcfgset('s', { idempotencyMaxSize: 50 });
    core.xaddIdempotent('s', { id: auto, fields: ['a', '2'], idempotency: { producer: 'p', key: 'k2' } });
    core.xaddIdempotent('s', { id: auto, fields: ['a', '2'], idempotency: { producer: 'p', key: 'k2' } });
    const replayed = new StreamCore({ clock: () => clock.now });
    for (const b of batches) replayed.applyBatch(b);
    expect(replayed.debugState()).toEqual(core.debugState());
    const fromSnapshot = new StreamCore({ clock: () => clock.now });
    fromSnapshot.applyBatch(core.xrange('s', all)!.map((e, i) => ({ op: 'add', key: 's', id: e.id, fields: e.fields!, entriesAdded: BigInt(i + 1) })));
    for (const b of core.snapshotStreamState('s')) fromSnapshot.applyBatch(b);
    expect(fromSnapshot.debugState()).toEqual(core.debugState());
    expect(fromSnapshot.xinfoStream('s')!.idempotency).toEqual(core.xinfoStream('s')!.idempotency);
  });
});

describe('idempotent batches', () => {
  it('checks the whole batch first; in-batch repeats are duplicates; trims only when something was appended', () => {
    const { core, batches, clock } = setup();
    const results = core.xaddBatchIdempotent(
      's',
      [
        { id: auto, fields: ['a', '1'], idempotency: { producer: 'p', key: 'k' } },
        { id: auto, fields: ['b', '2'] },
        { id: auto, fields: ['a', '9'], idempotency: { producer: 'p', key: 'k' } },
      ],
      {},
    )!;
    expect(results.map((r) => r.duplicate)).toEqual([false, false, true]);
    expect(results[2]!.id).toBe(results[0]!.id);
    expect(core.xlen('s')).toBe(2);
    expect(core.xinfoStream('s')!.idempotency).toMatchObject({ keysAdded: 1n, duplicates: 1n });
    const all = core.xaddBatchIdempotent('s', [{ id: auto, fields: ['x', 'y'], idempotency: { producer: 'p', key: 'k' } }], { trim: { maxLen: 0n, approximate: false } })!;
    expect(all[0]!.duplicate).toBe(true);
    expect(core.xlen('s')).toBe(2);
    expect(code(() => core.xaddBatchIdempotent('s', [{ id: auto, fields: ['a', '1'] }, { id: add('1-0'), fields: ['a', '1'], idempotency: { producer: 'p' } }], {}))).toBe('VALIDATION');
    expect(core.xlen('s')).toBe(2);
    const replayed = new StreamCore({ clock: () => clock.now });
    for (const b of batches) replayed.applyBatch(b);
    expect(replayed.debugState()).toEqual(core.debugState());
  });
});

describe('XCFGSET', () => {
  it('needs the key and at least one option in range', () => {
    const { core } = setup();
    expect(code(() => core.xcfgset('s', { idempotencyDurationS: 5 }))).toBe('NO_STREAM');
    core.xadd('s', { id: auto, fields: ['a', '1'] });
    expect(code(() => core.xcfgset('s', {}))).toBe('VALIDATION');
    expect(code(() => core.xcfgset('s', { idempotencyDurationS: 0 }))).toBe('VALIDATION');
    expect(code(() => core.xcfgset('s', { idempotencyDurationS: 86_401 }))).toBe('VALIDATION');
    expect(code(() => core.xcfgset('s', { idempotencyMaxSize: 10_001 }))).toBe('VALIDATION');
    expect(core.xinfoStream('s')!.idempotency).toMatchObject({ durationS: 100, maxSize: 100 });
  });

  it('clears the recorded iids only when a value actually changes', () => {
    const { core } = setup();
    core.xaddIdempotent('s', { id: auto, fields: ['a', '1'], idempotency: { producer: 'p', key: 'k' } });
    core.xcfgset('s', { idempotencyDurationS: 100, idempotencyMaxSize: 100 });
    expect(core.xinfoStream('s')!.idempotency.keysTracked).toBe(1);
    core.xcfgset('s', { idempotencyMaxSize: 99 });
    expect(core.xinfoStream('s')!.idempotency).toMatchObject({ keysTracked: 0, maxSize: 99, durationS: 100 });
  });
});

describe('a batch under one key (the Idempotency-Key header)', () => {
  const under = { producer: 'p', key: 'batch-1', strict: true };
  const messages = [
    { id: auto, fields: ['a', '1'] },
    { id: auto, fields: ['b', '2'] },
  ];

  it('records every ID under one iid; a retry answers them all as duplicates; other messages are IDEMPOTENCY_KEY_REUSED', () => {
    const { core, clock, batches } = setup();
    const first = core.xaddBatchIdempotent('s', messages, { idempotency: under })!;
    expect(first.map((r) => r.duplicate)).toEqual([false, false]);
    clock.now += 3;
    const again = core.xaddBatchIdempotent('s', messages, { idempotency: under, trim: { maxLen: 0n, approximate: false } })!;
    expect(again).toEqual(first.map((r) => ({ id: r.id, duplicate: true })));
    expect(core.xlen('s')).toBe(2);
    expect(core.xinfoStream('s')!.idempotency).toMatchObject({ keysTracked: 1, keysAdded: 1n, duplicates: 1n });
    expect(code(() => core.xaddBatchIdempotent('s', [messages[1]!, messages[0]!], { idempotency: under }))).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(code(() => core.xaddBatchIdempotent('s', [messages[0]!], { idempotency: under }))).toBe('IDEMPOTENCY_KEY_REUSED');
    // A single append's key is another request: reusing it for a batch (or the reverse) is refused too.
    core.xaddIdempotent('s', { id: auto, fields: ['a', '1'], idempotency: { producer: 'p', key: 'single', strict: true } });
    expect(code(() => core.xaddBatchIdempotent('s', [messages[0]!], { idempotency: { ...under, key: 'single' } }))).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(code(() => core.xaddIdempotent('s', { id: auto, fields: ['a', '1'], idempotency: under }))).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(core.xlen('s')).toBe(3);
    const replayed = new StreamCore({ clock: () => clock.now });
    for (const b of batches) replayed.applyBatch(b);
    expect(replayed.debugState()).toEqual(core.debugState());
    const fromSnapshot = new StreamCore({ clock: () => clock.now });
    fromSnapshot.applyBatch(core.xrange('s', all)!.map((e, i) => ({ op: 'add', key: 's', id: e.id, fields: e.fields!, entriesAdded: BigInt(i + 1) })));
    for (const b of core.snapshotStreamState('s')) fromSnapshot.applyBatch(b);
    expect(fromSnapshot.debugState()).toEqual(core.debugState());
  });

  it('refuses explicit IDs and per-message idempotency beside the key, changing nothing', () => {
    const { core } = setup();
    expect(code(() => core.xaddBatchIdempotent('s', [messages[0]!, { id: add('5-0'), fields: ['a', '1'] }], { idempotency: under }))).toBe('VALIDATION');
    expect(code(() => core.xaddBatchIdempotent('s', [{ ...messages[0]!, idempotency: { producer: 'p', key: 'k' } }], { idempotency: under }))).toBe('VALIDATION');
    expect(core.xlen('s')).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import type { EffectBatch } from '../../src/core/effects.js';
import { ENTRY_ID_BYTES } from '../../src/core/memory-meter.js';
import { entryBytes } from '../../src/core/reply-budget.js';
import { StreamCore } from '../../src/core/stream-core.js';
import { DEAD_LETTER_FIELDS, type FieldList } from '../../src/domain/types.js';
import { add, all, code, id } from './helpers.js';

/** A core that records every batch it emits, so a second core can replay them. */
function recordingCore(maxMemoryBytes?: number) {
  const batches: EffectBatch[] = [];
  const core = new StreamCore({ clock: () => 1_700_000_000_000, sink: (b) => batches.push(b), limits: maxMemoryBytes === undefined ? {} : { maxMemoryBytes } });
  return { core, batches };
}

function replayed(batches: EffectBatch[]): StreamCore {
  const copy = new StreamCore();
  for (const b of batches) copy.applyBatch(b);
  return copy;
}

describe('memory meter (usedMemoryBytes)', () => {
  it('counts an entry as its stored names and values with their headers, plus the ID', () => {
    const core = new StreamCore();
    expect(core.usedMemoryBytes()).toBe(0);
    core.xadd('s', { id: add('1-0'), fields: ['k', 'v'] });
    // flags 1 + value (header 1 + 1) + names shared with the node (header 1 + 1) + ID.
    expect(core.usedMemoryBytes()).toBe(3 + 2 + ENTRY_ID_BYTES);
    core.xadd('s', { id: add('2-0'), fields: ['ab', 'cd', 'e', 'f'] });
    // flags 1 + count 1 + four strings (header 1 + bytes) + ID.
    expect(core.usedMemoryBytes()).toBe(21 + 2 + 4 * 1 + 2 + 2 + 1 + 1 + ENTRY_ID_BYTES);
  });

  it('is at least the UTF-8 bytes of names and values plus the ID of every live entry', () => {
    const core = new StreamCore();
    const entries: FieldList[] = [['名前', 'ü'.repeat(300)], ['名前', 'x'], ['a', 'b', 'c', '€€']];
    let floor = 0;
    for (const [i, fields] of entries.entries()) {
      core.xadd('s', { id: add(`${i + 1}-0`), fields });
      floor += entryBytes(fields) + ENTRY_ID_BYTES;
    }
    expect(core.usedMemoryBytes()).toBeGreaterThanOrEqual(floor);
    expect(core.usedMemoryBytes()).toBeLessThan(floor + entries.length * 8);
  });

  it('goes back to 0 through XDEL, exact and approximate trims, a trimming XADD and DEL', () => {
    const core = new StreamCore();
    for (let i = 1; i <= 350; i++) core.xadd('a', { id: add(`${i}-0`), fields: ['n', String(i)] });
    for (let i = 1; i <= 20; i++) core.xadd('b', { id: add(`${i}-0`), fields: ['n', 'x'.repeat(i)] });
    const both = core.usedMemoryBytes();
    core.del('b');
    const onlyA = core.usedMemoryBytes();
    expect(onlyA).toBeLessThan(both);
    core.xdel('a', [id('5-0'), id('150-0'), id('999-0')]);
    core.xtrim('a', { maxLen: 300n, approximate: true });
    core.xtrim('a', { maxLen: 123n, approximate: false });
    core.xadd('a', { id: add('351-0'), fields: ['n', '351'], trim: { maxLen: 10n, approximate: false } });
    const ten = core.usedMemoryBytes();
    expect(ten).toBeGreaterThan(0);
    expect(ten).toBeLessThan(onlyA / 20);
    core.xtrim('a', { maxLen: 0n, approximate: false });
    expect(core.usedMemoryBytes()).toBe(0);
  });

  it('a replay of the same effects gives the same meter', () => {
    const { core, batches } = recordingCore();
    for (let i = 1; i <= 260; i++) core.xadd(`s${i % 3}`, { id: add(`${i}-0`), fields: i % 7 === 0 ? ['other', 'names', 'x', String(i)] : ['n', String(i)] });
    core.xdel('s1', [id('4-0'), id('7-0')]);
    core.xtrim('s2', { maxLen: 40n, approximate: false });
    core.del('s0');
    expect(replayed(batches).usedMemoryBytes()).toBe(core.usedMemoryBytes());
  });

  it('reset forgets it', () => {
    const core = new StreamCore();
    core.xadd('s', { id: add('*'), fields: ['k', 'v'] });
    core.reset();
    expect(core.usedMemoryBytes()).toBe(0);
  });
});

describe('MAX_MEMORY_BYTES (limits.maxMemoryBytes, noeviction)', () => {
  /** A core over its cap: stream `s` with group `g`, one entry pending for `c`, and a dead letter for `s` in `dlq`. */
  function fullCore() {
    const { core, batches } = recordingCore(200);
    core.xgroupCreate('s', 'g', { startId: 0n, mkStream: true });
    core.xadd('dlq', {
      id: add('1-0'),
      fields: ['v', 'y', DEAD_LETTER_FIELDS.stream, 's', DEAD_LETTER_FIELDS.id, '0-1', DEAD_LETTER_FIELDS.group, 'g', DEAD_LETTER_FIELDS.deliveries, '3'],
    });
    core.xadd('s', { id: add('1-0'), fields: ['v', 'x'.repeat(250)] });
    core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 's', from: '>' }], count: 1 });
    expect(core.usedMemoryBytes()).toBeGreaterThan(200);
    return { core, batches };
  }

  it('admits the write that passes the limit (Redis checks before the command), then refuses every denyoom command', () => {
    const { core, batches } = fullCore();
    const emitted = batches.length;
    const state = JSON.stringify(core.debugState(), (_, v) => (typeof v === 'bigint' ? String(v) : v));
    const fields = ['k', 'v'];
    expect(code(() => core.xadd('s', { id: add('*'), fields }))).toBe('OUT_OF_MEMORY');
    expect(code(() => core.xadd('new', { id: add('*'), fields, noMkStream: true }))).toBe('OUT_OF_MEMORY');
    expect(code(() => core.xaddIdempotent('s', { id: add('*'), fields, idempotency: { producer: 'p', key: 'k' } }))).toBe('OUT_OF_MEMORY');
    expect(code(() => core.xaddBatch('s', [{ id: add('*'), fields }], {}))).toBe('OUT_OF_MEMORY');
    expect(code(() => core.xaddBatchIdempotent('s', [{ id: add('*'), fields }], { idempotency: { producer: 'p', key: 'b' } }))).toBe('OUT_OF_MEMORY');
    expect(code(() => core.xgroupCreate('s', 'g2', { startId: '$' }))).toBe('OUT_OF_MEMORY');
    expect(code(() => core.xgroupCreate('m', 'g', { startId: '$', mkStream: true, policy: { ackDeadlineMs: 1000 } }))).toBe('OUT_OF_MEMORY');
    expect(code(() => core.xgroupCreateConsumer('s', 'g', 'd'))).toBe('OUT_OF_MEMORY');
    expect(code(() => core.xsetid('s', { lastId: id('9-0') }))).toBe('OUT_OF_MEMORY');
    expect(code(() => core.redrive('dlq', 1))).toBe('OUT_OF_MEMORY');
    expect(batches.length).toBe(emitted);
    expect(JSON.stringify(core.debugState(), (_, v) => (typeof v === 'bigint' ? String(v) : v))).toBe(state);
  });

  it('keeps reads, acks, claims, group reads, SETID, DELCONSUMER, XDEL, XTRIM and DEL working, and a trim makes room', () => {
    const { core } = fullCore();
    expect(core.xrange('s', all)).toHaveLength(1);
    expect(core.xread([{ key: 's', after: 0n }])).toHaveLength(1);
    expect(core.xclaim('s', 'g', { consumer: 'c2', minIdleMs: 0, ids: [id('1-0')] })).toHaveLength(1);
    expect(core.xreadgroup({ group: 'g', consumer: 'c2', streams: [{ key: 's', from: 0n }] })[0]!.entries).toHaveLength(1);
    expect(core.xack('s', 'g', [id('1-0')])).toBe(1);
    core.xgroupSetId('s', 'g', { lastId: 0n });
    expect(core.xgroupDelConsumer('s', 'g', 'c')).toBe(0);
    expect(core.xdel('dlq', [id('1-0')])).toBe(1);
    expect(code(() => core.xadd('s', { id: add('*'), fields: ['k', 'v'] }))).toBe('OUT_OF_MEMORY');
    expect(core.xtrim('s', { maxLen: 0n, approximate: false })).toBe(1);
    expect(core.usedMemoryBytes()).toBe(0);
    expect(core.xadd('s', { id: add('2-0'), fields: ['k', 'v'] })).toBe(id('2-0'));
    expect(core.del('s')).toBe(true);
  });

  it('refuses nothing at exactly the limit', () => {
    const probe = new StreamCore();
    probe.xadd('s', { id: add('1-0'), fields: ['k', 'v'] });
    const core = new StreamCore({ limits: { maxMemoryBytes: probe.usedMemoryBytes() } });
    core.xadd('s', { id: add('1-0'), fields: ['k', 'v'] });
    expect(core.xadd('s', { id: add('2-0'), fields: ['k', 'v'] })).toBe(id('2-0'));
    expect(code(() => core.xadd('s', { id: add('3-0'), fields: ['k', 'v'] }))).toBe('OUT_OF_MEMORY');
  });

  it('a redrive admitted at the limit moves every letter it took, though its appends pass the limit', () => {
    const letter = (n: number): FieldList => ['v', String(n), DEAD_LETTER_FIELDS.stream, 's', DEAD_LETTER_FIELDS.id, `${n}-0`, DEAD_LETTER_FIELDS.group, 'g', DEAD_LETTER_FIELDS.deliveries, '3'];
    const fill = (core: StreamCore) => {
      core.xadd('s', { id: add('1-0'), fields: ['k', 'v'] });
      for (const n of [1, 2]) core.xadd('dlq', { id: add(`${n}-0`), fields: letter(n) });
    };
    const probe = new StreamCore();
    fill(probe);
    const core = new StreamCore({ limits: { maxMemoryBytes: probe.usedMemoryBytes() } });
    fill(core);
    expect(core.redrive('dlq', 5)).toBe(2);
    expect(core.xrange('s', all)!.map((e) => e.fields)).toEqual([['k', 'v'], ['v', '1'], ['v', '2']]);
    expect(core.xlen('dlq')).toBe(0);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EffectBatch } from '../../src/core/effects.js';
import { StreamCore } from '../../src/core/stream-core.js';
import { MAX_ID, MIN_ID } from '../../src/domain/ids.js';
import { ByteWriter } from '../../src/storage/byte-writer.js';
import { RECORD_HEADER_BYTES, RecordKind, checkRecord } from '../../src/storage/record-codec.js';
import { encodeStreamSnapshot } from '../../src/storage/snapshot.js';
import { STREAM_NODES_RECORD_KIND, StoredRecordDecoder, WIDE_STREAM_NODES_RECORD_KIND, encodeStreamNodesRecord } from '../../src/storage/stream-nodes-record.js';
import { openLogStore } from '../../src/storage/log-store.js';
import { FakeClock, opArb, runOp } from './helpers/core-ops.js';
import { recordingLogger, useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();
const ALL = { start: { id: MIN_ID, exclusive: false }, end: { id: MAX_ID, exclusive: false } };

/** Decodes every record in `bytes` into a fresh core, as a snapshot load does. */
function loadRecords(bytes: Buffer): StreamCore {
  const core = new StreamCore();
  const decoder = new StoredRecordDecoder();
  for (let pos = 0; pos < bytes.length; ) {
    const check = checkRecord(bytes, pos, bytes.length);
    if (check.status !== 'ok') throw new Error(`bad record at ${pos}: ${check.status}`);
    const record = decoder.decode(bytes, pos + RECORD_HEADER_BYTES, check.end);
    if (record.kind === 'batch') core.applyBatch(record.batch);
    else if (record.kind === 'stream-nodes') core.streamForSnapshot(record.key)!.appendNodes(record.nodes);
    pos = check.end;
  }
  return core;
}

/** Node boundaries and tombstones: what XINFO STREAM's radix-tree-keys and approximate trims observe. */
function nodeLayout(core: StreamCore): Record<string, [string, number, number][]> {
  const out: Record<string, [string, number, number][]> = {};
  for (const key of core.streamKeys()) {
    out[key] = core.streamForSnapshot(key)!.nodesBetween(0n, MAX_ID, Number.MAX_SAFE_INTEGER).map((n) => [String(n.idAt(0)), n.count, n.live]);
  }
  return out;
}

function fill(core: StreamCore, key: string, n: number, fields: (i: number) => string[]): void {
  const messages = Array.from({ length: n }, (_, i) => ({ id: { kind: 'auto' as const }, fields: fields(i) }));
  if (n > 0) core.xaddBatch(key, messages, {});
}

const bulk = fc.record({ key: fc.nat(3), n: fc.integer({ min: 0, max: 450 }), sameNames: fc.boolean() });

describe('stream-nodes snapshot records', () => {
  it('take a record kind of their own', () => {
    expect(Object.values(RecordKind)).not.toContain(STREAM_NODES_RECORD_KIND);
    expect(Object.values(RecordKind)).not.toContain(WIDE_STREAM_NODES_RECORD_KIND);
  });

  it('converge with the log when writes run between records, nodes and tombstones included', () => {
    fc.assert(
      fc.property(
        fc.array(bulk, { maxLength: 3 }),
        fc.array(opArb, { maxLength: 120 }),
        fc.array(fc.array(opArb, { maxLength: 6 }), { maxLength: 40 }),
        fc.array(bulk, { maxLength: 4 }),
        (bulkBefore, before, between, bulkBetween) => {
          const clock = new FakeClock();
          const core = new StreamCore({ clock: clock.now });
          for (const b of bulkBefore) fill(core, `s${b.key}`, b.n, (i) => (b.sameNames ? ['f', String(i)] : [`f${i % 3}`, 'v', 'é🦄', '\ud800']));
          for (const op of before) runOp(core, clock, op);
          const log: EffectBatch[] = [];
          core.setSink((batch) => log.push(batch));
          const out = new ByteWriter(1024);
          let turn = 0;
          for (const key of core.streamKeys()) {
            for (const _ of encodeStreamSnapshot(out, core, key)) {
              for (const op of between[turn] ?? []) runOp(core, clock, op);
              const b = bulkBetween[turn++];
              if (b !== undefined) fill(core, `s${b.key}`, b.n, (i) => ['g', String(i)]);
            }
          }
          const restored = loadRecords(Buffer.from(out.bytes()));
          for (const batch of log) restored.applyBatch(batch);
          expect(restored.debugState()).toEqual(core.debugState());
          expect(nodeLayout(restored)).toEqual(nodeLayout(core));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('restore full nodes that stay correct when their entries are deleted and trimmed later', () => {
    const core = new StreamCore();
    fill(core, 's', 250, (i) => ['n', String(i)]);
    const out = new ByteWriter(1024);
    for (const _ of encodeStreamSnapshot(out, core, 's'));
    const restored = loadRecords(Buffer.from(out.bytes()));
    const ids = core.xrange('s', ALL)!.map((e) => e.id);
    // Both cores add the same ID: an automatic one would come from two readings of the clock.
    const nextMs = (ids[ids.length - 1]! >> 64n) + 1n;
    for (const c of [core, restored]) {
      c.xdel('s', [ids[0]!, ids[150]!]);
      c.xtrim('s', { maxLen: 120n, approximate: true });
      c.xadd('s', { id: { kind: 'auto-seq', ms: nextMs }, fields: ['n', 'more'] });
    }
    expect(restored.debugState()).toEqual(core.debugState());
    expect(nodeLayout(restored)).toEqual(nodeLayout(core));
  });

  it('cut a stream of large entries into records of about 8 MiB, whole nodes each', () => {
    const core = new StreamCore();
    fill(core, 's', 6400, (i) => ['n', String(i).padEnd(2000, 'x')]);
    const out = new ByteWriter(1024);
    const steps = [...encodeStreamSnapshot(out, core, 's')].length;
    // create, two node records (64 nodes of ~200 KB do not fit one), then the counters.
    expect(steps).toBe(4);
    const restored = loadRecords(Buffer.from(out.bytes()));
    expect(restored.debugState()).toEqual(core.debugState());
    expect(nodeLayout(restored)).toEqual(nodeLayout(core));
  });

  // The log starts before the walk reaches the stream: XDEL's effect records the emptied stream's first ID as 0-0,
  // and the XADD after it finds its entry in the snapshot already.
  it('keep the recorded first ID of a stream emptied and refilled before its walk', () => {
    const core = new StreamCore();
    core.xadd('s', { id: { kind: 'auto' }, fields: ['a', '1'] });
    const log: EffectBatch[] = [];
    core.setSink((batch) => log.push(batch));
    core.xdel('s', [core.xrange('s', ALL)![0]!.id]);
    core.xadd('s', { id: { kind: 'auto' }, fields: ['b', '2'] });
    const out = new ByteWriter(1024);
    for (const _ of encodeStreamSnapshot(out, core, 's'));
    const restored = loadRecords(Buffer.from(out.bytes()));
    for (const batch of log) restored.applyBatch(batch);
    expect(restored.debugState()).toEqual(core.debugState());
  });

  it('refuse a payload with bytes left over', () => {
    const core = new StreamCore();
    fill(core, 's', 3, (i) => ['n', String(i)]);
    const out = new ByteWriter(256);
    encodeStreamNodesRecord(out, 's', core.streamForSnapshot('s')!.nodesBetween(0n, MAX_ID, Number.MAX_SAFE_INTEGER));
    const payload = Buffer.concat([out.bytes().subarray(RECORD_HEADER_BYTES), Buffer.from([0])]);
    expect(() => new StoredRecordDecoder().decode(payload, 0, payload.length)).toThrow(/trailing bytes/);
  });

  it('survive a store snapshot and reopen with node boundaries and tombstones as they were', async () => {
    const dir = await tempDir();
    const open = async () => {
      const core = new StreamCore();
      const store = await openLogStore({ dir, fsync: 'no', logger: recordingLogger() }, core);
      core.setSink((batch) => store.append(batch));
      return { core, store };
    };
    const first = await open();
    fill(first.core, 's', 1234, (i) => ['order', String(i), 'user', 'alice']);
    const ids = first.core.xrange('s', { ...ALL, count: 300 })!.map((e) => e.id);
    first.core.xdel('s', ids.filter((_, i) => i % 7 === 0));
    first.core.xgroupCreate('s', 'g', { startId: 0n });
    first.core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 's', from: '>' }], count: 500 });
    await first.store.snapshot();
    const expected = { state: first.core.debugState(), nodes: nodeLayout(first.core) };
    await first.store.close();
    const second = await open();
    expect({ state: second.core.debugState(), nodes: nodeLayout(second.core) }).toEqual(expected);
    expect(second.store.stats.loaded.entries).toBe(1234 - 43);
    await second.store.close();
  });
});

import fc from 'fast-check';
import { appendFile, readFile, readdir, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StreamCore } from '../../src/core/stream-core.js';
import { createLogFile, logName, snapshotName } from '../../src/storage/data-dir.js';
import { openLogStore, type LogStore, type LogStoreOptions } from '../../src/storage/log-store.js';
import { repairDataDir } from '../../src/storage/repair.js';
import { nodeStorageFs } from '../../src/storage/storage-fs.js';
import { FakeClock, opArb, runOp } from './helpers/core-ops.js';
import { faultyFs, fsError } from './helpers/faulty-fs.js';
import { recordingLogger, useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();

interface Opened {
  core: StreamCore;
  store: LogStore;
  clock: FakeClock;
  logger: ReturnType<typeof recordingLogger>;
}

async function open(dir: string, options: Partial<LogStoreOptions> = {}, clock = new FakeClock()): Promise<Opened> {
  const logger = recordingLogger();
  const core = new StreamCore({ clock: clock.now });
  const store = await openLogStore({ dir, fsync: 'no', logger, ...options }, core);
  core.setSink((batch) => store.append(batch));
  return { core, store, clock, logger };
}

/** Closes, reopens into a fresh core and returns its state and memory meter. */
async function reopenState(dir: string, options: Partial<LogStoreOptions> = {}): Promise<{ state: unknown; usedMemoryBytes: number; logger: ReturnType<typeof recordingLogger> }> {
  const { core, store, logger } = await open(dir, options);
  const state = core.debugState();
  const usedMemoryBytes = core.usedMemoryBytes();
  await store.close();
  return { state, usedMemoryBytes, logger };
}

const yieldOnce = () => new Promise((r) => setImmediate(r));

describe('log store: close and reopen', () => {
  it('restores entries, IDs, counters, groups, consumers and PELs exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 120 }), async (ops) => {
        const dir = await tempDir();
        const { core, store, clock } = await open(dir);
        for (const op of ops) runOp(core, clock, op);
        await store.sync();
        const expected = core.debugState();
        const used = core.usedMemoryBytes();
        await store.close();
        const reopened = await reopenState(dir);
        expect(reopened.state).toEqual(expected);
        expect(reopened.usedMemoryBytes).toBe(used);
      }),
      { numRuns: 60 },
    );
  });

  it('restores the same state across snapshots taken while writes go on', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 80 }),
        fc.array(fc.tuple(opArb, fc.boolean()), { minLength: 1, maxLength: 80 }),
        fc.array(opArb, { maxLength: 40 }),
        async (before, during, after) => {
          const dir = await tempDir();
          const { core, store, clock } = await open(dir);
          for (const op of before) runOp(core, clock, op);
          const snapshot = store.snapshot();
          // Past the switch point, writes interleave with the snapshot, which yields between streams.
          while (store.stats.generation === 0) await yieldOnce();
          for (const [op, yields] of during) {
            runOp(core, clock, op);
            if (yields) await yieldOnce();
          }
          await snapshot;
          expect(store.stats.snapshots).toBe(1);
          for (const op of after) runOp(core, clock, op);
          await store.sync();
          const expected = core.debugState();
          await store.close();
          const files = await readdir(dir);
          expect(files.sort()).toEqual([logName(1), snapshotName(1)]);
          expect((await reopenState(dir)).state).toEqual(expected);
        },
      ),
      { numRuns: Number(process.env.STORAGE_RUNS ?? 60) },
    );
  });

  // Replaying the log from the switch point re-applies `set-id` (lastId back to its older value);
  it('keeps Redis 8 state across a restart, from the log and from a snapshot: nacks, dereferences, idempotency windows and config', async () => {
    for (const withSnapshot of [false, true]) {
      const dir = await tempDir();
      const clock = new FakeClock();
      const { core, store } = await open(dir, {}, clock);
      const auto = { kind: 'auto' as const };
      core.xgroupCreate('s', 'g', { startId: 0n, mkStream: true });
      core.xgroupCreate('s', 'h', { startId: 0n });
      const ids: bigint[] = [];
      for (let i = 0; i < 4; i++) {
        clock.ms += 1;
        ids.push(core.xaddIdempotent('s', { id: auto, fields: ['n', String(i)], idempotency: { producer: 'p', key: `k${i}` } })!.id);
      }
      core.xaddIdempotent('s', { id: auto, fields: ['n', '0'], idempotency: { producer: 'p', key: 'k0' } });
      core.xcfgset('s', { idempotencyDurationS: 3600 });
      core.xaddIdempotent('s', { id: auto, fields: ['n', '9'], idempotency: { producer: 'q' } });
      for (const group of ['g', 'h']) core.xreadgroup({ group, consumer: 'c', streams: [{ key: 's', from: '>' }] });
      core.xnack('s', 'g', { ids: [ids[2]!, ids[0]!], mode: 'silent' });
      core.xackdel('s', 'h', [ids[1]!], 'delRef');
      core.xtrim('s', { maxLen: 3n, approximate: false, refs: 'acked' });
      if (withSnapshot) await store.snapshot();
      await store.sync();
      const expected = core.debugState();
      const info = core.xinfoStream('s');
      await store.close();
      const reopened = await open(dir, {}, clock);
      expect(reopened.core.debugState()).toEqual(expected);
      expect(reopened.core.xinfoStream('s')).toEqual(info);
      expect(reopened.core.xinfoStreamFull('s')!.groups[0]!.nackedCount).toBe(2);
      expect(reopened.core.xaddIdempotent('s', { id: auto, fields: ['x', 'y'], idempotency: { producer: 'q' } })!.duplicate).toBe(false);
      expect(reopened.core.xaddIdempotent('s', { id: auto, fields: ['n', '9'], idempotency: { producer: 'q' } })!.duplicate).toBe(true);
      await reopened.store.close();
    }
  });

  // `add` must then neither append the entry the snapshot holds again nor leave the counters behind.
  it('restores the same state when XSETID then XADD run during a snapshot', async () => {
    const dir = await tempDir();
    const { core, store } = await open(dir);
    core.xadd('s', { id: { kind: 'explicit', id: 1n }, fields: ['a', '1'] });
    core.xadd('t', { id: { kind: 'explicit', id: 1n }, fields: ['a', '1'] });
    const snapshot = store.snapshot();
    while (store.stats.generation === 0) await yieldOnce();
    core.xsetid('t', { lastId: 5n });
    core.xadd('t', { id: { kind: 'explicit', id: 6n }, fields: ['b', '2'] });
    await snapshot;
    await store.sync();
    const expected = core.debugState();
    await store.close();
    expect((await reopenState(dir)).state).toEqual(expected);
  });

  it('snapshots by itself when the log passes SNAPSHOT_LOG_BYTES, repeatedly', async () => {
    const dir = await tempDir();
    const { core, store, clock } = await open(dir, { snapshotLogBytes: 4096 });
    const ops = fc.sample(opArb, { numRuns: 3000, seed: 42 });
    try {
      for (const [i, op] of ops.entries()) {
        runOp(core, clock, op);
        if (i % 10 === 0) await store.sync();
        if (i % 300 === 0) await store.snapshotSettled();
      }
      await store.sync();
      await store.snapshotSettled();
      expect(store.stats.snapshots).toBeGreaterThan(2);
    } catch (err) {
      await store.close();
      throw err;
    }
    const expected = core.debugState();
    const used = core.usedMemoryBytes();
    expect(used).toBeGreaterThan(0);
    await store.close();
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    const reopened = await reopenState(dir);
    expect(reopened.state).toEqual(expected);
    // The snapshot's nodes are adopted as they are; the meter counts them as the writes did.
    expect(reopened.usedMemoryBytes).toBe(used);
  });

  it('keeps appending to the same log across restarts', async () => {
    const dir = await tempDir();
    let expected: unknown;
    for (let round = 0; round < 3; round++) {
      const { core, store } = await open(dir);
      core.xadd('s', { id: { kind: 'auto' }, fields: ['round', String(round)] });
      core.xadd('s', { id: { kind: 'auto' }, fields: ['round', String(round)] });
      await store.sync();
      expected = core.debugState();
      await store.close();
    }
    expect((await reopenState(dir)).state).toEqual(expected);
    expect(await readdir(dir)).toEqual([logName(0)]);
  });
});

/** A directory holding one log with `n` XADD batches; returns the state and the byte offset where each record starts. */
async function logWithRecords(n: number): Promise<{ dir: string; path: string; offsets: number[]; states: unknown[] }> {
  const dir = await tempDir();
  const { core, store } = await open(dir);
  const path = join(dir, logName(0));
  const offsets: number[] = [];
  const states: unknown[] = [core.debugState()];
  for (let i = 0; i < n; i++) {
    offsets.push((await stat(path)).size);
    core.xadd('s', { id: { kind: 'auto' }, fields: ['i', String(i), 'pad', 'x'.repeat(i % 7)] });
    await store.sync();
    states.push(core.debugState());
  }
  await store.close();
  offsets.push((await stat(path)).size);
  return { dir, path, offsets, states };
}

describe('recovery', () => {
  it('cuts a torn last record (at any byte) with a warning naming the file and the bytes dropped', async () => {
    const { dir, path, offsets, states } = await logWithRecords(5);
    const original = await readFile(path);
    const lastStart = offsets[4]!;
    for (let cut = lastStart + 1; cut < offsets[5]!; cut++) {
      await writeFile(path, original.subarray(0, cut));
      const { state, logger } = await reopenState(dir);
      expect(state).toEqual(states[4]);
      const warning = logger.lines.find((l) => l.level === 'warn');
      expect(warning?.obj).toMatchObject({ file: path, droppedBytes: cut - lastStart });
      expect(warning?.msg).toContain(path);
      expect((await stat(path)).size).toBe(lastStart);
    }
  });

  it('takes a checksum mismatch in the very last record, or a zero-filled tail, as a torn write', async () => {
    const { dir, path, offsets, states } = await logWithRecords(4);
    const buf = await readFile(path);
    buf[offsets[4]! - 2]! ^= 0xff;
    await writeFile(path, buf);
    expect((await reopenState(dir)).state).toEqual(states[3]);
    await appendFile(path, Buffer.alloc(4096));
    const { state, logger } = await reopenState(dir);
    expect(state).toEqual(states[3]);
    expect(logger.lines.find((l) => l.level === 'warn')?.obj).toMatchObject({ droppedBytes: 4096 });
  });

  it('refuses to start on a flipped byte in the middle, naming file and offset, and repair-log fixes it', async () => {
    const { dir, path, offsets, states } = await logWithRecords(6);
    const buf = await readFile(path);
    const bad = offsets[2]!;
    buf[bad + 12]! ^= 0x01;
    await writeFile(path, buf);
    const failure = await open(dir).then(
      () => {
        throw new Error('opened');
      },
      (err: Error) => err,
    );
    expect(failure.message).toContain(path);
    expect(failure.message).toContain(`byte offset ${bad}`);
    expect(failure.message).toContain(`npm run repair-log -- ${dir}`);
    expect((await readdir(dir)).includes('LOCK')).toBe(false);
    // Startup changed nothing.
    expect(await readFile(path)).toEqual(buf);

    const printed: string[] = [];
    const dry = await repairDataDir(dir, { dryRun: true, print: (l) => printed.push(l) });
    expect(dry[0]?.problem).toMatchObject({ kind: 'corrupt', offset: bad, recordsAfter: 3 });
    expect(await readFile(path)).toEqual(buf);

    const actions = await repairDataDir(dir, { print: (l) => printed.push(l) });
    expect(printed.join('\n')).toContain(`will drop ${buf.length - bad} bytes from offset ${bad}`);
    expect(await readFile(actions[0]!.savedTo!)).toEqual(buf.subarray(bad));
    expect((await reopenState(dir)).state).toEqual(states[2]);
  });

  it('uses the previous generation when a snapshot was interrupted half-way', async () => {
    const dir = await tempDir();
    const { core, store } = await open(dir);
    for (let i = 0; i < 30; i++) core.xadd(`s${i % 3}`, { id: { kind: 'auto' }, fields: ['i', String(i)] });
    core.xgroupCreate('s1', 'g', { startId: 0n });
    core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 's1', from: '>' }], count: 3 });
    await store.snapshot(); // generation 1: snapshot-1 + log-1
    core.xadd('s0', { id: { kind: 'auto' }, fields: ['after', 'snapshot'] });
    core.xack('s1', 'g', [core.xrange('s1', { start: { id: 0n, exclusive: false }, end: { id: 1n << 127n, exclusive: false } })![0]!.id]);
    await store.sync();
    const snap1 = await readFile(join(dir, snapshotName(1)));
    await store.close();

    // A crash while generation 2's snapshot was written: its log exists (and got writes), its snapshot
    // is a temp file, or (as if the end never reached the disk) lacks its end marker.
    for (const partial of [`${snapshotName(2)}.tmp`, snapshotName(2)]) {
      const before = await open(dir);
      expect(before.store.stats.generation).toBe(1);
      await (await createLogFile(dir, 2, nodeStorageFs)).close();
      await before.store.close();
      const { core: c2, store: s2 } = await open(dir);
      expect(s2.stats.generation).toBe(2);
      c2.xadd('s2', { id: { kind: 'auto' }, fields: ['in', 'log-2'] });
      await s2.sync();
      const expected = c2.debugState();
      await s2.close();
      await writeFile(join(dir, partial), snap1.subarray(0, snap1.length - 5));

      const { state, logger } = await reopenState(dir);
      expect(state).toEqual(expected);
      if (partial === snapshotName(2)) {
        expect(logger.lines.some((l) => l.level === 'warn' && /incomplete snapshot/.test(l.msg) && l.obj.file === join(dir, partial))).toBe(true);
      }
      expect((await readdir(dir)).sort()).toEqual([logName(1), logName(2), snapshotName(1)]);
      // Back to generation 1 alone for the next case.
      await unlink(join(dir, logName(2)));
      const undo = await open(dir);
      undo.core.xadd('s2', { id: { kind: 'auto' }, fields: ['in', 'log-1'] });
      await undo.store.close();
    }
  });

  it('refuses to start when a snapshot is incomplete and the generation before it is gone', async () => {
    const dir = await tempDir();
    const { core, store } = await open(dir);
    core.xadd('s', { id: { kind: 'auto' }, fields: ['a', '1'] });
    await store.snapshot();
    await store.close();
    const snap = await readFile(join(dir, snapshotName(1)));
    await writeFile(join(dir, snapshotName(1)), snap.subarray(0, snap.length - 1));
    await expect(open(dir)).rejects.toThrow(/no complete snapshot, and the logs do not reach back to generation 0/);
  });

  it('refuses a second store on the same directory with a clear message', async () => {
    const dir = await tempDir();
    const first = await open(dir);
    await expect(open(dir)).rejects.toThrow(/in use by another streamgate server/);
    await first.store.close();
    const second = await open(dir);
    await second.store.close();
  });

  it('takes over a lock left by a process that is gone', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'LOCK'), JSON.stringify({ pid: 2 ** 22 + 12345, hostname: hostname(), createdAt: 'then' }));
    const { store, logger } = await open(dir);
    expect(logger.lines.some((l) => l.level === 'warn' && /stale lock/.test(l.msg))).toBe(true);
    await store.close();
  });
});

describe('snapshot failures', () => {
  it('a failed snapshot leaves no file, keeps the store writing, and the state reopens whole', async () => {
    const dir = await tempDir();
    let failSnapshot = true;
    const { fs } = faultyFs((step, file) => (failSnapshot && step === 'write' && file.endsWith('.sgs.tmp') ? { error: fsError('ENOSPC') } : undefined));
    const { core, store, logger } = await open(dir, { fs, snapshotRetryMs: 0 });
    for (let i = 0; i < 20; i++) core.xadd(`s${i % 4}`, { id: { kind: 'auto' }, fields: ['i', String(i)] });
    await store.snapshot();
    expect(store.stats).toMatchObject({ snapshots: 0, snapshotFailures: 1, generation: 1 });
    expect(logger.lines.some((l) => l.level === 'error' && l.obj.code === 'ENOSPC')).toBe(true);
    core.xadd('s0', { id: { kind: 'auto' }, fields: ['after', 'failure'] });
    await store.sync();
    expect((await readdir(dir)).sort()).toEqual(['LOCK', logName(0), logName(1)]);

    failSnapshot = false;
    await store.snapshot();
    expect(store.stats).toMatchObject({ snapshots: 1, generation: 2 });
    core.xadd('s1', { id: { kind: 'auto' }, fields: ['after', 'success'] });
    await store.sync();
    const expected = core.debugState();
    await store.close();
    expect((await readdir(dir)).sort()).toEqual([logName(2), snapshotName(2)]);
    expect((await reopenState(dir)).state).toEqual(expected);
  });

  it('close() during a snapshot stops it cleanly; nothing is lost', async () => {
    const dir = await tempDir();
    const { core, store } = await open(dir);
    for (let i = 0; i < 300; i++) core.xadd(`s${i % 100}`, { id: { kind: 'auto' }, fields: ['i', String(i)] });
    await store.sync();
    const snapshot = store.snapshot();
    while (store.stats.generation === 0) await yieldOnce();
    core.xadd('s0', { id: { kind: 'auto' }, fields: ['during', 'snapshot'] });
    const expected = core.debugState();
    await store.close();
    await snapshot;
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp') || f === 'LOCK')).toEqual([]);
    expect((await reopenState(dir)).state).toEqual(expected);
  });
});

describe('write failures', () => {
  it('rejects STORAGE_UNAVAILABLE, keeps nothing of the failed batch, and the next write succeeds', async () => {
    const dir = await tempDir();
    let fail = false;
    const { fs } = faultyFs((step, file) => (fail && step === 'write' && file.endsWith('.sgl') ? { error: fsError('ENOSPC'), partial: true } : undefined));
    const { core, store } = await open(dir, { fs, fsync: 'always' });
    core.xadd('s', { id: { kind: 'explicit', id: 1n << 64n }, fields: ['a', '1'] });
    await store.sync();
    const good = core.debugState();

    fail = true;
    core.xadd('s', { id: { kind: 'explicit', id: 2n << 64n }, fields: ['lost', 'x'] });
    await expect(store.sync()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });

    fail = false;
    core.xgroupCreate('s', 'g', { startId: 0n });
    await store.sync();
    await store.close();

    const { state } = await reopenState(dir);
    const s = (state as Record<string, { entries: unknown[]; groups: unknown[] }>).s!;
    expect(s.entries).toEqual((good as Record<string, { entries: unknown[] }>).s!.entries);
    expect(s.groups).toHaveLength(1);
  });
});

describe('write failures through the embedded backend', () => {
  it('answers STORAGE_UNAVAILABLE, rebuilds memory from the log so the failed write is gone, and recovers with the disk', async () => {
    const { createEmbeddedBackend } = await import('../../src/backends/embedded/embedded-backend.js');
    const dir = await tempDir();
    let fail = false;
    const { fs } = faultyFs((step, file) => (fail && step === 'write' && file.endsWith('.sgl') ? { error: fsError('ENOSPC'), partial: true } : undefined));
    const core = new StreamCore();
    const store = await openLogStore({ dir, fs, fsync: 'always', logger: recordingLogger() }, core);
    const backend = createEmbeddedBackend({ core, store });
    await backend.append('s', { id: { kind: 'explicit', id: 1n << 64n }, fields: ['a', '1'] });
    const before = core.debugState();

    fail = true;
    await expect(backend.append('s', { id: { kind: 'explicit', id: 2n << 64n }, fields: ['lost', 'x'] })).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    await expect(backend.append('s', { id: { kind: 'auto' }, fields: ['b', '2'] })).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    await backend.recovered();
    expect(core.debugState()).toEqual(before);

    fail = false;
    const id = await backend.append('s', { id: { kind: 'explicit', id: 2n << 64n }, fields: ['kept', 'y'] });
    expect(id).toBe(2n << 64n);
    const expected = core.debugState();
    await backend.close();
    expect((await reopenState(dir)).state).toEqual(expected);
  });
});

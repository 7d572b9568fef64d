import { appendFile, copyFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EffectBatch } from '../../src/core/effects.js';
import { StreamCore } from '../../src/core/stream-core.js';
import { StreamError } from '../../src/domain/errors.js';
import { createLogFile, logName, snapshotName } from '../../src/storage/data-dir.js';
import { encodeBatch } from '../../src/storage/record-codec.js';
import { loadDataDir, planRecovery, removeObsolete, repairHint } from '../../src/storage/recovery.js';
import { writeSnapshot } from '../../src/storage/snapshot.js';
import { nodeStorageFs } from '../../src/storage/storage-fs.js';
import { recordingLogger, useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();

/** A core whose effect batches are collected, to be written as log records. */
function recordingCore(): { core: StreamCore; batches: EffectBatch[] } {
  const batches: EffectBatch[] = [];
  let now = 1_000_000;
  const core = new StreamCore({ clock: () => now++ });
  core.setSink((batch) => {
    batches.push(batch);
  });
  return { core, batches };
}

function add(core: StreamCore, key: string, ...fields: string[]): void {
  core.xadd(key, { id: { kind: 'auto' }, fields });
}

/** log-<generation> holding `batches` as records, in order. */
async function writeLog(dir: string, generation: number, batches: EffectBatch[]): Promise<string> {
  await (await createLogFile(dir, generation, nodeStorageFs)).close();
  const path = join(dir, logName(generation));
  for (const batch of batches) await appendFile(path, encodeBatch(batch));
  return path;
}

async function writeSnapshotOf(dir: string, generation: number, core: StreamCore): Promise<string> {
  return (await writeSnapshot(dir, generation, core, nodeStorageFs)).path;
}

async function emptyFile(dir: string, name: string): Promise<void> {
  await writeFile(join(dir, name), '');
}

async function flipByte(path: string, offset: number): Promise<void> {
  const bytes = await readFile(path);
  bytes[offset] = bytes[offset]! ^ 0xff;
  await writeFile(path, bytes);
}

async function expectStorageError(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StreamError);
  expect((err as StreamError).code).toBe('STORAGE_UNAVAILABLE');
  expect((err as StreamError).message).toMatch(message);
}

describe('planRecovery', () => {
  it('starts from the empty state in an empty directory', async () => {
    const dir = await tempDir();
    expect(await planRecovery(dir, recordingLogger())).toEqual({ logs: [], obsolete: [] });
  });

  it('without a snapshot, replays every log from generation 0, and calls temp files obsolete', async () => {
    const dir = await tempDir();
    for (const g of [0, 1, 2]) await writeLog(dir, g, []);
    await emptyFile(dir, `${snapshotName(3)}.tmp`);
    expect(await planRecovery(dir, recordingLogger())).toEqual({ logs: [0, 1, 2], obsolete: [`${snapshotName(3)}.tmp`] });
  });

  it('takes the newest complete snapshot and the logs from its generation on; older generations are obsolete', async () => {
    const dir = await tempDir();
    const { core } = recordingCore();
    add(core, 's', 'a', '1');
    for (const g of [0, 1, 2]) await writeLog(dir, g, []);
    await writeSnapshotOf(dir, 1, core);
    await writeSnapshotOf(dir, 2, core);
    const plan = await planRecovery(dir, recordingLogger());
    expect(plan.snapshot).toBe(2);
    expect(plan.logs).toEqual([2]);
    expect([...plan.obsolete].sort()).toEqual([logName(0), logName(1), snapshotName(1)].sort());
  });

  it('passes over an incomplete snapshot with a warning and uses the generation before it', async () => {
    const dir = await tempDir();
    const { core } = recordingCore();
    add(core, 's', 'a', '1');
    for (const g of [1, 2]) await writeLog(dir, g, []);
    await writeSnapshotOf(dir, 1, core);
    const second = await writeSnapshotOf(dir, 2, core);
    const bytes = await readFile(second);
    await writeFile(second, bytes.subarray(0, bytes.length - 3));
    const logger = recordingLogger();
    expect(await planRecovery(dir, logger)).toEqual({ snapshot: 1, logs: [1, 2], obsolete: [snapshotName(2)] });
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn', obj: expect.objectContaining({ file: second }) })]);
    expect(logger.lines[0]!.msg).toMatch(/incomplete snapshot/);
  });

  it('refuses a complete snapshot whose logs are missing, naming them', async () => {
    const dir = await tempDir();
    const { core } = recordingCore();
    await writeSnapshotOf(dir, 1, core);
    await expectStorageError(planRecovery(dir, recordingLogger()), new RegExp(`${snapshotName(1)} is complete but ${logName(1)} is missing`));
    await writeLog(dir, 1, []);
    await writeLog(dir, 3, []);
    await expectStorageError(planRecovery(dir, recordingLogger()), new RegExp(`${logName(2)} is missing`));
  });

  it('refuses logs that do not reach back to generation 0 when there is no snapshot', async () => {
    const dir = await tempDir();
    await writeLog(dir, 1, []);
    await expectStorageError(planRecovery(dir, recordingLogger()), /logs do not reach back to generation 0 \(found log-000000000001\.sgl\)/);
  });
});

describe('loadDataDir', () => {
  it('loads a snapshot and then each log in order, to the state that wrote them', async () => {
    const dir = await tempDir();
    const { core, batches } = recordingCore();
    add(core, 'a', 'n', '1');
    add(core, 'b', 'n', '2');
    core.xgroupCreate('a', 'g', { startId: 0n });
    await writeLog(dir, 0, batches.splice(0));
    // Generation 1 starts (its log first), then the snapshot of the state at that moment.
    await writeLog(dir, 1, []);
    await writeSnapshotOf(dir, 1, core);
    core.xreadgroup({ group: 'g', consumer: 'c', streams: [{ key: 'a', from: '>' }] });
    add(core, 'a', 'n', '3');
    add(core, 'c', 'n', '4');
    for (const batch of batches.splice(0)) await appendFile(join(dir, logName(1)), encodeBatch(batch));

    const loaded = new StreamCore();
    const result = await loadDataDir(dir, loaded, recordingLogger());
    expect(loaded.debugState()).toEqual(core.debugState());
    expect(result.plan).toEqual({ snapshot: 1, logs: [1], obsolete: [logName(0)] });
    expect(result.entries).toBe(4);
    expect(result.lastLog).toMatchObject({ path: join(dir, logName(1)), generation: 1, records: 3 });
    expect(result.lastLog!.fileSize).toBe((await stat(join(dir, logName(1)))).size);
  });

  it('cuts a torn record off the last log with a warning, and keeps what came before it', async () => {
    const dir = await tempDir();
    const { core, batches } = recordingCore();
    add(core, 's', 'n', '1');
    const path = await writeLog(dir, 0, batches.splice(0));
    const goodSize = (await stat(path)).size;
    add(core, 's', 'n', '2');
    await appendFile(path, encodeBatch(batches[0]!).subarray(0, 7));

    const logger = recordingLogger();
    const loaded = new StreamCore();
    const result = await loadDataDir(dir, loaded, logger);
    expect(loaded.xlen('s')).toBe(1);
    expect((await stat(path)).size).toBe(goodSize);
    expect(result.lastLog).toMatchObject({ fileSize: goodSize, records: 1 });
    expect(result.lastLog!.problem).toBeUndefined();
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn', obj: expect.objectContaining({ file: path, offset: goodSize, droppedBytes: 7 }) })]);
  });

  it('refuses a torn record on a log that later logs follow', async () => {
    const dir = await tempDir();
    const { core, batches } = recordingCore();
    add(core, 's', 'n', '1');
    const first = await writeLog(dir, 0, batches.splice(0));
    await appendFile(first, Buffer.from([1, 2, 3]));
    await writeLog(dir, 1, []);
    await expectStorageError(loadDataDir(dir, new StreamCore(), recordingLogger()), /a torn record at its end, but later logs exist/);
  });

  it('refuses a damaged record in the middle of a log, naming the offset and the repair command', async () => {
    const dir = await tempDir();
    const { core, batches } = recordingCore();
    add(core, 's', 'n', '1');
    add(core, 's', 'n', '2');
    const path = await writeLog(dir, 0, batches);
    const firstRecordAt = (await stat(path)).size - encodeBatch(batches[0]!).length - encodeBatch(batches[1]!).length;
    await flipByte(path, firstRecordAt + 10);
    const sizeBefore = (await stat(path)).size;
    await expectStorageError(
      loadDataDir(dir, new StreamCore(), recordingLogger()),
      new RegExp(`a damaged record with 1 valid record\\(s\\) after it at byte offset ${firstRecordAt} .*${repairHint(dir).replaceAll('-', '\\-')}`),
    );
    expect((await stat(path)).size).toBe(sizeBefore);
  });

  it('refuses a damaged snapshot: it cannot be repaired', async () => {
    const dir = await tempDir();
    const { core } = recordingCore();
    for (let i = 0; i < 20; i++) add(core, 's', 'n', String(i));
    await writeLog(dir, 1, []);
    const path = await writeSnapshotOf(dir, 1, core);
    await flipByte(path, Math.floor((await stat(path)).size / 2));
    await expectStorageError(loadDataDir(dir, new StreamCore(), recordingLogger()), /the snapshot is damaged at byte offset \d+ .*restore the data directory from a backup/);
  });

  it('refuses a log whose header names another generation', async () => {
    const dir = await tempDir();
    const first = await writeLog(dir, 0, []);
    await copyFile(first, join(dir, logName(1)));
    await expectStorageError(loadDataDir(dir, new StreamCore(), recordingLogger()), new RegExp(`${logName(1)}: its header says generation 0`));
  });
});

describe('removeObsolete', () => {
  it('removes exactly the files the plan calls obsolete', async () => {
    const dir = await tempDir();
    const { core } = recordingCore();
    add(core, 's', 'a', '1');
    for (const g of [0, 1]) await writeLog(dir, g, []);
    await writeSnapshotOf(dir, 1, core);
    await emptyFile(dir, `${snapshotName(2)}.tmp`);
    const plan = await planRecovery(dir, recordingLogger());
    const logger = recordingLogger();
    await removeObsolete(dir, plan, logger);
    expect((await readdir(dir)).sort()).toEqual([logName(1), snapshotName(1)]);
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'info', obj: { dir, files: plan.obsolete } })]);
    await removeObsolete(dir, await planRecovery(dir, recordingLogger()), logger);
    expect(logger.lines).toHaveLength(1);
  });
});

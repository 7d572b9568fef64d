import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EffectBatch } from '../../src/core/effects.js';
import { StreamError } from '../../src/domain/errors.js';
import { createLogFile } from '../../src/storage/data-dir.js';
import { FILE_HEADER_BYTES } from '../../src/storage/file-header.js';
import { LogWriter, type FsyncPolicy } from '../../src/storage/log-writer.js';
import { RECORD_HEADER_BYTES, RecordDecoder, checkRecord, encodeBatch } from '../../src/storage/record-codec.js';
import { nodeStorageFs, silentLogger, type StorageFs } from '../../src/storage/storage-fs.js';
import { faultyFs, fsError, type FaultHook } from './helpers/faulty-fs.js';
import { recordingLogger, useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();

const add = (i: number): EffectBatch => [{ op: 'add', key: 'orders', id: BigInt(i + 1), fields: ['n', String(i)], entriesAdded: BigInt(i + 1) }];

async function openWriter(fsync: FsyncPolicy, fs: StorageFs = nodeStorageFs, logger = silentLogger) {
  const dir = await tempDir();
  await (await createLogFile(dir, 0, nodeStorageFs)).close();
  const file = await fs.open(join(dir, 'log-000000000000.sgl'), 'r+');
  const writer = new LogWriter({ file, size: FILE_HEADER_BYTES }, { fsync, logger, everysecIntervalMs: 20 });
  return { dir, path: join(dir, 'log-000000000000.sgl'), writer };
}

/** The real file system, recording which file operations the writer used; `failWriteSync` makes the next blocking write fail with half its bytes written. */
function recordingFs() {
  const calls: string[] = [];
  const faults = { failWriteSync: false };
  const fs: StorageFs = {
    async open(path, flags) {
      const real = await nodeStorageFs.open(path, flags);
      return {
        path,
        write: (...args) => (calls.push('write'), real.write(...args)),
        datasync: () => (calls.push('datasync'), real.datasync()),
        writeSync(buffer, offset, length, position) {
          calls.push('writeSync');
          if (!faults.failWriteSync) return real.writeSync!(buffer, offset, length, position);
          faults.failWriteSync = false;
          real.writeSync!(buffer, offset, Math.max(1, length >> 1), position);
          throw fsError('ENOSPC');
        },
        truncate: (length) => (calls.push('truncate'), real.truncate(length)),
        close: () => real.close(),
      };
    },
  };
  return { fs, calls, faults };
}

/** The batches stored in a log file; throws on any bad record. */
async function readLog(path: string): Promise<EffectBatch[]> {
  const buf = await readFile(path);
  const decoder = new RecordDecoder();
  const out: EffectBatch[] = [];
  for (let pos = FILE_HEADER_BYTES; pos < buf.length; ) {
    const check = checkRecord(buf, pos, buf.length);
    if (check.status !== 'ok') throw new Error(`bad record at ${pos}: ${check.status}`);
    const record = decoder.decode(buf, pos + RECORD_HEADER_BYTES, check.end);
    if (record.kind === 'batch') out.push(record.batch);
    pos = check.end;
  }
  return out;
}

describe('log writer', () => {
  it('writes the batches of one event-loop turn in one write, then one fdatasync', async () => {
    const { fs, calls } = faultyFs(() => undefined);
    const { path, writer } = await openWriter('always', fs);
    calls.length = 0;
    const syncs = [];
    for (let i = 0; i < 100; i++) {
      writer.append(add(i));
      syncs.push(writer.sync());
    }
    await Promise.all(syncs);
    expect(calls.map((c) => c.step)).toEqual(['write', 'datasync']);
    expect(writer.stats).toMatchObject({ writes: 1, batches: 100, fsyncs: 1 });
    expect(await readLog(path)).toEqual(Array.from({ length: 100 }, (_, i) => add(i)));
    await writer.close();
  });

  it('gathers the batches appended while a write is in flight into the next write', async () => {
    const { fs, calls } = faultyFs(() => undefined, { writeDelayMs: 30 });
    const { path, writer } = await openWriter('always', fs);
    calls.length = 0;
    writer.append(add(0));
    const first = writer.sync();
    await new Promise((r) => setTimeout(r, 10)); // the first write is in flight now
    const later = [];
    for (let i = 1; i <= 50; i++) {
      writer.append(add(i));
      later.push(writer.sync());
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all([first, ...later]);
    expect(calls.filter((c) => c.step === 'write')).toHaveLength(2);
    expect(await readLog(path)).toEqual(Array.from({ length: 51 }, (_, i) => add(i)));
    await writer.close();
  });

  it('sync() waits for the fdatasync under "always" but not under "no"', async () => {
    let releaseSync: () => void = () => {};
    const gate = new Promise<void>((r) => (releaseSync = r));
    const slowSync: StorageFs = {
      async open(path, flags) {
        const file = await nodeStorageFs.open(path, flags);
        return { ...file, path, datasync: async () => { await gate; return file.datasync(); } };
      },
    };
    for (const policy of ['always', 'no'] as const) {
      const { writer } = await openWriter(policy, slowSync);
      writer.append(add(0));
      let done = false;
      const p = writer.sync().then(() => (done = true));
      await new Promise((r) => setTimeout(r, 30));
      expect(done).toBe(policy === 'no');
      releaseSync();
      await p;
      await writer.close();
    }
  });

  it('fsyncs in the background once per interval under "everysec"', async () => {
    const { fs, calls } = faultyFs(() => undefined);
    const { writer } = await openWriter('everysec', fs);
    calls.length = 0;
    writer.append(add(0));
    await writer.sync();
    expect(calls.map((c) => c.step)).toEqual(['write']);
    await new Promise((r) => setTimeout(r, 60));
    expect(calls.map((c) => c.step)).toEqual(['write', 'datasync']);
    await writer.close();
  });

  it('keeps fsyncing once per interval under "everysec" while writes never stop', async () => {
    const { writer } = await openWriter('everysec');
    // Writers that never pause, until three background fsyncs went through (or far longer than three intervals).
    const until = Date.now() + 5_000;
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        for (let i = 0; writer.stats.fsyncs < 3 && Date.now() < until; i++) {
          writer.append(add(i));
          await writer.sync();
        }
      }),
    );
    expect(writer.stats.fsyncs).toBeGreaterThanOrEqual(3);
    await writer.close();
  });

  it('writes a lone small group with a blocking write, and leaves its fdatasync to the thread pool', async () => {
    const { fs, calls } = recordingFs();
    const { path, writer } = await openWriter('always', fs);
    writer.append(add(0));
    writer.append(add(1));
    await writer.sync();
    writer.append(add(2));
    await writer.sync();
    expect(calls).toEqual(['writeSync', 'datasync', 'writeSync', 'datasync']);
    expect(writer.stats).toMatchObject({ writes: 2, inlineWrites: 2, fsyncs: 2, batches: 3 });
    await writer.close();
    expect(await readLog(path)).toEqual([add(0), add(1), add(2)]);
  });

  it('writes a group larger than the inline limit through the thread pool', async () => {
    const { fs, calls } = recordingFs();
    const { path, writer } = await openWriter('no', fs);
    const big: EffectBatch = [{ op: 'add', key: 'orders', id: 1n, fields: ['blob', 'x'.repeat(100 * 1024)], entriesAdded: 1n }];
    writer.append(big);
    await writer.sync();
    expect(calls).toEqual(['write']);
    await writer.close();
    expect(await readLog(path)).toEqual([big]);
  });

  it('writes inline under "no" and "everysec", and fsyncs only in the background', async () => {
    for (const policy of ['no', 'everysec'] as const) {
      const { fs, calls } = recordingFs();
      const { writer } = await openWriter(policy, fs);
      writer.append(add(0));
      await writer.sync();
      expect(calls).toEqual(['writeSync']);
      await writer.close();
    }
  });

  it('on a failed inline write: the sync rejects STORAGE_UNAVAILABLE, the file is cut back, the next append succeeds', async () => {
    const { fs, faults } = recordingFs();
    const { path, writer } = await openWriter('always', fs);
    writer.append(add(0));
    await writer.sync();
    const goodSize = (await readFile(path)).length;
    faults.failWriteSync = true;
    writer.append(add(1));
    await expect(writer.sync()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect((await readFile(path)).length).toBe(goodSize);
    writer.append(add(2));
    await writer.sync();
    await writer.close();
    expect(await readLog(path)).toEqual([add(0), add(2)]);
  });

  for (const step of ['write', 'datasync'] as const) {
    it(`on a failed ${step}: every pending sync rejects STORAGE_UNAVAILABLE, the file is cut back, the next append succeeds`, async () => {
      let fail = false;
      const hook: FaultHook = (s) => (fail && s === step ? { error: fsError(step === 'write' ? 'ENOSPC' : 'EIO'), partial: true } : undefined);
      const logger = recordingLogger();
      const { fs } = faultyFs(hook);
      const { path, writer } = await openWriter('always', fs, logger);
      writer.append(add(0));
      await writer.sync();
      const goodSize = (await readFile(path)).length;

      fail = true;
      writer.append(add(1));
      writer.append(add(2));
      const failed = [writer.sync(), writer.sync()];
      for (const p of failed) {
        const err = await p.then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(StreamError);
        expect((err as StreamError).code).toBe('STORAGE_UNAVAILABLE');
      }
      expect((await readFile(path)).length).toBe(goodSize);
      expect(logger.lines.some((l) => l.level === 'error' && l.obj.code === (step === 'write' ? 'ENOSPC' : 'EIO'))).toBe(true);

      fail = false;
      writer.append(add(3));
      await writer.sync();
      await writer.close();
      expect(await readLog(path)).toEqual([add(0), add(3)]);
    });
  }

  it('rejects the batches appended while the failing write was in flight too', async () => {
    let fail = true;
    const { fs } = faultyFs((s) => (fail && s === 'write' ? { error: fsError('EIO') } : undefined), { writeDelayMs: 20 });
    const { path, writer } = await openWriter('always', fs);
    writer.append(add(0));
    const first = writer.sync().catch((e: StreamError) => e.code);
    await new Promise((r) => setTimeout(r, 5));
    writer.append(add(1));
    const second = writer.sync().catch((e: StreamError) => e.code);
    expect(await first).toBe('STORAGE_UNAVAILABLE');
    expect(await second).toBe('STORAGE_UNAVAILABLE');
    fail = false;
    writer.append(add(2));
    await writer.sync();
    await writer.close();
    expect(await readLog(path)).toEqual([add(2)]);
  });

  it('when cutting back fails too, cuts before the next write', async () => {
    let failWrite = true;
    let failTruncate = true;
    const { fs, calls } = faultyFs((s) => {
      if (s === 'write' && failWrite) return { error: fsError('EIO'), partial: true };
      if (s === 'truncate' && failTruncate) return { error: fsError('EIO') };
      return undefined;
    });
    const { path, writer } = await openWriter('always', fs);
    writer.append(add(0));
    await expect(writer.sync()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect((await readFile(path)).length).toBeGreaterThan(FILE_HEADER_BYTES); // the partial write is still there
    failWrite = false;
    failTruncate = false;
    calls.length = 0;
    writer.append(add(1));
    await writer.sync();
    expect(calls.map((c) => c.step)).toEqual(['truncate', 'write', 'datasync']);
    await writer.close();
    expect(await readLog(path)).toEqual([add(1)]);
  });

  it('rotate() sends later batches to the next file after the current one is fsynced and closed', async () => {
    const { dir, path, writer } = await openWriter('no');
    writer.append(add(0));
    const next = await createLogFile(dir, 1, nodeStorageFs);
    writer.append(add(1));
    const rotated = writer.rotate({ file: next, size: FILE_HEADER_BYTES });
    writer.append(add(2));
    await Promise.all([writer.sync(), rotated]);
    await writer.close();
    expect(await readLog(path)).toEqual([add(0), add(1)]);
    expect(await readLog(join(dir, 'log-000000000001.sgl'))).toEqual([add(2)]);
  });

  it('refuses appends after close, and close writes what is pending', async () => {
    const { path, writer } = await openWriter('no');
    writer.append(add(0));
    await writer.close();
    expect(() => writer.append(add(1))).toThrow(expect.objectContaining({ code: 'SHUTTING_DOWN' }));
    expect(await readLog(path)).toEqual([add(0)]);
  });

  it('encodes exactly what encodeBatch gives', async () => {
    const { path, writer } = await openWriter('always');
    writer.append(add(7));
    await writer.close();
    expect((await readFile(path)).subarray(FILE_HEADER_BYTES)).toEqual(encodeBatch(add(7)));
  });
});

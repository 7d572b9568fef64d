import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EffectBatch } from '../core/effects.js';
import { streamError } from '../domain/errors.js';
import { createLogFile, listDataDir, logName, removeFiles, snapshotName, syncDir } from './data-dir.js';
import type { EffectStore } from './effect-store.js';
import { FILE_HEADER_BYTES } from './file-header.js';
import { DirLock } from './lock.js';
import { LogWriter, type FsyncPolicy, type LogTarget, type LogWriterStats } from './log-writer.js';
import { loadDataDir, removeObsolete, type LoadTarget } from './recovery.js';
import { writeSnapshot, type SnapshotSource } from './snapshot.js';
import { consoleLogger, errorCode, nodeStorageFs, type StorageFs, type StorageLogger } from './storage-fs.js';
import type { StorageTimings } from './timings.js';

export interface LogStoreOptions {
  /** The data directory; created when missing. */
  dir: string;
  /** @defaultValue 'always' */
  fsync?: FsyncPolicy;
  /** A new generation (snapshot + fresh log) starts when the log passes this size. @defaultValue 64 MiB */
  snapshotLogBytes?: number;
  /** @defaultValue a console logger */
  logger?: StorageLogger;
  /** File operations, for fault injection in tests. @defaultValue the real file system */
  fs?: StorageFs;
  /** After a failed snapshot, how long before the next try. @defaultValue 30 s */
  snapshotRetryMs?: number;
  /** Told how long log writes, fdatasyncs and snapshots take. @defaultValue none */
  timings?: StorageTimings;
}

/** What the store needs from the core: replay and restored nodes at load, and a per-stream dump for snapshots. */
export interface DurableCore extends SnapshotSource, LoadTarget {}

export const DEFAULT_SNAPSHOT_LOG_BYTES = 64 * 1024 * 1024;
export const DEFAULT_FSYNC: FsyncPolicy = 'always';

export interface LogStoreStats extends LogWriterStats {
  generation: number;
  logBytes: number;
  snapshots: number;
  snapshotFailures: number;
  /** What the startup load replayed, and how long it took. */
  loaded: { batches: number; entries: number; ms: number };
}

/**
 * The durable EffectStore: an append-only log with group commit, compacted
 * by snapshots. Open it with `openLogStore`, which takes the directory's
 * lock and loads the stored state into the core first.
 */
export class LogStore implements EffectStore {
  private snapshotting: Promise<void> | null = null;
  private nextSnapshotAt = 0;
  private closing: Promise<void> | null = null;
  private snapshots = 0;
  private snapshotFailures = 0;

  constructor(
    private readonly core: DurableCore,
    private readonly writer: LogWriter,
    private readonly lock: DirLock,
    private generation: number,
    private readonly options: Required<Omit<LogStoreOptions, 'fs' | 'timings'>> & { fs: StorageFs; timings: StorageTimings | undefined },
    private readonly loaded: LogStoreStats['loaded'],
  ) {}

  append(batch: EffectBatch): void {
    if (this.closing !== null) throw streamError('SHUTTING_DOWN', 'draining');
    this.writer.append(batch);
    if (this.writer.size >= this.options.snapshotLogBytes && this.snapshotting === null && Date.now() >= this.nextSnapshotAt) {
      void this.snapshot();
    }
  }

  sync(): Promise<void> {
    return this.writer.sync();
  }

  /**
   * Starts generation + 1 and snapshots into it; resolves when the snapshot is
   * durable and the older generation removed (or, on failure, when it gave up:
   * the previous generation stays the one loaded at startup).
   */
  snapshot(): Promise<void> {
    this.snapshotting ??= this.runSnapshot().finally(() => {
      this.snapshotting = null;
    });
    return this.snapshotting;
  }

  /** Resolves when no snapshot is running. */
  async snapshotSettled(): Promise<void> {
    await this.snapshotting;
  }

  get stats(): LogStoreStats {
    return {
      ...this.writer.stats,
      generation: this.generation,
      logBytes: this.writer.size,
      snapshots: this.snapshots,
      snapshotFailures: this.snapshotFailures,
      loaded: this.loaded,
    };
  }

  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  async reload(core: LoadTarget & { reset(): void }): Promise<void> {
    const { dir, logger } = this.options;
    await this.snapshotting;
    await this.writer.settle();
    core.reset();
    const started = performance.now();
    const load = await loadDataDir(dir, core, logger);
    logger.warn({ dir, batches: load.batches, ms: Math.round(performance.now() - started) }, 'state reloaded from storage after a failed write');
  }

  private async closeOnce(): Promise<void> {
    try {
      await this.snapshotting;
      await this.writer.close();
    } finally {
      await this.lock.release();
    }
  }

  private async runSnapshot(): Promise<void> {
    const { dir, logger, fs } = this.options;
    const generation = this.generation + 1;
    const started = Date.now();
    try {
      const next = await createLogFile(dir, generation, fs);
      if (this.closing !== null) {
        await next.close();
        await removeFiles(dir, [logName(generation)]);
        return;
      }
      // The switch point: from here on every batch goes to the new log, and
      // each stream is dumped after this moment, so that replaying the whole
      // new log over the snapshot converges (effects are absolute and idempotent).
      const previousLogDone = this.writer.rotate({ file: next, size: FILE_HEADER_BYTES });
      this.generation = generation;
      const result = await writeSnapshot(dir, generation, this.core, fs, () => this.closing !== null);
      await previousLogDone;
      await removeOlderGenerations(dir, generation);
      this.snapshots++;
      this.options.timings?.snapshot((Date.now() - started) / 1000, true);
      logger.info(
        { file: result.path, streams: result.streams, records: result.records, bytes: result.bytes, ms: Date.now() - started },
        'snapshot written; older generations removed',
      );
    } catch (err) {
      this.snapshotFailures++;
      this.options.timings?.snapshot((Date.now() - started) / 1000, false);
      this.nextSnapshotAt = Date.now() + this.options.snapshotRetryMs;
      if (this.closing !== null) return;
      logger.error({ dir, generation, code: errorCode(err) }, 'snapshot failed; the previous generation stays in use');
    }
  }
}

/** Deletes every snapshot and log of a generation below `generation`. */
async function removeOlderGenerations(dir: string, generation: number): Promise<void> {
  const listing = await listDataDir(dir);
  const names = [
    ...listing.snapshots.filter((g) => g < generation).map(snapshotName),
    ...listing.logs.filter((g) => g < generation).map(logName),
  ];
  await removeFiles(dir, names);
  await syncDir(dir);
}

/**
 * Takes DATA_DIR's lock, loads the stored state into `core` (snapshot, then
 * logs; a torn tail is cut with a warning, damage stops startup), and returns
 * the store that keeps appending to the last log.
 */
export async function openLogStore(options: LogStoreOptions, core: DurableCore): Promise<LogStore> {
  const resolved = {
    dir: options.dir,
    fsync: options.fsync ?? DEFAULT_FSYNC,
    snapshotLogBytes: options.snapshotLogBytes ?? DEFAULT_SNAPSHOT_LOG_BYTES,
    logger: options.logger ?? consoleLogger,
    fs: options.fs ?? nodeStorageFs,
    snapshotRetryMs: options.snapshotRetryMs ?? 30_000,
    timings: options.timings,
  };
  const { dir, logger, fs } = resolved;
  await mkdir(dir, { recursive: true });
  const lock = await DirLock.acquire(dir, logger);
  let target: LogTarget | undefined;
  try {
    const started = performance.now();
    const load = await loadDataDir(dir, core, logger);
    let generation: number;
    if (load.lastLog === undefined) {
      generation = load.plan.snapshot ?? 0;
      target = { file: await createLogFile(dir, generation, fs), size: FILE_HEADER_BYTES };
    } else {
      generation = load.lastLog.generation;
      target = { file: await fs.open(join(dir, logName(generation)), 'r+'), size: load.lastLog.fileSize };
      await target.file.datasync();
    }
    await removeObsolete(dir, load.plan, logger);
    const loaded = { batches: load.batches, entries: load.entries, ms: Math.round(performance.now() - started) };
    if (load.batches > 0) logger.info({ dir, generation, ...loaded }, 'stored state loaded');
    const writer = new LogWriter(target, { fsync: resolved.fsync, logger, timings: resolved.timings });
    return new LogStore(core, writer, lock, generation, resolved, loaded);
  } catch (err) {
    await target?.file.close().catch(() => {});
    await lock.release();
    throw err;
  }
}

import type { EffectBatch } from '../core/effects.js';
import { streamError } from '../domain/errors.js';
import { ByteWriter } from './byte-writer.js';
import { encodeBatchRecord } from './record-codec.js';
import { errorCode, writeFully, type StorageFile, type StorageLogger } from './storage-fs.js';
import type { StorageTimings } from './timings.js';

/**
 * When a write counts as done:
 * - `always`: after fdatasync of the write that carried it;
 * - `everysec`: after the write; fdatasync once a second in the background;
 * - `no`: after the write; the OS flushes when it likes.
 */
export type FsyncPolicy = 'always' | 'everysec' | 'no';

export const FSYNC_POLICIES: readonly FsyncPolicy[] = ['always', 'everysec', 'no'];

/** An open log file and the offset where its last good record ends. */
export interface LogTarget {
  file: StorageFile;
  size: number;
}

/** The batches appended in one event-loop turn (or while the previous write was in flight): one write. */
interface Group {
  kind: 'group';
  out: ByteWriter;
  batches: number;
  promise?: Promise<void>;
  resolve?: () => void;
  reject?: (err: Error) => void;
  error?: Error;
  settled: boolean;
}

interface Rotation {
  kind: 'rotate';
  next: LogTarget;
  done: () => void;
}

/**
 * A group this small, alone in the queue, is written with a blocking write:
 * into the page cache that takes microseconds, less than the thread-pool
 * round trip (and the wake-up of the loop after it) that an async write costs.
 */
const INLINE_WRITE_MAX_BYTES = 64 * 1024;

export interface LogWriterOptions {
  fsync: FsyncPolicy;
  logger: StorageLogger;
  /** Told how long each write and fdatasync took; none: nothing is timed. */
  timings?: StorageTimings;
  /** @defaultValue 1000 */
  everysecIntervalMs?: number;
}

export interface LogWriterStats {
  /** Writes issued (one per group). */
  writes: number;
  /** Of those, written with a blocking write (small, nothing else queued). */
  inlineWrites: number;
  batches: number;
  fsyncs: number;
  failures: number;
}

/**
 * The append-only log writer, with group commit. `append` encodes the batch
 * at once into the open group; the group goes out as one write on the next
 * turn of the event loop (setImmediate), then is fsynced per the policy.
 * Writes are positional at the last good offset and one at a time: batches
 * appended while a write is in flight wait for the next one. A small group
 * with nothing queued behind it is written with a blocking write (see
 * INLINE_WRITE_MAX_BYTES); fdatasync always runs on the thread pool, so that
 * the loop parses the next requests while the disk works.
 *
 * On a failed write or fsync, every unsettled sync() rejects with
 * STORAGE_UNAVAILABLE, the file is cut back to the last good offset (retried
 * before the next write if the cut itself fails), and the next append tries
 * again.
 */
export class LogWriter {
  private target: LogTarget;
  private open: Group | null = null;
  /** Sealed groups and rotations, in order; the first may be in flight. */
  private readonly queue: (Group | Rotation)[] = [];
  private running = false;
  private scheduled = false;
  private closed = false;
  /** Written but not yet fdatasynced (everysec / no). */
  private dirty = false;
  /** A cut back to the good offset failed and must happen before the next write. */
  private mustTruncate = false;
  /** A background fsync failed: the next write is fsynced inline. */
  private fsyncFailed = false;
  /** everysec: the once-a-second fdatasync is due. */
  private fsyncDue = false;
  private spare: ByteWriter | null = null;
  private readonly timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | null = null;
  private idle: Promise<void> = Promise.resolve();
  private idleResolve: (() => void) | null = null;
  readonly stats: LogWriterStats = { writes: 0, inlineWrites: 0, batches: 0, fsyncs: 0, failures: 0 };

  constructor(
    target: LogTarget,
    private readonly options: LogWriterOptions,
  ) {
    this.target = target;
    if (options.fsync === 'everysec') {
      this.timer = setInterval(() => this.backgroundFsync(), options.everysecIntervalMs ?? 1000);
      this.timer.unref();
    }
  }

  /** The current file's good size plus what is queued for it: what the snapshot threshold looks at. */
  get size(): number {
    return this.target.size + (this.open?.out.length ?? 0);
  }

  get path(): string {
    return this.target.file.path;
  }

  append(batch: EffectBatch): void {
    if (this.closed) throw streamError('SHUTTING_DOWN', 'draining');
    let group = this.open;
    if (group === null) {
      const out = this.spare ?? new ByteWriter(64 * 1024);
      this.spare = null;
      out.reset();
      group = this.open = { kind: 'group', out, batches: 0, settled: false };
    }
    encodeBatchRecord(group.out, batch);
    group.batches++;
    this.schedule();
  }

  /** Resolves once everything appended so far is written (and fsynced per the policy). */
  sync(): Promise<void> {
    const last = this.open ?? this.lastQueuedGroup();
    if (last === undefined) return Promise.resolve();
    return groupPromise(last);
  }

  /**
   * The switch point of a new generation: what was appended until now goes to
   * the current file, everything after to `next`. Resolves once the current
   * file is written, fsynced (whatever the policy) and closed.
   */
  rotate(next: LogTarget): Promise<void> {
    this.seal();
    return new Promise((done) => {
      this.queue.push({ kind: 'rotate', next, done });
      this.schedule();
    });
  }

  /** Writes and fsyncs what is pending, then closes the file. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.seal();
    this.schedule();
    await this.drain();
    if (this.dirty || this.fsyncFailed) {
      try {
        await this.target.file.datasync();
        this.stats.fsyncs++;
      } catch (err) {
        this.options.logger.error({ file: this.path, code: errorCode(err) }, 'fsync of the log failed at close');
      }
    }
    await this.target.file.close();
  }

  /**
   * Once idle: cuts the log back to its last good record if a failed write
   * left bytes after it. Throws when the file still cannot be cut.
   */
  async settle(): Promise<void> {
    await this.drain();
    if (this.mustTruncate) {
      await this.target.file.truncate(this.target.size);
      this.mustTruncate = false;
    }
  }

  /** Resolves when nothing is queued or in flight. */
  drain(): Promise<void> {
    if (!this.running && !this.scheduled && this.queue.length === 0 && this.open === null) return Promise.resolve();
    if (this.idleResolve === null) this.idle = new Promise((resolve) => (this.idleResolve = resolve));
    return this.idle;
  }

  private lastQueuedGroup(): Group | undefined {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const item = this.queue[i]!;
      if (item.kind === 'group') return item.settled ? undefined : item;
    }
    return undefined;
  }

  private seal(): void {
    if (this.open === null) return;
    this.queue.push(this.open);
    this.open = null;
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => void this.run());
  }

  /**
   * Writes queued groups one after another, each sealed when the write
   * before it is done: what arrived meanwhile goes out together. A command's
   * woken readers are served synchronously after it (the backend does that),
   * so their deliveries are always in the command's group.
   */
  private async run(): Promise<void> {
    this.scheduled = false;
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        if (this.fsyncDue) await this.fsyncNow();
        this.seal();
        const item = this.queue[0];
        if (item === undefined) break;
        const waited = item.kind === 'rotate' ? (await this.switchFile(item), true) : await this.writeGroup(item);
        this.queue.shift();
        // After an inline write only microtasks ran: go on next turn, or writers that append from microtasks starve timers and I/O.
        if (!waited) break;
      }
    } finally {
      this.running = false;
      if (this.open !== null || this.queue.length > 0 || this.fsyncDue) {
        this.schedule();
      } else {
        const resolve = this.idleResolve;
        this.idleResolve = null;
        resolve?.();
      }
    }
  }

  /** Answers whether it waited on the thread pool (false: the write was inline and nothing was fsynced). */
  private async writeGroup(group: Group): Promise<boolean> {
    if (group.settled) return false;
    const { file } = this.target;
    const start = this.target.size;
    const length = group.out.length;
    const inline = file.writeSync !== undefined && length <= INLINE_WRITE_MAX_BYTES && this.queue.length === 1 && !this.mustTruncate;
    try {
      if (this.mustTruncate) {
        await file.truncate(start);
        this.mustTruncate = false;
      }
      this.stats.writes++;
      const timings = this.options.timings;
      const writeStarted = timings ? performance.now() : 0;
      if (inline) {
        this.stats.inlineWrites++;
        writeFullySync(file, group.out.buf, length, start);
      } else {
        await writeFully(file, group.out.buf, 0, length, start);
      }
      timings?.logWrite((performance.now() - writeStarted) / 1000, length);
      if (this.options.fsync === 'always' || this.fsyncFailed) {
        await this.datasync(file);
        this.fsyncFailed = false;
      } else {
        this.dirty = true;
      }
    } catch (err) {
      await this.fail(group, err, start);
      return true;
    }
    this.target.size = start + length;
    this.stats.batches += group.batches;
    settle(group);
    this.recycle(group);
    return !inline || this.options.fsync === 'always';
  }

  private async fail(group: Group, err: unknown, goodSize: number): Promise<void> {
    this.stats.failures++;
    const code = errorCode(err);
    this.options.logger.error(
      { file: this.path, offset: goodSize, bytes: group.out.length, batches: group.batches, code },
      'log write failed; its batches are not stored',
    );
    const error = streamError('STORAGE_UNAVAILABLE', 'writeFailed', code);
    // Every unsettled sync() fails: later batches may depend on the ones lost.
    settle(group, error);
    for (const item of this.queue) if (item.kind === 'group') settle(item, error);
    if (this.open !== null) {
      settle(this.open, error);
      this.open = null;
    }
    try {
      await this.target.file.truncate(goodSize);
      this.mustTruncate = false;
    } catch (truncateErr) {
      this.mustTruncate = true;
      this.options.logger.error(
        { file: this.path, offset: goodSize, code: errorCode(truncateErr) },
        'cutting the log back after a failed write failed too; retrying before the next write',
      );
    }
  }

  private async switchFile(rotation: Rotation): Promise<void> {
    const old = this.target;
    try {
      if (this.mustTruncate) await old.file.truncate(old.size);
      await old.file.datasync();
      this.stats.fsyncs++;
    } catch (err) {
      this.options.logger.error({ file: old.file.path, code: errorCode(err) }, 'fsync of the previous log failed at rotation');
    }
    this.mustTruncate = false;
    this.dirty = false;
    this.fsyncDue = false;
    this.fsyncFailed = false;
    this.target = rotation.next;
    try {
      await old.file.close();
    } catch (err) {
      this.options.logger.warn({ file: old.file.path, code: errorCode(err) }, 'closing the previous log failed');
    }
    rotation.done();
  }

  /** everysec: marks an fsync due; the write loop runs it between writes, so it never races a write or a cut. */
  private backgroundFsync(): void {
    if (!this.dirty || this.closed) return;
    this.fsyncDue = true;
    this.schedule();
  }

  private async fsyncNow(): Promise<void> {
    this.fsyncDue = false;
    this.dirty = false;
    const file = this.target.file;
    try {
      await this.datasync(file);
    } catch (err) {
      this.fsyncFailed = true;
      this.stats.failures++;
      this.options.logger.error({ file: file.path, code: errorCode(err) }, 'background fsync of the log failed');
    }
  }

  /** fdatasync of the log, counted and timed. */
  private async datasync(file: StorageFile): Promise<void> {
    const timings = this.options.timings;
    const started = timings ? performance.now() : 0;
    await file.datasync();
    this.stats.fsyncs++;
    timings?.fsync((performance.now() - started) / 1000);
  }

  private recycle(group: Group): void {
    if (group.out.buf.length <= 4 * 1024 * 1024) this.spare = group.out;
  }
}

function writeFullySync(file: StorageFile, buffer: Buffer, length: number, position: number): void {
  for (let done = 0; done < length; ) {
    const n = file.writeSync!(buffer, done, length - done, position + done);
    if (n <= 0) throw Object.assign(new Error(`short write to ${file.path}`), { code: 'EIO' });
    done += n;
  }
}

function groupPromise(group: Group): Promise<void> {
  if (group.promise === undefined) {
    if (group.settled) return group.error === undefined ? Promise.resolve() : Promise.reject(group.error);
    group.promise = new Promise((resolve, reject) => {
      group.resolve = resolve;
      group.reject = reject;
    });
  }
  return group.promise;
}

function settle(group: Group, error?: Error): void {
  if (group.settled) return;
  group.settled = true;
  group.error = error;
  if (error === undefined) group.resolve?.();
  else group.reject?.(error);
}

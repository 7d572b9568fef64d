import type { EffectBatch } from '../core/effects.js';
import { StreamError } from '../core/errors.js';
import { StreamCore } from '../core/stream-core.js';
import { WaiterRegistry, type Waiter } from '../core/waiters.js';
import type { StreamCommands } from '../core/types.js';
import { MemoryEffectStore, type EffectStore } from '../storage/effect-store.js';
import type { AsyncStreamCommands, BlockingReadOptions, StreamBackend } from './backend.js';
import type { XreadgroupOptions, XreadgroupResult, XreadResult, XreadStream } from '../core/types.js';

export interface EmbeddedBackendOptions {
  core?: StreamCore;
  /** Where effects go. @defaultValue an in-memory store (nothing persisted) */
  store?: EffectStore;
}

/** Commands that change nothing: answered without waiting for storage. */
const READ_ONLY = new Set<keyof StreamCommands>([
  'listStreams',
  'exists',
  'xlen',
  'xrange',
  'xread',
  'xpendingSummary',
  'xpendingRange',
  'xinfoStream',
  'xinfoStreamFull',
  'xinfoGroups',
  'groupInfo',
  'xinfoConsumers',
]);

/**
 * The in-process backend: the stream core, with every command's effects sent
 * to the store. A write answers only once the store says its batch is durable
 * (per the fsync policy); the batches of one event-loop turn share one write.
 */
export class EmbeddedBackend implements StreamBackend {
  readonly kind = 'embedded' as const;
  readonly core: StreamCore;
  private readonly store: EffectStore;
  readonly waiters: WaiterRegistry;
  private closing = false;
  private wroteThisCall = false;
  /** The store's last sync() promise and its wrapper that starts recovery on failure. */
  private lastDurable: { sync: Promise<void>; durable: Promise<void> } | undefined;
  /** Set while the core is rebuilt from storage after a failed write; writes are refused meanwhile. */
  private recovering: Promise<void> | null = null;

  constructor(options: EmbeddedBackendOptions = {}) {
    this.core = options.core ?? new StreamCore();
    this.store = options.store ?? new MemoryEffectStore();
    this.core.setSink((batch: EffectBatch) => {
      this.wroteThisCall = true;
      this.store.append(batch);
    });
    this.waiters = new WaiterRegistry();
    this.core.onBatch(this.waiters.onBatch);
    for (const name of COMMANDS) {
      (this as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => this.execute(name, args);
    }
  }

  private async execute(name: keyof StreamCommands, args: unknown[]): Promise<unknown> {
    if (!READ_ONLY.has(name)) this.assertWritable();
    this.wroteThisCall = false;
    const result = (this.core[name] as (...a: unknown[]) => unknown)(...args);
    if (!this.wroteThisCall) return result;
    // The readers this command wakes are served before anything else runs, so their deliveries share its write.
    const servedBefore = this.waiters.served;
    this.waiters.serveReady();
    await this.durable();
    // Readers it woke are answered before it is: their wait is what it ended, and its answer waits on nobody.
    if (this.waiters.served !== servedBefore) await new Promise(setImmediate);
    return result;
  }

  private assertWritable(): void {
    if (this.closing) throw new StreamError('SHUTTING_DOWN', 'The server is shutting down');
    if (this.recovering) throw new StreamError('STORAGE_UNAVAILABLE', 'storage is recovering from a failed write; retry shortly');
  }

  /**
   * Waits until what was appended is stored. When that fails, the request gets
   * STORAGE_UNAVAILABLE and the core is rebuilt from storage, so that memory
   * never holds a change the log lost.
   */
  private durable(): Promise<void> {
    const sync = this.store.sync();
    // The readers one add wakes all wait on the same group commit: one promise serves them all.
    if (this.lastDurable?.sync !== sync) {
      const durable = sync.catch((err: unknown) => {
        this.startRecovery();
        throw err;
      });
      this.lastDurable = { sync, durable };
    }
    return this.lastDurable.durable;
  }

  private startRecovery(): void {
    const reload = this.store.reload?.bind(this.store);
    if (this.recovering || reload === undefined || this.closing) return;
    this.recovering = (async () => {
      await this.store.sync().catch(() => {});
      await reload(this.core);
    })()
      .catch(() => {
        // Storage is still failing: the next write tries again and fails over here again.
      })
      .finally(() => {
        this.recovering = null;
      });
  }

  /** Resolves when no recovery is running (for tests). */
  async recovered(): Promise<void> {
    await this.recovering;
  }

  /**
   * XREADGROUP [BLOCK]: served at once when anything is there or any stream
   * is read from history; otherwise blocks until an entry arrives for it (then
   * re-runs the read, oldest waiter first), the wait ends, or the client goes.
   */
  async readGroup(options: XreadgroupOptions & BlockingReadOptions): Promise<XreadgroupResult[]> {
    const { waitMs, signal, ...read } = options;
    this.assertWritable();
    // The first attempt and the registration happen in one turn, so no entry can slip in between.
    this.wroteThisCall = false;
    const first = this.core.xreadgroup(read);
    const durable = this.wroteThisCall ? this.durable() : undefined;
    const fromHistory = read.streams.some((s) => s.from !== '>');
    if (first.length > 0 || fromHistory || waitMs <= 0 || signal?.aborted) {
      await durable;
      return first;
    }
    const blocked = this.block<XreadgroupResult[]>(read.streams.map((s) => s.key), read.group, waitMs, signal, () => {
      const result = this.core.xreadgroup(read);
      return result.length > 0 ? result : undefined;
    });
    try {
      await durable;
    } catch (err) {
      // The request fails: its waiter goes too, taking nothing.
      blocked.cancel();
      throw err;
    }
    return blocked.result;
  }

  /** XREAD [BLOCK]: `$` is pinned to each stream's last ID when the call starts. */
  async readStreams(streams: XreadStream[], count: number | undefined, options: BlockingReadOptions): Promise<XreadResult[]> {
    const pinned = streams.map((s) => ({ key: s.key, after: s.after === '$' ? this.core.lastIdOf(s.key) : s.after }));
    const first = this.core.xread(pinned, count);
    const { waitMs, signal } = options;
    if (first.length > 0 || waitMs <= 0 || signal?.aborted || this.closing || pinned.some((s) => s.after === '+')) return first;
    return this.block<XreadResult[]>(pinned.map((s) => s.key), undefined, waitMs, signal, () => {
      const result = this.core.xread(pinned, count);
      return result.length > 0 ? result : undefined;
    }).result;
  }

  async pendingBelow(key: string, group: string, consumer: string, limit: number, options: BlockingReadOptions): Promise<number> {
    const count = (): number => this.core.consumerPendingCount(key, group, consumer);
    const now = count();
    if (now < limit || options.waitMs <= 0 || options.signal?.aborted) return now;
    const result = await this.block<number>([key], group, options.waitMs, options.signal, () => (count() < limit ? count() : undefined), 'pel').result;
    return typeof result === 'number' ? result : count();
  }

  /**
   * Parks a read in the waiter registry until `read` yields something, it
   * fails, times out or is aborted; `cancel` unparks it, answering nothing.
   */
  private block<T>(
    keys: string[],
    group: string | undefined,
    waitMs: number,
    signal: AbortSignal | undefined,
    read: () => T | undefined,
    wakeOn: 'data' | 'pel' = 'data',
  ): { result: Promise<T | []>; cancel: () => void } {
    if (this.closing) return { result: Promise.resolve([]), cancel: () => {} };
    let cancel!: () => void;
    const result = new Promise<T | []>((resolve, reject) => {
      const settle = (): void => signal?.removeEventListener('abort', cancel);
      const waiter: Waiter = {
        keys,
        group,
        wakeOn,
        attempt: () => {
          this.wroteThisCall = false;
          const value = read();
          if (value === undefined) return false;
          settle();
          if (this.wroteThisCall) this.durable().then(() => resolve(value), reject);
          else resolve(value);
          return true;
        },
        fail: (error) => {
          settle();
          reject(error);
        },
        expire: () => {
          settle();
          resolve([]);
        },
      };
      cancel = (): void => {
        settle();
        this.waiters.remove(waiter);
        resolve([]);
      };
      signal?.addEventListener('abort', cancel, { once: true });
      this.waiters.add(waiter, waitMs);
    });
    return { result, cancel };
  }

  /** Blocked reads waiting now. */
  get waiterCount(): number {
    return this.waiters.size;
  }

  isReady(): boolean {
    return !this.closing;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.waiters.expireAll();
    await this.store.close();
  }
}

const COMMANDS: (keyof StreamCommands)[] = [
  'listStreams',
  'exists',
  'del',
  'xadd',
  'xaddBatch',
  'xlen',
  'xrange',
  'xread',
  'xdel',
  'xtrim',
  'xsetid',
  'xgroupCreate',
  'xgroupSetId',
  'xgroupDestroy',
  'xgroupCreateConsumer',
  'xgroupDelConsumer',
  'xreadgroup',
  'xack',
  'xpendingSummary',
  'xpendingRange',
  'xclaim',
  'xautoclaim',
  'xinfoStream',
  'xinfoStreamFull',
  'xinfoGroups',
  'groupInfo',
  'xinfoConsumers',
];

// The constructor installs one async wrapper per command.
export interface EmbeddedBackend extends AsyncStreamCommands {}

export function createEmbeddedBackend(options: EmbeddedBackendOptions = {}): EmbeddedBackend {
  return new EmbeddedBackend(options);
}

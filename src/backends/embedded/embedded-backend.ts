import type { EffectBatch } from '../../core/effects.js';
import { StreamCore } from '../../core/stream-core.js';
import { WaiterRegistry, type Waiter, type WakeReason } from '../../core/waiters.js';
import { StreamError, streamError } from '../../domain/errors.js';
import type { StreamId } from '../../domain/ids.js';
import type {
  ConsumerInfo,
  DeletionResult,
  Delivery,
  Entry,
  GroupCreateOptions,
  GroupInfo,
  GroupSetIdOptions,
  GroupUpdateOptions,
  ExtendResult,
  PolicyEvent,
  IdempotentAddResult,
  ListStreamsOptions,
  ListStreamsResult,
  PendingEntryInfo,
  PendingRangeOptions,
  PendingSummary,
  RefPolicy,
  StreamInfo,
  StreamConfigOptions,
  StreamInfoFull,
  TrimSpec,
  XaddOptions,
  XautoclaimOptions,
  XautoclaimResult,
  XclaimOptions,
  XnackOptions,
  XreadgroupOptions,
  XreadgroupResult,
  XreadResult,
  ReplyCaps,
  XreadStream,
  XrangeOptions,
  XsetidOptions,
} from '../../domain/types.js';
import { MemoryEffectStore, type EffectStore } from '../../storage/effect-store.js';
import type { AckAndReadResult, BatchOptions, GroupAck, NewEntry, StreamBackend, Wait } from '../contract.js';

const MAX_TIMER_MS = 2 ** 31 - 1;
const POLICY_RETRY_MS = 1000;

export interface EmbeddedBackendOptions {
  core?: StreamCore;
  /** Where effects go. @defaultValue an in-memory store (nothing persisted) */
  store?: EffectStore;
}

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
  private policyTimer: NodeJS.Timeout | undefined;
  private policyTimerAt = Number.POSITIVE_INFINITY;

  constructor(options: EmbeddedBackendOptions = {}) {
    this.core = options.core ?? new StreamCore();
    this.store = options.store ?? new MemoryEffectStore();
    this.core.setSink((batch: EffectBatch) => {
      this.wroteThisCall = true;
      this.store.append(batch);
    });
    this.waiters = new WaiterRegistry();
    this.core.onBatch(this.waiters.onBatch);
    this.core.onBatch(() => this.armPolicyTimer());
    this.armPolicyTimer();
  }

  // ---------------------------------------------------------------------------
  // Reads: answered from memory, waiting for nothing.

  async listStreams(options: ListStreamsOptions): Promise<ListStreamsResult> {
    return this.core.listStreams(options);
  }

  async streamExists(stream: string): Promise<boolean> {
    return this.core.exists(stream);
  }

  async length(stream: string): Promise<number> {
    return this.core.xlen(stream);
  }

  async range(stream: string, options: XrangeOptions): Promise<Entry[] | null> {
    return this.core.xrange(stream, options);
  }

  async pendingSummary(stream: string, group: string): Promise<PendingSummary> {
    return this.core.xpendingSummary(stream, group);
  }

  async pendingEntries(stream: string, group: string, options: PendingRangeOptions): Promise<PendingEntryInfo[]> {
    return this.core.xpendingRange(stream, group, options);
  }

  async streamInfo(stream: string): Promise<StreamInfo | null> {
    return this.core.xinfoStream(stream);
  }

  async streamInfoFull(stream: string, count?: number): Promise<StreamInfoFull | null> {
    return this.core.xinfoStreamFull(stream, count);
  }

  async groups(stream: string): Promise<GroupInfo[] | null> {
    return this.core.xinfoGroups(stream);
  }

  async group(stream: string, group: string): Promise<GroupInfo | null> {
    return this.core.groupInfo(stream, group);
  }

  async consumers(stream: string, group: string): Promise<ConsumerInfo[]> {
    return this.core.xinfoConsumers(stream, group);
  }

  // ---------------------------------------------------------------------------
  // Writes: each answers once its effects are stored.

  deleteStream(stream: string): Promise<boolean> {
    return this.write(() => this.core.del(stream));
  }

  append(stream: string, options: XaddOptions): Promise<StreamId | null> {
    return this.write(() => this.core.xadd(stream, options));
  }

  appendIdempotent(stream: string, options: XaddOptions): Promise<IdempotentAddResult | null> {
    return this.write(() => this.core.xaddIdempotent(stream, options));
  }

  appendBatchIdempotent(stream: string, messages: NewEntry[], options: BatchOptions): Promise<IdempotentAddResult[] | null> {
    return this.write(() => this.core.xaddBatchIdempotent(stream, messages, options));
  }

  configureStream(stream: string, options: StreamConfigOptions): Promise<void> {
    return this.write(() => this.core.xcfgset(stream, options));
  }

  appendBatch(stream: string, messages: NewEntry[], options: BatchOptions): Promise<StreamId[] | null> {
    return this.write(() => this.core.xaddBatch(stream, messages, options));
  }

  deleteEntries(stream: string, ids: StreamId[]): Promise<number> {
    return this.write(() => this.core.xdel(stream, ids));
  }

  deleteEntriesWithRefs(stream: string, ids: StreamId[], refs: RefPolicy): Promise<DeletionResult[]> {
    return this.write(() => this.core.xdelex(stream, ids, refs));
  }

  trim(stream: string, trim: TrimSpec): Promise<number | null> {
    return this.write(() => this.core.xtrim(stream, trim));
  }

  setStreamId(stream: string, options: XsetidOptions): Promise<void> {
    return this.write(() => this.core.xsetid(stream, options));
  }

  createGroup(stream: string, group: string, options: GroupCreateOptions): Promise<GroupInfo> {
    return this.write(() => this.core.xgroupCreate(stream, group, options));
  }

  setGroupId(stream: string, group: string, options: GroupSetIdOptions): Promise<GroupInfo> {
    return this.write(() => this.core.xgroupSetId(stream, group, options));
  }

  destroyGroup(stream: string, group: string): Promise<boolean> {
    return this.write(() => this.core.xgroupDestroy(stream, group));
  }

  createConsumer(stream: string, group: string, consumer: string): Promise<boolean> {
    return this.write(() => this.core.xgroupCreateConsumer(stream, group, consumer));
  }

  deleteConsumer(stream: string, group: string, consumer: string): Promise<number | null> {
    return this.write(() => this.core.xgroupDelConsumer(stream, group, consumer));
  }

  ack(stream: string, group: string, ids: StreamId[]): Promise<number | null> {
    return this.write(() => this.core.xack(stream, group, ids));
  }

  ackAndDelete(stream: string, group: string, ids: StreamId[], refs: RefPolicy): Promise<DeletionResult[]> {
    return this.write(() => this.core.xackdel(stream, group, ids, refs));
  }

  claim(stream: string, group: string, options: XclaimOptions): Promise<Delivery[]> {
    return this.write(() => this.core.xclaim(stream, group, options));
  }

  release(stream: string, group: string, options: XnackOptions): Promise<number> {
    return this.write(() => this.core.xnack(stream, group, options));
  }

  updateGroup(stream: string, group: string, options: GroupUpdateOptions): Promise<GroupInfo> {
    return this.write(() => this.core.groupUpdate(stream, group, options));
  }

  extendDeadline(stream: string, group: string, ids: StreamId[], ms: number): Promise<ExtendResult> {
    return this.write(() => this.core.extendDeadline(stream, group, ids, ms));
  }

  redrive(deadLetterStream: string, count: number): Promise<number> {
    return this.write(() => this.core.redrive(deadLetterStream, count));
  }

  onPolicyEvent(listener: (event: PolicyEvent) => void): () => void {
    return this.core.onPolicyEvent(listener);
  }

  /**
   * One timer for the earliest time any group's policy has something to do
   * (StreamCore.nextPolicyTime), re-armed after every command; its step runs
   * as a write, so that what it moved is stored before anyone is told.
   */
  private armPolicyTimer(): void {
    if (this.closing) return;
    const at = this.core.nextPolicyTime();
    if (at === undefined || (this.policyTimer !== undefined && this.policyTimerAt <= at)) return;
    if (this.policyTimer !== undefined) clearTimeout(this.policyTimer);
    this.policyTimerAt = at;
    // setTimeout fires at once past 2^31 - 1 ms; an early step finds nothing and re-arms.
    this.policyTimer = setTimeout(this.runPolicies, Math.min(MAX_TIMER_MS, Math.max(0, at - this.core.now())));
    this.policyTimer.unref?.();
  }

  private readonly runPolicies = (): void => {
    this.policyTimer = undefined;
    this.policyTimerAt = Number.POSITIVE_INFINITY;
    if (this.closing) return;
    this.write(() => this.core.runDue()).then(
      () => this.armPolicyTimer(),
      () => {
        // Storage refused the step (or is recovering): try again shortly.
        this.policyTimerAt = this.core.now() + POLICY_RETRY_MS;
        this.policyTimer = setTimeout(this.runPolicies, POLICY_RETRY_MS);
        this.policyTimer.unref?.();
      },
    );
  };

  autoclaim(stream: string, group: string, options: XautoclaimOptions): Promise<XautoclaimResult> {
    return this.write(() => this.core.xautoclaim(stream, group, options));
  }

  /** Runs one core command; when it changed anything, answers once that is stored. */
  private async write<T>(command: () => T): Promise<T> {
    this.assertWritable();
    this.wroteThisCall = false;
    const result = command();
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
    if (this.closing) throw streamError('SHUTTING_DOWN', 'draining');
    if (this.recovering) throw streamError('STORAGE_UNAVAILABLE', 'recovering');
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
        this.armPolicyTimer();
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
  async readGroup(read: XreadgroupOptions, wait: Wait): Promise<XreadgroupResult[]> {
    const { waitMs, signal } = wait;
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
    const claimMinIdleMs = read.claimMinIdleMs;
    const withPolicy = read.streams.some((s) => this.core.hasPolicy(s.key, read.group));
    const blocked = this.block<XreadgroupResult[]>(
      read.streams.map((s) => s.key),
      read.group,
      waitMs,
      signal,
      () => {
        const result = this.core.xreadgroup(read);
        return result.length > 0 ? result : undefined;
      },
      claimMinIdleMs === undefined && !withPolicy ? 'data' : 'claimable',
      withPolicy ? () => this.nextNackedDue(read) : claimMinIdleMs === undefined ? undefined : () => this.nextClaimableTime(read, claimMinIdleMs),
    );
    try {
      await durable;
    } catch (err) {
      // The request fails: its waiter goes too, taking nothing.
      blocked.cancel();
      throw err;
    }
    return blocked.result;
  }

  /** A policy read's retry time: the earliest nacked entry whose delay is still running (taken-back entries wake it by their effects). */
  private nextNackedDue(read: XreadgroupOptions): number | undefined {
    let first: number | undefined;
    for (const { key } of read.streams) {
      const at = this.core.nextNackedDue(key, read.group);
      if (at !== undefined && (first === undefined || at < first)) first = at;
    }
    return first;
  }

  /**
   * XACK then XREADGROUP in one event-loop turn: the acks' effects and the first read attempt's join the
   * same group commit, so one log write (one fsync) makes both durable.
   */
  async ackAndReadGroup(acks: GroupAck[], read: XreadgroupOptions, wait: Wait): Promise<AckAndReadResult> {
    this.assertWritable();
    // A missing stream or group acknowledges nothing: readGroup then answers NO_STREAM / NOGROUP.
    if (acks.length === 0 || !read.streams.every((s) => this.core.hasGroup(s.key, read.group))) return { acknowledged: acks.map(() => 0), results: await this.readGroup(read, wait) };
    this.wroteThisCall = false;
    const acknowledged = acks.map((a) => this.core.xack(a.key, read.group, a.ids) ?? 0);
    if (!this.wroteThisCall) return { acknowledged, results: await this.readGroup(read, wait) };
    // Acks can end pendingBelow waits (SSE in-flight limits): those readers' deliveries share the write too.
    this.waiters.serveReady();
    const acksDurable = this.durable();
    // A failed write fails the request: the read, if it went on waiting, ends with it and takes nothing.
    const readAbort = new AbortController();
    const signal = wait.signal === undefined ? readAbort.signal : AbortSignal.any([wait.signal, readAbort.signal]);
    const reading = this.readGroup(read, { waitMs: wait.waitMs, signal });
    try {
      await acksDurable;
    } catch (err) {
      readAbort.abort();
      await reading.catch(() => {});
      throw err;
    }
    return { acknowledged, results: await reading };
  }

  /** The earliest time any stream of a CLAIM read has an entry to claim. */
  private nextClaimableTime(read: XreadgroupOptions, minIdleMs: number): number | undefined {
    let first: number | undefined;
    for (const { key } of read.streams) {
      const at = this.core.nextClaimableTime(key, read.group, minIdleMs);
      if (at !== undefined && (first === undefined || at < first)) first = at;
    }
    return first;
  }

  /** XREAD [BLOCK]: `$` is pinned to each stream's last ID when the call starts. */
  async readStreams(streams: XreadStream[], count: number | undefined, wait: Wait, caps?: ReplyCaps): Promise<XreadResult[]> {
    const pinned = streams.map((s) => ({ key: s.key, after: s.after === '$' ? this.core.lastIdOf(s.key) : s.after }));
    const first = this.core.xread(pinned, count, caps);
    const { waitMs, signal } = wait;
    if (first.length > 0 || waitMs <= 0 || signal?.aborted || this.closing || pinned.some((s) => s.after === '+')) return first;
    return this.block<XreadResult[]>(pinned.map((s) => s.key), undefined, waitMs, signal, () => {
      const result = this.core.xread(pinned, count, caps);
      return result.length > 0 ? result : undefined;
    }).result;
  }

  async pendingBelow(key: string, group: string, consumer: string, limit: number, wait: Wait): Promise<number> {
    const count = (): number => this.core.consumerPendingCount(key, group, consumer);
    const now = count();
    if (now < limit || wait.waitMs <= 0 || wait.signal?.aborted) return now;
    const result = await this.block<number>([key], group, wait.waitMs, wait.signal, () => (count() < limit ? count() : undefined), 'pel').result;
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
    wakeOn: WakeReason = 'data',
    /** Unix ms when `read` may next succeed without any write (CLAIM: an entry turning idle enough); a timer retries then. */
    retryAt?: () => number | undefined,
  ): { result: Promise<T | []>; cancel: () => void } {
    if (this.closing) return { result: Promise.resolve([]), cancel: () => {} };
    let cancel!: () => void;
    const result = new Promise<T | []>((resolve, reject) => {
      let retry: NodeJS.Timeout | undefined;
      const armRetry = (): void => {
        if (retry !== undefined) clearTimeout(retry);
        retry = undefined;
        const at = retryAt?.();
        if (at === undefined) return;
        retry = setTimeout(() => {
          retry = undefined;
          if (!this.waiters.has(waiter)) return;
          let done: boolean;
          try {
            done = waiter.attempt();
          } catch (err) {
            this.waiters.remove(waiter);
            waiter.fail(err instanceof StreamError ? err : streamError('INTERNAL', 'unexpected', err));
            return;
          }
          if (done) this.waiters.remove(waiter);
        }, Math.max(1, at - this.core.now()));
        retry.unref?.();
      };
      const settle = (): void => {
        signal?.removeEventListener('abort', cancel);
        if (retry !== undefined) clearTimeout(retry);
        retry = undefined;
      };
      const waiter: Waiter = {
        keys,
        group,
        wakeOn,
        attempt: () => {
          this.wroteThisCall = false;
          const value = read();
          if (value === undefined) {
            if (retryAt !== undefined) armRetry();
            return false;
          }
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
      if (retryAt !== undefined) armRetry();
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

  usedMemoryBytes(): number {
    return this.core.usedMemoryBytes();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.policyTimer !== undefined) clearTimeout(this.policyTimer);
    this.policyTimer = undefined;
    this.waiters.expireAll();
    await this.store.close();
  }
}

export function createEmbeddedBackend(options: EmbeddedBackendOptions = {}): EmbeddedBackend {
  return new EmbeddedBackend(options);
}

import type {
  StreamCommands,
  XreadgroupOptions,
  XreadgroupResult,
  XreadResult,
  XreadStream,
} from '../core/types.js';

/** Every core command, answered asynchronously (after the write is durable per the fsync policy). */
export type AsyncStreamCommands = {
  [K in keyof StreamCommands]: (...args: Parameters<StreamCommands[K]>) => Promise<ReturnType<StreamCommands[K]>>;
};

export interface BlockingReadOptions {
  /** BLOCK in ms; 0 answers at once. */
  waitMs: number;
  /** Aborted when the client goes away: the waiter is removed and nothing is delivered to it. */
  signal?: AbortSignal;
}

/**
 * What the HTTP layer talks to. The embedded backend (core + storage) is the
 * default; a Redis/Valkey backend implements the same contract, so that the
 * routes never know which one serves them.
 */
export interface StreamBackend extends AsyncStreamCommands {
  readonly kind: 'embedded' | 'redis';
  /** XREADGROUP [BLOCK]: `$`-free; waits only when every stream is read with `>`. */
  readGroup(options: XreadgroupOptions & BlockingReadOptions): Promise<XreadgroupResult[]>;
  /** XREAD [BLOCK]: `$` is pinned to the last ID when the call starts. */
  readStreams(streams: XreadStream[], count: number | undefined, options: BlockingReadOptions): Promise<XreadResult[]>;
  /**
   * The pending count of `consumer` (what an SSE subscriber has in flight),
   * once it is below `limit`: at once when it already is, else when acks,
   * claims or DELCONSUMER bring it down, `waitMs` passes or `signal` aborts
   * (then the count as it is). Rejects when the group or stream goes.
   */
  pendingBelow(key: string, group: string, consumer: string, limit: number, options: BlockingReadOptions): Promise<number>;
  /** True once stored data is loaded and writes are accepted. */
  isReady(): boolean;
  /** Wakes every waiter with an empty answer, flushes storage and releases it. */
  close(): Promise<void>;
}

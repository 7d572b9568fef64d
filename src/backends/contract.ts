import type { AddIdSpec, StreamId } from '../domain/ids.js';
import type {
  ConsumerInfo,
  DeletionResult,
  Delivery,
  Entry,
  FieldList,
  GroupCreateOptions,
  GroupInfo,
  GroupSetIdOptions,
  IdempotencySpec,
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
  XreadStream,
  XrangeOptions,
  XsetidOptions,
} from '../domain/types.js';

/** How long a read may wait, and what ends the wait early. */
export interface Wait {
  /** BLOCK in ms; 0 answers at once. */
  waitMs: number;
  /** Aborted when the client goes away: the waiter is removed and nothing is delivered to it. */
  signal?: AbortSignal;
}

/** One message of a batch append. */
export interface NewEntry {
  id: AddIdSpec;
  fields: FieldList;
  /** IDMP / IDMPAUTO for this message (appendBatchIdempotent only). */
  idempotency?: IdempotencySpec;
}

/** XACK key group id...: the acknowledgements an ackAndReadGroup makes before it reads. */
export interface GroupAck {
  /** One of the read's streams. */
  key: string;
  ids: StreamId[];
}

/** What ackAndReadGroup answers: per GroupAck, in order, how many of its IDs were pending; then the read, as readGroup answers it. */
export interface AckAndReadResult {
  acknowledged: number[];
  results: XreadgroupResult[];
}

/** What a batch append shares across its messages. */
export interface BatchOptions {
  noMkStream?: boolean;
  trim?: TrimSpec;
}

/**
 * What the routes may ask of any backend: one operation a method, its Redis
 * command in the doc line, its failures as catalogue codes (thrown as
 * StreamError). Nothing here knows HTTP or where the data lives.
 *
 * Promises every backend keeps (each is cheap in-process; on Redis each needs
 * the means named beside it):
 * - A write resolves only once it is durable as configured (embedded: the
 *   FSYNC policy; Redis: the server's reply, and WAIT when configured).
 * - Missing is told apart from empty: reads of a missing stream answer null
 *   where Redis answers an empty reply (Redis: EXISTS in the same script).
 * - Writes that answer state (createGroup, setGroupId) read it in the same
 *   atomic step (Redis: one script).
 * - A batch is checked whole and applied whole, or not at all (Redis: one
 *   script, since MULTI does not roll back).
 * - Every delivery of a group read or claim carries its delivery count after
 *   this delivery, except NOACK and JUSTID ones (Redis: XPENDING of the
 *   delivered IDs in the same script).
 * - Stream listings are in name order (Redis: SCAN, then sorted per page; see
 *   listStreams).
 * - Reads with a wait are woken by writes from anywhere, and a waiting client
 *   never holds a connection of its own to the data.
 */
export interface StreamBackend {
  readonly kind: 'embedded' | 'redis';

  // ---------------------------------------------------------------------------
  // Keyspace

  /** SCAN 0 TYPE stream MATCH prefix*: a page of streams in name order, resuming after `cursor`. */
  listStreams(options: ListStreamsOptions): Promise<ListStreamsResult>;
  /** EXISTS key: whether the stream exists (an empty stream does). */
  streamExists(stream: string): Promise<boolean>;
  /** DEL key: true when the stream existed. */
  deleteStream(stream: string): Promise<boolean>;

  // ---------------------------------------------------------------------------
  // Entries

  /** XADD: the new ID, or null with `noMkStream` on a missing stream. ID_NOT_GREATER, ID_EXHAUSTED, SEQ_EXHAUSTED, VALIDATION. */
  append(stream: string, options: XaddOptions): Promise<StreamId | null>;
  /**
   * XADD IDMP producer iid | IDMPAUTO producer (Redis 8.6), `options.idempotency` set, automatic IDs only: the new ID,
   * or for a (producer, key) still in the stream's window the ID it produced with `duplicate` (nothing appended or
   * trimmed); null as `append`. IDEMPOTENCY_KEY_REUSED (strict keys), VALIDATION. Older servers and Valkey:
   * NOT_SUPPORTED_BY_BACKEND.
   */
  appendIdempotent(stream: string, options: XaddOptions): Promise<IdempotentAddResult | null>;
  /**
   * XCFGSET key [IDMP-DURATION s] [IDMP-MAXSIZE n] (Redis 8.6): the stream's idempotency windows; a change forgets
   * the recorded keys. NO_STREAM, VALIDATION. Older servers and Valkey: NOT_SUPPORTED_BY_BACKEND.
   */
  configureStream(stream: string, options: StreamConfigOptions): Promise<void>;
  /** Several XADDs with one trim after them, checked whole before any is added: the IDs in order, or null as `append`. */
  appendBatch(stream: string, messages: NewEntry[], options: BatchOptions): Promise<StreamId[] | null>;
  /**
   * appendBatch with `idempotency` on some messages (Redis 8.6 XADD IDMP / IDMPAUTO each): per message its ID and
   * whether it was a duplicate (a live key, or one given earlier in the batch); checked whole first; trims only when
   * anything was appended. Older servers and Valkey: NOT_SUPPORTED_BY_BACKEND.
   */
  appendBatchIdempotent(stream: string, messages: NewEntry[], options: BatchOptions): Promise<IdempotentAddResult[] | null>;
  /** XLEN: 0 for a missing stream. */
  length(stream: string): Promise<number>;
  /** XRANGE / XREVRANGE: null for a missing stream. INVALID_ID for an empty exclusive interval at the edge of the ID space. */
  range(stream: string, options: XrangeOptions): Promise<Entry[] | null>;
  /**
   * XREAD [COUNT n] [BLOCK ms] STREAMS key ... id ...: the streams with
   * entries after their IDs; `$` is pinned to each stream's last ID when the
   * call starts. Waits (up to `wait.waitMs`) only when nothing is there.
   */
  readStreams(streams: XreadStream[], count: number | undefined, wait: Wait): Promise<XreadResult[]>;
  /** XDEL: how many of the IDs existed (0 for a missing stream). */
  deleteEntries(stream: string, ids: StreamId[]): Promise<number>;
  /**
   * XDELEX key [KEEPREF|DELREF|ACKED] IDS n id... (Redis 8.2, Valkey 9.2): per ID, in order, deleted,
   * referenced (ACKED: a group still references it; kept) or notFound; all notFound for a missing stream.
   * VALIDATION (no IDs). Older servers: NOT_SUPPORTED_BY_BACKEND.
   */
  deleteEntriesWithRefs(stream: string, ids: StreamId[], refs: RefPolicy): Promise<DeletionResult[]>;
  /**
   * XTRIM [KEEPREF|DELREF|ACKED]: how many entries were removed; null for a missing stream. VALIDATION.
   * `trim.refs` other than keepRef needs Redis 8.2 (older servers: NOT_SUPPORTED_BY_BACKEND); so does it on append.
   */
  trim(stream: string, trim: TrimSpec): Promise<number | null>;
  /** XSETID. NO_STREAM, SETID_TOO_SMALL, SETID_ENTRIES_ADDED_TOO_SMALL, SETID_MAXDELETED_TOO_BIG, VALIDATION. */
  setStreamId(stream: string, options: XsetidOptions): Promise<void>;

  // ---------------------------------------------------------------------------
  // Consumer groups

  /** XGROUP CREATE [MKSTREAM] [ENTRIESREAD]: the new group's XINFO GROUPS row. NO_STREAM, BUSYGROUP, VALIDATION. */
  createGroup(stream: string, group: string, options: GroupCreateOptions): Promise<GroupInfo>;
  /** XGROUP SETID [ENTRIESREAD]: the group's row after the change. NO_STREAM, NOGROUP, VALIDATION. */
  setGroupId(stream: string, group: string, options: GroupSetIdOptions): Promise<GroupInfo>;
  /** XGROUP DESTROY: false when there was no such group. NO_STREAM. */
  destroyGroup(stream: string, group: string): Promise<boolean>;
  /** XGROUP CREATECONSUMER: true when created, false when it existed. NO_STREAM, NOGROUP. */
  createConsumer(stream: string, group: string, consumer: string): Promise<boolean>;
  /** XGROUP DELCONSUMER: the pending count it had, or null when there was no such consumer. NO_STREAM, NOGROUP. */
  deleteConsumer(stream: string, group: string, consumer: string): Promise<number | null>;
  /**
   * XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS key ... id ...:
   * served at once when anything is there or any stream is read from history
   * (an ID rather than `>`); otherwise waits until an entry arrives, the wait
   * ends or the signal aborts, and then delivers nothing. NO_STREAM, NOGROUP.
   */
  readGroup(request: XreadgroupOptions, wait: Wait): Promise<XreadgroupResult[]>;
  /**
   * XACK, then XREADGROUP, as one request (JetStream's AckNext): each GroupAck (its key one of `read`'s streams)
   * is acknowledged first, then `read` runs as readGroup runs it, its wait included; the acks stand even when the
   * read then waits and times out. Every stream and group of the read is checked first: NO_STREAM / NOGROUP
   * acknowledge nothing. Embedded: the acks and the first read attempt go to the log in one write (one
   * group-commit fsync). Redis: with one stream, XACK and the first XREADGROUP run in one script (one round
   * trip, atomic); with several, the group probes, then one XACK script a stream, then the read.
   */
  ackAndReadGroup(acks: GroupAck[], read: XreadgroupOptions, wait: Wait): Promise<AckAndReadResult>;
  /** XACK: how many of the IDs were pending; null when the stream or the group is missing. */
  ack(stream: string, group: string, ids: StreamId[]): Promise<number | null>;
  /**
   * XACKDEL key group [KEEPREF|DELREF|ACKED] IDS n id... (Redis 8.2, Valkey 9.2): acks and deletes; per ID,
   * in order, deleted, referenced (ACKED: acked but kept for another group) or notFound (not pending in this
   * group); all notFound when the stream or group is missing. VALIDATION. Older servers: NOT_SUPPORTED_BY_BACKEND.
   */
  ackAndDelete(stream: string, group: string, ids: StreamId[], refs: RefPolicy): Promise<DeletionResult[]>;
  /** XPENDING key group: count, ID bounds and per-consumer counts. NO_STREAM, NOGROUP. */
  pendingSummary(stream: string, group: string): Promise<PendingSummary>;
  /** XPENDING key group [IDLE ms] start end count [consumer]. NO_STREAM, NOGROUP, INVALID_ID. */
  pendingEntries(stream: string, group: string, options: PendingRangeOptions): Promise<PendingEntryInfo[]>;
  /** XCLAIM: the claimed entries (pending IDs whose entries were deleted are dropped). NO_STREAM, NOGROUP. */
  claim(stream: string, group: string, options: XclaimOptions): Promise<Delivery[]>;
  /** XAUTOCLAIM: the cursor, the claimed entries and the deleted IDs dropped. NO_STREAM, NOGROUP. */
  autoclaim(stream: string, group: string, options: XautoclaimOptions): Promise<XautoclaimResult>;
  /**
   * XNACK key group SILENT|FAIL|FATAL IDS n id... [RETRYCOUNT n] [FORCE] (Redis 8.8): releases pending
   * entries (no owner, first in the claim order); how many were. NO_STREAM, NOGROUP, VALIDATION.
   * Older servers and Valkey: NOT_SUPPORTED_BY_BACKEND.
   */
  release(stream: string, group: string, options: XnackOptions): Promise<number>;
  /**
   * The pending count of `consumer` (what an SSE subscriber holds in flight),
   * once it is below `limit`: at once when it already is, else when acks,
   * claims or DELCONSUMER bring it down (through any client), the wait ends
   * or the signal aborts (then the count as it is). NO_STREAM, NOGROUP when
   * the stream or group goes meanwhile.
   */
  pendingBelow(stream: string, group: string, consumer: string, limit: number, wait: Wait): Promise<number>;

  // ---------------------------------------------------------------------------
  // Introspection

  /** XINFO STREAM: null for a missing stream. */
  streamInfo(stream: string): Promise<StreamInfo | null>;
  /** XINFO STREAM FULL [COUNT n] (0: everything): null for a missing stream. */
  streamInfoFull(stream: string, count?: number): Promise<StreamInfoFull | null>;
  /** XINFO GROUPS: null for a missing stream. */
  groups(stream: string): Promise<GroupInfo[] | null>;
  /** One group's XINFO GROUPS row: null when the stream or the group is missing. */
  group(stream: string, group: string): Promise<GroupInfo | null>;
  /** XINFO CONSUMERS. NO_STREAM, NOGROUP. */
  consumers(stream: string, group: string): Promise<ConsumerInfo[]>;

  // ---------------------------------------------------------------------------
  // Lifecycle

  /** True while the data is reachable and writes are accepted (GET /readyz). */
  isReady(): boolean;
  /** Reads waiting in this process now: parked long-polls, and SSE loops waiting for data or room. */
  readonly waiterCount: number;
  /** Answers every waiter with an empty result, makes what was written durable and releases the data. */
  close(): Promise<void>;
}

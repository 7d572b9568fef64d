import type { AddIdSpec, StreamId } from '../domain/ids.js';
import type {
  BatchOptions,
  ConsumerInfo,
  DeletionResult,
  Delivery,
  ExtendResult,
  Entry,
  FieldList,
  GroupCreateOptions,
  GroupInfo,
  GroupSetIdOptions,
  GroupUpdateOptions,
  IdempotencySpec,
  IdempotentAddResult,
  ListStreamsOptions,
  ListStreamsResult,
  PendingEntryInfo,
  PendingRangeOptions,
  PendingSummary,
  PolicyEvent,
  RefPolicy,
  ReplyCaps,
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

/** What a batch append shares across its messages (domain/types.ts: noMkStream, trim, one idempotency key for all). */
export type { BatchOptions };

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
 *
 * Delivery policies (streamgate's, no Redis command; see DeliveryPolicy):
 * - A group's policy is kept with the group and goes with it (XGROUP DESTROY,
 *   DEL); createGroup, updateGroup, group and groups carry it. (Redis: a hash
 *   beside the stream, in the stream's slot, written in the group's script.)
 * - Every pending entry of a group with a policy has a due time: its deadline
 *   (last delivery + ackDeadlineMs, moved by extendDeadline), its nack time +
 *   delay, or "now" once released by consumer expiry; none without a reason.
 *   (Redis: a sorted set per group, score = due time, kept in the same script
 *   as every PEL change; a nacked entry's score sorts it before the deadline
 *   ones due at the same time.)
 * - Every `>` read in such a group (plain, long-poll, SSE) first takes due
 *   entries — nacked ones whose delay passed, in nack order, then those past
 *   their deadline, oldest first — then new ones, within COUNT, exactly as
 *   XREADGROUP CLAIM does; each delivery carries `ackDeadline` when the policy
 *   has ackDeadlineMs. Readers parked on the group wake when an entry falls due.
 * - At its deadline an entry is taken back: the embedded backend releases it
 *   then (no owner, as XNACK, count unchanged), so it leaves its consumer's
 *   in-flight count (pendingBelow, the SSE window) at once. A backend that
 *   cannot hold unowned entries (Redis 7) may keep the owner until the
 *   redelivery, but must then leave entries past their deadline out of
 *   pendingBelow's count and wake it when one passes.
 * - An entry that falls due with deliveries >= maxDeliveries is appended to
 *   deadLetterStream (DEAD_LETTER_FIELDS) and acked in its group in one atomic
 *   step, when it falls due, whether or not a reader waits; a read never hands
 *   it out. A consumer idle (no read or claim) past consumerIdleTimeoutMs is
 *   deleted and its entries become due at once, counts unchanged.
 * - The backend runs the timers for this itself, one for the earliest due time
 *   (never a scan per tick). On Redis every replica runs them; each move is one
 *   script that re-checks the entry is still due, so when two replicas race
 *   one moves it and the other does nothing. (Redis Cluster, when the stream
 *   and its dead-letter stream hash to different slots: the group's script
 *   leases the entry, then the dead letter is XADDed, then a script acks it
 *   if the lease still holds, else the copy is deleted again; so a race
 *   leaves no duplicate, and only a crash between the steps may leave one,
 *   never a lost entry. Hash tags avoid it.)
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
   * anything was appended. Or with `options.idempotency`, one strict key for the whole batch (the Idempotency-Key
   * header): all appended, or all duplicates with the IDs the key produced, or IDEMPOTENCY_KEY_REUSED for other
   * messages; VALIDATION when a message has its own `idempotency` too. Older servers and Valkey: NOT_SUPPORTED_BY_BACKEND.
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
   * `caps`: MAXCOUNT / MAXSIZE (Redis 8.10) over the whole reply (VALIDATION when not positive, or MAXCOUNT < COUNT);
   * the backend's reply budget applies with or without them.
   */
  readStreams(streams: XreadStream[], count: number | undefined, wait: Wait, caps?: ReplyCaps): Promise<XreadResult[]>;
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
  /**
   * PATCH of a group: XGROUP SETID and/or a new delivery policy (null removes it), checked whole
   * (validateDeliveryPolicy) and applied in one atomic step; the group's row after it. A new policy
   * recomputes the due times of the group's pending entries from their delivery times (O(PEL) once,
   * on this admin call only); removing it drops them. NO_STREAM, NOGROUP, VALIDATION (nothing given,
   * or a bad policy). Redis: one script over the group, its policy hash and its due set.
   */
  updateGroup(stream: string, group: string, options: GroupUpdateOptions): Promise<GroupInfo>;
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
   * streamgate (Pub/Sub's modifyAckDeadline, SQS's ChangeMessageVisibility): the owned pending
   * entries among `ids` are due `ms` from now instead of at their deadline (earlier or later;
   * delivery time, count and owner unchanged). IDs not pending, or nacked, are skipped. The count
   * extended and the new deadline. NO_STREAM, NOGROUP, NO_DELIVERY_POLICY (no ackDeadlineMs),
   * VALIDATION (no IDs, ms outside 1..DELIVERY_POLICY_MAX_MS). Redis: one script, ZADD XX per ID
   * after checking XPENDING's owner.
   */
  extendDeadline(stream: string, group: string, ids: StreamId[], ms: number): Promise<ExtendResult>;
  /**
   * streamgate: moves up to `count` of the oldest dead letters of `deadLetterStream` back to the
   * streams they came from (XADD * there with the original fields, without DEAD_LETTER_FIELDS) and
   * XDELs them from the dead-letter stream, each move atomic. Entries without the origin fields,
   * or whose origin stream no longer exists, stay and are skipped (not counted). How many were
   * moved; 0 for a missing stream. VALIDATION (count < 1). Redis: per entry, one script where both
   * keys share a slot, else XADD then XDEL guarded by the entry still being there (a redrive racing
   * another may then re-add once: the documented at-least-once of cross-slot moves).
   */
  redrive(deadLetterStream: string, count: number): Promise<number>;
  /**
   * What policies did in this process (dead letters, redeliveries after a deadline, nacks in
   * groups with a policy, expired consumers), for the metrics; the returned function unsubscribes.
   * Listeners run synchronously as the step is applied and must not throw.
   */
  onPolicyEvent(listener: (event: PolicyEvent) => void): () => void;
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
  /**
   * Bytes of entries held, what MAX_MEMORY_BYTES caps (the embedded backend's meter, O(1)); null or
   * absent where the backend does not meter them (Redis: its own INFO memory and maxmemory).
   */
  usedMemoryBytes?(): number | null;
  /** Reads waiting in this process now: parked long-polls, and SSE loops waiting for data or room. */
  readonly waiterCount: number;
  /** Answers every waiter with an empty result, makes what was written durable and releases the data. */
  close(): Promise<void>;
}

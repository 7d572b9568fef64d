import type { AddIdSpec, RangeBound, StreamId } from './ids.js';

/** Message fields as Redis keeps them: a flat `[name, value, name, value, ...]` list, order and duplicates kept. */
export type FieldList = string[];

/** A stream entry; `fields` is null for a deleted entry returned by a history read. */
export interface Entry {
  id: StreamId;
  fields: FieldList | null;
}

/** An entry handed out by a group read or claim: `deliveryCount` is the count after this delivery (absent for NOACK). */
export interface Delivery extends Entry {
  deliveryCount?: number;
  /** Claimed by XREADGROUP CLAIM: ms since its previous delivery (as Redis computes it; a nacked entry's delivery time is 0). */
  idleMs?: number;
  /**
   * In a group whose policy has `ackDeadlineMs`: the Unix ms (the server's clock) after which this
   * delivery, unacked, is due again. Absolute rather than ms left, so it stays true however long
   * the delivery waits in buffers or an SSE queue, reads the same from every replica (on Redis it
   * is the score kept for the entry), and is exactly what `extendDeadline` moves.
   */
  ackDeadline?: number;
}

/**
 * A consumer group's delivery policy (streamgate's, not Redis's): the server does the
 * XAUTOCLAIM loop, the poison-message count and the dead-consumer cleanup for its clients.
 * Every field is optional; a policy with no field set is no policy. `maxDeliveries` and
 * `deadLetterStream` come together or not at all.
 */
export interface DeliveryPolicy {
  /** A pending entry delivered longer ago than this (and not extended) is due again: 1..DELIVERY_POLICY_MAX_MS. */
  ackDeadlineMs?: number;
  /** An entry that would be delivered more than this many times goes to `deadLetterStream` instead: >= 1. */
  maxDeliveries?: number;
  /** The stream dead letters are appended to (see DEAD_LETTER_FIELDS); never the group's own stream. */
  deadLetterStream?: string;
  /** After the n-th delivery is nacked without `delayMs`, the entry is due after `retryBackoffMs[n-1]` (the last repeats; 0 without a list). */
  retryBackoffMs?: number[];
  /** A consumer with no read or claim for longer is removed; the entries it held are due at once, counts unchanged. */
  consumerIdleTimeoutMs?: number;
}

/** The longest time a policy, a nack delay or an extension may name: 30 days. */
export const DELIVERY_POLICY_MAX_MS = 30 * 24 * 3600 * 1000;

/** The largest maxDeliveries (anything near it is as good as none). */
export const MAX_DELIVERIES_LIMIT = 1_000_000;

/** The most entries a retryBackoffMs list may have. */
export const RETRY_BACKOFF_MAX_STEPS = 100;

/**
 * A dead letter is an ordinary entry of the dead-letter stream: the original field/value
 * pairs, intact and in order, followed by exactly these four pairs, in this order, as the last
 * eight items (so `redis-cli XRANGE dlq - +` shows them; redrive strips them off the end, which
 * leaves an original field of the same name untouched):
 *   streamgate-origin-stream <stream>  streamgate-origin-id <ID>
 *   streamgate-origin-group <group>    streamgate-deliveries <deliveries so far, decimal>
 */
export const DEAD_LETTER_FIELDS = {
  stream: 'streamgate-origin-stream',
  id: 'streamgate-origin-id',
  group: 'streamgate-origin-group',
  deliveries: 'streamgate-deliveries',
} as const;

/** What a policy did, for the metrics: counted in the process that did it. */
export type PolicyEventKind = 'deadLettered' | 'redelivered' | 'nacked' | 'consumerExpired';

export interface PolicyEvent {
  kind: PolicyEventKind;
  stream: string;
  group: string;
  /**
   * deadLettered: entries moved to the dead-letter stream; redelivered: entries handed out
   * again after their deadline passed; nacked: entries nacked (XNACK) in a group with a policy;
   * consumerExpired: consumers removed for idleness.
   */
  count: number;
}

/**
 * What a deletion does about consumer groups (Redis 8.2's KEEPREF | DELREF | ACKED):
 * keepRef deletes and leaves PEL entries dangling (the 7.x behaviour), delRef
 * also drops the entry from every group's PEL, acked deletes only entries no
 * group references (none has it pending, every group has read past it).
 */
export type RefPolicy = 'keepRef' | 'delRef' | 'acked';

/** Per ID of XACKDEL / XDELEX: 1 deleted, 2 kept because still referenced (ACKED), -1 not found (not pending / no entry). */
export type DeletionResult = 'deleted' | 'referenced' | 'notFound';

/** MAXLEN / MINID trimming, as XADD and XTRIM take it. */
export type TrimSpec = ({ maxLen: bigint } | { minId: StreamId }) & {
  /** `~`: trim only whole nodes, never below the threshold. */
  approximate: boolean;
  /** LIMIT: at most this many entries removed; only with `approximate` (0 = no limit). */
  limit?: number;
  /** KEEPREF | DELREF | ACKED (8.2). @defaultValue 'keepRef' */
  refs?: RefPolicy;
};

/** XADD IDMP producer iid / IDMPAUTO producer (8.6): only with an automatic ID. */
export interface IdempotencySpec {
  producer: string;
  /** The iid; absent = IDMPAUTO (a hash of the field/value pairs, whatever their order). */
  key?: string;
  /** A recorded key with other fields is IDEMPOTENCY_KEY_REUSED instead of a duplicate (the Idempotency-Key header's rule). */
  strict?: boolean;
}

/** What a batch append shares across its messages. */
export interface BatchOptions {
  noMkStream?: boolean;
  trim?: TrimSpec;
  /**
   * One key for the whole batch (the Idempotency-Key header; always strict): a live key with the same messages answers
   * the IDs it produced, every one a duplicate; with other messages IDEMPOTENCY_KEY_REUSED. No message may then have
   * its own `idempotency`. appendBatchIdempotent only.
   */
  idempotency?: IdempotencySpec;
}

export interface XaddOptions {
  id: AddIdSpec;
  fields: FieldList;
  noMkStream?: boolean;
  trim?: TrimSpec;
  idempotency?: IdempotencySpec;
}

/** An idempotent XADD's answer: the ID, and whether it was a duplicate (nothing appended, the original ID). */
export interface IdempotentAddResult {
  id: StreamId;
  duplicate: boolean;
}

/** XCFGSET key [IDMP-DURATION s] [IDMP-MAXSIZE n] (8.6). */
export interface StreamConfigOptions {
  idempotencyDurationS?: number;
  idempotencyMaxSize?: number;
}

/** XINFO STREAM's idempotency counters (8.6). */
export interface IdempotencyInfo {
  durationS: number;
  maxSize: number;
  producersTracked: number;
  keysTracked: number;
  keysAdded: bigint;
  duplicates: bigint;
}

export interface XrangeOptions {
  start: RangeBound;
  end: RangeBound;
  count?: number;
  /** XREVRANGE: same bounds (start low, end high), newest first. */
  reverse?: boolean;
}

/** XREAD's ID: after an ID, after the last ID (`$`), or the last entry itself (`+`, Redis 7.4). */
export type ReadFrom = StreamId | '$' | '+';

export interface XreadStream {
  key: string;
  after: ReadFrom;
}

/**
 * Caps a backend enforces in the step that would pass them (set from MAX_RESPONSE_BYTES, MAX_STREAMS,
 * MAX_CONSUMERS_PER_GROUP, MAX_MEMORY_BYTES); Infinity: no cap.
 */
export interface BackendLimits {
  /** Bytes of field names and values (UTF-8) in one reply that carries entries; the first entry always fits. */
  replyBytes: number;
  /** Streams in all: a write that would create one more fails with MAX_STREAMS_REACHED. */
  maxStreams: number;
  /** Consumers in one group: creating one more (explicitly, or by a group read or claim) fails with MAX_CONSUMERS_REACHED. */
  maxConsumersPerGroup: number;
  /**
   * Bytes of entries held (the embedded backend's meter, core/memory-meter.ts): while more are held, the
   * commands Redis flags `denyoom` fail with OUT_OF_MEMORY (maxmemory with noeviction). The Redis
   * backend leaves this to Redis's own maxmemory.
   */
  maxMemoryBytes: number;
}

/** MAXCOUNT / MAXSIZE (Redis 8.10) of a read over several streams: caps on the whole reply; at least one entry is always returned. */
export interface ReplyCaps {
  /** Most entries in the whole reply (>= COUNT). */
  maxCount?: number;
  /** Most bytes of field names and values (UTF-8) in the whole reply. */
  maxBytes?: number;
}

export interface XreadResult {
  key: string;
  entries: Entry[];
}

/** XREADGROUP's ID: `>` for new entries, an ID for this consumer's pending history. */
export type GroupReadFrom = '>' | StreamId;

export interface XreadgroupStream {
  key: string;
  from: GroupReadFrom;
}

export interface XreadgroupOptions {
  group: string;
  consumer: string;
  streams: XreadgroupStream[];
  count?: number;
  noAck?: boolean;
  /** CLAIM min-idle-time (8.4): `>` reads first take over pending entries idle at least this long (nacked ones first). */
  claimMinIdleMs?: number;
  /** MAXCOUNT (8.10): most entries in the whole reply (>= count); at least one is always returned. */
  maxCount?: number;
  /** MAXSIZE (8.10): most bytes of field names and values (UTF-8) in the whole reply; at least one entry is always returned. */
  maxBytes?: number;
}

export interface XreadgroupResult {
  key: string;
  entries: Delivery[];
}

export interface GroupCreateOptions {
  /** `$` means the stream's last ID at creation. */
  startId: StreamId | '$';
  mkStream?: boolean;
  entriesRead?: bigint;
  /** Validated by validateDeliveryPolicy; absent = none. */
  policy?: DeliveryPolicy;
}

/** PATCH of a group, applied in one atomic step: each part absent = unchanged; at least one present. */
export interface GroupUpdateOptions {
  /** XGROUP SETID [ENTRIESREAD]. */
  setId?: GroupSetIdOptions;
  /** The new policy, replacing the old whole; null removes it (due times are forgotten, entries stay pending). */
  policy?: DeliveryPolicy | null;
}

/** What extendDeadline did: how many of the IDs were owned pending entries, and their new deadline (Unix ms). */
export interface ExtendResult {
  extended: number;
  ackDeadline: number;
}

export interface GroupSetIdOptions {
  lastId: StreamId | '$';
  entriesRead?: bigint;
}

export interface PendingSummary {
  count: number;
  minId: StreamId | null;
  maxId: StreamId | null;
  /** Consumers with at least one pending entry, by name. */
  consumers: { name: string; count: number }[];
}

export interface PendingRangeOptions {
  start: RangeBound;
  end: RangeBound;
  count: number;
  consumer?: string;
  minIdleMs?: number;
}

export interface PendingEntryInfo {
  id: StreamId;
  /** null for an entry released by XNACK (Redis: ""). */
  consumer: string | null;
  /** null for an entry released by XNACK (Redis: -1). */
  idleMs: number | null;
  deliveryCount: number;
}

export interface XclaimOptions {
  consumer: string;
  minIdleMs: number;
  ids: StreamId[];
  /** IDLE: set the idle time to this (delivery time = now - idleMs). */
  idleMs?: number;
  /** TIME: set the delivery time to this Unix ms. */
  timeMs?: number;
  /** RETRYCOUNT: set the delivery count. */
  retryCount?: number;
  force?: boolean;
  justId?: boolean;
  lastId?: StreamId;
}

export interface XautoclaimOptions {
  consumer: string;
  minIdleMs: number;
  start: StreamId;
  count?: number;
  justId?: boolean;
}

/** XNACK key group SILENT|FAIL|FATAL IDS n id... [RETRYCOUNT n] [FORCE] (8.8). */
export interface XnackOptions {
  ids: StreamId[];
  /** silent: delivery count -1 (not below 0); fail: unchanged; fatal: the maximum. */
  mode: 'silent' | 'fail' | 'fatal';
  /** Sets the delivery count, whatever the mode; >= 0. */
  retryCount?: number;
  /** Creates an unowned pending entry for an ID that is not pending but exists in the stream. */
  force?: boolean;
  /**
   * streamgate: in a group with a policy, the released entries are due only this many ms from
   * now (0..DELIVERY_POLICY_MAX_MS); absent = retryBackoffMs[n-1] for an entry delivered n times
   * (the last repeats), 0 without a list. In a group without a policy: NO_DELIVERY_POLICY.
   */
  delayMs?: number;
}

export interface XautoclaimResult {
  nextStart: StreamId;
  entries: Delivery[];
  deletedIds: StreamId[];
}

export interface XsetidOptions {
  lastId: StreamId;
  entriesAdded?: bigint;
  maxDeletedId?: StreamId;
}

export interface GroupInfo {
  name: string;
  consumers: number;
  pending: number;
  lastDeliveredId: StreamId;
  entriesRead: bigint | null;
  lag: bigint | null;
  /** streamgate's delivery policy; null when the group has none. */
  policy: DeliveryPolicy | null;
}

export interface ConsumerInfo {
  name: string;
  pending: number;
  idleMs: number;
  /** -1 when the consumer never received or claimed anything. */
  inactiveMs: number;
}

/** What XINFO STREAM reports in both its forms. */
export interface StreamCounters {
  length: number;
  /** Nodes of up to 100 entries (Redis's listpacks, the keys of its radix tree). */
  radixTreeKeys: number;
  lastGeneratedId: StreamId;
  maxDeletedEntryId: StreamId;
  entriesAdded: bigint;
  recordedFirstEntryId: StreamId;
}

export interface StreamInfo extends StreamCounters {
  groups: number;
  idempotency: IdempotencyInfo;
  firstEntry: Entry | null;
  lastEntry: Entry | null;
}

export interface FullPendingEntry {
  id: StreamId;
  /** null for an entry released by XNACK. */
  consumer: string | null;
  deliveryTime: number;
  deliveryCount: number;
}

export interface FullConsumerInfo {
  name: string;
  seenTime: number;
  activeTime: number;
  pelCount: number;
  pending: { id: StreamId; deliveryTime: number; deliveryCount: number }[];
}

export interface FullGroupInfo {
  name: string;
  lastDeliveredId: StreamId;
  entriesRead: bigint | null;
  lag: bigint | null;
  pelCount: number;
  /** nacked-count (Redis 8.8): PEL entries released by XNACK, unowned. */
  nackedCount: number;
  pending: FullPendingEntry[];
  consumers: FullConsumerInfo[];
}

export interface StreamInfoFull extends StreamCounters {
  entries: Entry[];
  groups: FullGroupInfo[];
}

export interface StreamSummary {
  name: string;
  length: number;
  lastGeneratedId: StreamId;
  groups: number;
}

export interface ListStreamsOptions {
  prefix?: string;
  limit: number;
  /** The last name of the previous page; the next page starts after it. */
  cursor?: string;
}

export interface ListStreamsResult {
  streams: StreamSummary[];
  nextCursor: string | null;
}

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

import type { AddIdSpec, RangeBound, StreamId } from './stream-id.js';

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
}

/** MAXLEN / MINID trimming, as XADD and XTRIM take it. */
export type TrimSpec = ({ maxLen: bigint } | { minId: StreamId }) & {
  /** `~`: trim only whole nodes, never below the threshold. */
  approximate: boolean;
  /** LIMIT: at most this many entries removed; only with `approximate` (0 = no limit). */
  limit?: number;
};

export interface XaddOptions {
  id: AddIdSpec;
  fields: FieldList;
  noMkStream?: boolean;
  trim?: TrimSpec;
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
  consumer: string;
  idleMs: number;
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
  firstEntry: Entry | null;
  lastEntry: Entry | null;
}

export interface FullPendingEntry {
  id: StreamId;
  consumer: string;
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

/**
 * The commands of the stream core, one method per Redis command. Reads of a
 * missing key answer null where Redis answers an empty reply, so that callers
 * can tell "no stream" from "nothing in it". Errors are thrown as StreamError
 * whose message is Redis's own; where Redis says NOGROUP for a missing key the
 * code is NO_STREAM (same message), so the HTTP layer can tell them apart.
 *
 * - xgroupDestroy: NO_STREAM when the key is missing; false when the group is.
 * - xgroupDelConsumer: null when the consumer is missing (Redis answers 0).
 * - xdel: 0 for a missing key, as Redis.
 * - xlen: 0 for a missing key, as Redis.
 */
export interface StreamCommands {
  listStreams(options: ListStreamsOptions): ListStreamsResult;
  exists(key: string): boolean;
  /** DEL: true when the stream existed. */
  del(key: string): boolean;
  /** XADD: the new ID, or null with NOMKSTREAM on a missing key. */
  xadd(key: string, options: XaddOptions): StreamId | null;
  /** Several XADDs, validated whole before any is added. */
  xaddBatch(key: string, messages: { id: AddIdSpec; fields: FieldList }[], options: { noMkStream?: boolean; trim?: TrimSpec }): StreamId[] | null;
  xlen(key: string): number;
  xrange(key: string, options: XrangeOptions): Entry[] | null;
  xread(streams: XreadStream[], count?: number): XreadResult[];
  xdel(key: string, ids: StreamId[]): number;
  xtrim(key: string, trim: TrimSpec): number | null;
  xsetid(key: string, options: XsetidOptions): void;
  xgroupCreate(key: string, group: string, options: GroupCreateOptions): GroupInfo;
  xgroupSetId(key: string, group: string, options: GroupSetIdOptions): GroupInfo;
  xgroupDestroy(key: string, group: string): boolean;
  /** XGROUP CREATECONSUMER: true when created, false when it existed. */
  xgroupCreateConsumer(key: string, group: string, consumer: string): boolean;
  /** XGROUP DELCONSUMER: the consumer's pending count, or null when there was no such consumer. */
  xgroupDelConsumer(key: string, group: string, consumer: string): number | null;
  xreadgroup(options: XreadgroupOptions): XreadgroupResult[];
  /** XACK: how many were pending; null when the key or the group is missing (Redis answers 0). */
  xack(key: string, group: string, ids: StreamId[]): number | null;
  xpendingSummary(key: string, group: string): PendingSummary;
  xpendingRange(key: string, group: string, options: PendingRangeOptions): PendingEntryInfo[];
  xclaim(key: string, group: string, options: XclaimOptions): Delivery[];
  xautoclaim(key: string, group: string, options: XautoclaimOptions): XautoclaimResult;
  xinfoStream(key: string): StreamInfo | null;
  xinfoStreamFull(key: string, count?: number): StreamInfoFull | null;
  xinfoGroups(key: string): GroupInfo[] | null;
  /** One group's XINFO GROUPS row without building the others; null when the key or the group is missing. */
  groupInfo(key: string, group: string): GroupInfo | null;
  xinfoConsumers(key: string, group: string): ConsumerInfo[];
}

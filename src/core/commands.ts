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
  ListStreamsOptions,
  ListStreamsResult,
  PendingEntryInfo,
  PendingRangeOptions,
  PendingSummary,
  RefPolicy,
  StreamInfo,
  StreamInfoFull,
  TrimSpec,
  XaddOptions,
  XautoclaimOptions,
  XautoclaimResult,
  XclaimOptions,
  XnackOptions,
  XrangeOptions,
  XreadResult,
  ReplyCaps,
  XreadStream,
  XreadgroupOptions,
  XreadgroupResult,
  XsetidOptions,
} from '../domain/types.js';

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
  xread(streams: XreadStream[], count?: number, caps?: ReplyCaps): XreadResult[];
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
  /** XACKDEL (8.2): per ID deleted / referenced / notFound; every ID notFound when the key or the group is missing. */
  xackdel(key: string, group: string, ids: StreamId[], refs?: RefPolicy): DeletionResult[];
  /** XDELEX (8.2): per ID deleted / referenced / notFound; every ID notFound when the key is missing. */
  xdelex(key: string, ids: StreamId[], refs?: RefPolicy): DeletionResult[];
  xpendingSummary(key: string, group: string): PendingSummary;
  xpendingRange(key: string, group: string, options: PendingRangeOptions): PendingEntryInfo[];
  xclaim(key: string, group: string, options: XclaimOptions): Delivery[];
  xautoclaim(key: string, group: string, options: XautoclaimOptions): XautoclaimResult;
  /** XNACK (8.8): how many entries were released. NO_STREAM, NOGROUP, VALIDATION. */
  xnack(key: string, group: string, options: XnackOptions): number;
  xinfoStream(key: string): StreamInfo | null;
  xinfoStreamFull(key: string, count?: number): StreamInfoFull | null;
  xinfoGroups(key: string): GroupInfo[] | null;
  /** One group's XINFO GROUPS row without building the others; null when the key or the group is missing. */
  groupInfo(key: string, group: string): GroupInfo | null;
  xinfoConsumers(key: string, group: string): ConsumerInfo[];
}

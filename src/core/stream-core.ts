/**
 * StreamCore: the stream keyspace behind one method per Redis command (the
 * StreamCommands interface), which is all the rest of the code sees. Each
 * method is one call into the module that owns its command, by resource as
 * t_stream.c groups its handlers:
 *
 *   stream-commands.ts  XADD, XRANGE, XREAD, XDEL, XTRIM, XSETID, XLEN, DEL, listing
 *   group-commands.ts   XGROUP CREATE / SETID / DESTROY / CREATECONSUMER / DELCONSUMER
 *   group-reads.ts      XREADGROUP, XACK
 *   claims.ts           XPENDING, XCLAIM, XAUTOCLAIM, XNACK
 *   idempotency.ts      XADD IDMP / IDMPAUTO's record, XCFGSET
 *   references.ts       XACKDEL, XDELEX, and KEEPREF / DELREF / ACKED trimming
 *   introspection.ts    XINFO, and the snapshot and debug exports
 *   replay.ts           how an effect changes the keyspace (emitted or replayed)
 *   policy-commands.ts  delivery policies (streamgate's): policy, extend, nack delays, redrive, timers
 *   delivery-policy.ts  their due-time state per group, kept by replay.ts
 *   lag.ts              entries-read and lag, as Redis estimates them
 *   keyspace.ts         the state they share: streams, clock, effect batching, group guards
 *
 * The commands Redis flags `denyoom` call Keyspace.requireMemory first (MAX_MEMORY_BYTES).
 * Every command parses and checks everything first, then changes state only
 * through effects (`Keyspace.emit`), which the sink persists and replay
 * re-applies (`applyBatch`).
 */
import { xautoclaimCommand, xclaimCommand, xnackCommand, xpendingRangeCommand, xpendingSummaryCommand } from './claims.js';
import type { StreamCommands } from './commands.js';
import type { EffectBatch, EffectSink } from './effects.js';
import {
  xgroupCreateCommand,
  xgroupCreateConsumerCommand,
  xgroupDelConsumerCommand,
  xgroupDestroyCommand,
  xgroupSetIdCommand,
} from './group-commands.js';
import { nextClaimableTime, xackCommand, xreadgroupCommand } from './group-reads.js';
import {
  consumerPendingCount,
  debugState,
  findGroupInfo,
  snapshotStreamState,
  xinfoConsumersCommand,
  xinfoGroupsCommand,
  xinfoStreamCommand,
  xinfoStreamFullCommand,
} from './introspection.js';
import { xcfgsetCommand } from './idempotency.js';
import { Keyspace, NO_LIMITS, type CoreLimits } from './keyspace.js';
import { xackdelCommand, xdelexCommand } from './references.js';
import { schedulerOf } from './delivery-policy.js';
import { extendDeadlineCommand, groupCreateWithPolicyCommand, groupUpdateCommand, redriveCommand, runDueCommand } from './policy-commands.js';
import { applyEffect } from './replay.js';
import type { Stream } from './stream.js';
import {
  delCommand,
  listStreamsCommand,
  xaddBatchCommand,
  xaddCommand,
  xaddBatchIdempotentCommand,
  xaddIdempotentCommand,
  xdelCommand,
  xlenCommand,
  xrangeCommand,
  xreadCommand,
  xsetidCommand,
  xtrimCommand,
} from './stream-commands.js';
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
  GroupUpdateOptions,
  ExtendResult,
  PolicyEvent,
  BatchOptions,
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
  ReplyCaps,
  XreadStream,
  XrangeOptions,
  XsetidOptions,
} from '../domain/types.js';

export interface StreamCoreOptions {
  /** Unix ms; injectable for tests. @defaultValue Date.now */
  clock?: () => number;
  /** Receives each command's effects, in order, after they are applied. */
  sink?: EffectSink;
  /** Caps on replies, streams and consumers. @defaultValue none */
  limits?: Partial<CoreLimits>;
}

export class StreamCore implements StreamCommands {
  private readonly keyspace: Keyspace;

  constructor(options: StreamCoreOptions = {}) {
    this.keyspace = new Keyspace(options.clock ?? Date.now, options.sink, { ...NO_LIMITS, ...options.limits });
  }

  setSink(sink: EffectSink | undefined): void {
    this.keyspace.sink = sink;
  }

  /** Called after every command that changed something, with its effects (for blocked readers). */
  onBatch(listener: (batch: EffectBatch) => void): () => void {
    const listeners = this.keyspace.batchListeners;
    listeners.push(listener);
    return () => {
      const i = listeners.indexOf(listener);
      if (i >= 0) listeners.splice(i, 1);
    };
  }

  /** Bytes of live entries held in all streams (memory-meter.ts), what MAX_MEMORY_BYTES caps. O(1). */
  usedMemoryBytes(): number {
    return this.keyspace.memory.used;
  }

  now(): number {
    return this.keyspace.clock();
  }

  /** Replays effects (from the log or a snapshot) without emitting them. */
  applyBatch(batch: EffectBatch): void {
    for (const effect of batch) applyEffect(this.keyspace.streams, effect);
  }

  /** Forgets every stream: before a reload from storage. */
  reset(): void {
    this.keyspace.streams.clear();
    this.keyspace.memory.used = 0;
    schedulerOf(this.keyspace.streams).clear();
  }

  streamKeys(): string[] {
    return this.keyspace.streams.keysArray();
  }

  exists(key: string): boolean {
    return this.keyspace.streams.has(key);
  }

  /** The ID `$` stands for on `key` now (0-0 for a missing key). */
  lastIdOf(key: string): StreamId {
    return this.keyspace.streams.get(key)?.lastId ?? 0n;
  }

  /** The stream itself, for a snapshot that copies its nodes as they are (storage/snapshot.ts); never change it through this. */
  streamForSnapshot(key: string): Stream | undefined {
    return this.keyspace.streams.get(key);
  }

  // Streams (stream-commands.ts)

  listStreams(options: ListStreamsOptions): ListStreamsResult {
    return listStreamsCommand(this.keyspace, options);
  }

  del(key: string): boolean {
    return delCommand(this.keyspace, key);
  }

  xadd(key: string, options: XaddOptions): StreamId | null {
    this.keyspace.requireMemory();
    return xaddCommand(this.keyspace, key, options);
  }

  /** XADD IDMP / IDMPAUTO (8.6): `options.idempotency` required. */
  xaddIdempotent(key: string, options: XaddOptions): IdempotentAddResult | null {
    this.keyspace.requireMemory();
    return xaddIdempotentCommand(this.keyspace, key, options);
  }

  /** Several XADDs, with `idempotency` per message (8.6) or one key for all; see xaddBatchIdempotentCommand. */
  xaddBatchIdempotent(
    key: string,
    messages: { id: AddIdSpec; fields: FieldList; idempotency?: IdempotencySpec }[],
    options: BatchOptions,
  ): IdempotentAddResult[] | null {
    this.keyspace.requireMemory();
    return xaddBatchIdempotentCommand(this.keyspace, key, messages, options);
  }

  /** XCFGSET (8.6). */
  xcfgset(key: string, options: StreamConfigOptions): void {
    xcfgsetCommand(this.keyspace, key, options);
  }

  xaddBatch(key: string, messages: { id: AddIdSpec; fields: FieldList }[], options: { noMkStream?: boolean; trim?: TrimSpec }): StreamId[] | null {
    this.keyspace.requireMemory();
    return xaddBatchCommand(this.keyspace, key, messages, options);
  }

  xtrim(key: string, trim: TrimSpec): number | null {
    return xtrimCommand(this.keyspace, key, trim);
  }

  xlen(key: string): number {
    return xlenCommand(this.keyspace, key);
  }

  xrange(key: string, options: XrangeOptions): Entry[] | null {
    return xrangeCommand(this.keyspace, key, options);
  }

  xread(streams: XreadStream[], count?: number, caps?: ReplyCaps): XreadResult[] {
    return xreadCommand(this.keyspace, streams, count, caps);
  }

  xdel(key: string, ids: StreamId[]): number {
    return xdelCommand(this.keyspace, key, ids);
  }

  xsetid(key: string, options: XsetidOptions): void {
    this.keyspace.requireMemory();
    xsetidCommand(this.keyspace, key, options);
  }

  // Groups and consumers (group-commands.ts)

  xgroupCreate(key: string, group: string, options: GroupCreateOptions): GroupInfo {
    this.keyspace.requireMemory();
    return options.policy === undefined ? xgroupCreateCommand(this.keyspace, key, group, options) : groupCreateWithPolicyCommand(this.keyspace, key, group, options);
  }

  xgroupSetId(key: string, group: string, options: GroupSetIdOptions): GroupInfo {
    return xgroupSetIdCommand(this.keyspace, key, group, options);
  }

  xgroupDestroy(key: string, group: string): boolean {
    return xgroupDestroyCommand(this.keyspace, key, group);
  }

  xgroupCreateConsumer(key: string, group: string, consumer: string): boolean {
    this.keyspace.requireMemory();
    return xgroupCreateConsumerCommand(this.keyspace, key, group, consumer);
  }

  xgroupDelConsumer(key: string, group: string, consumer: string): number | null {
    return xgroupDelConsumerCommand(this.keyspace, key, group, consumer);
  }

  // Group reads and acks (group-reads.ts)

  xreadgroup(options: XreadgroupOptions): XreadgroupResult[] {
    return xreadgroupCommand(this.keyspace, options);
  }

  xack(key: string, group: string, ids: StreamId[]): number | null {
    return xackCommand(this.keyspace, key, group, ids);
  }

  /** When a CLAIM read of `group` with `minIdleMs` would first find an entry to claim (see group-reads.ts); undefined: nothing pending. */
  nextClaimableTime(key: string, group: string, minIdleMs: number): number | undefined {
    const s = this.keyspace.streams.get(key);
    const g = s?.groups.get(group);
    return s === undefined || g === undefined ? undefined : nextClaimableTime(s, g, minIdleMs);
  }

  // Delivery policies (policy-commands.ts)

  /** PATCH of a group: SETID and/or its policy, in one step. NO_STREAM, NOGROUP, VALIDATION. */
  groupUpdate(key: string, group: string, options: GroupUpdateOptions): GroupInfo {
    return groupUpdateCommand(this.keyspace, key, group, options);
  }

  extendDeadline(key: string, group: string, ids: StreamId[], ms: number): ExtendResult {
    return extendDeadlineCommand(this.keyspace, key, group, ids, ms);
  }

  redrive(deadLetterStream: string, count: number): number {
    this.keyspace.requireMemory();
    return redriveCommand(this.keyspace, deadLetterStream, count);
  }

  /** The timers' step: what is due now in every group with a policy (see runDueCommand). */
  runDue(): void {
    runDueCommand(this.keyspace);
  }

  /** When runDue next has something to do; undefined: nothing is scheduled. */
  nextPolicyTime(): number | undefined {
    return schedulerOf(this.keyspace.streams).nextTime();
  }

  /** Whether `group` has a delivery policy. */
  hasPolicy(key: string, group: string): boolean {
    return (this.keyspace.streams.get(key)?.groups.get(group)?.delivery ?? null) !== null;
  }

  /** When a `>` read of `group` may next take a nacked entry whose delay has not passed yet; undefined: none. */
  nextNackedDue(key: string, group: string): number | undefined {
    return this.keyspace.streams.get(key)?.groups.get(group)?.delivery?.nextNackedDue();
  }

  /** What the policies' commands did (never replay), as they do it. */
  onPolicyEvent(listener: (event: PolicyEvent) => void): () => void {
    const listeners = schedulerOf(this.keyspace.streams).listeners;
    listeners.push(listener);
    return () => {
      const i = listeners.indexOf(listener);
      if (i >= 0) listeners.splice(i, 1);
    };
  }

  // Deletions with regard to groups (references.ts)

  xackdel(key: string, group: string, ids: StreamId[], refs?: RefPolicy): DeletionResult[] {
    return xackdelCommand(this.keyspace, key, group, ids, refs);
  }

  xdelex(key: string, ids: StreamId[], refs?: RefPolicy): DeletionResult[] {
    return xdelexCommand(this.keyspace, key, ids, refs);
  }

  // Pending entries and claims (claims.ts)

  xpendingSummary(key: string, group: string): PendingSummary {
    return xpendingSummaryCommand(this.keyspace, key, group);
  }

  xpendingRange(key: string, group: string, options: PendingRangeOptions): PendingEntryInfo[] {
    return xpendingRangeCommand(this.keyspace, key, group, options);
  }

  xclaim(key: string, group: string, options: XclaimOptions): Delivery[] {
    return xclaimCommand(this.keyspace, key, group, options);
  }

  xautoclaim(key: string, group: string, options: XautoclaimOptions): XautoclaimResult {
    return xautoclaimCommand(this.keyspace, key, group, options);
  }

  xnack(key: string, group: string, options: XnackOptions): number {
    return xnackCommand(this.keyspace, key, group, options);
  }

  // XINFO and exports (introspection.ts)

  xinfoStream(key: string): StreamInfo | null {
    return xinfoStreamCommand(this.keyspace, key);
  }

  xinfoStreamFull(key: string, count?: number): StreamInfoFull | null {
    return xinfoStreamFullCommand(this.keyspace, key, count);
  }

  xinfoGroups(key: string): GroupInfo[] | null {
    return xinfoGroupsCommand(this.keyspace, key);
  }

  /** Whether `key` is a stream with the consumer group `group`: a lookup, none of groupInfo's counting. */
  hasGroup(key: string, group: string): boolean {
    return this.keyspace.streams.get(key)?.groups.has(group) === true;
  }

  groupInfo(key: string, group: string): GroupInfo | null {
    return findGroupInfo(this.keyspace, key, group);
  }

  consumerPendingCount(key: string, group: string, consumer: string): number {
    return consumerPendingCount(this.keyspace, key, group, consumer);
  }

  xinfoConsumers(key: string, group: string): ConsumerInfo[] {
    return xinfoConsumersCommand(this.keyspace, key, group);
  }

  /** A stream's counters, groups, consumers and PELs as effect batches of at most `batchSize`: what a snapshot holds after its entries. */
  snapshotStreamState(key: string, batchSize?: number): EffectBatch[] {
    return snapshotStreamState(this.keyspace, key, batchSize);
  }

  /** The whole state as plain data, for tests that compare two cores. */
  debugState(): unknown {
    return debugState(this.keyspace);
  }
}

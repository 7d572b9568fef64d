import { BTree } from './btree.js';
import type { ConsumerGroup } from './consumer-group.js';
import type { Effect, EffectBatch, EffectSink } from './effects.js';
import { memoryMeterOf, type MemoryMeter } from './memory-meter.js';
import { applyEffect } from './replay.js';
import type { Stream } from './stream.js';
import { streamError, type StreamError } from '../domain/errors.js';
import type { BackendLimits } from '../domain/types.js';

/**
 * The commands that look a group up, by how Redis words a missing key or group
 * for them: XREADGROUP; XPENDING (also XCLAIM, XAUTOCLAIM); XGROUP (SETID,
 * CREATECONSUMER, DELCONSUMER, DESTROY); XINFO (CONSUMERS).
 */
export type GroupCommand = 'XREADGROUP' | 'XPENDING' | 'XGROUP' | 'XINFO';

/**
 * The state every command module works on: the streams by name, the clock,
 * and the effect channel. A command checks everything first, then changes
 * state only by `emit`ting effects inside `command`, which applies each as it
 * is emitted and hands the command's effects, as one batch, to the sink and
 * then to the batch listeners.
 */
/** The caps the core enforces in the command that would pass them (never on replay). */
export type CoreLimits = BackendLimits;

export const NO_LIMITS: CoreLimits = {
  replyBytes: Number.POSITIVE_INFINITY,
  maxStreams: Number.POSITIVE_INFINITY,
  maxConsumersPerGroup: Number.POSITIVE_INFINITY,
  maxMemoryBytes: Number.POSITIVE_INFINITY,
};

export class Keyspace {
  readonly streams = new BTree<string, Stream>();
  sink: EffectSink | undefined;
  readonly batchListeners: ((batch: EffectBatch) => void)[] = [];
  /** Bytes of live entries in all streams, kept by every change (memory-meter.ts). */
  readonly memory: MemoryMeter = memoryMeterOf(this.streams);
  private batch: Effect[] | null = null;

  constructor(
    /** Unix ms. */
    readonly clock: () => number,
    sink: EffectSink | undefined,
    readonly limits: CoreLimits = NO_LIMITS,
  ) {
    this.sink = sink;
  }

  /** Runs one command: its effects are applied as emitted and handed on as one batch (a nested call joins the outer one). */
  command<T>(run: () => T): T {
    if (this.batch !== null) return run();
    const batch: Effect[] = [];
    this.batch = batch;
    try {
      return run();
    } finally {
      this.batch = null;
      if (batch.length > 0) {
        this.sink?.(batch);
        for (const listener of this.batchListeners) listener(batch);
      }
    }
  }

  /** Only inside `command`. */
  emit(effect: Effect): void {
    applyEffect(this.streams, effect);
    this.batch!.push(effect);
  }

  /** MAX_STREAMS_REACHED when a write that would create `key` finds the keyspace at its cap; call before any effect. */
  requireStreamRoom(key: string): void {
    if (this.streams.size >= this.limits.maxStreams && !this.streams.has(key)) {
      throw streamError('MAX_STREAMS_REACHED', 'wouldCreate', key, this.limits.maxStreams);
    }
  }

  /**
   * OUT_OF_MEMORY while the entries held are over MAX_MEMORY_BYTES: called first by Redis 7's `denyoom`
   * commands (XADD, XGROUP CREATE / CREATECONSUMER, XSETID; and redrive, which appends), as processCommand
   * checks maxmemory before running one, so a write is refused only once usage is already over the limit.
   * The steps of a command already running are never refused.
   */
  requireMemory(): void {
    if (this.batch === null && this.memory.used > this.limits.maxMemoryBytes) {
      throw streamError('OUT_OF_MEMORY', 'embedded', this.memory.used, this.limits.maxMemoryBytes);
    }
  }

  /** MAX_CONSUMERS_REACHED when `consumer` would be created in a group at its cap; call before any effect. */
  requireConsumerRoom(key: string, g: ConsumerGroup, consumer: string): void {
    if (g.consumers.size >= this.limits.maxConsumersPerGroup && !g.consumers.has(consumer)) {
      throw streamError('MAX_CONSUMERS_REACHED', 'wouldCreate', key, g.name, consumer, this.limits.maxConsumersPerGroup);
    }
  }

  /** The stream a group command names, or the error `command` gives for a missing key. */
  requireStream(key: string, group: string, command: GroupCommand): Stream {
    const s = this.streams.get(key);
    if (s === undefined) throw missingGroup(true, key, group, command);
    return s;
  }

  /** The stream and group a command names, or the error `command` gives for whichever is missing. */
  requireGroup(key: string, group: string, command: GroupCommand): { s: Stream; g: ConsumerGroup } {
    const s = this.streams.get(key);
    const g = s?.groups.get(group);
    if (g === undefined) throw missingGroup(s === undefined, key, group, command);
    return { s: s!, g };
  }
}

/** Where Redis says NOGROUP for a missing key, the code is NO_STREAM with the same text, so HTTP can tell them apart. */
function missingGroup(streamMissing: boolean, key: string, group: string, command: GroupCommand): StreamError {
  switch (command) {
    case 'XREADGROUP':
      return streamMissing ? streamError('NO_STREAM', 'readGroup', key, group) : streamError('NOGROUP', 'readGroup', key, group);
    case 'XPENDING':
      return streamMissing ? streamError('NO_STREAM', 'keyOrGroup', key, group) : streamError('NOGROUP', 'keyOrGroup', key, group);
    case 'XGROUP':
      return streamMissing ? streamError('NO_STREAM', 'groupNeedsKey') : streamError('NOGROUP', 'groupForKey', key, group);
    case 'XINFO':
      return streamMissing ? streamError('NO_STREAM', 'noSuchKey') : streamError('NOGROUP', 'groupForKey', key, group);
  }
}

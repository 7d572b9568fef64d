import { BTree } from './btree.js';
import { Consumer, ConsumerGroup, compareNames } from './consumer-group.js';
import type { Effect, EffectBatch, EffectSink } from './effects.js';
import { RedisMessages, StreamError, noGroupError } from '../domain/errors.js';
import { Stream } from './stream.js';
import { MAX_ID, U64_MAX, idMs, idSeq, makeId, type AddIdSpec, type RangeBound, type StreamId } from '../domain/ids.js';
import type {
  ConsumerInfo,
  Delivery,
  Entry,
  FieldList,
  FullGroupInfo,
  GroupCreateOptions,
  GroupInfo,
  GroupSetIdOptions,
  ListStreamsOptions,
  ListStreamsResult,
  PendingEntryInfo,
  PendingRangeOptions,
  PendingSummary,
  StreamCounters,
  StreamInfo,
  StreamInfoFull,
  TrimSpec,
  XaddOptions,
  XautoclaimOptions,
  XautoclaimResult,
  XclaimOptions,
  XreadgroupOptions,
  XreadgroupResult,
  XreadResult,
  XreadStream,
  XrangeOptions,
  XsetidOptions,
} from '../domain/types.js';
import { APPROX_TRIM_DEFAULT_LIMIT, XAUTOCLAIM_DEFAULT_COUNT, XINFO_STREAM_FULL_DEFAULT_COUNT } from '../domain/defaults.js';
import type { StreamCommands } from './commands.js';

export interface StreamCoreOptions {
  /** Unix ms; injectable for tests. @defaultValue Date.now */
  clock?: () => number;
  /** Receives each command's effects, in order, after they are applied. */
  sink?: EffectSink;
}

/**
 * The stream keyspace and one method per Redis command. Every command parses
 * and checks everything first, then changes state only through effects
 * (`emit`), which the sink persists and replay re-applies (`applyBatch`).
 */
export class StreamCore implements StreamCommands {
  private readonly streams = new BTree<string, Stream>();
  private readonly clock: () => number;
  private sink: EffectSink | undefined;
  private readonly batchListeners: ((batch: EffectBatch) => void)[] = [];
  private batch: Effect[] | null = null;

  constructor(options: StreamCoreOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.sink = options.sink;
  }

  setSink(sink: EffectSink | undefined): void {
    this.sink = sink;
  }

  /** Called after every command that changed something, with its effects (for blocked readers). */
  onBatch(listener: (batch: EffectBatch) => void): () => void {
    this.batchListeners.push(listener);
    return () => {
      const i = this.batchListeners.indexOf(listener);
      if (i >= 0) this.batchListeners.splice(i, 1);
    };
  }

  now(): number {
    return this.clock();
  }

  // ---------------------------------------------------------------------------
  // Effects

  /** Runs one command: its effects are applied as emitted and handed to the sink as one batch. */
  private command<T>(run: () => T): T {
    const outer = this.batch;
    if (outer !== null) return run();
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

  private emit(effect: Effect): void {
    this.applyEffect(effect);
    this.batch!.push(effect);
  }

  /** Replays effects (from the log or a snapshot) without emitting them. */
  applyBatch(batch: EffectBatch): void {
    for (const effect of batch) this.applyEffect(effect);
  }

  private applyEffect(e: Effect): void {
    switch (e.op) {
      case 'add': {
        const s = this.streamOrCreate(e.key);
        if (e.id > s.lastSlotId()) s.append(e.id, e.fields);
        // Replayed over a snapshot that holds the entry already: an XADD to an empty stream made it the first entry.
        else if (s.firstId === 0n && s.has(e.id)) s.firstId = e.id;
        s.lastId = e.id;
        s.entriesAdded = e.entriesAdded;
        return;
      }
      case 'create':
        this.streamOrCreate(e.key);
        return;
      case 'trim':
        this.streams.get(e.key)?.trimUpTo(e.upTo);
        return;
      case 'delete': {
        const s = this.streams.get(e.key);
        if (s === undefined) return;
        for (const id of e.ids) s.remove(id);
        s.maxDeletedId = e.maxDeletedId;
        s.firstId = e.firstId;
        return;
      }
      case 'set-id': {
        const s = this.streamOrCreate(e.key);
        s.lastId = e.lastId;
        s.entriesAdded = e.entriesAdded;
        s.maxDeletedId = e.maxDeletedId;
        if (e.firstId !== undefined) s.firstId = e.firstId;
        return;
      }
      case 'drop':
        this.streams.delete(e.key);
        return;
      case 'group-create': {
        const s = this.streamOrCreate(e.key);
        if (!s.groups.has(e.group)) s.groups.set(e.group, new ConsumerGroup(e.group, e.lastId, e.entriesRead));
        return;
      }
      case 'group-set-id': {
        const g = this.streams.get(e.key)?.groups.get(e.group);
        if (g === undefined) return;
        g.lastId = e.lastId;
        g.entriesRead = e.entriesRead;
        return;
      }
      case 'group-destroy':
        this.streams.get(e.key)?.groups.delete(e.group);
        return;
      case 'consumer-create': {
        const g = this.streams.get(e.key)?.groups.get(e.group);
        if (g !== undefined && !g.consumers.has(e.consumer)) g.consumers.set(e.consumer, new Consumer(e.consumer, e.time));
        return;
      }
      case 'consumer-delete': {
        const g = this.streams.get(e.key)?.groups.get(e.group);
        const c = g?.consumers.get(e.consumer);
        if (g === undefined || c === undefined) return;
        for (const id of [...c.pel.keys()]) g.pel.delete(id);
        g.consumers.delete(e.consumer);
        return;
      }
      case 'deliver': {
        const g = this.streams.get(e.key)?.groups.get(e.group);
        if (g === undefined) return;
        const c = consumerOrCreate(g, e.consumer, e.time);
        for (const id of e.ids) g.assign(id, c, e.time, 1);
        g.lastId = e.lastId;
        g.entriesRead = e.entriesRead;
        c.seenTime = e.time;
        if (e.active) c.activeTime = e.time;
        return;
      }
      case 'pending-set': {
        const g = this.streams.get(e.key)?.groups.get(e.group);
        if (g === undefined) return;
        const c = consumerOrCreate(g, e.consumer, e.seenTime);
        for (const p of e.entries) g.assign(p.id, c, p.time, p.count);
        c.seenTime = e.seenTime;
        if (e.activeTime !== null) c.activeTime = e.activeTime;
        return;
      }
      case 'ack': {
        const g = this.streams.get(e.key)?.groups.get(e.group);
        if (g === undefined) return;
        for (const id of e.ids) g.release(id);
        return;
      }
    }
  }

  private streamOrCreate(key: string): Stream {
    let s = this.streams.get(key);
    if (s === undefined) {
      s = new Stream(key);
      this.streams.set(key, s);
    }
    return s;
  }

  // ---------------------------------------------------------------------------
  // Keyspace

  /** SCAN TYPE stream, by name order, with a prefix. */
  listStreams(options: ListStreamsOptions): ListStreamsResult {
    const prefix = options.prefix ?? '';
    const from = options.cursor !== undefined && options.cursor > prefix ? options.cursor : prefix;
    const out: Stream[] = [];
    let more = false;
    for (const [name, s] of this.streams.entries(from)) {
      if (name === options.cursor) continue;
      if (!name.startsWith(prefix)) break;
      if (out.length === options.limit) {
        more = true;
        break;
      }
      out.push(s);
    }
    return {
      streams: out.map((s) => ({ name: s.key, length: s.length, lastGeneratedId: s.lastId, groups: s.groups.size })),
      nextCursor: more ? out[out.length - 1]!.key : null,
    };
  }

  exists(key: string): boolean {
    return this.streams.has(key);
  }

  /** DEL key */
  del(key: string): boolean {
    if (!this.streams.has(key)) return false;
    this.command(() => this.emit({ op: 'drop', key }));
    return true;
  }

  /** Forgets every stream: before a reload from storage. */
  reset(): void {
    this.streams.clear();
  }

  streamKeys(): string[] {
    return this.streams.keysArray();
  }

  // ---------------------------------------------------------------------------
  // XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
  // Reply: the ID added, or nil with NOMKSTREAM on a missing key.

  xadd(key: string, options: XaddOptions): StreamId | null {
    checkFields(options.fields);
    const trim = options.trim && checkTrim(options.trim);
    const s = this.streams.get(key);
    if (options.id.kind === 'explicit' && options.id.id === 0n) throw new StreamError('ID_NOT_GREATER', RedisMessages.addZero);
    if (s === undefined && options.noMkStream) return null;
    const id = this.nextAddId(s?.lastId ?? 0n, options.id);
    return this.command(() => {
      this.emit({ op: 'add', key, id, fields: options.fields, entriesAdded: (s?.entriesAdded ?? 0n) + 1n });
      if (trim) this.trimStream(this.streams.get(key)!, trim);
      return id;
    });
  }

  /** Several XADDs, all checked (fields, IDs increasing above the top) before any is added. */
  xaddBatch(
    key: string,
    messages: { id: AddIdSpec; fields: FieldList }[],
    options: { noMkStream?: boolean; trim?: TrimSpec },
  ): StreamId[] | null {
    if (messages.length === 0) throw new StreamError('VALIDATION', 'A batch needs at least one message');
    messages.forEach((m) => checkFields(m.fields));
    const trim = options.trim && checkTrim(options.trim);
    const s = this.streams.get(key);
    if (s === undefined && options.noMkStream) return null;
    const ids: StreamId[] = [];
    let top = s?.lastId ?? 0n;
    messages.forEach((m, index) => {
      try {
        if (m.id.kind === 'explicit' && m.id.id === 0n) throw new StreamError('ID_NOT_GREATER', RedisMessages.addZero);
        top = this.nextAddId(top, m.id);
      } catch (err) {
        if (err instanceof StreamError) throw new StreamError(err.code, `${err.message} (message ${index})`);
        throw err;
      }
      ids.push(top);
    });
    return this.command(() => {
      const base = s?.entriesAdded ?? 0n;
      messages.forEach((m, i) => this.emit({ op: 'add', key, id: ids[i]!, fields: m.fields, entriesAdded: base + BigInt(i + 1) }));
      if (trim) this.trimStream(this.streams.get(key)!, trim);
      return ids;
    });
  }

  /** The ID an XADD with `spec` gets on a stream whose last-generated-id is `lastId`. */
  private nextAddId(lastId: StreamId, spec: AddIdSpec): StreamId {
    if (lastId === MAX_ID) throw new StreamError('ID_EXHAUSTED', RedisMessages.exhausted);
    let id: StreamId;
    if (spec.kind === 'auto') {
      const now = BigInt(this.clock());
      id = now > idMs(lastId) ? makeId(now, 0n) : lastId + 1n;
    } else if (spec.kind === 'auto-seq') {
      if (idMs(lastId) === spec.ms) {
        if (idSeq(lastId) === U64_MAX) throw new StreamError('SEQ_EXHAUSTED', RedisMessages.seqExhausted);
        id = lastId + 1n;
      } else {
        id = makeId(spec.ms, 0n);
      }
    } else {
      id = spec.id;
    }
    if (id <= lastId) throw new StreamError('ID_NOT_GREATER', RedisMessages.addNotGreater);
    return id;
  }

  private trimStream(s: Stream, trim: CheckedTrim): number {
    const plan = s.planTrim(trim.rule, trim.approximate, trim.limit);
    if (plan.upTo !== undefined) this.emit({ op: 'trim', key: s.key, upTo: plan.upTo });
    return plan.removed;
  }

  // XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
  // Reply: the number of entries removed; null for a missing key (Redis: 0).
  xtrim(key: string, trim: TrimSpec): number | null {
    const checked = checkTrim(trim);
    const s = this.streams.get(key);
    if (s === undefined) return null;
    return this.command(() => this.trimStream(s, checked));
  }

  // XLEN key
  xlen(key: string): number {
    return this.streams.get(key)?.length ?? 0;
  }

  // XRANGE key start end [COUNT count] / XREVRANGE key end start [COUNT count]
  // Reply: the entries in the range; null for a missing key (Redis: empty array).
  xrange(key: string, options: XrangeOptions): Entry[] | null {
    const { start, end } = resolveInterval(options.start, options.end);
    const s = this.streams.get(key);
    if (s === undefined) return null;
    return s.range(start, end, options.count, options.reverse);
  }

  // XREAD [COUNT count] STREAMS key [key ...] id [id ...]   (not blocking: see the backend)
  // Reply: for each stream with entries after its ID, those entries.
  xread(streams: XreadStream[], count?: number): XreadResult[] {
    const out: XreadResult[] = [];
    for (const { key, after } of streams) {
      const s = this.streams.get(key);
      if (s === undefined) continue;
      let entries: Entry[];
      if (after === '+') {
        const last = s.lastEntry();
        entries = last ? [last] : [];
      } else {
        const from = after === '$' ? s.lastId : after;
        entries = from === MAX_ID ? [] : s.range(from + 1n, MAX_ID, count || undefined);
      }
      if (entries.length > 0) out.push({ key, entries });
    }
    return out;
  }

  /** The ID `$` stands for on `key` now (0-0 for a missing key). */
  lastIdOf(key: string): StreamId {
    return this.streams.get(key)?.lastId ?? 0n;
  }

  // XDEL key id [id ...]
  // Reply: how many entries were deleted.
  xdel(key: string, ids: StreamId[]): number {
    const s = this.streams.get(key);
    if (s === undefined) return 0;
    const present = [...new Set(ids)].filter((id) => s.has(id));
    if (present.length === 0) return 0;
    // Redis: max-deleted-entry-id only grows; the recorded first ID follows a deleted first entry.
    let maxDeletedId = s.maxDeletedId;
    for (const id of present) if (id > maxDeletedId) maxDeletedId = id;
    let firstId = s.firstId;
    if (present.length === s.length) firstId = 0n;
    else if (present.includes(s.firstId)) {
      const gone = new Set(present);
      firstId = s.range(s.firstId, MAX_ID, gone.size + 1).find((e) => !gone.has(e.id))!.id;
    }
    this.command(() => this.emit({ op: 'delete', key, ids: present, maxDeletedId, firstId }));
    return present.length;
  }

  // XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
  xsetid(key: string, options: XsetidOptions): void {
    const { lastId, entriesAdded, maxDeletedId } = options;
    if (entriesAdded !== undefined && entriesAdded < 0n) throw new StreamError('VALIDATION', 'ERR entries_added must be positive');
    if (maxDeletedId !== undefined && lastId < maxDeletedId) throw new StreamError('SETID_TOO_SMALL', RedisMessages.setIdMaxDeleted);
    const s = this.streams.get(key);
    if (s === undefined) throw new StreamError('NO_STREAM', RedisMessages.noSuchKey);
    // Redis 7.0 (the oracle) does not check lastId against the current max-deleted-entry-id; 7.2 does.
    if (s.length > 0) {
      if (lastId < s.lastValidId()) throw new StreamError('SETID_TOO_SMALL', RedisMessages.setIdSmaller);
      if (entriesAdded !== undefined && BigInt(s.length) > entriesAdded)
        throw new StreamError('SETID_TOO_SMALL', RedisMessages.setIdEntriesAdded);
    }
    this.command(() =>
      this.emit({
        op: 'set-id',
        key,
        lastId,
        entriesAdded: entriesAdded ?? s.entriesAdded,
        maxDeletedId: maxDeletedId !== undefined && maxDeletedId !== 0n ? maxDeletedId : s.maxDeletedId,
      }),
    );
  }

  // ---------------------------------------------------------------------------
  // Groups and consumers

  private requireStreamForGroupCommand(key: string): Stream {
    const s = this.streams.get(key);
    if (s === undefined) throw new StreamError('NO_STREAM', RedisMessages.groupNeedsKey);
    return s;
  }

  private requireGroupForGroupCommand(key: string, group: string): { s: Stream; g: ConsumerGroup } {
    const s = this.requireStreamForGroupCommand(key);
    const g = s.groups.get(group);
    if (g === undefined) throw new StreamError('NOGROUP', `NOGROUP No such consumer group '${group}' for key name '${key}'`);
    return { s, g };
  }

  /** Key and group for XPENDING / XCLAIM / XAUTOCLAIM / XREADGROUP, with Redis's NOGROUP message. */
  private requireGroup(key: string, group: string, command: string): { s: Stream; g: ConsumerGroup } {
    const s = this.streams.get(key);
    const g = s?.groups.get(group);
    if (s === undefined || g === undefined) {
      const err = noGroupError(key, group, command);
      throw s === undefined ? new StreamError('NO_STREAM', err.message) : err;
    }
    return { s, g };
  }

  // XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]
  xgroupCreate(key: string, group: string, options: GroupCreateOptions): GroupInfo {
    const entriesRead = checkEntriesRead(options.entriesRead);
    const s = this.streams.get(key);
    if (s === undefined && !options.mkStream) throw new StreamError('NO_STREAM', RedisMessages.groupNeedsKey);
    const lastId = options.startId === '$' ? (s?.lastId ?? 0n) : options.startId;
    if (s?.groups.has(group)) throw new StreamError('BUSYGROUP', RedisMessages.busyGroup);
    this.command(() => {
      if (s === undefined) this.emit({ op: 'create', key });
      this.emit({ op: 'group-create', key, group, lastId, entriesRead });
    });
    const created = this.streams.get(key)!;
    return groupInfo(created, created.groups.get(group)!);
  }

  // XGROUP SETID key group id|$ [ENTRIESREAD entries-read]
  xgroupSetId(key: string, group: string, options: GroupSetIdOptions): GroupInfo {
    const entriesRead = checkEntriesRead(options.entriesRead);
    const { s, g } = this.requireGroupForGroupCommand(key, group);
    const lastId = options.lastId === '$' ? s.lastId : options.lastId;
    this.command(() => this.emit({ op: 'group-set-id', key, group, lastId, entriesRead }));
    return groupInfo(s, g);
  }

  // XGROUP DESTROY key group
  // Reply: true when the group existed.
  xgroupDestroy(key: string, group: string): boolean {
    const s = this.requireStreamForGroupCommand(key);
    if (!s.groups.has(group)) return false;
    this.command(() => this.emit({ op: 'group-destroy', key, group }));
    return true;
  }

  // XGROUP CREATECONSUMER key group consumer
  // Reply: true when created, false when it existed.
  xgroupCreateConsumer(key: string, group: string, consumer: string): boolean {
    const { g } = this.requireGroupForGroupCommand(key, group);
    if (g.consumers.has(consumer)) return false;
    this.command(() => this.emit({ op: 'consumer-create', key, group, consumer, time: this.clock() }));
    return true;
  }

  // XGROUP DELCONSUMER key group consumer
  // Reply: the pending count the consumer had (those entries leave the PEL); null when missing (Redis: 0).
  xgroupDelConsumer(key: string, group: string, consumer: string): number | null {
    const { g } = this.requireGroupForGroupCommand(key, group);
    const c = g.consumers.get(consumer);
    if (c === undefined) return null;
    const pending = c.pel.size;
    this.command(() => this.emit({ op: 'consumer-delete', key, group, consumer }));
    return pending;
  }

  /** Ensures the consumer exists (Redis 7.2+: any successful read or claim creates it). */
  private touchConsumer(key: string, g: ConsumerGroup, name: string, now: number): void {
    const c = g.consumers.get(name);
    if (c === undefined) this.emit({ op: 'consumer-create', key, group: g.name, consumer: name, time: now });
    else c.seenTime = now;
  }

  // XREADGROUP GROUP group consumer [COUNT count] [NOACK] STREAMS key [key ...] id|> [id ...]
  // Reply: for each `>` stream with new entries and each history stream, its entries.
  // A history read (an ID) returns this consumer's pending entries after that ID,
  // deleted ones with null fields, and bumps the delivery count of the others.
  xreadgroup(options: XreadgroupOptions): XreadgroupResult[] {
    const { group, consumer, streams, noAck = false } = options;
    const count = options.count || undefined;
    const targets = streams.map(({ key, from }) => ({ key, from, ...this.requireGroup(key, group, 'XREADGROUP') }));
    const now = this.clock();
    return this.command(() => {
      const out: XreadgroupResult[] = [];
      for (const { key, from, s, g } of targets) {
        this.touchConsumer(key, g, consumer, now);
        // Redis encodes `>` as max-max, so that ID in a history read means `>` too.
        if (from === '>' || from === MAX_ID) {
          const entries = this.deliverNew(s, g, consumer, count, noAck, now);
          if (entries.length > 0) out.push({ key, entries });
        } else {
          out.push({ key, entries: this.deliverHistory(s, g, consumer, from, count, now) });
        }
      }
      return out;
    });
  }

  private deliverNew(s: Stream, g: ConsumerGroup, consumer: string, count: number | undefined, noAck: boolean, now: number): Delivery[] {
    if (s.length === 0 || s.lastValidId() <= g.lastId) return [];
    const entries = s.range(g.lastId + 1n, MAX_ID, count);
    let lastId = g.lastId;
    let entriesRead = g.entriesRead;
    for (const { id } of entries) {
      if (id <= lastId) continue;
      if (entriesRead !== null && !rangeHasTombstones(s, id, MAX_ID)) entriesRead++;
      else if (s.entriesAdded !== 0n) entriesRead = estimateEntriesRead(s, id);
      lastId = id;
    }
    const ids = noAck ? [] : entries.map((e) => e.id);
    this.emit({ op: 'deliver', key: s.key, group: g.name, consumer, time: now, ids, active: entries.length > 0, lastId, entriesRead });
    return noAck ? entries : entries.map((e) => ({ id: e.id, fields: e.fields, deliveryCount: 1 }));
  }

  private deliverHistory(s: Stream, g: ConsumerGroup, consumer: string, after: StreamId, count: number | undefined, now: number): Delivery[] {
    const c = g.consumers.get(consumer)!;
    const out: Delivery[] = [];
    const bumped: { id: StreamId; time: number; count: number }[] = [];
    const pending = c.pel.cursor(after + 1n);
    for (let p = pending.next(); p !== undefined; p = pending.next()) {
      if (count !== undefined && out.length >= count) break;
      const id = p.id;
      const fields = s.get(id);
      if (fields === undefined) {
        out.push({ id, fields: null });
        continue;
      }
      bumped.push({ id, time: now, count: p.deliveryCount + 1 });
      out.push({ id, fields, deliveryCount: p.deliveryCount + 1 });
    }
    if (bumped.length > 0) {
      this.emit({ op: 'pending-set', key: s.key, group: g.name, consumer, seenTime: now, activeTime: now, entries: bumped });
    }
    return out;
  }

  // XACK key group id [id ...]
  // Reply: how many were pending and are now acknowledged; null for a missing key or group (Redis: 0).
  xack(key: string, group: string, ids: StreamId[]): number | null {
    const g = this.streams.get(key)?.groups.get(group);
    if (g === undefined) return null;
    const pending = distinct(ids).filter((id) => g.pel.has(id));
    if (pending.length > 0) this.command(() => this.emit({ op: 'ack', key, group, ids: pending }));
    return pending.length;
  }

  // XPENDING key group
  // Reply: count, smallest and largest pending ID, and the consumers holding any.
  xpendingSummary(key: string, group: string): PendingSummary {
    const { g } = this.requireGroup(key, group, 'XPENDING');
    if (g.pel.size === 0) return { count: 0, minId: null, maxId: null, consumers: [] };
    return {
      count: g.pel.size,
      minId: g.pel.minKey()!,
      maxId: g.pel.maxKey()!,
      consumers: g
        .sortedConsumers()
        .filter((c) => c.pel.size > 0)
        .map((c) => ({ name: c.name, count: c.pel.size })),
    };
  }

  // XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
  // Reply: per pending entry in the range: ID, owner, idle ms, delivery count.
  xpendingRange(key: string, group: string, options: PendingRangeOptions): PendingEntryInfo[] {
    const { start, end } = resolveInterval(options.start, options.end);
    const { g } = this.requireGroup(key, group, 'XPENDING');
    let pel = g.pel;
    if (options.consumer !== undefined) {
      const c = g.consumers.get(options.consumer);
      if (c === undefined) return [];
      pel = c.pel;
    }
    const now = this.clock();
    const minIdle = options.minIdleMs ?? 0;
    const out: PendingEntryInfo[] = [];
    if (options.count <= 0 || start > end) return out;
    const pending = pel.cursor(start);
    // With end `+` no entry is past it: the usual call then compares (and dereferences) no BigInt.
    const bounded = end !== MAX_ID;
    for (let p = pending.next(); p !== undefined; p = pending.next()) {
      if (bounded && p.id > end) break;
      const idleMs = now - p.deliveryTime;
      if (minIdle && idleMs < minIdle) continue;
      out.push({ id: p.id, consumer: p.consumer.name, idleMs, deliveryCount: p.deliveryCount });
      if (out.length >= options.count) break;
    }
    return out;
  }

  // XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-ms] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID id]
  // Reply: the claimed entries (IDs only with JUSTID). Pending IDs whose entries
  // were deleted are dropped from the PEL and not returned.
  xclaim(key: string, group: string, options: XclaimOptions): Delivery[] {
    const { s, g } = this.requireGroup(key, group, 'XCLAIM');
    const now = this.clock();
    const minIdle = Math.max(0, options.minIdleMs);
    let deliveryTime = now;
    if (options.idleMs !== undefined) deliveryTime = now - options.idleMs;
    else if (options.timeMs !== undefined) deliveryTime = options.timeMs;
    if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
    const name = options.consumer;

    type Claim = { owner: string | null; time: number; count: number };
    const claims = new Map<StreamId, Claim>();
    const dropped: StreamId[] = [];
    const out: Delivery[] = [];
    for (const id of options.ids) {
      const fields = s.get(id);
      if (fields === undefined) {
        if (g.pel.has(id) && !dropped.includes(id)) dropped.push(id);
        continue;
      }
      const current = g.pel.get(id);
      let state: Claim | undefined = claims.get(id) ?? (current && { owner: current.consumer.name, time: current.deliveryTime, count: current.deliveryCount });
      if (state === undefined && options.force) state = { owner: null, time: now, count: 1 };
      if (state === undefined) continue;
      if (state.owner !== null && minIdle && now - state.time < minIdle) continue;
      // A negative RETRYCOUNT counts as not given, as in Redis.
      const retryCount = options.retryCount !== undefined && options.retryCount >= 0 ? options.retryCount : undefined;
      const count = retryCount ?? (options.justId ? state.count : state.count + 1);
      claims.delete(id);
      claims.set(id, { owner: name, time: deliveryTime, count });
      out.push(options.justId ? { id, fields } : { id, fields, deliveryCount: count });
    }

    return this.command(() => {
      if (options.lastId !== undefined && options.lastId > g.lastId) {
        this.emit({ op: 'group-set-id', key, group, lastId: options.lastId, entriesRead: g.entriesRead });
      }
      if (dropped.length > 0) this.emit({ op: 'ack', key, group, ids: dropped });
      this.touchConsumer(key, g, name, now);
      if (claims.size > 0) {
        const entries = [...claims].map(([id, c]) => ({ id, time: c.time, count: c.count }));
        this.emit({ op: 'pending-set', key, group, consumer: name, seenTime: now, activeTime: now, entries });
      }
      return out;
    });
  }

  // XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
  // Reply: the cursor to continue from (0-0 when the PEL was scanned to its end),
  // the claimed entries, and the pending IDs whose entries were deleted (now dropped).
  // Scans at most COUNT * 10 PEL entries; deleted ones count against COUNT.
  xautoclaim(key: string, group: string, options: XautoclaimOptions): XautoclaimResult {
    const { s, g } = this.requireGroup(key, group, 'XAUTOCLAIM');
    const now = this.clock();
    const minIdle = Math.max(0, options.minIdleMs);
    let remaining = options.count ?? XAUTOCLAIM_DEFAULT_COUNT;
    let attempts = remaining * 10;
    const claimed: { id: StreamId; time: number; count: number }[] = [];
    const deletedIds: StreamId[] = [];
    const entries: Delivery[] = [];
    const pending = g.pel.cursor(options.start);
    let nextStart = 0n;
    for (;;) {
      if (attempts-- === 0 || remaining === 0) {
        nextStart = pending.next()?.id ?? 0n;
        break;
      }
      const p = pending.next();
      if (p === undefined) break;
      const id = p.id;
      const fields = s.get(id);
      if (fields === undefined) {
        deletedIds.push(id);
        remaining--;
        continue;
      }
      if (minIdle && now - p.deliveryTime < minIdle) continue;
      const count = options.justId ? p.deliveryCount : p.deliveryCount + 1;
      claimed.push({ id, time: now, count });
      entries.push({ id, fields, deliveryCount: count });
      remaining--;
    }
    return this.command(() => {
      if (deletedIds.length > 0) this.emit({ op: 'ack', key, group, ids: deletedIds });
      this.touchConsumer(key, g, options.consumer, now);
      if (claimed.length > 0) {
        this.emit({ op: 'pending-set', key, group, consumer: options.consumer, seenTime: now, activeTime: now, entries: claimed });
      }
      return { nextStart, entries, deletedIds };
    });
  }

  // ---------------------------------------------------------------------------
  // XINFO

  // XINFO STREAM key
  xinfoStream(key: string): StreamInfo | null {
    const s = this.streams.get(key);
    if (s === undefined) return null;
    return { ...streamCounters(s), groups: s.groups.size, firstEntry: s.firstEntry(), lastEntry: s.lastEntry() };
  }

  // XINFO STREAM key FULL [COUNT count]   (COUNT 0: everything)
  xinfoStreamFull(key: string, count = XINFO_STREAM_FULL_DEFAULT_COUNT): StreamInfoFull | null {
    const s = this.streams.get(key);
    if (s === undefined) return null;
    const limit = count > 0 ? count : undefined;
    const take = <T>(items: Iterable<T>): T[] => {
      const out: T[] = [];
      for (const item of items) {
        if (limit !== undefined && out.length >= limit) break;
        out.push(item);
      }
      return out;
    };
    const groups: FullGroupInfo[] = sortedGroups(s).map((g) => ({
      name: g.name,
      lastDeliveredId: g.lastId,
      entriesRead: g.entriesRead,
      lag: groupLag(s, g),
      pelCount: g.pel.size,
      pending: take(g.pel.values()).map((p) => ({
        id: p.id,
        consumer: p.consumer.name,
        deliveryTime: p.deliveryTime,
        deliveryCount: p.deliveryCount,
      })),
      consumers: g.sortedConsumers().map((c) => ({
        name: c.name,
        seenTime: c.seenTime,
        activeTime: c.activeTime,
        pelCount: c.pel.size,
        pending: take(c.pel.values()).map((p) => ({ id: p.id, deliveryTime: p.deliveryTime, deliveryCount: p.deliveryCount })),
      })),
    }));
    return { ...streamCounters(s), entries: s.range(0n, MAX_ID, limit), groups };
  }

  // XINFO GROUPS key
  xinfoGroups(key: string): GroupInfo[] | null {
    const s = this.streams.get(key);
    if (s === undefined) return null;
    return sortedGroups(s).map((g) => groupInfo(s, g));
  }

  /** One group's XINFO GROUPS row; null when the key or the group is missing. */
  groupInfo(key: string, group: string): GroupInfo | null {
    const s = this.streams.get(key);
    const g = s?.groups.get(group);
    return s && g ? groupInfo(s, g) : null;
  }

  /** The size of one consumer's PEL in O(1); 0 when the consumer (or its group) is missing. */
  consumerPendingCount(key: string, group: string, consumer: string): number {
    return this.streams.get(key)?.groups.get(group)?.consumers.get(consumer)?.pel.size ?? 0;
  }

  // XINFO CONSUMERS key group
  xinfoConsumers(key: string, group: string): ConsumerInfo[] {
    const s = this.streams.get(key);
    if (s === undefined) throw new StreamError('NO_STREAM', RedisMessages.noSuchKey);
    const g = s.groups.get(group);
    if (g === undefined) throw new StreamError('NOGROUP', `NOGROUP No such consumer group '${group}' for key name '${key}'`);
    const now = this.clock();
    return g.sortedConsumers().map((c) => ({
      name: c.name,
      pending: c.pel.size,
      idleMs: Math.max(0, now - c.seenTime),
      inactiveMs: c.activeTime === -1 ? -1 : Math.max(0, now - c.activeTime),
    }));
  }

  // ---------------------------------------------------------------------------
  // Snapshots and state inspection

  /**
   * A stream's counters, groups, consumers and PELs as effects, in batches of
   * at most `batchSize`, each taken in one step: what a snapshot holds after
   * the stream's entries. None when the stream is gone.
   */
  snapshotStreamState(key: string, batchSize = 4096): EffectBatch[] {
    const s = this.streams.get(key);
    if (s === undefined) return [];
    const out: Effect[] = [
      { op: 'set-id', key, lastId: s.lastId, entriesAdded: s.entriesAdded, maxDeletedId: s.maxDeletedId, firstId: s.firstId },
    ];
    for (const g of s.groups.values()) {
      out.push({ op: 'group-create', key, group: g.name, lastId: g.lastId, entriesRead: g.entriesRead });
      for (const c of g.consumers.values()) {
        out.push({ op: 'consumer-create', key, group: g.name, consumer: c.name, time: c.seenTime });
        out.push({
          op: 'pending-set',
          key,
          group: g.name,
          consumer: c.name,
          seenTime: c.seenTime,
          activeTime: c.activeTime === -1 ? null : c.activeTime,
          entries: [...c.pel.values()].map((p) => ({ id: p.id, time: p.deliveryTime, count: p.deliveryCount })),
        });
      }
    }
    const batches: EffectBatch[] = [];
    for (let i = 0; i < out.length; i += batchSize) batches.push(out.slice(i, i + batchSize));
    return batches;
  }

  /** The stream itself, for a snapshot that copies its nodes as they are (storage/snapshot.ts); never change it through this. */
  streamForSnapshot(key: string): Stream | undefined {
    return this.streams.get(key);
  }

  /**
   * The whole state as plain data, for tests that compare two cores. Leaves
   * out what is not persisted: node layout, and the seen-time that reads and
   * claims which changed nothing else update.
   */
  debugState(): unknown {
    const out: Record<string, unknown> = {};
    for (const [key, s] of this.streams.entries()) {
      out[key] = {
        length: s.length,
        lastId: String(s.lastId),
        maxDeletedId: String(s.maxDeletedId),
        entriesAdded: String(s.entriesAdded),
        firstId: String(s.firstId),
        entries: [...s.allEntries()].map((e) => [String(e.id), e.fields]),
        groups: sortedGroups(s).map((g) => ({
          name: g.name,
          lastId: String(g.lastId),
          entriesRead: g.entriesRead === null ? null : String(g.entriesRead),
          pel: [...g.pel.values()].map((p) => [String(p.id), p.consumer.name, p.deliveryTime, p.deliveryCount]),
          consumers: g.sortedConsumers().map((c) => ({ name: c.name, activeTime: c.activeTime, pel: [...c.pel.keys()].map(String) })),
        })),
      };
    }
    return out;
  }
}

// -----------------------------------------------------------------------------
// Helpers shared by the commands

interface CheckedTrim {
  rule: { maxLen: number } | { minId: StreamId };
  approximate: boolean;
  limit: number;
}

function checkTrim(trim: TrimSpec): CheckedTrim {
  if (trim.limit !== undefined && trim.limit !== 0 && !trim.approximate) {
    throw new StreamError('VALIDATION', 'ERR syntax error, LIMIT cannot be used without the special ~ option');
  }
  if (trim.limit !== undefined && trim.limit < 0) throw new StreamError('VALIDATION', 'ERR The LIMIT argument must be >= 0.');
  let rule: CheckedTrim['rule'];
  if ('maxLen' in trim) {
    if (trim.maxLen < 0n) throw new StreamError('VALIDATION', 'ERR The MAXLEN argument must be >= 0.');
    rule = { maxLen: trim.maxLen > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(trim.maxLen) };
  } else {
    rule = { minId: trim.minId };
  }
  const limit = trim.approximate ? (trim.limit ?? APPROX_TRIM_DEFAULT_LIMIT) : 0;
  return { rule, approximate: trim.approximate, limit };
}

function checkFields(fields: FieldList): void {
  if (fields.length === 0 || fields.length % 2 !== 0) {
    throw new StreamError('VALIDATION', "ERR wrong number of arguments for 'xadd' command");
  }
}

function checkEntriesRead(entriesRead: bigint | undefined): bigint | null {
  if (entriesRead === undefined || entriesRead === -1n) return null;
  if (entriesRead < 0n) throw new StreamError('VALIDATION', 'ERR value for ENTRIESREAD must be positive or -1');
  return entriesRead;
}

/** Applies `(` bounds as Redis does (start + 1, end - 1), with its errors at the edges of the ID space. */
function resolveInterval(start: RangeBound, end: RangeBound): { start: StreamId; end: StreamId } {
  let from = start.id;
  let to = end.id;
  if (start.exclusive) {
    if (from === MAX_ID) throw new StreamError('INVALID_ID', RedisMessages.invalidStartInterval);
    from++;
  }
  if (end.exclusive) {
    if (to === 0n) throw new StreamError('INVALID_ID', RedisMessages.invalidEndInterval);
    to--;
  }
  return { start: from, end: to };
}

/** `ids` without repeats, in first-seen order; IDs in ascending order (the usual ack) are returned as they are, unhashed. */
function distinct(ids: StreamId[]): StreamId[] {
  for (let i = 1; i < ids.length; i++) if (ids[i - 1]! >= ids[i]!) return [...new Set(ids)];
  return ids;
}

function consumerOrCreate(g: ConsumerGroup, name: string, time: number): Consumer {
  let c = g.consumers.get(name);
  if (c === undefined) {
    c = new Consumer(name, time);
    g.consumers.set(name, c);
  }
  return c;
}

function streamCounters(s: Stream): StreamCounters {
  return {
    length: s.length,
    radixTreeKeys: s.nodeCount,
    lastGeneratedId: s.lastId,
    maxDeletedEntryId: s.maxDeletedId,
    entriesAdded: s.entriesAdded,
    recordedFirstEntryId: s.firstId,
  };
}

function sortedGroups(s: Stream): ConsumerGroup[] {
  return [...s.groups.values()].sort((a, b) => compareNames(a.name, b.name));
}

function groupInfo(s: Stream, g: ConsumerGroup): GroupInfo {
  return {
    name: g.name,
    consumers: g.consumers.size,
    pending: g.pel.size,
    lastDeliveredId: g.lastId,
    entriesRead: g.entriesRead,
    lag: groupLag(s, g),
  };
}

/** Redis's streamRangeHasTombstones: may an XDEL'd entry lie in [start, end]? */
function rangeHasTombstones(s: Stream, start: StreamId, end: StreamId): boolean {
  if (s.length === 0 || s.maxDeletedId === 0n) return false;
  if (s.firstId > s.maxDeletedId) return false;
  return start <= s.maxDeletedId && s.maxDeletedId <= end;
}

/** Redis's streamEstimateDistanceFromFirstEverEntry: the entries-read counter of `id`, or null when unknowable. */
function estimateEntriesRead(s: Stream, id: StreamId): bigint | null {
  if (s.entriesAdded === 0n) return 0n;
  if (s.length === 0 && id <= s.lastId) return s.entriesAdded;
  if (id === s.lastId) return s.entriesAdded;
  if (id > s.lastId) return null;
  if (s.maxDeletedId === 0n || s.maxDeletedId < s.firstId) {
    if (id < s.firstId) return s.entriesAdded - BigInt(s.length);
    if (id === s.firstId) return s.entriesAdded - BigInt(s.length) + 1n;
  }
  return null;
}

/** Redis's streamReplyWithCGLag: entries not yet delivered to the group, or null when unknowable. */
function groupLag(s: Stream, g: ConsumerGroup): bigint | null {
  if (s.entriesAdded === 0n) return 0n;
  if (g.entriesRead !== null && !rangeHasTombstones(s, g.lastId, MAX_ID)) return s.entriesAdded - g.entriesRead;
  const entriesRead = estimateEntriesRead(s, g.lastId);
  return entriesRead === null ? null : s.entriesAdded - entriesRead;
}

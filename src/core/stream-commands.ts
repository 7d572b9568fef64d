import { APPROX_TRIM_DEFAULT_LIMIT } from '../domain/defaults.js';
/** The stream commands (t_stream.c's XADD ... XSETID, and DEL and SCAN for streams), as functions over the keyspace. */
import { budgetSpent, checkReplyCaps, replyBudget, spend } from './reply-budget.js';
import type { Keyspace } from './keyspace.js';
import { checkBatchIdempotency, checkIdempotency, type IdempotencyCheck } from './idempotency.js';
import { emitDeletion, trimWithRefs } from './references.js';
import type { Stream } from './stream.js';
import { inBatch, StreamError, streamError } from '../domain/errors.js';
import { MAX_ID, U64_MAX, idMs, idSeq, makeId, type AddIdSpec, type RangeBound, type StreamId } from '../domain/ids.js';
import type {
  BatchOptions,
  Entry,
  FieldList,
  IdempotencySpec,
  IdempotentAddResult,
  ListStreamsOptions,
  ListStreamsResult,
  RefPolicy,
  TrimSpec,
  XaddOptions,
  XrangeOptions,
  XreadResult,
  ReplyCaps,
  XreadStream,
  XsetidOptions,
} from '../domain/types.js';


// SCAN cursor MATCH prefix* TYPE stream, by name order.
export function listStreamsCommand(ks: Keyspace, options: ListStreamsOptions): ListStreamsResult {
  const prefix = options.prefix ?? '';
  const from = options.cursor !== undefined && options.cursor > prefix ? options.cursor : prefix;
  const out: Stream[] = [];
  let more = false;
  for (const [name, s] of ks.streams.entries(from)) {
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

// DEL key
// Reply: true when the stream existed.
export function delCommand(ks: Keyspace, key: string): boolean {
  if (!ks.streams.has(key)) return false;
  ks.command(() => ks.emit({ op: 'drop', key }));
  return true;
}

// XADD key [NOMKSTREAM] [KEEPREF|DELREF|ACKED] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
// Reply: the ID added, or nil with NOMKSTREAM on a missing key.
export function xaddCommand(ks: Keyspace, key: string, options: XaddOptions): StreamId | null {
  if (options.idempotency !== undefined) return xaddIdempotentCommand(ks, key, options)?.id ?? null;
  checkFields(options.fields);
  const trim = options.trim && checkTrim(options.trim);
  const s = ks.streams.get(key);
  if (options.id.kind === 'explicit' && options.id.id === 0n) throw streamError('ID_NOT_GREATER', 'zero');
  if (s === undefined && options.noMkStream) return null;
  if (s === undefined) ks.requireStreamRoom(key);
  const id = nextAddId(ks, s?.lastId ?? 0n, options.id);
  return ks.command(() => {
    ks.emit({ op: 'add', key, id, fields: options.fields, entriesAdded: (s?.entriesAdded ?? 0n) + 1n });
    if (trim) trimStream(ks, ks.streams.get(key)!, trim);
    return id;
  });
}

// XADD key [NOMKSTREAM] [IDMPAUTO producer | IDMP producer iid] [trim] * field value [field value ...]   (8.6)
// Reply: the new ID, or for a live (producer, iid) the ID it produced (even if that entry is gone since), with
// nothing appended and nothing trimmed; null with NOMKSTREAM on a missing key.
export function xaddIdempotentCommand(ks: Keyspace, key: string, options: XaddOptions): IdempotentAddResult | null {
  const spec = options.idempotency!;
  checkFields(options.fields);
  if (options.id.kind !== 'auto') throw streamError('VALIDATION', 'idempotencyNeedsAutoId');
  const trim = options.trim && checkTrim(options.trim);
  const s = ks.streams.get(key);
  if (s === undefined && options.noMkStream) return null;
  if (s === undefined) ks.requireStreamRoom(key);
  const now = ks.clock();
  const check = checkIdempotency(s, spec, options.fields, now);
  if (check.original !== undefined) {
    const duplicates = s!.idempotency!.duplicates + 1n;
    ks.command(() => ks.emit({ op: 'idmp-duplicate', key, duplicates }));
    return { id: check.original, duplicate: true };
  }
  const id = nextAddId(ks, s?.lastId ?? 0n, options.id);
  return ks.command(() => {
    ks.emit({ op: 'add', key, id, fields: options.fields, entriesAdded: (s?.entriesAdded ?? 0n) + 1n });
    const added = (ks.streams.get(key)!.idempotency?.added ?? 0n) + 1n;
    ks.emit({ op: 'idmp-record', key, producer: spec.producer, iid: check.iid, id, digest: check.digest, added });
    if (trim) trimStream(ks, ks.streams.get(key)!, trim);
    return { id, duplicate: false };
  });
}

/**
 * Several XADDs, some or all idempotent (`idempotency` per message, automatic
 * IDs only), checked whole first: a message whose (producer, iid) is live, or
 * was given earlier in the batch, is a duplicate and answers the original ID.
 * Trims after the batch when anything was appended. Answers per message its
 * ID and whether it was a duplicate. With `options.idempotency`, the batch is
 * one unit under that key instead (xaddBatchUnderKey).
 */
export function xaddBatchIdempotentCommand(
  ks: Keyspace,
  key: string,
  messages: { id: AddIdSpec; fields: FieldList; idempotency?: IdempotencySpec }[],
  options: BatchOptions,
): IdempotentAddResult[] | null {
  if (messages.length === 0) throw streamError('VALIDATION', 'emptyBatch');
  if (options.idempotency !== undefined) return xaddBatchUnderKey(ks, key, messages, options, options.idempotency);
  messages.forEach((m) => checkFields(m.fields));
  const trim = options.trim && checkTrim(options.trim);
  const s = ks.streams.get(key);
  if (s === undefined && options.noMkStream) return null;
  if (s === undefined) ks.requireStreamRoom(key);
  const now = ks.clock();
  const results: IdempotentAddResult[] = [];
  const checks: (IdempotencyCheck | undefined)[] = [];
  const inBatchIds = new Map<string, StreamId>();
  let top = s?.lastId ?? 0n;
  messages.forEach((m, index) => {
    try {
      let check: IdempotencyCheck | undefined;
      if (m.idempotency !== undefined) {
        if (m.id.kind !== 'auto') throw streamError('VALIDATION', 'idempotencyNeedsAutoId');
        check = checkIdempotency(s, m.idempotency, m.fields, now);
        const original = check.original ?? inBatchIds.get(`${m.idempotency.producer.length}:${m.idempotency.producer}${check.iid}`);
        if (original !== undefined) {
          checks.push(undefined);
          results.push({ id: original, duplicate: true });
          return;
        }
      }
      if (m.id.kind === 'explicit' && m.id.id === 0n) throw streamError('ID_NOT_GREATER', 'zero');
      top = nextAddId(ks, top, m.id);
      if (check !== undefined) inBatchIds.set(`${m.idempotency!.producer.length}:${m.idempotency!.producer}${check.iid}`, top);
      checks.push(check);
      results.push({ id: top, duplicate: false });
    } catch (err) {
      if (err instanceof StreamError) throw inBatch(err, index);
      throw err;
    }
  });
  return ks.command(() => {
    let entriesAdded = s?.entriesAdded ?? 0n;
    let duplicates = 0n;
    messages.forEach((m, i) => {
      const result = results[i]!;
      if (result.duplicate) {
        duplicates++;
        return;
      }
      ks.emit({ op: 'add', key, id: result.id, fields: m.fields, entriesAdded: ++entriesAdded });
      const check = checks[i];
      if (check !== undefined) {
        const added = (ks.streams.get(key)!.idempotency?.added ?? 0n) + 1n;
        ks.emit({ op: 'idmp-record', key, producer: m.idempotency!.producer, iid: check.iid, id: result.id, digest: check.digest, added });
      }
    });
    const stream = ks.streams.get(key);
    if (duplicates > 0n) ks.emit({ op: 'idmp-duplicate', key, duplicates: stream!.idempotency!.duplicates + duplicates });
    if (trim && results.some((r) => !r.duplicate)) trimStream(ks, stream!, trim);
    return results;
  });
}

/**
 * A batch under one key (the Idempotency-Key header), automatic IDs only,
 * checked whole first. A live key recorded by the same messages in the same
 * order answers the IDs it produced, each a duplicate, appending and trimming
 * nothing; recorded by anything else, IDEMPOTENCY_KEY_REUSED. Otherwise every
 * message is added and the key records all their IDs (one iid of the window).
 */
function xaddBatchUnderKey(
  ks: Keyspace,
  key: string,
  messages: { id: AddIdSpec; fields: FieldList; idempotency?: IdempotencySpec }[],
  options: BatchOptions,
  spec: IdempotencySpec,
): IdempotentAddResult[] | null {
  messages.forEach((m, index) => {
    try {
      checkFields(m.fields);
      if (m.idempotency !== undefined) throw streamError('VALIDATION', 'idempotencyTwice');
      if (m.id.kind !== 'auto') throw streamError('VALIDATION', 'idempotencyNeedsAutoId');
    } catch (err) {
      if (err instanceof StreamError) throw inBatch(err, index);
      throw err;
    }
  });
  const trim = options.trim && checkTrim(options.trim);
  const s = ks.streams.get(key);
  if (s === undefined && options.noMkStream) return null;
  if (s === undefined) ks.requireStreamRoom(key);
  const check = checkBatchIdempotency(s, spec, messages, ks.clock());
  if (check.original !== undefined) {
    const duplicates = s!.idempotency!.duplicates + 1n;
    ks.command(() => ks.emit({ op: 'idmp-duplicate', key, duplicates }));
    return check.original.map((id) => ({ id, duplicate: true }));
  }
  const ids: StreamId[] = [];
  let top = s?.lastId ?? 0n;
  for (const m of messages) ids.push((top = nextAddId(ks, top, m.id)));
  return ks.command(() => {
    const base = s?.entriesAdded ?? 0n;
    messages.forEach((m, i) => ks.emit({ op: 'add', key, id: ids[i]!, fields: m.fields, entriesAdded: base + BigInt(i + 1) }));
    const stream = ks.streams.get(key)!;
    const added = (stream.idempotency?.added ?? 0n) + 1n;
    ks.emit({ op: 'idmp-record-batch', key, producer: spec.producer, iid: check.iid, ids, digest: check.digest, added });
    if (trim) trimStream(ks, stream, trim);
    return ids.map((id) => ({ id, duplicate: false }));
  });
}

/** Several XADDs, all checked (fields, IDs increasing above the top) before any is added. */
export function xaddBatchCommand(
  ks: Keyspace,
  key: string,
  messages: { id: AddIdSpec; fields: FieldList }[],
  options: { noMkStream?: boolean; trim?: TrimSpec },
): StreamId[] | null {
  if (messages.length === 0) throw streamError('VALIDATION', 'emptyBatch');
  messages.forEach((m) => checkFields(m.fields));
  const trim = options.trim && checkTrim(options.trim);
  const s = ks.streams.get(key);
  if (s === undefined && options.noMkStream) return null;
  if (s === undefined) ks.requireStreamRoom(key);
  const ids: StreamId[] = [];
  let top = s?.lastId ?? 0n;
  messages.forEach((m, index) => {
    try {
      if (m.id.kind === 'explicit' && m.id.id === 0n) throw streamError('ID_NOT_GREATER', 'zero');
      top = nextAddId(ks, top, m.id);
    } catch (err) {
      if (err instanceof StreamError) throw inBatch(err, index);
      throw err;
    }
    ids.push(top);
  });
  return ks.command(() => {
    const base = s?.entriesAdded ?? 0n;
    messages.forEach((m, i) => ks.emit({ op: 'add', key, id: ids[i]!, fields: m.fields, entriesAdded: base + BigInt(i + 1) }));
    if (trim) trimStream(ks, ks.streams.get(key)!, trim);
    return ids;
  });
}

/** The ID an XADD with `spec` gets on a stream whose last-generated-id is `lastId`. */
function nextAddId(ks: Keyspace, lastId: StreamId, spec: AddIdSpec): StreamId {
  if (lastId === MAX_ID) throw streamError('ID_EXHAUSTED', 'exhausted');
  let id: StreamId;
  if (spec.kind === 'auto') {
    const now = BigInt(ks.clock());
    id = now > idMs(lastId) ? makeId(now, 0n) : lastId + 1n;
  } else if (spec.kind === 'auto-seq') {
    if (idMs(lastId) === spec.ms) {
      if (idSeq(lastId) === U64_MAX) throw streamError('SEQ_EXHAUSTED', 'exhausted');
      id = lastId + 1n;
    } else {
      id = makeId(spec.ms, 0n);
    }
  } else {
    id = spec.id;
  }
  if (id <= lastId) throw streamError('ID_NOT_GREATER', 'notGreater');
  return id;
}

function trimStream(ks: Keyspace, s: Stream, trim: CheckedTrim): number {
  if (trim.refs !== 'keepRef') return trimWithRefs(ks, s, trim.rule, trim.approximate ? trim.limit : 0, trim.refs);
  const plan = s.planTrim(trim.rule, trim.approximate, trim.limit);
  if (plan.upTo !== undefined) ks.emit({ op: 'trim', key: s.key, upTo: plan.upTo });
  return plan.removed;
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count] [KEEPREF|DELREF|ACKED]
// Reply: the number of entries removed; null for a missing key (Redis: 0).
export function xtrimCommand(ks: Keyspace, key: string, trim: TrimSpec): number | null {
  const checked = checkTrim(trim);
  const s = ks.streams.get(key);
  if (s === undefined) return null;
  return ks.command(() => trimStream(ks, s, checked));
}

// XLEN key
export function xlenCommand(ks: Keyspace, key: string): number {
  return ks.streams.get(key)?.length ?? 0;
}

// XRANGE key start end [COUNT count] / XREVRANGE key end start [COUNT count]
// Reply: the entries in the range; null for a missing key (Redis: empty array).
export function xrangeCommand(ks: Keyspace, key: string, options: XrangeOptions): Entry[] | null {
  const { start, end } = resolveInterval(options.start, options.end);
  const s = ks.streams.get(key);
  if (s === undefined) return null;
  return s.range(start, end, options.count, options.reverse, replyBudget(ks.limits.replyBytes));
}

// XREAD [COUNT count] [MAXCOUNT n] [MAXSIZE bytes] STREAMS key [key ...] id [id ...]   (not blocking: see the backend)
// Reply: for each stream with entries after its ID, those entries, within the reply's budget.
export function xreadCommand(ks: Keyspace, streams: XreadStream[], count?: number, caps: ReplyCaps = {}): XreadResult[] {
  if (caps.maxCount !== undefined || caps.maxBytes !== undefined) checkReplyCaps(caps.maxCount, caps.maxBytes, count || undefined);
  const budget = replyBudget(ks.limits.replyBytes, caps.maxCount, caps.maxBytes);
  const out: XreadResult[] = [];
  for (const { key, after } of streams) {
    const s = ks.streams.get(key);
    if (s === undefined) continue;
    if (budget !== undefined && budgetSpent(budget)) break;
    let entries: Entry[];
    if (after === '+') {
      const last = s.lastEntry();
      entries = last && (budget === undefined || spend(budget, last.fields ?? [])) ? [last] : [];
    } else {
      const from = after === '$' ? s.lastId : after;
      entries = from === MAX_ID ? [] : s.range(from + 1n, MAX_ID, count || undefined, false, budget);
    }
    if (entries.length > 0) out.push({ key, entries });
  }
  return out;
}

// XDEL key id [id ...]
// Reply: how many entries were deleted.
export function xdelCommand(ks: Keyspace, key: string, ids: StreamId[]): number {
  const s = ks.streams.get(key);
  if (s === undefined) return 0;
  const present = [...new Set(ids)].filter((id) => s.has(id));
  if (present.length === 0) return 0;
  ks.command(() => emitDeletion(ks, s, present));
  return present.length;
}

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
export function xsetidCommand(ks: Keyspace, key: string, options: XsetidOptions): void {
  const { lastId, entriesAdded, maxDeletedId } = options;
  if (entriesAdded !== undefined && entriesAdded < 0n) throw streamError('VALIDATION', 'negativeEntriesAdded');
  if (maxDeletedId !== undefined && lastId < maxDeletedId) throw streamError('SETID_MAXDELETED_TOO_BIG', 'aboveLastId');
  const s = ks.streams.get(key);
  if (s === undefined) throw streamError('NO_STREAM', 'noSuchKey');
  // Redis 7.0 (the oracle) does not check lastId against the current max-deleted-entry-id; 7.2 does.
  if (s.length > 0) {
    if (lastId < s.lastValidId()) throw streamError('SETID_TOO_SMALL', 'belowTop');
    if (entriesAdded !== undefined && BigInt(s.length) > entriesAdded) throw streamError('SETID_ENTRIES_ADDED_TOO_SMALL', 'belowLength');
  }
  ks.command(() =>
    ks.emit({
      op: 'set-id',
      key,
      lastId,
      entriesAdded: entriesAdded ?? s.entriesAdded,
      maxDeletedId: maxDeletedId !== undefined && maxDeletedId !== 0n ? maxDeletedId : s.maxDeletedId,
    }),
  );
}

interface CheckedTrim {
  rule: { maxLen: number } | { minId: StreamId };
  approximate: boolean;
  limit: number;
  refs: RefPolicy;
}

function checkTrim(trim: TrimSpec): CheckedTrim {
  if (trim.limit !== undefined && trim.limit !== 0 && !trim.approximate) throw streamError('VALIDATION', 'limitWithoutApprox');
  if (trim.limit !== undefined && trim.limit < 0) throw streamError('VALIDATION', 'negativeLimit');
  let rule: CheckedTrim['rule'];
  if ('maxLen' in trim) {
    if (trim.maxLen < 0n) throw streamError('VALIDATION', 'negativeMaxLen');
    rule = { maxLen: trim.maxLen > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(trim.maxLen) };
  } else {
    rule = { minId: trim.minId };
  }
  const limit = trim.approximate ? (trim.limit ?? APPROX_TRIM_DEFAULT_LIMIT) : 0;
  return { rule, approximate: trim.approximate, limit, refs: trim.refs ?? 'keepRef' };
}

function checkFields(fields: FieldList): void {
  if (fields.length === 0 || fields.length % 2 !== 0) throw streamError('VALIDATION', 'xaddArity');
}

/** Applies `(` bounds as Redis does (start + 1, end - 1), with its errors at the edges of the ID space (XRANGE, XPENDING). */
export function resolveInterval(start: RangeBound, end: RangeBound): { start: StreamId; end: StreamId } {
  let from = start.id;
  let to = end.id;
  if (start.exclusive) {
    if (from === MAX_ID) throw streamError('INVALID_ID', 'startInterval');
    from++;
  }
  if (end.exclusive) {
    if (to === 0n) throw streamError('INVALID_ID', 'endInterval');
    to--;
  }
  return { start: from, end: to };
}

/**
 * Idempotent produce (Redis 8.6): XADD IDMP / IDMPAUTO and XCFGSET, as
 * functions over the keyspace, and the per-stream record they keep.
 */
import { createHash } from 'node:crypto';
import type { Keyspace } from './keyspace.js';
import type { Stream } from './stream.js';
import { IDMP_DEFAULT_DURATION_S, IDMP_DEFAULT_MAX_SIZE, IDMP_MAX_DURATION_S, IDMP_MAX_MAX_SIZE } from '../domain/defaults.js';
import { streamError } from '../domain/errors.js';
import { idMs, type StreamId } from '../domain/ids.js';
import type { FieldList, IdempotencyInfo, IdempotencySpec, StreamConfigOptions } from '../domain/types.js';

/** What one producer's iid produced. */
interface Recorded {
  id: StreamId;
  /** fieldsDigest of the message it added; batchDigest for a batch. */
  digest: string;
  /** A batch under one key (the Idempotency-Key header): every ID it added, in order; `id` is the first. */
  batchIds?: StreamId[];
}

/**
 * A stream's idempotency record. For each producer, its iids in the order they
 * were added (so by ID: the oldest first), at most `maxSize` of them; an iid
 * whose ID's time is more than `durationS` old counts as forgotten, and is
 * dropped the next time its producer is looked at. Forgetting by time is a
 * function of the clock alone, so it needs no effect.
 */
export class IdempotencyRecord {
  durationS = IDMP_DEFAULT_DURATION_S;
  maxSize = IDMP_DEFAULT_MAX_SIZE;
  readonly producers = new Map<string, Map<string, Recorded>>();
  keysTracked = 0;
  added = 0n;
  duplicates = 0n;

  /** The producer's live iids, after dropping those older than the window at `now`. */
  live(producer: string, now: number): Map<string, Recorded> | undefined {
    const iids = this.producers.get(producer);
    if (iids === undefined) return undefined;
    const oldest = BigInt(Math.max(0, now - this.durationS * 1000));
    for (const [iid, r] of iids) {
      if (idMs(r.id) >= oldest) break;
      iids.delete(iid);
      this.keysTracked--;
    }
    if (iids.size === 0) {
      this.producers.delete(producer);
      return undefined;
    }
    return iids;
  }

  record(producer: string, iid: string, id: StreamId, digest: string, batchIds?: StreamId[]): void {
    let iids = this.producers.get(producer);
    if (iids === undefined) this.producers.set(producer, (iids = new Map()));
    if (!iids.has(iid)) this.keysTracked++;
    iids.delete(iid);
    iids.set(iid, batchIds === undefined ? { id, digest } : { id, digest, batchIds });
    while (iids.size > this.maxSize) {
      iids.delete(iids.keys().next().value!);
      this.keysTracked--;
    }
  }

  clear(): void {
    this.producers.clear();
    this.keysTracked = 0;
  }

  /** Drops every forgotten iid at `now` (before XINFO counts them). */
  expire(now: number): void {
    for (const producer of [...this.producers.keys()]) this.live(producer, now);
  }
}

/** The stream's record, created on first use. */
export function idempotencyOf(s: Stream): IdempotencyRecord {
  return (s.idempotency ??= new IdempotencyRecord());
}

/**
 * IDMPAUTO's iid: a digest of the field/value pairs that does not depend on
 * their order (each pair hashed, the pair digests sorted, then hashed).
 */
export function fieldsDigest(fields: FieldList): string {
  const pairs: string[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    pairs.push(createHash('sha256').update(`${name.length}:${name}`).update(value).digest('hex'));
  }
  pairs.sort();
  return createHash('sha256').update(pairs.join('')).digest('hex').slice(0, 32);
}

/**
 * The digest of a batch under one key: its messages' fieldsDigests in order,
 * marked as a batch so that it never equals a single append's digest.
 */
export function batchDigest(messages: readonly { fields: FieldList }[]): string {
  const hash = createHash('sha256').update(`batch:${messages.length}:`);
  for (const m of messages) hash.update(fieldsDigest(m.fields));
  return hash.digest('hex').slice(0, 32);
}

export interface IdempotencyCheck {
  iid: string;
  digest: string;
  /** The original ID when this is a duplicate. */
  original: StreamId | undefined;
}

/** Checks an idempotent XADD before anything changes: its iid, and the original ID if (producer, iid) is live. */
export function checkIdempotency(s: Stream | undefined, spec: IdempotencySpec, fields: FieldList, now: number): IdempotencyCheck {
  if (spec.producer === '' || spec.key === '') throw streamError('VALIDATION', 'emptyIdempotency');
  const digest = fieldsDigest(fields);
  const iid = spec.key ?? digest;
  const recorded = s?.idempotency?.live(spec.producer, now)?.get(iid);
  if (recorded !== undefined && spec.strict && recorded.digest !== digest) {
    throw streamError('IDEMPOTENCY_KEY_REUSED', 'reused', spec.producer, iid);
  }
  return { iid, digest, original: recorded?.id };
}

export interface BatchIdempotencyCheck {
  iid: string;
  digest: string;
  /** The IDs the key produced when this batch is a duplicate. */
  original: StreamId[] | undefined;
}

/**
 * Checks a batch under one key before anything changes: a live key recorded by
 * the same messages answers its IDs; by anything else (other messages, or a
 * single append) IDEMPOTENCY_KEY_REUSED, whether or not `spec.strict` is set.
 */
export function checkBatchIdempotency(s: Stream | undefined, spec: IdempotencySpec, messages: readonly { fields: FieldList }[], now: number): BatchIdempotencyCheck {
  if (spec.producer === '' || spec.key === '' || spec.key === undefined) throw streamError('VALIDATION', 'emptyIdempotency');
  const digest = batchDigest(messages);
  const recorded = s?.idempotency?.live(spec.producer, now)?.get(spec.key);
  if (recorded !== undefined && (recorded.digest !== digest || recorded.batchIds === undefined)) {
    throw streamError('IDEMPOTENCY_KEY_REUSED', 'reused', spec.producer, spec.key);
  }
  return { iid: spec.key, digest, original: recorded?.batchIds };
}

// XCFGSET key [IDMP-DURATION duration] [IDMP-MAXSIZE maxsize]
// Reply: OK. The key must exist; at least one option; a change of either value forgets every recorded iid.
export function xcfgsetCommand(ks: Keyspace, key: string, options: StreamConfigOptions): void {
  const { idempotencyDurationS: durationS, idempotencyMaxSize: maxSize } = options;
  if (durationS === undefined && maxSize === undefined) throw streamError('VALIDATION', 'configNeedsOption');
  if (durationS !== undefined && !(Number.isInteger(durationS) && durationS >= 1 && durationS <= IDMP_MAX_DURATION_S)) {
    throw streamError('VALIDATION', 'idmpDurationRange');
  }
  if (maxSize !== undefined && !(Number.isInteger(maxSize) && maxSize >= 1 && maxSize <= IDMP_MAX_MAX_SIZE)) {
    throw streamError('VALIDATION', 'idmpMaxSizeRange');
  }
  const s = ks.streams.get(key);
  if (s === undefined) throw streamError('NO_STREAM', 'noSuchKey');
  const current = s.idempotency;
  const nextDuration = durationS ?? current?.durationS ?? IDMP_DEFAULT_DURATION_S;
  const nextMaxSize = maxSize ?? current?.maxSize ?? IDMP_DEFAULT_MAX_SIZE;
  const changed = nextDuration !== (current?.durationS ?? IDMP_DEFAULT_DURATION_S) || nextMaxSize !== (current?.maxSize ?? IDMP_DEFAULT_MAX_SIZE);
  if (!changed) return;
  ks.command(() => ks.emit({ op: 'idmp-config', key, durationS: nextDuration, maxSize: nextMaxSize, clear: true }));
}

/** XINFO STREAM's idmp-duration, idmp-maxsize, pids-tracked, iids-tracked, iids-added, iids-duplicates. */
export function idempotencyInfo(s: Stream, now: number): IdempotencyInfo {
  const r = s.idempotency;
  if (r === null) {
    return { durationS: IDMP_DEFAULT_DURATION_S, maxSize: IDMP_DEFAULT_MAX_SIZE, producersTracked: 0, keysTracked: 0, keysAdded: 0n, duplicates: 0n };
  }
  r.expire(now);
  return { durationS: r.durationS, maxSize: r.maxSize, producersTracked: r.producers.size, keysTracked: r.keysTracked, keysAdded: r.added, duplicates: r.duplicates };
}

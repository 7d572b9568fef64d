/**
 * Deleting with regard to consumer groups (Redis 8.2): XACKDEL, XDELEX, and
 * the KEEPREF | DELREF | ACKED conditions of XADD and XTRIM, as functions over
 * the keyspace.
 */
import type { ConsumerGroup } from './consumer-group.js';
import type { Keyspace } from './keyspace.js';
import type { Stream } from './stream.js';
import { streamError } from '../domain/errors.js';
import { MAX_ID, type StreamId } from '../domain/ids.js';
import type { DeletionResult, RefPolicy } from '../domain/types.js';

/**
 * Whether a group still references `id`: the stream has a group that has not
 * read it yet (`id` above its last-delivered-id) or holds it pending (nacked
 * entries included). `except` is a group whose PEL does not count (the one
 * XACKDEL just acked it in). A stream with no groups references nothing.
 */
export function isReferenced(s: Stream, id: StreamId, except?: ConsumerGroup): boolean {
  for (const g of s.groups.values()) {
    if (id > g.lastId) return true;
    if (g !== except && g.pel.has(id)) return true;
  }
  return false;
}

/** The smallest last-delivered-id of the stream's groups (MAX_ID with none): every entry above it is referenced. */
export function minLastDeliveredId(s: Stream): StreamId {
  let min = MAX_ID;
  for (const g of s.groups.values()) if (g.lastId < min) min = g.lastId;
  return min;
}

/**
 * Emits the deletion of `present` (live entries of `s`, distinct) as XDEL
 * records it: max-deleted-entry-id only grows (unless `countsAsDeleted` is
 * false, as for trimming), the recorded first ID follows a deleted first entry.
 */
export function emitDeletion(ks: Keyspace, s: Stream, present: StreamId[], countsAsDeleted = true): void {
  if (present.length === 0) return;
  let maxDeletedId = s.maxDeletedId;
  if (countsAsDeleted) for (const id of present) if (id > maxDeletedId) maxDeletedId = id;
  let firstId = s.firstId;
  if (present.length === s.length) firstId = 0n;
  else if (present.includes(s.firstId)) {
    const gone = new Set(present);
    firstId = s.range(s.firstId, MAX_ID, gone.size + 1).find((e) => !gone.has(e.id))!.id;
  }
  ks.emit({ op: 'delete', key: s.key, ids: present, maxDeletedId, firstId });
}

/** Entries read at a time by a trim under DELREF or ACKED. */
const TRIM_CHUNK = 128;

function checkIds(ids: StreamId[]): void {
  if (ids.length === 0) throw streamError('VALIDATION', 'noIds');
}

// XACKDEL key group [KEEPREF|DELREF|ACKED] IDS numids id [id ...]
// Reply: per ID, in order: deleted (1), referenced (2: acked, kept for another group), notFound (-1: not pending
// in this group). A missing key or group answers notFound for every ID.
export function xackdelCommand(ks: Keyspace, key: string, group: string, ids: StreamId[], refs: RefPolicy = 'keepRef'): DeletionResult[] {
  checkIds(ids);
  const s = ks.streams.get(key);
  const g = s?.groups.get(group);
  if (s === undefined || g === undefined) return ids.map(() => 'notFound');
  const results: DeletionResult[] = [];
  const acked: StreamId[] = [];
  const ackedSet = new Set<StreamId>();
  const deleted: StreamId[] = [];
  for (const id of ids) {
    if (ackedSet.has(id) || !g.pel.has(id)) {
      results.push('notFound');
      continue;
    }
    acked.push(id);
    ackedSet.add(id);
    if (refs === 'acked' && isReferenced(s, id, g)) {
      results.push('referenced');
      continue;
    }
    // A pending entry whose stream entry went already answers "deleted" too.
    if (s.has(id)) deleted.push(id);
    results.push('deleted');
  }
  if (acked.length > 0) {
    ks.command(() => {
      ks.emit({ op: 'ack', key, group, ids: acked });
      if (refs === 'delRef') ks.emit({ op: 'dereference', key, ids: acked });
      emitDeletion(ks, s, deleted);
    });
  }
  return results;
}

// XDELEX key [KEEPREF|DELREF|ACKED] IDS numids id [id ...]
// Reply: per ID, in order: deleted (1), referenced (2: ACKED and some group references it, whether or not the
// entry exists), notFound (-1: no such entry). DELREF drops the IDs from every PEL first. Missing key: all notFound.
export function xdelexCommand(ks: Keyspace, key: string, ids: StreamId[], refs: RefPolicy = 'keepRef'): DeletionResult[] {
  checkIds(ids);
  const s = ks.streams.get(key);
  if (s === undefined) return ids.map(() => 'notFound');
  const results: DeletionResult[] = [];
  const deleted: StreamId[] = [];
  const deletedSet = new Set<StreamId>();
  const dereferenced: StreamId[] = [];
  for (const id of ids) {
    if (refs === 'acked' && isReferenced(s, id)) {
      results.push('referenced');
      continue;
    }
    if (refs === 'delRef' && s.groups.size > 0) dereferenced.push(id);
    if (deletedSet.has(id) || !s.has(id)) {
      results.push('notFound');
      continue;
    }
    deleted.push(id);
    deletedSet.add(id);
    results.push('deleted');
  }
  const pelsChange = dereferenced.some((id) => [...s.groups.values()].some((g) => g.pel.has(id)));
  if (deleted.length > 0 || pelsChange) {
    ks.command(() => {
      if (pelsChange) ks.emit({ op: 'dereference', key, ids: dereferenced });
      emitDeletion(ks, s, deleted);
    });
  }
  return results;
}

/**
 * Trimming under DELREF or ACKED (only called with one of them): entries are
 * examined one by one from the head, whatever `~` says, at most `limit` of
 * them (0: no cap), while the rule still wants entries gone. DELREF removes
 * each and drops it from every PEL; ACKED skips referenced entries (they are
 * no barrier), so gaps appear and a MAXLEN target may not be reached.
 * Answers how many entries were removed.
 */
export function trimWithRefs(
  ks: Keyspace,
  s: Stream,
  rule: { maxLen: number } | { minId: StreamId },
  limit: number,
  refs: 'delRef' | 'acked',
): number {
  const byLength = 'maxLen' in rule;
  let excess = byLength ? s.length - rule.maxLen : Number.POSITIVE_INFINITY;
  if (excess <= 0) return 0;
  const end = byLength ? MAX_ID : rule.minId === 0n ? -1n : rule.minId - 1n;
  if (end < 0n) return 0;
  // Above the smallest last-delivered-id every entry is referenced: ACKED need look no further.
  const stop = refs === 'acked' ? minLastDeliveredId(s) : MAX_ID;
  const upTo = stop < end ? stop : end;
  const removed: StreamId[] = [];
  let examined = 0;
  let from = 0n;
  // In chunks, so that only entries examined are read.
  while (excess > 0 && (limit === 0 || examined < limit) && from <= upTo) {
    let want = TRIM_CHUNK;
    if (limit > 0 && limit - examined < want) want = limit - examined;
    if (refs === 'delRef' && excess < want) want = excess;
    const chunk = s.range(from, upTo, want);
    if (chunk.length === 0) break;
    for (const { id } of chunk) {
      examined++;
      if (refs === 'acked' && isReferenced(s, id)) continue;
      removed.push(id);
      if (--excess === 0) break;
    }
    from = chunk[chunk.length - 1]!.id + 1n;
  }
  if (removed.length === 0) return 0;
  if (refs === 'delRef') {
    ks.emit({ op: 'trim', key: s.key, upTo: removed[removed.length - 1]! });
    if (s.groups.size > 0) ks.emit({ op: 'dereference', key: s.key, ids: removed });
  } else {
    emitDeletion(ks, s, removed, false);
  }
  return removed.length;
}

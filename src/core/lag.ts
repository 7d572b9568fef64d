/**
 * A group's entries-read counter and lag, as Redis 7 keeps them: exact while
 * no XDEL'd entry lies ahead of the group, estimated from the stream's
 * counters otherwise, and null (unknowable) when no estimate holds.
 */
import type { ConsumerGroup } from './consumer-group.js';
import type { Stream } from './stream.js';
import { MAX_ID, type StreamId } from '../domain/ids.js';

/** Redis's streamRangeHasTombstones: may an XDEL'd entry lie in [start, end]? */
export function rangeHasTombstones(s: Stream, start: StreamId, end: StreamId): boolean {
  if (s.length === 0 || s.maxDeletedId === 0n) return false;
  if (s.firstId > s.maxDeletedId) return false;
  return start <= s.maxDeletedId && s.maxDeletedId <= end;
}

/** Redis's streamEstimateDistanceFromFirstEverEntry: the entries-read counter of `id`, or null when unknowable. */
export function estimateEntriesRead(s: Stream, id: StreamId): bigint | null {
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
export function groupLag(s: Stream, g: ConsumerGroup): bigint | null {
  if (s.entriesAdded === 0n) return 0n;
  if (g.entriesRead !== null && !rangeHasTombstones(s, g.lastId, MAX_ID)) return s.entriesAdded - g.entriesRead;
  const entriesRead = estimateEntriesRead(s, g.lastId);
  return entriesRead === null ? null : s.entriesAdded - entriesRead;
}

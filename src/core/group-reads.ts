/** Group reads and acknowledgements (XREADGROUP, XACK), as functions over the keyspace. */
import type { ConsumerGroup } from './consumer-group.js';
import { touchConsumer } from './group-commands.js';
import type { Keyspace } from './keyspace.js';
import { estimateEntriesRead, rangeHasTombstones } from './lag.js';
import type { Stream } from './stream.js';
import { MAX_ID, type StreamId } from '../domain/ids.js';
import type { Delivery, XreadgroupOptions, XreadgroupResult } from '../domain/types.js';

// XREADGROUP GROUP group consumer [COUNT count] [NOACK] STREAMS key [key ...] id|> [id ...]
// Reply: for each `>` stream with new entries and each history stream, its entries.
// A history read (an ID) returns this consumer's pending entries after that ID,
// deleted ones with null fields, and bumps the delivery count of the others.
export function xreadgroupCommand(ks: Keyspace, options: XreadgroupOptions): XreadgroupResult[] {
  const { group, consumer, streams, noAck = false } = options;
  const count = options.count || undefined;
  const targets = streams.map(({ key, from }) => ({ key, from, ...ks.requireGroup(key, group, 'XREADGROUP') }));
  const now = ks.clock();
  return ks.command(() => {
    const out: XreadgroupResult[] = [];
    for (const { key, from, s, g } of targets) {
      touchConsumer(ks, key, g, consumer, now);
      // Redis encodes `>` as max-max, so that ID in a history read means `>` too.
      if (from === '>' || from === MAX_ID) {
        const entries = deliverNew(ks, s, g, consumer, count, noAck, now);
        if (entries.length > 0) out.push({ key, entries });
      } else {
        out.push({ key, entries: deliverHistory(ks, s, g, consumer, from, count, now) });
      }
    }
    return out;
  });
}

function deliverNew(
  ks: Keyspace,
  s: Stream,
  g: ConsumerGroup,
  consumer: string,
  count: number | undefined,
  noAck: boolean,
  now: number,
): Delivery[] {
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
  ks.emit({ op: 'deliver', key: s.key, group: g.name, consumer, time: now, ids, active: entries.length > 0, lastId, entriesRead });
  return noAck ? entries : entries.map((e) => ({ id: e.id, fields: e.fields, deliveryCount: 1 }));
}

function deliverHistory(
  ks: Keyspace,
  s: Stream,
  g: ConsumerGroup,
  consumer: string,
  after: StreamId,
  count: number | undefined,
  now: number,
): Delivery[] {
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
    ks.emit({ op: 'pending-set', key: s.key, group: g.name, consumer, seenTime: now, activeTime: now, entries: bumped });
  }
  return out;
}

// XACK key group id [id ...]
// Reply: how many were pending and are now acknowledged; null for a missing key or group (Redis: 0).
export function xackCommand(ks: Keyspace, key: string, group: string, ids: StreamId[]): number | null {
  const g = ks.streams.get(key)?.groups.get(group);
  if (g === undefined) return null;
  const pending = distinct(ids).filter((id) => g.pel.has(id));
  if (pending.length > 0) ks.command(() => ks.emit({ op: 'ack', key, group, ids: pending }));
  return pending.length;
}

/** `ids` without repeats, in first-seen order; IDs in ascending order (the usual ack) are returned as they are, unhashed. */
export function distinct(ids: StreamId[]): StreamId[] {
  for (let i = 1; i < ids.length; i++) if (ids[i - 1]! >= ids[i]!) return [...new Set(ids)];
  return ids;
}

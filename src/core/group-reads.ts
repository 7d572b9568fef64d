/** Group reads and acknowledgements (XREADGROUP, XACK), as functions over the keyspace. */
import type { ConsumerGroup, PendingEntry } from './consumer-group.js';
import { markDeadlines, reportPolicyEvent } from './delivery-policy.js';
import { touchConsumer } from './group-commands.js';
import type { Keyspace } from './keyspace.js';
import { estimateEntriesRead, rangeHasTombstones } from './lag.js';
import { budgetSpent, checkReplyCaps, replyBudget, spend, type ReplyBudget } from './reply-budget.js';
import type { Stream } from './stream.js';
import { streamError } from '../domain/errors.js';
import { MAX_ID, type StreamId } from '../domain/ids.js';
import type { Delivery, XreadgroupOptions, XreadgroupResult } from '../domain/types.js';

// XREADGROUP GROUP group consumer [COUNT count] [MAXCOUNT n] [MAXSIZE bytes] [NOACK] [CLAIM min-idle-time] STREAMS key [key ...] id|> [id ...]
// Reply: for each `>` stream with new entries and each history stream, its entries.
// A history read (an ID) returns this consumer's pending entries after that ID,
// deleted ones with null fields, and bumps the delivery count of the others.
export function xreadgroupCommand(ks: Keyspace, options: XreadgroupOptions): XreadgroupResult[] {
  const { group, consumer, streams, noAck = false, claimMinIdleMs } = options;
  const count = options.count || undefined;
  if (claimMinIdleMs !== undefined && !(claimMinIdleMs >= 0)) throw streamError('VALIDATION', 'negativeClaimMinIdle');
  const targets = streams.map(({ key, from }) => ({ key, from, ...ks.requireGroup(key, group, 'XREADGROUP') }));
  if (claimMinIdleMs !== undefined && targets.some((t) => t.g.delivery !== null)) throw streamError('VALIDATION', 'claimWithPolicy');
  for (const { key, g } of targets) ks.requireConsumerRoom(key, g, consumer);
  const now = ks.clock();
  if (options.maxCount !== undefined || options.maxBytes !== undefined) checkReplyCaps(options.maxCount, options.maxBytes, count);
  const budget = replyBudget(ks.limits.replyBytes, options.maxCount, options.maxBytes);
  return ks.command(() => {
    const out: XreadgroupResult[] = [];
    for (const { key, from, s, g } of targets) {
      touchConsumer(ks, key, g, consumer, now);
      if (budget !== undefined && budgetSpent(budget)) continue;
      // Redis encodes `>` as max-max, so that ID in a history read means `>` too.
      if (from === '>' || from === MAX_ID) {
        if (g.delivery !== null) {
          const due = takeDue(ks, s, g, consumer, count, now, budget);
          const rest = count === undefined ? undefined : count - due.length;
          const entries = rest === 0 || (budget !== undefined && budgetSpent(budget)) ? [] : deliverNew(ks, s, g, consumer, rest, noAck, now, budget);
          const all = due.length === 0 ? entries : due.concat(entries);
          markDeadlines(g, all, now);
          if (all.length > 0) out.push({ key, entries: all });
          continue;
        }
        if (claimMinIdleMs !== undefined) {
          const claimed = claimIdle(ks, s, g, consumer, count, claimMinIdleMs, now, budget);
          const rest = count === undefined ? undefined : count - claimed.length;
          const entries = rest === 0 || (budget !== undefined && budgetSpent(budget)) ? [] : deliverNew(ks, s, g, consumer, rest, noAck, now, budget);
          if (claimed.length + entries.length > 0) out.push({ key, entries: claimed.length === 0 ? entries : claimed.concat(entries) });
          continue;
        }
        const entries = deliverNew(ks, s, g, consumer, count, noAck, now, budget);
        if (entries.length > 0) out.push({ key, entries });
      } else {
        const entries = deliverHistory(ks, s, g, consumer, from, count, now, budget);
        markDeadlines(g, entries, now);
        out.push({ key, entries });
      }
    }
    return out;
  });
}

/**
 * The claim phase of XREADGROUP CLAIM: pending entries in claim order (the
 * nacked zone in nack order, then owned entries by last delivery, oldest
 * first), stopping at the first idle less than `minIdleMs` or at `count`;
 * entries whose stream entry is gone are skipped. Only entries pending when
 * the read began are seen: the list is made before anything changes. Each
 * claimed entry moves to `consumer`, its count +1, delivered now (NOACK does
 * not apply).
 */
function claimIdle(
  ks: Keyspace,
  s: Stream,
  g: ConsumerGroup,
  consumer: string,
  count: number | undefined,
  minIdleMs: number,
  now: number,
  budget?: ReplyBudget,
): Delivery[] {
  const out: Delivery[] = [];
  const claims: { id: StreamId; time: number; count: number }[] = [];
  let limit = count ?? Number.POSITIVE_INFINITY;
  const take = (p: PendingEntry): void => {
    const fields = s.get(p.id);
    if (fields === undefined) return;
    if (budget !== undefined && !spend(budget, fields)) {
      limit = out.length;
      return;
    }
    claims.push({ id: p.id, time: now, count: p.deliveryCount + 1 });
    out.push({ id: p.id, fields, deliveryCount: p.deliveryCount + 1, idleMs: now - p.deliveryTime });
  };
  for (const p of g.nacked.values()) {
    if (out.length >= limit) break;
    take(p);
  }
  if (out.length < limit) {
    const byTime = g.byDeliveryTime();
    for (let key = byTime.minKey(); key !== undefined; key = byTime.nextHigherKey(key)) {
      if (out.length >= limit || now - key[0] < minIdleMs) break;
      take(byTime.get(key)!);
    }
  }
  if (claims.length > 0) {
    ks.emit({ op: 'pending-set', key: s.key, group: g.name, consumer, seenTime: now, activeTime: now, entries: claims });
  }
  return out;
}

/**
 * The due phase of a `>` read in a group with a delivery policy (as CLAIM's
 * phase, with the policy's due times): nacked entries whose delay passed, then
 * those taken back at their deadline, within `count`; each moves to
 * `consumer`, its count +1, delivered now. Due entries whose message is gone
 * leave the PEL (as XAUTOCLAIM drops them).
 */
function takeDue(
  ks: Keyspace,
  s: Stream,
  g: ConsumerGroup,
  consumer: string,
  count: number | undefined,
  now: number,
  budget?: ReplyBudget,
): Delivery[] {
  const { ids, overdue } = g.delivery!.dueForRead(now, count ?? Number.POSITIVE_INFINITY);
  if (ids.length === 0) return [];
  const out: Delivery[] = [];
  const claims: { id: StreamId; time: number; count: number }[] = [];
  const gone: StreamId[] = [];
  const firstOverdue = ids.length - overdue;
  let redelivered = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const fields = s.get(id);
    if (fields === undefined) {
      gone.push(id);
      continue;
    }
    if (budget !== undefined && !spend(budget, fields)) break;
    const deliveries = g.pel.get(id)!.deliveryCount + 1;
    claims.push({ id, time: now, count: deliveries });
    out.push({ id, fields, deliveryCount: deliveries });
    if (i >= firstOverdue) redelivered++;
  }
  if (gone.length > 0) ks.emit({ op: 'ack', key: s.key, group: g.name, ids: gone });
  if (claims.length > 0) ks.emit({ op: 'pending-set', key: s.key, group: g.name, consumer, seenTime: now, activeTime: now, entries: claims });
  if (redelivered > 0) reportPolicyEvent(ks.streams, { kind: 'redelivered', stream: s.key, group: g.name, count: redelivered });
  return out;
}

/**
 * Unix ms when XREADGROUP CLAIM with `minIdleMs` would first find something
 * to claim in `g` (-Infinity: now, a released entry waits), or undefined when
 * nothing is pending. Pending entries whose stream entry is gone are passed
 * over, as the claim phase skips them.
 */
export function nextClaimableTime(s: Stream, g: ConsumerGroup, minIdleMs: number): number | undefined {
  for (const p of g.nacked.values()) if (s.has(p.id)) return Number.NEGATIVE_INFINITY;
  const byTime = g.byDeliveryTime();
  for (let key = byTime.minKey(); key !== undefined; key = byTime.nextHigherKey(key)) {
    if (s.has(key[1])) return key[0] + minIdleMs;
  }
  return undefined;
}

function deliverNew(
  ks: Keyspace,
  s: Stream,
  g: ConsumerGroup,
  consumer: string,
  count: number | undefined,
  noAck: boolean,
  now: number,
  budget?: ReplyBudget,
): Delivery[] {
  if (s.length === 0 || s.lastValidId() <= g.lastId) return [];
  const entries = s.range(g.lastId + 1n, MAX_ID, count, false, budget);
  if (entries.length === 0) return [];
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
  budget?: ReplyBudget,
): Delivery[] {
  const c = g.consumers.get(consumer)!;
  const out: Delivery[] = [];
  const bumped: { id: StreamId; time: number; count: number }[] = [];
  const pending = c.pel.cursor(after + 1n);
  for (let p = pending.next(); p !== undefined; p = pending.next()) {
    if (count !== undefined && out.length >= count) break;
    const id = p.id;
    const fields = s.get(id);
    if (budget !== undefined && !spend(budget, fields ?? [])) break;
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

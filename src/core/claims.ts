import { XAUTOCLAIM_DEFAULT_COUNT, XNACK_FATAL_DELIVERY_COUNT } from '../domain/defaults.js';
/** The pending-entries commands: XPENDING, taking entries over with XCLAIM and XAUTOCLAIM, and releasing them with XNACK, as functions over the keyspace. */
import { touchConsumer } from './group-commands.js';
import { checkNackDelay, emitNackDues } from './policy-commands.js';
import { budgetSpent, replyBudget, spend } from './reply-budget.js';
import type { Keyspace } from './keyspace.js';
import { resolveInterval } from './stream-commands.js';
import { MAX_ID, type StreamId } from '../domain/ids.js';
import type {
  Delivery,
  PendingEntryInfo,
  PendingRangeOptions,
  PendingSummary,
  XautoclaimOptions,
  XautoclaimResult,
  XclaimOptions,
  XnackOptions,
} from '../domain/types.js';
import { streamError } from '../domain/errors.js';

// XPENDING key group
// Reply: count, smallest and largest pending ID, and the consumers holding any.
export function xpendingSummaryCommand(ks: Keyspace, key: string, group: string): PendingSummary {
  const { g } = ks.requireGroup(key, group, 'XPENDING');
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
export function xpendingRangeCommand(ks: Keyspace, key: string, group: string, options: PendingRangeOptions): PendingEntryInfo[] {
  const { start, end } = resolveInterval(options.start, options.end);
  const { g } = ks.requireGroup(key, group, 'XPENDING');
  let pel = g.pel;
  if (options.consumer !== undefined) {
    const c = g.consumers.get(options.consumer);
    if (c === undefined) return [];
    pel = c.pel;
  }
  const now = ks.clock();
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
    if (p.consumer === null) out.push({ id: p.id, consumer: null, idleMs: null, deliveryCount: p.deliveryCount });
    else out.push({ id: p.id, consumer: p.consumer.name, idleMs, deliveryCount: p.deliveryCount });
    if (out.length >= options.count) break;
  }
  return out;
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-ms] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID id]
// Reply: the claimed entries (IDs only with JUSTID). Pending IDs whose entries
// were deleted are dropped from the PEL and not returned.
export function xclaimCommand(ks: Keyspace, key: string, group: string, options: XclaimOptions): Delivery[] {
  const { s, g } = ks.requireGroup(key, group, 'XPENDING');
  const now = ks.clock();
  const minIdle = Math.max(0, options.minIdleMs);
  let deliveryTime = now;
  if (options.idleMs !== undefined) deliveryTime = now - options.idleMs;
  else if (options.timeMs !== undefined) deliveryTime = options.timeMs;
  if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  const name = options.consumer;
  ks.requireConsumerRoom(key, g, name);

  type Claim = { owner: string | null; time: number; count: number };
  const claims = new Map<StreamId, Claim>();
  const dropped: StreamId[] = [];
  const out: Delivery[] = [];
  // The reply's budget: IDs after the one that does not fit are left as they are (the client claims them again).
  const budget = options.justId ? undefined : replyBudget(ks.limits.replyBytes);
  for (const id of options.ids) {
    if (budget !== undefined && budgetSpent(budget)) break;
    const fields = s.get(id);
    if (fields === undefined) {
      if (g.pel.has(id) && !dropped.includes(id)) dropped.push(id);
      continue;
    }
    const current = g.pel.get(id);
    let state: Claim | undefined = claims.get(id) ?? (current && { owner: current.consumer?.name ?? null, time: current.deliveryTime, count: current.deliveryCount });
    if (state === undefined && options.force) state = { owner: null, time: now, count: 1 };
    if (state === undefined) continue;
    // Unowned entries (FORCE-created here, or nacked) skip the min-idle check.
    if (state.owner !== null && minIdle && now - state.time < minIdle) continue;
    if (budget !== undefined && !claims.has(id) && !spend(budget, fields)) break;
    // A negative RETRYCOUNT counts as not given, as in Redis.
    const retryCount = options.retryCount !== undefined && options.retryCount >= 0 ? options.retryCount : undefined;
    const count = retryCount ?? (options.justId ? state.count : state.count + 1);
    claims.delete(id);
    claims.set(id, { owner: name, time: deliveryTime, count });
    out.push(options.justId ? { id, fields } : { id, fields, deliveryCount: count });
  }

  return ks.command(() => {
    if (options.lastId !== undefined && options.lastId > g.lastId) {
      ks.emit({ op: 'group-set-id', key, group, lastId: options.lastId, entriesRead: g.entriesRead });
    }
    if (dropped.length > 0) ks.emit({ op: 'ack', key, group, ids: dropped });
    touchConsumer(ks, key, g, name, now);
    if (claims.size > 0) {
      const entries = [...claims].map(([id, c]) => ({ id, time: c.time, count: c.count }));
      ks.emit({ op: 'pending-set', key, group, consumer: name, seenTime: now, activeTime: now, entries });
    }
    return out;
  });
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
// Reply: the cursor to continue from (0-0 when the PEL was scanned to its end),
// the claimed entries, and the pending IDs whose entries were deleted (now dropped).
// Scans at most COUNT * 10 PEL entries; deleted ones count against COUNT.
export function xautoclaimCommand(ks: Keyspace, key: string, group: string, options: XautoclaimOptions): XautoclaimResult {
  const { s, g } = ks.requireGroup(key, group, 'XPENDING');
  ks.requireConsumerRoom(key, g, options.consumer);
  const now = ks.clock();
  const minIdle = Math.max(0, options.minIdleMs);
  let remaining = options.count ?? XAUTOCLAIM_DEFAULT_COUNT;
  let attempts = remaining * 10;
  const claimed: { id: StreamId; time: number; count: number }[] = [];
  const deletedIds: StreamId[] = [];
  const entries: Delivery[] = [];
  const pending = g.pel.cursor(options.start);
  const budget = options.justId ? undefined : replyBudget(ks.limits.replyBytes);
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
    if (minIdle && p.consumer !== null && now - p.deliveryTime < minIdle) continue;
    // Over the reply's budget the cursor stops at this entry, which the next call claims first.
    if (budget !== undefined && !spend(budget, fields)) {
      nextStart = id;
      break;
    }
    const count = options.justId ? p.deliveryCount : p.deliveryCount + 1;
    claimed.push({ id, time: now, count });
    entries.push({ id, fields, deliveryCount: count });
    remaining--;
  }
  return ks.command(() => {
    if (deletedIds.length > 0) ks.emit({ op: 'ack', key, group, ids: deletedIds });
    touchConsumer(ks, key, g, options.consumer, now);
    if (claimed.length > 0) {
      ks.emit({ op: 'pending-set', key, group, consumer: options.consumer, seenTime: now, activeTime: now, entries: claimed });
    }
    return { nextStart, entries, deletedIds };
  });
}

// XNACK key group SILENT|FAIL|FATAL IDS numids id [id ...] [RETRYCOUNT count] [FORCE]   (Redis 8.8)
// Reply: how many entries were released. Each pending ID loses its owner, gets delivery time 0 and goes to the end
// of the nacked zone (the head of the claim order); IDs not pending are skipped, or with FORCE, when the entry
// exists, become unowned pending entries.
export function xnackCommand(ks: Keyspace, key: string, group: string, options: XnackOptions): number {
  if (options.ids.length === 0) throw streamError('VALIDATION', 'noIds');
  if (options.retryCount !== undefined && options.retryCount < 0) throw streamError('VALIDATION', 'negativeRetryCount');
  const { s, g } = ks.requireGroup(key, group, 'XPENDING');
  checkNackDelay(key, g, options.delayMs);
  const entries: { id: StreamId; count: number }[] = [];
  const before: { id: StreamId; before: number }[] = [];
  const seen = new Set<StreamId>();
  for (const id of options.ids) {
    if (seen.has(id)) continue;
    const p = g.pel.get(id);
    if (p === undefined && !(options.force && s.has(id))) continue;
    seen.add(id);
    entries.push({ id, count: options.retryCount ?? nackedCount(options.mode, p?.deliveryCount ?? 0) });
    before.push({ id, before: p?.deliveryCount ?? 0 });
  }
  if (entries.length > 0) {
    ks.command(() => {
      ks.emit({ op: 'nack', key, group, entries });
      emitNackDues(ks, key, g, before, options.delayMs);
    });
  }
  return entries.length;
}

function nackedCount(mode: XnackOptions['mode'], count: number): number {
  if (mode === 'silent') return count > 0 ? count - 1 : 0;
  if (mode === 'fatal') return XNACK_FATAL_DELIVERY_COUNT;
  return count;
}

import { XINFO_STREAM_FULL_DEFAULT_COUNT } from '../domain/defaults.js';
/**
 * What the keyspace can tell about itself without changing it: the XINFO
 * commands, and the exports that storage (snapshots) and tests (debugState)
 * take of it.
 */
import { compareNames, type ConsumerGroup } from './consumer-group.js';
import type { DueQueue } from './delivery-policy.js';
import type { Effect, EffectBatch } from './effects.js';
import { idempotencyInfo } from './idempotency.js';
import type { Keyspace } from './keyspace.js';
import { groupLag } from './lag.js';
import type { Stream } from './stream.js';
import { replyBudget } from './reply-budget.js';
import { MAX_ID, idMs, type StreamId } from '../domain/ids.js';
import type { ConsumerInfo, FullGroupInfo, GroupInfo, StreamCounters, StreamInfo, StreamInfoFull } from '../domain/types.js';

// XINFO STREAM key
export function xinfoStreamCommand(ks: Keyspace, key: string): StreamInfo | null {
  const s = ks.streams.get(key);
  if (s === undefined) return null;
  return { ...streamCounters(s), groups: s.groups.size, idempotency: idempotencyInfo(s, ks.clock()), firstEntry: s.firstEntry(), lastEntry: s.lastEntry() };
}

// XINFO STREAM key FULL [COUNT count]   (COUNT 0: everything)
export function xinfoStreamFullCommand(ks: Keyspace, key: string, count = XINFO_STREAM_FULL_DEFAULT_COUNT): StreamInfoFull | null {
  const s = ks.streams.get(key);
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
    nackedCount: g.nacked.size,
    pending: take(g.pel.values()).map((p) => ({
      id: p.id,
      consumer: p.consumer?.name ?? null,
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
  return { ...streamCounters(s), entries: s.range(0n, MAX_ID, limit, false, replyBudget(ks.limits.replyBytes)), groups };
}

// XINFO GROUPS key
export function xinfoGroupsCommand(ks: Keyspace, key: string): GroupInfo[] | null {
  const s = ks.streams.get(key);
  if (s === undefined) return null;
  return sortedGroups(s).map((g) => groupInfo(s, g));
}

/** One group's XINFO GROUPS row; null when the key or the group is missing. */
export function findGroupInfo(ks: Keyspace, key: string, group: string): GroupInfo | null {
  const s = ks.streams.get(key);
  const g = s?.groups.get(group);
  return s && g ? groupInfo(s, g) : null;
}

/** The size of one consumer's PEL in O(1); 0 when the consumer (or its group) is missing. */
export function consumerPendingCount(ks: Keyspace, key: string, group: string, consumer: string): number {
  return ks.streams.get(key)?.groups.get(group)?.consumers.get(consumer)?.pel.size ?? 0;
}

// XINFO CONSUMERS key group
export function xinfoConsumersCommand(ks: Keyspace, key: string, group: string): ConsumerInfo[] {
  const { g } = ks.requireGroup(key, group, 'XINFO');
  const now = ks.clock();
  return g.sortedConsumers().map((c) => ({
    name: c.name,
    pending: c.pel.size,
    idleMs: Math.max(0, now - c.seenTime),
    inactiveMs: c.activeTime === -1 ? -1 : Math.max(0, now - c.activeTime),
  }));
}

/** A group's XINFO GROUPS row. */
export function groupInfo(s: Stream, g: ConsumerGroup): GroupInfo {
  return {
    name: g.name,
    consumers: g.consumers.size,
    pending: g.pel.size,
    lastDeliveredId: g.lastId,
    entriesRead: g.entriesRead,
    lag: groupLag(s, g),
    policy: g.delivery?.policy ?? null,
  };
}

/**
 * A stream's counters, groups, consumers and PELs as effects, in batches of
 * at most `batchSize`, each taken in one step: what a snapshot holds after
 * the stream's entries. None when the stream is gone.
 */
export function snapshotStreamState(ks: Keyspace, key: string, batchSize = 4096): EffectBatch[] {
  const s = ks.streams.get(key);
  if (s === undefined) return [];
  const out: Effect[] = [{ op: 'set-id', key, lastId: s.lastId, entriesAdded: s.entriesAdded, maxDeletedId: s.maxDeletedId, firstId: s.firstId }];
  for (const g of s.groups.values()) {
    out.push({ op: 'group-create', key, group: g.name, lastId: g.lastId, entriesRead: g.entriesRead });
    if (g.delivery !== null) out.push({ op: 'group-policy', key, group: g.name, policy: g.delivery.policy });
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
    if (g.nacked.size > 0) {
      out.push({ op: 'nack', key, group: g.name, entries: [...g.nacked.values()].map((p) => ({ id: p.id, count: p.deliveryCount })) });
    }
    if (g.delivery !== null) out.push(...policyDueEffects(key, g));
  }
  const r = s.idempotency;
  if (r !== null) {
    out.push({ op: 'idmp-config', key, durationS: r.durationS, maxSize: r.maxSize, clear: true });
    for (const [producer, iids] of r.producers) {
      for (const [iid, recorded] of iids) {
        const { id, digest, batchIds } = recorded;
        out.push(batchIds === undefined ? { op: 'idmp-record', key, producer, iid, id, digest, added: r.added } : { op: 'idmp-record-batch', key, producer, iid, ids: batchIds, digest, added: r.added });
      }
    }
    out.push({ op: 'idmp-duplicate', key, duplicates: r.duplicates });
  }
  const batches: EffectBatch[] = [];
  for (let i = 0; i < out.length; i += batchSize) batches.push(out.slice(i, i + batchSize));
  return batches;
}

/** The due times of a group's pending entries as 'policy-due' effects, one per queue, unowned ones in nack order. */
function policyDueEffects(key: string, g: ConsumerGroup): Effect[] {
  const state = g.delivery!;
  const byQueue = { deadline: [], nacked: [], overdue: [] } as Record<DueQueue, { id: StreamId; due: number }[]>;
  const add = (id: StreamId, owned: boolean): void => {
    const due = state.dueOf(id);
    if (due === undefined) return;
    // A doomed entry goes back to the doomed queue by its count, from either unowned queue.
    byQueue[owned ? 'deadline' : due.queue === 'overdue' ? 'overdue' : 'nacked'].push({ id, due: due.due });
  };
  for (const p of g.pel.values()) if (p.consumer !== null) add(p.id, true);
  for (const p of g.nacked.values()) add(p.id, false);
  return (Object.keys(byQueue) as DueQueue[])
    .filter((queue) => byQueue[queue].length > 0)
    .map((queue) => ({ op: 'policy-due', key, group: g.name, queue, entries: byQueue[queue] }));
}

/**
 * The whole state as plain data, for tests that compare two cores. Leaves
 * out what is not persisted: node layout, and the seen-time that reads and
 * claims which changed nothing else update.
 */
export function debugState(ks: Keyspace): unknown {
  const out: Record<string, unknown> = {};
  for (const [key, s] of ks.streams.entries()) {
    out[key] = {
      length: s.length,
      lastId: String(s.lastId),
      maxDeletedId: String(s.maxDeletedId),
      entriesAdded: String(s.entriesAdded),
      firstId: String(s.firstId),
      entries: [...s.allEntries()].map((e) => [String(e.id), e.fields]),
      idempotency:
        s.idempotency === null
          ? null
          : {
              durationS: s.idempotency.durationS,
              maxSize: s.idempotency.maxSize,
              added: String(s.idempotency.added),
              duplicates: String(s.idempotency.duplicates),
              // Only what is live now: forgetting by time happens lazily, when a producer is looked at.
              producers: [...s.idempotency.producers]
                .map(([p, iids]) => [p, [...iids].filter(([, r]) => idMs(r.id) >= BigInt(Math.max(0, ks.clock() - s.idempotency!.durationS * 1000))).map(([iid, r]) => [iid, r.batchIds?.map(String) ?? String(r.id), r.digest])] as const)
                .filter(([, iids]) => iids.length > 0),
            },
      groups: sortedGroups(s).map((g) => ({
        name: g.name,
        lastId: String(g.lastId),
        entriesRead: g.entriesRead === null ? null : String(g.entriesRead),
        pel: [...g.pel.values()].map((p) => [String(p.id), p.consumer?.name ?? null, p.deliveryTime, p.deliveryCount]),
        nacked: [...g.nacked.keys()].map(String),
        policy: g.delivery?.policy ?? null,
        dues: g.delivery === null ? [] : [...g.pel.keys()].map((id) => [String(id), g.delivery!.dueOf(id) ?? null]),
        consumers: g.sortedConsumers().map((c) => ({ name: c.name, activeTime: c.activeTime, pel: [...c.pel.keys()].map(String) })),
      })),
    };
  }
  return out;
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

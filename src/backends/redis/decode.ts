import { IDMP_DEFAULT_DURATION_S, IDMP_DEFAULT_MAX_SIZE } from '../../domain/defaults.js';
/**
 * RESP2 replies (as ioredis hands them with `stringNumbers`: integers as
 * decimal strings, nil as null) into the domain types.
 */
import { parseId, type StreamId } from '../../domain/ids.js';
import type {
  ConsumerInfo,
  Delivery,
  Entry,
  FullGroupInfo,
  GroupInfo,
  PendingEntryInfo,
  PendingSummary,
  StreamCounters,
  StreamInfo,
  StreamInfoFull,
} from '../../domain/types.js';

export type Reply = string | null | Reply[];

export function id(reply: Reply): StreamId {
  const parsed = typeof reply === 'string' ? parseId(reply) : undefined;
  if (parsed === undefined) throw new Error(`Redis answered ${JSON.stringify(reply)} where a stream ID belongs`);
  return parsed;
}

export function int(reply: Reply): number {
  return Number(reply);
}

function bigOrNull(reply: Reply): bigint | null {
  return reply === null ? null : BigInt(reply as string);
}

function list(reply: Reply): Reply[] {
  return Array.isArray(reply) ? reply : [];
}

/** A flat `name value name value ...` reply as a lookup. */
export function fields(reply: Reply): Map<string, Reply> {
  const out = new Map<string, Reply>();
  const items = list(reply);
  for (let i = 0; i + 1 < items.length; i += 2) out.set(items[i] as string, items[i + 1]!);
  return out;
}

export function entry(reply: Reply): Entry {
  const [entryId, entryFields] = reply as [Reply, Reply];
  return { id: id(entryId), fields: entryFields === null ? null : (entryFields as string[]) };
}

export function entries(reply: Reply): Entry[] {
  return list(reply).map(entry);
}

/** `{ id, fields, count }` triples from the claim and group-read scripts. */
export function deliveries(reply: Reply, withCounts: boolean): Delivery[] {
  return list(reply).map((item) => {
    const [entryId, entryFields, count] = item as [Reply, Reply, Reply];
    const delivery: Delivery = { id: id(entryId), fields: entryFields === null ? null : (entryFields as string[]) };
    if (withCounts && count !== null) delivery.deliveryCount = int(count);
    return delivery;
  });
}

export function groupInfo(reply: Reply): GroupInfo {
  const f = fields(reply);
  return {
    name: f.get('name') as string,
    consumers: int(f.get('consumers')!),
    pending: int(f.get('pending')!),
    lastDeliveredId: id(f.get('last-delivered-id')!),
    entriesRead: bigOrNull(f.get('entries-read') ?? null),
    lag: bigOrNull(f.get('lag') ?? null),
    policy: null,
  };
}

/** Redis below 7.2 has no `inactive`: see the README's differences (-1, as for a consumer never delivered to). */
export function consumerInfo(reply: Reply): ConsumerInfo {
  const f = fields(reply);
  const inactive = f.get('inactive');
  return {
    name: f.get('name') as string,
    pending: int(f.get('pending')!),
    idleMs: int(f.get('idle')!),
    inactiveMs: inactive === undefined || inactive === null ? -1 : int(inactive),
  };
}

function counters(f: Map<string, Reply>): StreamCounters {
  return {
    length: int(f.get('length')!),
    radixTreeKeys: int(f.get('radix-tree-keys')!),
    lastGeneratedId: id(f.get('last-generated-id')!),
    maxDeletedEntryId: id(f.get('max-deleted-entry-id') ?? '0-0'),
    entriesAdded: BigInt((f.get('entries-added') as string | undefined) ?? '0'),
    recordedFirstEntryId: id(f.get('recorded-first-entry-id') ?? '0-0'),
  };
}

export function streamInfo(reply: Reply): StreamInfo {
  const f = fields(reply);
  const first = f.get('first-entry') ?? null;
  const last = f.get('last-entry') ?? null;
  return {
    ...counters(f),
    groups: int(f.get('groups')!),
    // Servers before Redis 8.6 keep no idempotency state: the windows they would have, and nothing tracked.
    idempotency: { durationS: IDMP_DEFAULT_DURATION_S, maxSize: IDMP_DEFAULT_MAX_SIZE, producersTracked: 0, keysTracked: 0, keysAdded: 0n, duplicates: 0n },
    firstEntry: first === null ? null : entry(first),
    lastEntry: last === null ? null : entry(last),
  };
}

export function streamInfoFull(reply: Reply): StreamInfoFull {
  const f = fields(reply);
  const groups: FullGroupInfo[] = list(f.get('groups') ?? null).map((groupReply) => {
    const g = fields(groupReply);
    return {
      name: g.get('name') as string,
      lastDeliveredId: id(g.get('last-delivered-id')!),
      entriesRead: bigOrNull(g.get('entries-read') ?? null),
      lag: bigOrNull(g.get('lag') ?? null),
      pelCount: int(g.get('pel-count')!),
      // XNACK is Redis 8.8: nothing is ever nacked before it.
      nackedCount: 0,
      pending: list(g.get('pending') ?? null).map((p) => {
        const [pid, consumer, time, count] = p as string[];
        return { id: id(pid!), consumer: consumer!, deliveryTime: int(time!), deliveryCount: int(count!) };
      }),
      consumers: list(g.get('consumers') ?? null).map((consumerReply) => {
        const c = fields(consumerReply);
        const active = c.get('active-time');
        return {
          name: c.get('name') as string,
          seenTime: int(c.get('seen-time')!),
          activeTime: active === undefined || active === null ? -1 : int(active),
          pelCount: int(c.get('pel-count')!),
          pending: list(c.get('pending') ?? null).map((p) => {
            const [pid, time, count] = p as string[];
            return { id: id(pid!), deliveryTime: int(time!), deliveryCount: int(count!) };
          }),
        };
      }),
    };
  });
  return { ...counters(f), entries: entries(f.get('entries') ?? null), groups };
}

export function pendingSummary(reply: Reply): PendingSummary {
  const [count, minId, maxId, consumers] = reply as [Reply, Reply, Reply, Reply];
  return {
    count: int(count),
    minId: minId === null ? null : id(minId),
    maxId: maxId === null ? null : id(maxId),
    consumers: list(consumers).map((c) => {
      const [name, n] = c as string[];
      return { name: name!, count: int(n!) };
    }),
  };
}

export function pendingEntries(reply: Reply): PendingEntryInfo[] {
  return list(reply).map((p) => {
    const [pid, consumer, idle, count] = p as string[];
    return { id: id(pid!), consumer: consumer!, idleMs: int(idle!), deliveryCount: int(count!) };
  });
}

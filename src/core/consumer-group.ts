import { BTree } from './btree.js';
import { IdTree } from './id-tree.js';
import type { DeliveryState } from './delivery-policy.js';
import type { StreamId } from '../domain/ids.js';

/** A pending-entries list: ID -> entry, ordered, O(log n) seek, insert and delete. */
export type PendingList = IdTree<PendingEntry>;

/**
 * A delivered, unacknowledged entry (Redis's streamNACK). The same object sits
 * in the group's PEL and in its owner's PEL; `consumer` always names the owner,
 * or is null for an entry released by XNACK, which sits in the group's
 * `nacked` zone instead of any consumer's PEL.
 */
export class PendingEntry {
  /**
   * The delivery time as two small integers, timeHigh * 2^30 + timeLow (high
   * below 2^23 for any safe integer, low below 2^30), which V8 keeps inside
   * the object: a number field holding a Unix ms points to a heap number of
   * its own, one more cache miss for each entry a PEL scan reads.
   */
  private timeHigh = 0;
  private timeLow = 0;

  constructor(
    readonly id: StreamId,
    public consumer: Consumer | null,
    deliveryTime: number,
    /** Deliveries so far, this one included. */
    public deliveryCount: number,
  ) {
    this.deliveryTime = deliveryTime;
  }

  /** Unix ms of the last delivery; 0 once nacked. */
  get deliveryTime(): number {
    return this.timeHigh * TIME_SPLIT + this.timeLow;
  }

  set deliveryTime(ms: number) {
    const high = Math.floor(ms / TIME_SPLIT);
    this.timeHigh = high;
    this.timeLow = ms - high * TIME_SPLIT;
  }
}

const TIME_SPLIT = 2 ** 30;

export class Consumer {
  /** This consumer's share of the group PEL. */
  readonly pel: PendingList = new IdTree<PendingEntry>();
  constructor(
    readonly name: string,
    /** Last read or claim attempt (drives `idle`). */
    public seenTime: number,
    /** Last read or claim that delivered something (drives `inactive`); -1 never. */
    public activeTime: number = -1,
  ) {}
}

export class ConsumerGroup {
  readonly pel: PendingList = new IdTree<PendingEntry>();
  readonly consumers = new Map<string, Consumer>();
  /** Unowned (nacked) PEL entries in the order they were nacked: the head of the claim order (Redis 8.8). */
  readonly nacked = new Map<StreamId, PendingEntry>();
  /**
   * Owned PEL entries by [delivery time, ID]: the rest of the claim order
   * (XREADGROUP CLAIM). Built the first time the group is read with CLAIM and
   * kept from then on, so groups that never are pay nothing for it.
   */
  private byTime: BTree<[number, StreamId], PendingEntry> | null = null;
  /** The delivery policy's due times (delivery-policy.ts); null without a policy. */
  delivery: DeliveryState | null = null;
  constructor(
    readonly name: string,
    /** last-delivered-id */
    public lastId: StreamId,
    /** entries-read: the logical read counter; null when unknown. */
    public entriesRead: bigint | null,
  ) {}

  /** Records `id` as pending for `consumer`, taking it from its previous owner. */
  assign(id: StreamId, consumer: Consumer, time: number, count: number): PendingEntry {
    // Looked up first, so that a claim of a pending entry allocates nothing; the insert after a miss reuses the lookup's leaf.
    const entry = this.pel.get(id);
    if (entry === undefined) {
      const created = new PendingEntry(id, consumer, time, count);
      this.pel.insert(created);
      consumer.pel.set(created);
      this.byTime?.set([time, id], created);
      return created;
    }
    if (this.byTime !== null && entry.consumer !== null) this.byTime.delete([entry.deliveryTime, id]);
    if (entry.consumer !== consumer) {
      if (entry.consumer === null) this.nacked.delete(id);
      else entry.consumer.pel.delete(id);
      consumer.pel.set(entry);
      entry.consumer = consumer;
    }
    entry.deliveryTime = time;
    entry.deliveryCount = count;
    this.byTime?.set([time, id], entry);
    return entry;
  }

  /** Drops `id` from the group's and its owner's PEL. */
  release(id: StreamId): boolean {
    const entry = this.pel.delete(id);
    if (entry === undefined) return false;
    if (entry.consumer === null) this.nacked.delete(id);
    else {
      entry.consumer.pel.delete(id);
      this.byTime?.delete([entry.deliveryTime, id]);
    }
    return true;
  }

  /**
   * XNACK: `id` (pending, or created when missing) loses its owner, its
   * delivery time becomes 0 and it goes to the end of the nacked zone.
   */
  nack(id: StreamId, count: number): PendingEntry {
    const created = new PendingEntry(id, null, 0, count);
    const entry = this.pel.insert(created) ?? created;
    if (entry !== created) {
      if (entry.consumer === null) this.nacked.delete(id);
      else {
        entry.consumer.pel.delete(id);
        this.byTime?.delete([entry.deliveryTime, id]);
      }
      entry.consumer = null;
      entry.deliveryTime = 0;
      entry.deliveryCount = count;
    }
    this.nacked.set(id, entry);
    return entry;
  }

  /** Owned PEL entries, least recently delivered first (XREADGROUP CLAIM's order after the nacked zone). */
  byDeliveryTime(): BTree<[number, StreamId], PendingEntry> {
    if (this.byTime === null) {
      this.byTime = new BTree<[number, StreamId], PendingEntry>(undefined, compareTimeKeys);
      for (const entry of this.pel.values()) if (entry.consumer !== null) this.byTime.set([entry.deliveryTime, entry.id], entry);
    }
    return this.byTime;
  }

  /** Consumers in Redis's order (bytewise by name, as its radix tree keeps them). */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => compareNames(a.name, b.name));
  }
}

/**
 * Bytewise UTF-8 order, as Redis's radix trees sort keys. UTF-8 byte order is
 * code point order, which differs from JS's UTF-16 `<` only around surrogates.
 */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

function compareTimeKeys(a: [number, StreamId], b: [number, StreamId]): number {
  return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
}

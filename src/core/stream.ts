import type { ConsumerGroup } from './consumer-group.js';
import type { IdempotencyRecord } from './idempotency.js';
import { MemoryMeter } from './memory-meter.js';
import { spend, type ReplyBudget } from './reply-budget.js';
import { StreamNode } from './stream-node.js';
import { ID_WORDS, MAX_ID, splitId, type StreamId } from '../domain/ids.js';
import type { Entry, FieldList } from '../domain/types.js';

/** A position in the stream packed in one number, node index * SLOT_SPAN + slot, so that a lookup allocates nothing. */
const SLOT_SPAN = 128;
const WORD = 4294967296;

/** Whether node i's first ID, four words at 4 * i of the node index, is <= the ID split into k0..k3. */
function startsAtOrBelow(words: Uint32Array, i: number, k0: number, k1: number, k2: number, k3: number): boolean {
  const at = i * 4;
  return (words[at]! - k0 || words[at + 1]! - k1 || words[at + 2]! - k2 || words[at + 3]! - k3) <= 0;
}

/**
 * One stream (Redis's `stream`): its entries in StreamNodes under a sorted
 * node index, its counters, and its consumer groups.
 */
export class Stream {
  /**
   * nodes[head..] are the stream's nodes, sorted by first ID, none without
   * slots; the slots before `head` are null, left by removals at the head,
   * and go when a node is added while they are at least as many as the nodes
   * after them, so that trimming costs amortised O(1) a node.
   */
  private nodes: (StreamNode | null)[] = [];
  private head = 0;
  /** nodes[i]'s first ID as four words (see splitId) at 4 * i: the node index, searched without touching the nodes. */
  private firstIdWords = new Uint32Array(64);
  /** nodeIndexFor's last answer; only a hint, checked against the index before use. */
  private lastNodeIndex = -1;
  /** Live entries. */
  length = 0;
  /** last-generated-id: the top ID ever added (or set by XSETID), deleted or not. */
  lastId: StreamId = 0n;
  /** max-deleted-entry-id: the largest ID removed by XDEL (trimming does not count). */
  maxDeletedId: StreamId = 0n;
  /** entries-added: every entry ever added, whatever was removed since. */
  entriesAdded = 0n;
  /** recorded-first-entry-id. */
  firstId: StreamId = 0n;
  readonly groups = new Map<string, ConsumerGroup>();
  /** XADD IDMP / IDMPAUTO's record (Redis 8.6); null until the stream is first configured or written idempotently. */
  idempotency: IdempotencyRecord | null = null;
  /** The live entries' bytes (the sum of their nodes' liveBytes); every change is also added to `meter`. */
  bytes = 0;

  constructor(
    readonly key: string,
    /** The keyspace's meter (memoryMeterOf its streams); a stream of its own when alone. */
    private readonly meter: MemoryMeter = new MemoryMeter(),
  ) {}

  private account(delta: number): void {
    this.bytes += delta;
    this.meter.used += delta;
  }

  append(id: StreamId, fields: FieldList): void {
    let node = this.nodes[this.nodes.length - 1];
    if (node === undefined || node === null || node.full) {
      node = new StreamNode();
      this.pushNode(node, id);
    }
    const before = node.liveBytes;
    node.push(id, fields);
    this.account(node.liveBytes - before);
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  private pushNode(node: StreamNode, firstId: StreamId): void {
    if (this.head > 0 && this.head * 2 >= this.nodes.length) this.compact();
    const at = this.nodes.length * 4;
    if (at === this.firstIdWords.length) {
      const grown = new Uint32Array(at * 2);
      grown.set(this.firstIdWords);
      this.firstIdWords = grown;
    }
    splitId(firstId);
    this.firstIdWords.set(ID_WORDS, at);
    this.nodes.push(node);
  }

  /** Drops the null slots before `head`. */
  private compact(): void {
    this.firstIdWords.copyWithin(0, this.head * 4, this.nodes.length * 4);
    this.nodes.splice(0, this.head);
    this.head = 0;
  }

  /** Removes nodes[at] from the index. */
  private removeNode(at: number): void {
    if (at === this.head) {
      this.nodes[at] = null;
      this.head++;
      if (this.head === this.nodes.length) this.nodes.length = this.head = 0;
      return;
    }
    // A node in the middle (XDEL emptied it): O(nodes after it), a memmove of pointers and words.
    this.firstIdWords.copyWithin(at * 4, (at + 1) * 4, this.nodes.length * 4);
    this.nodes.splice(at, 1);
  }

  /** The largest ID in any slot (tombstones included), 0-0 when there is none: appends must go above it. */
  lastSlotId(): StreamId {
    const node = this.nodes[this.nodes.length - 1];
    return node === undefined || node === null ? 0n : node.lastId();
  }

  /**
   * Index of the node that would hold the ID split into k0..k3: the last node
   * whose first ID is <= it (the first node when none is). The stream must
   * have a node.
   *
   * An interpolation search: the guess is where the ID's ms falls between
   * the first and last nodes' first ms, then a gallop from it brackets the
   * answer and a binary search ends inside the bracket. Streams of IDs from a
   * clock land on or next to the answer in a few probes of neighbouring words,
   * where a plain binary search makes log2(nodes) probes all over the index
   * (each a cache miss at a million entries); any spread of IDs still costs
   * O(log nodes), twice the binary search's probes at worst.
   */
  private nodeIndexFor(k0: number, k1: number, k2: number, k3: number): number {
    const words = this.firstIdWords;
    const first = this.head;
    const last = this.nodes.length - 1;
    if (first === last) return first;
    // The last answer first: commands that look up IDs near each other (a PEL's, a claim's) find the node again in two probes.
    const known = this.lastNodeIndex;
    if (known >= first && known <= last && startsAtOrBelow(words, known, k0, k1, k2, k3) && (known === last || !startsAtOrBelow(words, known + 1, k0, k1, k2, k3))) {
      return known;
    }
    const firstMs = words[first * 4]! * WORD + words[first * 4 + 1]!;
    const lastMs = words[last * 4]! * WORD + words[last * 4 + 1]!;
    const ms = k0 * WORD + k1;
    let guess = first;
    if (ms >= lastMs) guess = last;
    else if (ms > firstMs) guess = first + Math.floor(((ms - firstMs) / (lastMs - firstMs)) * (last - first));
    // The first index p in [first + 1, last + 1] whose node starts above the ID (last + 1: none does); the answer is p - 1.
    const probe = Math.min(Math.max(guess + 1, first + 1), last);
    let lo: number;
    let hi: number;
    if (startsAtOrBelow(words, probe, k0, k1, k2, k3)) {
      lo = probe + 1;
      let step = 1;
      let next = lo;
      while (next <= last && startsAtOrBelow(words, next, k0, k1, k2, k3)) {
        lo = next + 1;
        step *= 2;
        next = lo + step - 1;
      }
      hi = Math.min(next, last + 1);
    } else {
      hi = probe;
      let step = 1;
      let next = hi - 1;
      while (next > first && !startsAtOrBelow(words, next, k0, k1, k2, k3)) {
        hi = next;
        step *= 2;
        next = hi - step;
      }
      lo = Math.max(next + 1, first + 1);
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (startsAtOrBelow(words, mid, k0, k1, k2, k3)) lo = mid + 1;
      else hi = mid;
    }
    this.lastNodeIndex = lo - 1;
    return lo - 1;
  }

  /** The position of `id` (see SLOT_SPAN), or -1 when no slot has it. */
  private locate(id: StreamId): number {
    if (this.nodeCount === 0) return -1;
    splitId(id);
    const k0 = ID_WORDS[0]!;
    const k1 = ID_WORDS[1]!;
    const k2 = ID_WORDS[2]!;
    const k3 = ID_WORDS[3]!;
    const n = this.nodeIndexFor(k0, k1, k2, k3);
    const node = this.nodes[n]!;
    const slot = node.lowerBound(k0, k1, k2, k3);
    return slot < node.count && node.compareIdAt(slot, k0, k1, k2, k3) === 0 ? n * SLOT_SPAN + slot : -1;
  }

  get(id: StreamId): FieldList | undefined {
    const at = this.locate(id);
    if (at < 0) return undefined;
    return this.nodes[Math.floor(at / SLOT_SPAN)]!.fieldsAt(at % SLOT_SPAN) ?? undefined;
  }

  has(id: StreamId): boolean {
    const at = this.locate(id);
    return at >= 0 && this.nodes[Math.floor(at / SLOT_SPAN)]!.isLive(at % SLOT_SPAN);
  }

  /** Removes one live entry (XDEL); a node left with no live entry goes. */
  remove(id: StreamId): boolean {
    const at = this.locate(id);
    if (at < 0) return false;
    const n = Math.floor(at / SLOT_SPAN);
    const node = this.nodes[n]!;
    const before = node.liveBytes;
    if (!node.kill(at % SLOT_SPAN)) return false;
    this.account(node.liveBytes - before);
    this.length--;
    if (node.live === 0) this.removeNode(n);
    return true;
  }

  /**
   * Live entries with start <= id <= end, ascending (or descending when
   * `reverse`), at most `count` (undefined: all), and only while `budget`
   * has room (each entry is measured as it is decoded). Seeks in O(log n).
   */
  range(start: StreamId, end: StreamId, count: number | undefined, reverse = false, budget?: ReplyBudget): Entry[] {
    const out: Entry[] = [];
    if (start > end || this.nodeCount === 0 || count === 0) return out;
    const limit = count ?? Number.POSITIVE_INFINITY;
    const nodes = this.nodes;
    splitId(reverse ? start : end);
    const b0 = ID_WORDS[0]!;
    const b1 = ID_WORDS[1]!;
    const b2 = ID_WORDS[2]!;
    const b3 = ID_WORDS[3]!;
    splitId(reverse ? end : start);
    const k0 = ID_WORDS[0]!;
    const k1 = ID_WORDS[1]!;
    const k2 = ID_WORDS[2]!;
    const k3 = ID_WORDS[3]!;
    let n = this.nodeIndexFor(k0, k1, k2, k3);
    let slot = nodes[n]!.lowerBound(k0, k1, k2, k3);
    if (!reverse) {
      // b0..b3 is the end.
      for (; n < nodes.length; n++, slot = 0) {
        const node = nodes[n]!;
        for (; slot < node.count; slot++) {
          if (node.compareIdAt(slot, b0, b1, b2, b3) > 0) return out;
          if (!node.isLive(slot)) continue;
          const fields = node.fieldsAt(slot)!;
          if (budget !== undefined && !spend(budget, fields)) return out;
          out.push({ id: node.idAt(slot), fields });
          if (out.length >= limit) return out;
        }
      }
      return out;
    }
    // b0..b3 is the start; the seek found the first slot >= end: step back unless it is the end itself.
    if (slot >= nodes[n]!.count || nodes[n]!.compareIdAt(slot, k0, k1, k2, k3) > 0) slot--;
    while (n >= this.head) {
      const node = nodes[n]!;
      for (; slot >= 0; slot--) {
        if (node.compareIdAt(slot, b0, b1, b2, b3) < 0) return out;
        if (!node.isLive(slot)) continue;
        const fields = node.fieldsAt(slot)!;
        if (budget !== undefined && !spend(budget, fields)) return out;
        out.push({ id: node.idAt(slot), fields });
        if (out.length >= limit) return out;
      }
      n--;
      if (n >= this.head) slot = nodes[n]!.count - 1;
    }
    return out;
  }

  firstEntry(): Entry | null {
    return this.range(0n, MAX_ID, 1)[0] ?? null;
  }

  lastEntry(): Entry | null {
    return this.range(0n, MAX_ID, 1, true)[0] ?? null;
  }

  /** The ID of the last live entry (Redis's streamLastValidID), 0-0 when empty. */
  lastValidId(): StreamId {
    // Back over trailing tombstones, decoding no fields.
    for (let n = this.nodes.length - 1; n >= this.head; n--) {
      const node = this.nodes[n]!;
      for (let slot = node.count - 1; slot >= 0; slot--) if (node.isLive(slot)) return node.idAt(slot);
    }
    return 0n;
  }

  /**
   * What a trim would remove, as Redis's streamTrim decides it: whole nodes
   * from the head while the rule allows, then (exact trims only) entries
   * inside the next node. Answers the ID up to which everything goes
   * (undefined: nothing) and how many live entries that is. Changes nothing.
   */
  planTrim(rule: { maxLen: number } | { minId: StreamId }, approximate: boolean, limit: number): { upTo: StreamId | undefined; removed: number } {
    let length = this.length;
    let removed = 0;
    let upTo: StreamId | undefined;
    for (let n = this.head; n < this.nodes.length; n++) {
      const node = this.nodes[n]!;
      if ('maxLen' in rule && length <= rule.maxLen) break;
      const entries = node.live;
      if (limit && removed + entries > limit) break;
      const removeNode = 'maxLen' in rule ? length - entries >= rule.maxLen : node.lastId() < rule.minId;
      if (removeNode) {
        length -= entries;
        removed += entries;
        upTo = node.lastId();
        continue;
      }
      if (approximate) break;
      for (let slot = 0; slot < node.count; slot++) {
        const stop = 'maxLen' in rule ? length <= rule.maxLen : node.idAt(slot) >= rule.minId;
        if (stop) break;
        if (node.isLive(slot)) {
          length--;
          removed++;
          upTo = node.idAt(slot);
        }
      }
      break;
    }
    return { upTo, removed };
  }

  /**
   * Removes every entry with id <= upTo, as an exact trim does: nodes whose
   * last slot is <= upTo go whole, and the entries of the next node that are
   * <= upTo become tombstones. Idempotent. Answers live entries removed.
   */
  trimUpTo(upTo: StreamId): number {
    let removed = 0;
    while (this.nodeCount > 0) {
      const node = this.nodes[this.head]!;
      if (node.lastId() > upTo) break;
      removed += node.live;
      this.account(-node.liveBytes);
      this.removeNode(this.head);
    }
    if (this.nodeCount > 0) {
      const node = this.nodes[this.head]!;
      const before = node.liveBytes;
      for (let slot = 0; slot < node.count && node.idAt(slot) <= upTo; slot++) {
        if (node.kill(slot)) removed++;
      }
      this.account(node.liveBytes - before);
    }
    this.length -= removed;
    this.firstId = this.length > 0 ? this.firstEntry()!.id : 0n;
    return removed;
  }

  /** Number of nodes: what Redis reports as radix-tree-keys. */
  get nodeCount(): number {
    return this.nodes.length - this.head;
  }

  /** Every live entry, ascending: for snapshots. */
  *allEntries(): IterableIterator<Entry> {
    for (let n = this.head; n < this.nodes.length; n++) {
      const node = this.nodes[n]!;
      for (let slot = 0; slot < node.count; slot++) {
        if (node.isLive(slot)) yield { id: node.idAt(slot), fields: node.fieldsAt(slot)! };
      }
    }
  }

  /** Up to `limit` nodes whose first ID is in [from, to], ascending: a snapshot's next chunk of the stream. */
  nodesBetween(from: StreamId, to: StreamId, limit: number): StreamNode[] {
    const out: StreamNode[] = [];
    if (this.nodeCount === 0) return out;
    splitId(from);
    let n = this.nodeIndexFor(ID_WORDS[0]!, ID_WORDS[1]!, ID_WORDS[2]!, ID_WORDS[3]!);
    if (this.nodes[n]!.idAt(0) < from) n++;
    for (; n < this.nodes.length && out.length < limit && this.nodes[n]!.idAt(0) <= to; n++) out.push(this.nodes[n]!);
    return out;
  }

  /** Appends nodes restored from a snapshot, each above every slot already here; their live entries count toward `length`. */
  appendNodes(nodes: StreamNode[]): void {
    for (const node of nodes) {
      if (node.live === 0) throw new RangeError(`stream ${this.key}: a restored node with no live entry`);
      const firstId = node.idAt(0);
      if (this.nodeCount > 0 && firstId <= this.lastSlotId()) throw new RangeError(`stream ${this.key}: restored nodes out of order`);
      this.pushNode(node, firstId);
      this.length += node.live;
      this.account(node.liveBytes);
    }
  }
}

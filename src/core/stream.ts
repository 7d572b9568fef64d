import type { ConsumerGroup } from './consumer-group.js';
import { MAX_ID, type StreamId } from './stream-id.js';
import type { Entry, FieldList } from './types.js';

/**
 * Entries live in nodes of at most NODE_MAX_ENTRIES slots, as Redis's
 * listpacks do (`stream-node-max-entries` 100). Approximate trimming removes
 * whole nodes only, so node boundaries are observable and must match Redis's.
 * A slot whose `fields` is null is a tombstone (XDEL, or an exact trim inside
 * a node); it keeps its ID so the node stays sorted.
 */
export const NODE_MAX_ENTRIES = 100;

export class StreamNode {
  /** Sorted ascending; ids[0] is the node's key in the node index. */
  readonly ids: StreamId[] = [];
  readonly fields: (FieldList | null)[] = [];
  /** Slots that are not tombstones. */
  live = 0;

  /** First slot whose id is >= `id`, or ids.length. */
  lowerBound(id: StreamId): number {
    const ids = this.ids;
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid]! < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** A position in the stream: node index and slot. */
interface Cursor {
  node: number;
  slot: number;
}

export class Stream {
  /** Sorted by first ID; never holds a node with no slots. */
  nodes: StreamNode[] = [];
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

  constructor(readonly key: string) {}

  append(id: StreamId, fields: FieldList): void {
    let node = this.nodes[this.nodes.length - 1];
    if (node === undefined || node.ids.length >= NODE_MAX_ENTRIES) {
      node = new StreamNode();
      this.nodes.push(node);
    }
    node.ids.push(id);
    node.fields.push(fields);
    node.live++;
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  /** The largest ID in any slot (tombstones included), 0-0 when there is none: appends must go above it. */
  lastSlotId(): StreamId {
    const node = this.nodes[this.nodes.length - 1];
    return node === undefined ? 0n : node.ids[node.ids.length - 1]!;
  }

  /** Index of the node that would hold `id`: the last node whose first ID is <= id (0 when none). */
  private nodeIndexFor(id: StreamId): number {
    const nodes = this.nodes;
    let lo = 0;
    let hi = nodes.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (nodes[mid]!.ids[0]! <= id) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  private locate(id: StreamId): Cursor | undefined {
    if (this.nodes.length === 0) return undefined;
    const nodeIndex = this.nodeIndexFor(id);
    const node = this.nodes[nodeIndex]!;
    const slot = node.lowerBound(id);
    if (slot < node.ids.length && node.ids[slot] === id) return { node: nodeIndex, slot };
    return undefined;
  }

  get(id: StreamId): FieldList | undefined {
    const at = this.locate(id);
    if (at === undefined) return undefined;
    return this.nodes[at.node]!.fields[at.slot] ?? undefined;
  }

  has(id: StreamId): boolean {
    return this.get(id) !== undefined;
  }

  /** Removes one live entry (XDEL); a node left with no live entry goes. */
  remove(id: StreamId): boolean {
    const at = this.locate(id);
    if (at === undefined) return false;
    const node = this.nodes[at.node]!;
    if (node.fields[at.slot] === null) return false;
    node.fields[at.slot] = null;
    node.live--;
    this.length--;
    if (node.live === 0) this.nodes.splice(at.node, 1);
    return true;
  }

  /**
   * Live entries with start <= id <= end, ascending (or descending when
   * `reverse`), at most `count` (undefined: all). Seeks in O(log n).
   */
  range(start: StreamId, end: StreamId, count: number | undefined, reverse = false): Entry[] {
    const out: Entry[] = [];
    if (start > end || this.nodes.length === 0 || count === 0) return out;
    const limit = count ?? Number.POSITIVE_INFINITY;
    if (!reverse) {
      let n = this.nodeIndexFor(start);
      let slot = this.nodes[n]!.lowerBound(start);
      for (; n < this.nodes.length; n++, slot = 0) {
        const node = this.nodes[n]!;
        for (; slot < node.ids.length; slot++) {
          const id = node.ids[slot]!;
          if (id > end) return out;
          const fields = node.fields[slot]!;
          if (fields === null) continue;
          out.push({ id, fields });
          if (out.length >= limit) return out;
        }
      }
      return out;
    }
    let n = this.nodeIndexFor(end);
    let slot = this.nodes[n]!.lowerBound(end);
    if (slot >= this.nodes[n]!.ids.length || this.nodes[n]!.ids[slot]! > end) slot--;
    while (n >= 0) {
      const node = this.nodes[n]!;
      for (; slot >= 0; slot--) {
        const id = node.ids[slot]!;
        if (id < start) return out;
        const fields = node.fields[slot]!;
        if (fields === null) continue;
        out.push({ id, fields });
        if (out.length >= limit) return out;
      }
      n--;
      if (n >= 0) slot = this.nodes[n]!.ids.length - 1;
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
    return this.lastEntry()?.id ?? 0n;
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
    for (const node of this.nodes) {
      if ('maxLen' in rule && length <= rule.maxLen) break;
      const entries = node.live;
      if (limit && removed + entries > limit) break;
      const removeNode = 'maxLen' in rule ? length - entries >= rule.maxLen : node.ids[node.ids.length - 1]! < rule.minId;
      if (removeNode) {
        length -= entries;
        removed += entries;
        upTo = node.ids[node.ids.length - 1];
        continue;
      }
      if (approximate) break;
      for (let slot = 0; slot < node.ids.length; slot++) {
        const stop = 'maxLen' in rule ? length <= rule.maxLen : node.ids[slot]! >= rule.minId;
        if (stop) break;
        if (node.fields[slot] !== null) {
          length--;
          removed++;
          upTo = node.ids[slot];
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
    let whole = 0;
    for (const node of this.nodes) {
      if (node.ids[node.ids.length - 1]! > upTo) break;
      removed += node.live;
      whole++;
    }
    if (whole > 0) this.nodes.splice(0, whole);
    const node = this.nodes[0];
    if (node !== undefined) {
      for (let slot = 0; slot < node.ids.length && node.ids[slot]! <= upTo; slot++) {
        if (node.fields[slot] !== null) {
          node.fields[slot] = null;
          node.live--;
          removed++;
        }
      }
    }
    this.length -= removed;
    this.firstId = this.length > 0 ? this.firstEntry()!.id : 0n;
    return removed;
  }

  /** Number of nodes: what Redis reports as radix-tree-keys. */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Every live entry, ascending: for snapshots. */
  *allEntries(): IterableIterator<Entry> {
    for (const node of this.nodes) {
      for (let slot = 0; slot < node.ids.length; slot++) {
        const fields = node.fields[slot]!;
        if (fields !== null) yield { id: node.ids[slot]!, fields };
      }
    }
  }
}

import type { ConsumerGroup } from './consumer-group.js';
import { ID_WORDS, MAX_ID, MS_HIGH, MS_LOW, SEQ_HIGH, SEQ_LOW, splitId, type StreamId } from '../domain/ids.js';
import type { Entry, FieldList } from '../domain/types.js';

/**
 * Entries live in nodes of at most NODE_MAX_ENTRIES slots, as Redis's
 * listpacks do (`stream-node-max-entries` 100). Approximate trimming removes
 * whole nodes only, so node boundaries are observable and must match Redis's.
 * A slot whose `fields` is null is a tombstone (XDEL, or an exact trim inside
 * a node); it keeps its ID so the node stays sorted.
 */
export const NODE_MAX_ENTRIES = 100;

const EMPTY_BYTES = new Uint8Array(0);
const SAME_FIELDS = 1;
const DELETED = 2;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * One node: up to NODE_MAX_ENTRIES slots in a few typed arrays, as a listpack
 * keeps them. IDs are [ms, seq] words; each slot's fields are one record in
 * `data`: a flags byte, then (unless SAME_FIELDS, when the names are the
 * node's first entry's) the field count, then each string as a varint
 * header and its bytes. A string's header is its UTF-8 byte length * 2, or its
 * UTF-16 unit count * 2 + 1 for the rare string that is not well-formed
 * Unicode (kept exactly as UTF-16). Strings are decoded when read.
 */
export class StreamNode {
  private readonly idWords: BigUint64Array;
  /** The same IDs as 32-bit words (see MS_HIGH), for searches that allocate no BigInt. */
  private readonly idWords32: Uint32Array;
  private readonly offsets: Uint32Array;
  private data = EMPTY_BYTES;
  private used = 0;
  /** Field names of the first slot; later slots with the same names store values only. */
  private masterNames: string[] | null = null;
  /** Where fieldsAt's decoding has got to in `data`. */
  private readAt = 0;
  /** Slots, tombstones included; ids are sorted ascending. */
  count = 0;
  /** Slots that are not tombstones. */
  live = 0;

  /** `slots`: views of room for NODE_MAX_ENTRIES slots, or (for a restored full node) exactly its slots. */
  constructor(slots?: { idWords: BigUint64Array; offsets: Uint32Array }) {
    this.idWords = slots?.idWords ?? new BigUint64Array(NODE_MAX_ENTRIES * 2);
    this.offsets = slots?.offsets ?? new Uint32Array(NODE_MAX_ENTRIES);
    this.idWords32 = new Uint32Array(this.idWords.buffer, this.idWords.byteOffset, this.idWords.length * 2);
  }

  get full(): boolean {
    return this.count >= NODE_MAX_ENTRIES;
  }

  idAt(slot: number): StreamId {
    return (this.idWords[slot * 2]! << 64n) | this.idWords[slot * 2 + 1]!;
  }

  setIdAt(slot: number, id: StreamId): void {
    this.idWords[slot * 2] = id >> 64n;
    // A BigUint64Array stores a value modulo 2^64: the sequence.
    this.idWords[slot * 2 + 1] = id;
  }

  /** Sign of (the slot's ID) - (the ID split into k0..k3, as splitId does). */
  compareIdAt(slot: number, k0: number, k1: number, k2: number, k3: number): number {
    const words = this.idWords32;
    const at = slot * 4;
    return words[at + MS_HIGH]! - k0 || words[at + MS_LOW]! - k1 || words[at + SEQ_HIGH]! - k2 || words[at + SEQ_LOW]! - k3;
  }

  lastId(): StreamId {
    return this.idAt(this.count - 1);
  }

  isLive(slot: number): boolean {
    return (this.data[this.offsets[slot]!]! & DELETED) === 0;
  }

  /** Makes the slot a tombstone; answers false when it was one. */
  kill(slot: number): boolean {
    const at = this.offsets[slot]!;
    if (this.data[at]! & DELETED) return false;
    this.data[at] = this.data[at]! | DELETED;
    this.live--;
    return true;
  }

  /** First slot whose id is >= the ID split into k0..k3, or count. */
  lowerBound(k0: number, k1: number, k2: number, k3: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareIdAt(mid, k0, k1, k2, k3) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  push(id: StreamId, fields: FieldList): void {
    const slot = this.count;
    if (slot === 0) this.masterNames = fields.filter((_, i) => i % 2 === 0);
    this.setIdAt(slot, id);
    const same = this.hasMasterNames(fields);
    let bound = 1 + 5;
    for (const f of fields) bound += 5 + f.length * 3;
    // Size the node for a hundred entries like its first (UTF-8 is rarely 3 bytes a unit), trimmed when full.
    if (slot === 0) this.data = new Uint8Array(Math.min(Math.max(bound, (bound >> 1) * NODE_MAX_ENTRIES), 1 << 16));
    this.reserve(bound);
    this.offsets[slot] = this.used;
    this.data[this.used++] = same ? SAME_FIELDS : 0;
    if (same) {
      for (let i = 1; i < fields.length; i += 2) this.writeString(fields[i]!);
    } else {
      this.writeVarint(fields.length);
      for (const f of fields) this.writeString(f);
    }
    this.count++;
    this.live++;
    if (this.full) this.data = this.data.slice(0, this.used);
  }

  /** The slot's fields; null for a tombstone. */
  fieldsAt(slot: number): FieldList | null {
    const at = this.offsets[slot]!;
    const flags = this.data[at]!;
    if (flags & DELETED) return null;
    this.readAt = at + 1;
    if (flags & SAME_FIELDS) {
      const names = this.masterNames!;
      const out: string[] = new Array(names.length * 2);
      for (let i = 0; i < names.length; i++) {
        out[i * 2] = names[i]!;
        out[i * 2 + 1] = this.readString();
      }
      return out;
    }
    const n = this.readVarint();
    const out: string[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.readString();
    return out;
  }

  private hasMasterNames(fields: FieldList): boolean {
    const names = this.masterNames!;
    if (fields.length !== names.length * 2) return false;
    for (let i = 0; i < names.length; i++) if (fields[i * 2] !== names[i]) return false;
    return true;
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.data.length) return;
    let size = this.data.length * 2;
    while (size < this.used + bytes) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.data.subarray(0, this.used));
    this.data = grown;
  }

  private writeVarint(value: number): void {
    while (value >= 0x80) {
      this.data[this.used++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    this.data[this.used++] = value;
  }

  private readVarint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.data[this.readAt++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
  }

  private writeString(text: string): void {
    if (!text.isWellFormed()) {
      this.writeVarint(text.length * 2 + 1);
      this.reserve(text.length * 2);
      for (let i = 0; i < text.length; i++) {
        const unit = text.charCodeAt(i);
        this.data[this.used++] = unit & 0xff;
        this.data[this.used++] = unit >> 8;
      }
      return;
    }
    let ascii = text.length <= 64;
    for (let i = 0; ascii && i < text.length; i++) if (text.charCodeAt(i) >= 0x80) ascii = false;
    if (ascii) {
      this.writeVarint(text.length * 2);
      for (let i = 0; i < text.length; i++) this.data[this.used++] = text.charCodeAt(i);
      return;
    }
    const bytes = encoder.encode(text);
    this.writeVarint(bytes.length * 2);
    this.reserve(bytes.length);
    this.data.set(bytes, this.used);
    this.used += bytes.length;
  }

  private readString(): string {
    const header = this.readVarint();
    const start = this.readAt;
    if (header & 1) {
      const units = (header - 1) / 2;
      this.readAt += units * 2;
      let out = '';
      for (let i = 0; i < units; i++) out += String.fromCharCode(this.data[start + i * 2]! | (this.data[start + i * 2 + 1]! << 8));
      return out;
    }
    const length = header / 2;
    this.readAt += length;
    if (length <= 32) {
      let ascii = true;
      for (let i = start; i < start + length; i++) if (this.data[i]! >= 0x80) ascii = false;
      if (ascii) return asciiString(this.data, start, length);
    }
    return decoder.decode(this.data.subarray(start, start + length));
  }

  // ---------------------------------------------------------------------------
  // Snapshots copy a node's bytes as they are (storage/stream-nodes-record.ts).

  /** The node as a snapshot stores it. Views of the node's own memory: encode them before it changes. */
  snapshotImage(): NodeImage {
    return {
      masterNames: this.masterNames ?? [],
      data: this.data.subarray(0, this.used),
      offsets: this.offsets.subarray(0, this.count),
      idWords: this.idWords.subarray(0, this.count * 2),
    };
  }

  /**
   * A node rebuilt from a `snapshotImage()`. A full node takes the arrays as
   * its own (views into one buffer per snapshot record: allocating each
   * node's arrays apart costs more than the rest of a restart); a node with
   * room left copies them into arrays it can grow in.
   */
  static adopt(image: NodeImage): StreamNode {
    const count = image.offsets.length;
    if (count < 1 || count > NODE_MAX_ENTRIES || image.idWords.length !== count * 2) {
      throw new RangeError(`a stream node image of ${count} offsets and ${image.idWords.length} ID words`);
    }
    let node: StreamNode;
    if (count === NODE_MAX_ENTRIES) {
      node = new StreamNode({ idWords: image.idWords, offsets: image.offsets });
      node.data = image.data;
    } else {
      node = new StreamNode();
      node.idWords.set(image.idWords);
      node.offsets.set(image.offsets);
      node.data = image.data.slice();
    }
    node.used = node.data.length;
    node.masterNames = image.masterNames;
    node.count = count;
    for (let slot = 0; slot < count; slot++) {
      if (node.offsets[slot]! >= node.used) throw new RangeError(`stream node slot ${slot} starts past its data`);
      if (node.isLive(slot)) node.live++;
    }
    return node;
  }
}

const fromCharCode = String.fromCharCode;

/**
 * An ASCII string of at most 32 bytes. Up to 8 bytes (most field names and
 * values) are passed as arguments: several times faster than `apply` over a
 * subarray, which allocates a view and goes through the generic call path.
 */
function asciiString(d: Uint8Array, at: number, length: number): string {
  switch (length) {
    case 0:
      return '';
    case 1:
      return fromCharCode(d[at]!);
    case 2:
      return fromCharCode(d[at]!, d[at + 1]!);
    case 3:
      return fromCharCode(d[at]!, d[at + 1]!, d[at + 2]!);
    case 4:
      return fromCharCode(d[at]!, d[at + 1]!, d[at + 2]!, d[at + 3]!);
    case 5:
      return fromCharCode(d[at]!, d[at + 1]!, d[at + 2]!, d[at + 3]!, d[at + 4]!);
    case 6:
      return fromCharCode(d[at]!, d[at + 1]!, d[at + 2]!, d[at + 3]!, d[at + 4]!, d[at + 5]!);
    case 7:
      return fromCharCode(d[at]!, d[at + 1]!, d[at + 2]!, d[at + 3]!, d[at + 4]!, d[at + 5]!, d[at + 6]!);
    case 8:
      return fromCharCode(d[at]!, d[at + 1]!, d[at + 2]!, d[at + 3]!, d[at + 4]!, d[at + 5]!, d[at + 6]!, d[at + 7]!);
    default:
      return fromCharCode.apply(null, d.subarray(at, at + length) as unknown as number[]);
  }
}

/**
 * A node's memory as a snapshot stores it: slot IDs as (ms, seq) u64 pairs,
 * slot offsets into `data`, each slot's record in `data` (tombstone flags
 * included), and the first slot's field names.
 */
export interface NodeImage {
  masterNames: string[];
  data: Uint8Array<ArrayBuffer>;
  offsets: Uint32Array;
  idWords: BigUint64Array;
}

/** A position in the stream packed in one number, node index * SLOT_SPAN + slot, so that a lookup allocates nothing. */
const SLOT_SPAN = 128;

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
    if (node === undefined || node === null || node.full) {
      node = new StreamNode();
      this.pushNode(node, id);
    }
    node.push(id, fields);
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
   */
  private nodeIndexFor(k0: number, k1: number, k2: number, k3: number): number {
    const words = this.firstIdWords;
    let lo = this.head + 1;
    let hi = this.nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = mid * 4;
      if ((words[at]! - k0 || words[at + 1]! - k1 || words[at + 2]! - k2 || words[at + 3]! - k3) <= 0) lo = mid + 1;
      else hi = mid;
    }
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
    if (!node.kill(at % SLOT_SPAN)) return false;
    this.length--;
    if (node.live === 0) this.removeNode(n);
    return true;
  }

  /**
   * Live entries with start <= id <= end, ascending (or descending when
   * `reverse`), at most `count` (undefined: all). Seeks in O(log n).
   */
  range(start: StreamId, end: StreamId, count: number | undefined, reverse = false): Entry[] {
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
          out.push({ id: node.idAt(slot), fields: node.fieldsAt(slot)! });
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
        out.push({ id: node.idAt(slot), fields: node.fieldsAt(slot)! });
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
      this.removeNode(this.head);
    }
    if (this.nodeCount > 0) {
      const node = this.nodes[this.head]!;
      for (let slot = 0; slot < node.count && node.idAt(slot) <= upTo; slot++) {
        if (node.kill(slot)) removed++;
      }
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
    }
  }
}

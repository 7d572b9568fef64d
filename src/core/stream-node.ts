import { ID_WORDS, MS_HIGH, MS_LOW, SEQ_HIGH, SEQ_LOW, splitId, type StreamId } from '../domain/ids.js';
import type { FieldList } from '../domain/types.js';
import { ENTRY_ID_BYTES } from './memory-meter.js';

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

/** 2^32: a word's range, and the sequence that stands for "any sequence of 2^32 or more" in a packed comparison. */
const WORD = 4294967296;
/** A packed slot's sequence and data offset share a word: 16 bits each. */
const PACKED_SEQ_LIMIT = 0x10000;
const PACKED_OFFSET_MASK = 0xffff;

/**
 * One node: up to NODE_MAX_ENTRIES slots in a few typed arrays, as a listpack
 * keeps them. Each slot's fields are one record in `data`: a flags byte, then
 * (unless SAME_FIELDS, when the names are the node's first entry's) the field
 * count, then each string as a varint header and its bytes. A string's header
 * is its UTF-8 byte length * 2, or its UTF-16 unit count * 2 + 1 for the rare
 * string that is not well-formed Unicode (kept exactly as UTF-16). Strings
 * are decoded when read.
 *
 * A slot's ID and record offset take 8 bytes while the node is packed, as
 * Redis delta-encodes a listpack's IDs against its master entry: word 0 is
 * the ID's ms minus the first slot's ms (base), word 1 is seq << 16 | offset.
 * A node is packed while every slot has ms - base < 2^32, seq < 2^16 and its
 * record starts below 64 KiB; the first slot that does not widens the node
 * for good: then IDs are (ms, seq) u64 pairs in `wide` (seen as 32-bit words
 * in `words`, see MS_HIGH) and offsets a Uint32Array. Either way `words`
 * sorts the node's IDs, so searches allocate no BigInt.
 */
export class StreamNode {
  /** Packed: 2 words a slot. Wide: the 32-bit view of `wide`, 4 words a slot. */
  private words: Uint32Array;
  /** Wide only: the IDs as (ms, seq) pairs. */
  private wide: BigUint64Array | null = null;
  /** Wide only: each slot's record offset in `data`. */
  private offsets: Uint32Array | null = null;
  /** Packed only: the first slot's ms, as its high and low words and as a BigInt. */
  private baseHigh = 0;
  private baseLow = 0;
  private baseMs = 0n;
  /** Packed only: baseHigh * 2^32 + baseLow + any delta is below 2^53, so ms arithmetic on numbers is exact. */
  private baseExact = true;
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
  /** The sum of slotBytes over live slots (the memory meter's share of this node). */
  liveBytes = 0;
  /** UTF-8 bytes of masterNames, and one header byte each: what a SAME_FIELDS slot holds by reference. */
  private masterNamesBytes = 0;

  /** `words`: a packed node's slot words when restored (exactly its slots); room for NODE_MAX_ENTRIES slots otherwise. */
  constructor(words?: Uint32Array) {
    this.words = words ?? new Uint32Array(NODE_MAX_ENTRIES * 2);
  }

  get packed(): boolean {
    return this.wide === null;
  }

  get full(): boolean {
    return this.count >= NODE_MAX_ENTRIES;
  }

  idAt(slot: number): StreamId {
    if (this.wide !== null) return (this.wide[slot * 2]! << 64n) | this.wide[slot * 2 + 1]!;
    const delta = this.words[slot * 2]!;
    const seq = BigInt(this.words[slot * 2 + 1]! >>> 16);
    const ms = this.baseExact ? BigInt(this.baseHigh * WORD + this.baseLow + delta) : this.baseMs + BigInt(delta);
    return (ms << 64n) | seq;
  }

  private offsetAt(slot: number): number {
    return this.offsets === null ? this.words[slot * 2 + 1]! & PACKED_OFFSET_MASK : this.offsets[slot]!;
  }

  /** Sign of (the slot's ID) - (the ID split into k0..k3, as splitId does). */
  compareIdAt(slot: number, k0: number, k1: number, k2: number, k3: number): number {
    const words = this.words;
    if (this.wide !== null) {
      const at = slot * 4;
      return words[at + MS_HIGH]! - k0 || words[at + MS_LOW]! - k1 || words[at + SEQ_HIGH]! - k2 || words[at + SEQ_LOW]! - k3;
    }
    // Exact in doubles: a difference of high words times 2^32 keeps 32 significant bits, and a sum
    // past 2^53 is far outside any delta, where rounding cannot change the sign.
    const delta = (k0 - this.baseHigh) * WORD + (k1 - this.baseLow);
    return words[slot * 2]! - delta || (words[slot * 2 + 1]! >>> 16) - (k2 !== 0 ? WORD : k3);
  }

  lastId(): StreamId {
    return this.idAt(this.count - 1);
  }

  isLive(slot: number): boolean {
    return (this.data[this.offsetAt(slot)]! & DELETED) === 0;
  }

  /** Makes the slot a tombstone; answers false when it was one. */
  kill(slot: number): boolean {
    const at = this.offsetAt(slot);
    if (this.data[at]! & DELETED) return false;
    this.liveBytes -= this.slotBytes(slot);
    this.data[at] = this.data[at]! | DELETED;
    this.live--;
    return true;
  }

  /**
   * What the slot's entry occupies for the memory meter: its record (flags,
   * count, each string with its header), the names it shares with the node's
   * first entry when it stores values only, and ENTRY_ID_BYTES. O(1).
   */
  slotBytes(slot: number): number {
    const start = this.offsetAt(slot);
    const end = slot + 1 < this.count ? this.offsetAt(slot + 1) : this.used;
    return end - start + (this.data[start]! & SAME_FIELDS ? this.masterNamesBytes : 0) + ENTRY_ID_BYTES;
  }

  /** First slot whose id is >= the ID split into k0..k3, or count. */
  lowerBound(k0: number, k1: number, k2: number, k3: number): number {
    let lo = 0;
    let hi = this.count;
    if (this.wide !== null) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.compareIdAt(mid, k0, k1, k2, k3) < 0) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    }
    const words = this.words;
    const delta = (k0 - this.baseHigh) * WORD + (k1 - this.baseLow);
    if (delta < 0) return 0;
    const seq = k2 !== 0 ? WORD : k3;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((words[mid * 2]! - delta || (words[mid * 2 + 1]! >>> 16) - seq) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  push(id: StreamId, fields: FieldList): void {
    const slot = this.count;
    if (slot === 0) {
      this.masterNames = fields.filter((_, i) => i % 2 === 0);
      this.masterNamesBytes = namesBytes(this.masterNames);
    }
    const same = this.hasMasterNames(fields);
    let bound = 1 + 5;
    for (const f of fields) bound += 5 + f.length * 3;
    // Size the node for a hundred entries like its first (UTF-8 is rarely 3 bytes a unit), trimmed when full.
    if (slot === 0) this.data = new Uint8Array(Math.min(Math.max(bound, (bound >> 1) * NODE_MAX_ENTRIES), 1 << 16));
    this.reserve(bound);
    const offset = this.used;
    this.data[this.used++] = same ? SAME_FIELDS : 0;
    if (same) {
      for (let i = 1; i < fields.length; i += 2) this.writeString(fields[i]!);
    } else {
      this.writeVarint(fields.length);
      for (const f of fields) this.writeString(f);
    }
    this.setSlot(slot, id, offset);
    this.count++;
    this.live++;
    this.liveBytes += this.slotBytes(slot);
    if (this.full) this.data = this.data.slice(0, this.used);
  }

  private setSlot(slot: number, id: StreamId, offset: number): void {
    if (this.wide === null) {
      splitId(id);
      if (slot === 0) this.setBase(ID_WORDS[0]!, ID_WORDS[1]!);
      const delta = (ID_WORDS[0]! - this.baseHigh) * WORD + (ID_WORDS[1]! - this.baseLow);
      if (ID_WORDS[2] === 0 && ID_WORDS[3]! < PACKED_SEQ_LIMIT && delta < WORD && offset <= PACKED_OFFSET_MASK) {
        this.words[slot * 2] = delta;
        this.words[slot * 2 + 1] = ((ID_WORDS[3]! << 16) | offset) >>> 0;
        return;
      }
      this.widen();
    }
    this.wide![slot * 2] = id >> 64n;
    // A BigUint64Array stores a value modulo 2^64: the sequence.
    this.wide![slot * 2 + 1] = id;
    this.offsets![slot] = offset;
  }

  private setBase(high: number, low: number): void {
    this.baseHigh = high;
    this.baseLow = low;
    this.baseMs = (BigInt(high) << 32n) | BigInt(low);
    this.baseExact = high * WORD + low + WORD <= Number.MAX_SAFE_INTEGER;
  }

  /** Moves the slots so far to the wide layout, for good. */
  private widen(): void {
    const wide = new BigUint64Array(NODE_MAX_ENTRIES * 2);
    const offsets = new Uint32Array(NODE_MAX_ENTRIES);
    for (let slot = 0; slot < this.count; slot++) {
      const id = this.idAt(slot);
      wide[slot * 2] = id >> 64n;
      wide[slot * 2 + 1] = id;
      offsets[slot] = this.offsetAt(slot);
    }
    this.wide = wide;
    this.offsets = offsets;
    this.words = new Uint32Array(wide.buffer);
  }

  /** The slot's fields; null for a tombstone. */
  fieldsAt(slot: number): FieldList | null {
    const at = this.offsetAt(slot);
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
    const base = { masterNames: this.masterNames ?? [], data: this.data.subarray(0, this.used) };
    if (this.wide === null) return { ...base, packed: { baseMs: this.baseMs, words: this.words.subarray(0, this.count * 2) } };
    return { ...base, wide: { idWords: this.wide.subarray(0, this.count * 2), offsets: this.offsets!.subarray(0, this.count) } };
  }

  /**
   * A node rebuilt from a `snapshotImage()` (or, from a snapshot of the
   * format before packed slots, a wide image). A full packed node takes the
   * arrays as its own (views into one buffer per snapshot record: allocating
   * each node's arrays apart costs more than the rest of a restart); any
   * other node copies them into arrays of its own, packing a wide image's
   * slots when they fit.
   */
  static adopt(image: NodeImage): StreamNode {
    const count = image.packed !== undefined ? image.packed.words.length / 2 : image.wide.offsets.length;
    if (!Number.isInteger(count) || count < 1 || count > NODE_MAX_ENTRIES || (image.wide !== undefined && image.wide.idWords.length !== count * 2)) {
      throw new RangeError(`a stream node image of ${count} slots`);
    }
    let node: StreamNode;
    if (image.packed !== undefined) {
      const { baseMs, words } = image.packed;
      if (baseMs >= 1n << 64n) throw new RangeError(`a stream node image with base ms ${baseMs}`);
      if (count === NODE_MAX_ENTRIES) {
        node = new StreamNode(words);
        node.data = image.data;
      } else {
        node = new StreamNode();
        node.words.set(words);
        node.data = image.data.slice();
      }
      node.setBase(Number(baseMs >> 32n), Number(baseMs & 0xffff_ffffn));
    } else {
      const { idWords, offsets } = image.wide;
      node = new StreamNode();
      node.data = image.data.slice();
      // setSlot widens the slots before `count` when one does not fit.
      for (let slot = 0; slot < count; slot++, node.count++) node.setSlot(slot, (idWords[slot * 2]! << 64n) | idWords[slot * 2 + 1]!, offsets[slot]!);
    }
    node.used = node.data.length;
    node.masterNames = image.masterNames;
    node.masterNamesBytes = namesBytes(image.masterNames);
    node.count = count;
    for (let slot = 0; slot < count; slot++) {
      if (node.offsetAt(slot) >= node.used) throw new RangeError(`stream node slot ${slot} starts past its data`);
      if (slot > 0 && node.idAt(slot) <= node.idAt(slot - 1)) throw new RangeError(`stream node slot ${slot} is not above the one before it`);
      if (node.isLive(slot)) {
        node.live++;
        node.liveBytes += node.slotBytes(slot);
      }
    }
    return node;
  }
}

function namesBytes(names: readonly string[]): number {
  let n = 0;
  for (const name of names) n += 1 + Buffer.byteLength(name, 'utf8');
  return n;
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
 * A node's memory as a snapshot stores it: its slots packed (see StreamNode:
 * the first slot's ms, then two words a slot) or wide ((ms, seq) u64 pairs and
 * u32 record offsets), each slot's record in `data` (tombstone flags
 * included), and the first slot's field names.
 */
export type NodeImage = { masterNames: string[]; data: Uint8Array<ArrayBuffer> } & (
  | { packed: { baseMs: bigint; words: Uint32Array }; wide?: undefined }
  | { wide: { idWords: BigUint64Array; offsets: Uint32Array }; packed?: undefined }
);

import { endianness } from 'node:os';
import { StreamNode, type NodeImage } from '../core/stream-node.js';
import type { ByteWriter, RawBuffer } from './byte-writer.js';
import { crc32Range } from './crc32.js';
import { MAX_RECORD_BYTES, RECORD_HEADER_BYTES, RecordDecoder, RecordFormatError, type DecodedRecord } from './record-codec.js';

/**
 * A snapshot record that holds stream nodes byte for byte, so that loading a
 * node is a few copies instead of decoding every entry to strings and
 * encoding it again (see `NodeImage` in core/stream-node.ts). Framed like every
 * record (record-codec.ts); its payload:
 *
 *   u8 kind (4), string key, u32 node count, then per node:
 *   varint slots, u8 layout (0 packed, 1 wide), varint master-name count,
 *   each name as a string, varint data bytes, zero padding to a multiple of
 *   8 bytes from the payload's start, then
 *     packed: u64 base ms, slots * 2 u32 slot words
 *     wide:   slots * (u64 ms, u64 seq) IDs, slots * u32 offsets
 *   then the data.
 *
 * Kind 3, written before packed slots, is kind 4 without the layout byte and
 * always wide; it is still read. Words and offsets are the node's typed
 * arrays as they are in memory: little-endian, the only byte order this
 * format is written or read in. The padding lets a loaded payload, copied
 * once into its own buffer, be the full nodes' memory as it is. Only
 * snapshots hold these records; a log never does. The kinds sit next to
 * record-codec.ts's RecordKind (1 and 2), which must never take them.
 */
export const STREAM_NODES_RECORD_KIND = 4;
export const WIDE_STREAM_NODES_RECORD_KIND = 3;
const PACKED = 0;
const WIDE = 1;

/** A snapshot writes a stream's nodes this many at a time (about 6,400 entries), yielding between records. */
export const NODES_PER_RECORD = 64;
/** A record takes no further node once its payload passes this size (a node of huge entries may go past it alone). */
const RECORD_TARGET_BYTES = 8 * 1024 * 1024;

export interface StreamNodesRecord {
  kind: 'stream-nodes';
  key: string;
  nodes: StreamNode[];
}

/** Any record a log or snapshot file can hold. */
export type StoredRecord = DecodedRecord | StreamNodesRecord;

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new RecordFormatError('stream node records are little-endian; this host is big-endian');
}

/**
 * Appends one framed stream-nodes record to `out` holding the first of
 * `nodes`, and the ones after it while the record stays under about 8 MiB.
 * Answers how many it took.
 */
export function encodeStreamNodesRecord(out: ByteWriter, key: string, nodes: StreamNode[]): number {
  assertLittleEndian();
  const start = out.pos;
  out.ensure(RECORD_HEADER_BYTES);
  out.pos += RECORD_HEADER_BYTES;
  out.u8(STREAM_NODES_RECORD_KIND);
  out.string(key);
  const countAt = out.pos;
  out.ensure(4);
  out.pos += 4;
  const payloadStart = start + RECORD_HEADER_BYTES;
  let taken = 0;
  for (const node of nodes) {
    if (taken > 0 && out.pos - payloadStart >= RECORD_TARGET_BYTES) break;
    taken++;
    const image = node.snapshotImage();
    out.varint(node.count);
    out.u8(image.packed !== undefined ? PACKED : WIDE);
    out.varint(image.masterNames.length);
    for (const name of image.masterNames) out.string(name);
    out.varint(image.data.length);
    const padding = (8 - ((out.pos - payloadStart) % 8)) % 8;
    out.ensure(padding);
    out.buf.fill(0, out.pos, out.pos + padding);
    out.pos += padding;
    if (image.packed !== undefined) {
      out.ensure(8);
      out.buf.writeBigUInt64LE(image.packed.baseMs, out.pos);
      out.pos += 8;
      writeBytes(out, image.packed.words);
    } else {
      writeBytes(out, image.wide.idWords);
      writeBytes(out, image.wide.offsets);
    }
    writeBytes(out, image.data);
  }
  out.buf.writeUInt32LE(taken, countAt);
  const length = out.pos - start - RECORD_HEADER_BYTES;
  if (length > MAX_RECORD_BYTES) {
    out.rewind(start);
    throw new RangeError(`record of ${length} bytes exceeds ${MAX_RECORD_BYTES}`);
  }
  out.buf.writeUInt32LE(length, start);
  out.buf.writeUInt32LE(crc32Range(out.buf, start + RECORD_HEADER_BYTES, out.pos), start + 4);
  return taken;
}

function writeBytes(out: ByteWriter, array: Uint8Array | Uint32Array | BigUint64Array): void {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  out.ensure(bytes.length);
  out.buf.set(bytes, out.pos);
  out.pos += bytes.length;
}

/**
 * Decodes the payloads of log and snapshot files: stream-nodes records here,
 * the rest through record-codec.ts's RecordDecoder.
 */
export class StoredRecordDecoder {
  private readonly records = new RecordDecoder();
  private buf: RawBuffer = Buffer.alloc(0) as RawBuffer;
  private pos = 0;
  private end = 0;
  /** Neighbouring nodes mostly share their field names: they share one array then. */
  private previousNames: string[] = [];

  /** Decodes the payload `buf[start, end)` (already CRC-checked). */
  decode(buf: Buffer, start: number, end: number): StoredRecord {
    const kind = buf[start];
    if (kind !== STREAM_NODES_RECORD_KIND && kind !== WIDE_STREAM_NODES_RECORD_KIND) return this.records.decode(buf, start, end);
    assertLittleEndian();
    // The restored nodes' memory: one copy of the payload, at offset 0 of its own buffer, so the padding aligns the IDs.
    const memory = new ArrayBuffer(end - start);
    const payload = Buffer.from(memory) as RawBuffer;
    buf.copy(payload, 0, start, end);
    this.buf = payload;
    this.pos = 1;
    this.end = payload.length;
    const key = this.string();
    const nodes: StreamNode[] = new Array(payload.readUInt32LE(this.skip(4)));
    for (let i = 0; i < nodes.length; i++) {
      const slots = this.varint();
      const layout = kind === WIDE_STREAM_NODES_RECORD_KIND ? WIDE : payload[this.skip(1)]!;
      if (layout !== PACKED && layout !== WIDE) throw new RecordFormatError(`stream node layout ${layout}`);
      const masterNames = this.names();
      const dataBytes = this.varint();
      this.skip((8 - (this.pos % 8)) % 8);
      let image: NodeImage;
      if (layout === PACKED) {
        const baseMs = payload.readBigUInt64LE(this.skip(8));
        const words = new Uint32Array(memory, this.skip(slots * 8), slots * 2);
        image = { masterNames, data: new Uint8Array(memory, this.skip(dataBytes), dataBytes), packed: { baseMs, words } };
      } else {
        const idWords = new BigUint64Array(memory, this.skip(slots * 16), slots * 2);
        const offsets = new Uint32Array(memory, this.skip(slots * 4), slots);
        image = { masterNames, data: new Uint8Array(memory, this.skip(dataBytes), dataBytes), wide: { idWords, offsets } };
      }
      try {
        nodes[i] = StreamNode.adopt(image);
      } catch (err) {
        throw new RecordFormatError((err as Error).message);
      }
    }
    if (this.pos !== this.end) throw new RecordFormatError(`${this.end - this.pos} trailing bytes in record`);
    return { kind: 'stream-nodes', key, nodes };
  }

  private names(): string[] {
    const count = this.varint();
    const names: string[] = new Array(count);
    for (let i = 0; i < count; i++) names[i] = this.string();
    const previous = this.previousNames;
    if (previous.length === count && names.every((name, i) => name === previous[i])) return previous;
    this.previousNames = names;
    return names;
  }

  /** Moves past `length` bytes; answers where they start. */
  private skip(length: number): number {
    if (this.pos + length > this.end) throw new RecordFormatError('record payload ends early');
    const at = this.pos;
    this.pos += length;
    return at;
  }

  private varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.buf[this.skip(1)]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    throw new RecordFormatError('varint too long');
  }

  /** A string as ByteWriter.string writes it: varint `(bytes << 1) | utf16`, then UTF-8 or UTF-16LE bytes. */
  private string(): string {
    const header = this.varint();
    const length = Math.floor(header / 2);
    const start = this.skip(length);
    if (header % 2 === 0) return this.buf.utf8Slice(start, start + length);
    if (length % 2 !== 0) throw new RecordFormatError('odd UTF-16 string length');
    let s = '';
    for (let i = start; i < start + length; i += 2) s += String.fromCharCode(this.buf.readUInt16LE(i));
    return s;
  }
}

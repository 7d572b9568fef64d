import { endianness } from 'node:os';
import { StreamNode } from '../core/stream.js';
import type { ByteWriter, RawBuffer } from './byte-writer.js';
import { crc32Range } from './crc32.js';
import { MAX_RECORD_BYTES, RECORD_HEADER_BYTES, RecordDecoder, RecordFormatError, type DecodedRecord } from './record-codec.js';

/**
 * A snapshot record that holds stream nodes byte for byte, so that loading a
 * node is a few copies instead of decoding every entry to strings and
 * encoding it again (see `NodeImage` in core/stream.ts). Framed like every
 * record (record-codec.ts); its payload:
 *
 *   u8 kind (3), string key, varint node count, then per node:
 *   varint slots, varint master-name count, each name as a string,
 *   varint data bytes, the data, slots * u32 offsets, slots * (u64 ms, u64 seq) IDs
 *
 * Offsets and IDs are the node's typed arrays as they are in memory:
 * little-endian, the only byte order this format is written or read in.
 * Only snapshots hold these records; a log never does.
 */
/** Next to record-codec.ts's RecordKind (1 and 2), which must never take it. */
export const STREAM_NODES_RECORD_KIND = 3;

/** A snapshot writes a stream's nodes this many at a time (about 6,400 entries), yielding between records. */
export const NODES_PER_RECORD = 64;

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

/** Appends one framed stream-nodes record to `out`. */
export function encodeStreamNodesRecord(out: ByteWriter, key: string, nodes: StreamNode[]): void {
  assertLittleEndian();
  const start = out.pos;
  out.ensure(RECORD_HEADER_BYTES);
  out.pos += RECORD_HEADER_BYTES;
  out.u8(STREAM_NODES_RECORD_KIND);
  out.string(key);
  out.varint(nodes.length);
  for (const node of nodes) {
    const image = node.snapshotImage();
    out.varint(node.count);
    out.varint(image.masterNames.length);
    for (const name of image.masterNames) out.string(name);
    out.varint(image.data.length);
    writeBytes(out, image.data);
    writeBytes(out, image.offsets);
    writeBytes(out, image.idWords);
  }
  const length = out.pos - start - RECORD_HEADER_BYTES;
  if (length > MAX_RECORD_BYTES) {
    out.rewind(start);
    throw new RangeError(`record of ${length} bytes exceeds ${MAX_RECORD_BYTES}`);
  }
  out.buf.writeUInt32LE(length, start);
  out.buf.writeUInt32LE(crc32Range(out.buf, start + RECORD_HEADER_BYTES, out.pos), start + 4);
}

function writeBytes(out: ByteWriter, bytes: Uint8Array): void {
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
    if (buf[start] !== STREAM_NODES_RECORD_KIND) return this.records.decode(buf, start, end);
    assertLittleEndian();
    this.buf = buf as RawBuffer;
    this.pos = start + 1;
    this.end = end;
    const key = this.string();
    const nodes: StreamNode[] = new Array(this.varint());
    for (let i = 0; i < nodes.length; i++) {
      const slots = this.varint();
      const masterNames = this.names();
      const data = this.bytes(this.varint());
      const offsets = this.bytes(slots * 4);
      const idWords = this.bytes(slots * 16);
      try {
        nodes[i] = StreamNode.fromImage({ masterNames, data, offsets, idWords });
      } catch (err) {
        throw new RecordFormatError((err as Error).message);
      }
    }
    if (this.pos !== end) throw new RecordFormatError(`${end - this.pos} trailing bytes in record`);
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

  private bytes(length: number): Uint8Array {
    if (this.pos + length > this.end) throw new RecordFormatError('record payload ends early');
    const view = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return view;
  }

  private varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.bytes(1)[0]!;
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
    const start = this.pos;
    this.bytes(length);
    if (header % 2 === 0) return this.buf.utf8Slice(start, start + length);
    if (length % 2 !== 0) throw new RecordFormatError('odd UTF-16 string length');
    let s = '';
    for (let i = start; i < start + length; i += 2) s += String.fromCharCode(this.buf.readUInt16LE(i));
    return s;
  }
}

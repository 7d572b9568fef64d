import { U64_MAX } from '../core/stream-id.js';

const TWO_POW_32 = 4294967296;

/** Buffer's unchecked codec methods: stable in Node, untyped in @types/node. */
export interface RawBuffer extends Buffer {
  utf8Write(value: string, offset: number, length: number): number;
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

const isWellFormed = (value: string): boolean => (value as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * A growable little-endian buffer. Records are encoded straight into it, so a
 * group of batches becomes one contiguous write without concatenation.
 */
export class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far (a view, valid until the next write). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }

  /** Drops everything written after `pos` (used to undo a half-encoded record). */
  rewind(pos: number): void {
    this.pos = pos;
  }

  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  u32(value: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(value, this.pos);
    this.pos += 4;
  }

  f64(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** An unsigned LEB128 integer up to 2^53 - 1. */
  varint(value: number): void {
    this.ensure(8);
    const buf = this.buf;
    let pos = this.pos;
    while (value >= 0x80) {
      buf[pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  u64(value: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(value, this.pos);
    this.pos += 8;
  }

  i64(value: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(value, this.pos);
    this.pos += 8;
  }

  /** A stream ID as two u64: ms, then seq. */
  id(value: bigint): void {
    if (value < 0n || value >> 128n !== 0n) throw new RangeError(`stream ID out of range: ${value}`);
    this.ensure(16);
    const ms = value >> 64n;
    const seq = value & U64_MAX;
    // Small halves (the common case) go through exact 32-bit words.
    if (ms < 0x20000000000000n && seq < 0x20000000000000n) {
      const m = Number(ms);
      const s = Number(seq);
      const buf = this.buf;
      const pos = this.pos;
      buf.writeUInt32LE(m % TWO_POW_32, pos);
      buf.writeUInt32LE(Math.floor(m / TWO_POW_32), pos + 4);
      buf.writeUInt32LE(s % TWO_POW_32, pos + 8);
      buf.writeUInt32LE(Math.floor(s / TWO_POW_32), pos + 12);
    } else {
      this.buf.writeBigUInt64LE(ms, this.pos);
      this.buf.writeBigUInt64LE(seq, this.pos + 8);
    }
    this.pos += 16;
  }

  /**
   * A string: varint `(byteLength << 1) | utf16`, then the bytes. Well-formed
   * strings are UTF-8; a string with a lone surrogate (which UTF-8 cannot
   * carry) is written as UTF-16LE code units so that it round-trips exactly.
   */
  string(value: string): void {
    const n = value.length;
    if (n < 128) {
      // ASCII fast path: one length byte, then one byte per character.
      this.ensure(1 + n);
      const buf = this.buf;
      const start = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === n && n < 64) {
        buf[this.pos] = n << 1;
        this.pos = start + n;
        return;
      }
    }
    if (isWellFormed(value)) {
      const bytes = Buffer.byteLength(value, 'utf8');
      this.varint(bytes * 2);
      this.ensure(bytes);
      this.pos += (this.buf as RawBuffer).utf8Write(value, this.pos, bytes);
    } else {
      const bytes = n * 2;
      this.varint(bytes * 2 + 1);
      this.ensure(bytes);
      for (let i = 0; i < n; i++) this.buf.writeUInt16LE(value.charCodeAt(i), this.pos + i * 2);
      this.pos += bytes;
    }
  }
}

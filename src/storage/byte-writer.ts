import { MAX_ID } from '../domain/ids.js';

const TWO_POW_32 = 4294967296;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

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
  /**
   * The ms half of the last ID written, as `ms << 64` and as two u32 words: neighbouring IDs
   * share it, and bigint shifts allocate. IDs in [msShifted, msShifted + 2^53) take the cached path.
   */
  private msShifted = -1n;
  private msSafeEnd = -1n;
  private msLow = 0;
  private msHigh = 0;

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
    if (value >= 0n && value <= MAX_SAFE) this.words(Number(value));
    else this.buf.writeBigUInt64LE(value, this.pos);
    this.pos += 8;
  }

  /** An integer below 2^53 as a little-endian u64 at `pos` (which does not move). */
  private words(value: number): void {
    this.word(value % TWO_POW_32, this.pos);
    this.word(Math.floor(value / TWO_POW_32), this.pos + 4);
  }

  private word(value: number, at: number): void {
    const buf = this.buf;
    buf[at] = value & 0xff;
    buf[at + 1] = (value >>> 8) & 0xff;
    buf[at + 2] = (value >>> 16) & 0xff;
    buf[at + 3] = value >>> 24;
  }

  i64(value: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(value, this.pos);
    this.pos += 8;
  }

  /** A stream ID as two u64: ms, then seq. */
  id(value: bigint): void {
    if (value < this.msShifted || value >= this.msSafeEnd) {
      if (value < 0n || value > MAX_ID) throw new RangeError(`stream ID out of range: ${value}`);
      const ms = value >> 64n;
      const msShifted = ms << 64n;
      if (ms > MAX_SAFE || value - msShifted > MAX_SAFE) {
        this.ensure(16);
        this.buf.writeBigUInt64LE(ms, this.pos);
        this.buf.writeBigUInt64LE(value - msShifted, this.pos + 8);
        this.pos += 16;
        return;
      }
      const msNumber = Number(ms);
      this.msShifted = msShifted;
      this.msSafeEnd = msShifted + MAX_SAFE + 1n;
      this.msLow = msNumber % TWO_POW_32;
      this.msHigh = Math.floor(msNumber / TWO_POW_32);
    }
    this.ensure(16);
    this.word(this.msLow, this.pos);
    this.word(this.msHigh, this.pos + 4);
    this.pos += 8;
    this.words(Number(value - this.msShifted));
    this.pos += 8;
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

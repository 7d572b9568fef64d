import type { Effect, EffectBatch } from '../core/effects.js';
import type { DueQueue } from '../core/delivery-policy.js';
import type { StreamId } from '../domain/ids.js';
import type { DeliveryPolicy } from '../domain/types.js';
import { ByteWriter, type RawBuffer } from './byte-writer.js';
import { crc32Range } from './crc32.js';

/**
 * Record framing, shared by logs and snapshots:
 *
 *   [u32 LE payload length][u32 LE CRC-32 of the payload][payload]
 *
 * A payload opens with its kind: a batch (one command's effects, written as a
 * unit) or a snapshot's end marker. Integers are little-endian; IDs are two
 * u64 (ms, seq); strings are varint `(bytes << 1) | utf16` then UTF-8 (or
 * UTF-16LE code units for a string with a lone surrogate); bigint counters are
 * u64/i64 and never pass through a lossy JS number; times are f64, exact for
 * every JS number. A zero length is never valid, so a zero-filled tail cannot
 * pass for records.
 *
 * Over 400 lines on purpose: the record format is one reason to change, and
 * each effect's encoder and decoder stay in one file so that they change together.
 */
export const RECORD_HEADER_BYTES = 8;
/** Larger records are refused when written and taken as corruption when read. */
export const MAX_RECORD_BYTES = 512 * 1024 * 1024;

export const RecordKind = { batch: 1, snapshotEnd: 2 } as const;

const DUE_QUEUES: readonly DueQueue[] = ['deadline', 'nacked', 'overdue'];

const Op = {
  add: 1,
  create: 2,
  trim: 3,
  delete: 4,
  'set-id': 5,
  drop: 6,
  'group-create': 7,
  'group-set-id': 8,
  'group-destroy': 9,
  'consumer-create': 10,
  'consumer-delete': 11,
  deliver: 12,
  'pending-set': 13,
  ack: 14,
  dereference: 15,
  nack: 16,
  'idmp-config': 17,
  'idmp-record': 18,
  'idmp-duplicate': 19,
  'group-policy': 20,
  'policy-due': 21,
  'idmp-record-batch': 22,
} as const satisfies Record<Effect['op'], number>;

export type DecodedRecord =
  | { kind: 'batch'; batch: EffectBatch }
  /** `records`: how many batch records precede the marker; `offset`: the marker's byte offset. */
  | { kind: 'snapshot-end'; records: bigint; offset: bigint };

export class RecordFormatError extends Error {
  override readonly name = 'RecordFormatError';
}

/** Appends one framed batch record to `out`; on a throw (a value out of range) `out` is left as it was. */
export function encodeBatchRecord(out: ByteWriter, batch: EffectBatch): void {
  const start = out.pos;
  try {
    out.ensure(RECORD_HEADER_BYTES);
    out.pos += RECORD_HEADER_BYTES;
    out.u8(RecordKind.batch);
    out.varint(batch.length);
    let previousKey: string | undefined;
    for (const effect of batch) {
      encodeEffect(out, effect, effect.key === previousKey);
      previousKey = effect.key;
    }
    sealRecord(out, start);
  } catch (err) {
    out.rewind(start);
    throw err;
  }
}

export function encodeSnapshotEndRecord(out: ByteWriter, records: bigint, offset: bigint): void {
  const start = out.pos;
  out.ensure(RECORD_HEADER_BYTES);
  out.pos += RECORD_HEADER_BYTES;
  out.u8(RecordKind.snapshotEnd);
  out.u64(records);
  out.u64(offset);
  sealRecord(out, start);
}

/** The size of a framed snapshot end marker, which is always the last record of a complete snapshot. */
export const SNAPSHOT_END_RECORD_BYTES = RECORD_HEADER_BYTES + 1 + 8 + 8;

function sealRecord(out: ByteWriter, start: number): void {
  const length = out.pos - start - RECORD_HEADER_BYTES;
  if (length > MAX_RECORD_BYTES) throw new RangeError(`record of ${length} bytes exceeds ${MAX_RECORD_BYTES}`);
  out.buf.writeUInt32LE(length, start);
  out.buf.writeUInt32LE(crc32Range(out.buf, start + RECORD_HEADER_BYTES, out.pos), start + 4);
}

/** Encodes one batch as a standalone framed record. */
export function encodeBatch(batch: EffectBatch): Buffer {
  const out = new ByteWriter(256);
  encodeBatchRecord(out, batch);
  return Buffer.from(out.bytes());
}

/** String header 1 (an empty UTF-16 string, which is never written) stands for "the previous effect's key". */
const SAME_KEY = 1;

function encodeEffect(out: ByteWriter, e: Effect, sameKey: boolean): void {
  out.u8(Op[e.op]);
  if (sameKey) out.u8(SAME_KEY);
  else out.string(e.key);
  switch (e.op) {
    case 'add':
      out.id(e.id);
      out.u64(e.entriesAdded);
      out.varint(e.fields.length);
      for (const field of e.fields) out.string(field);
      return;
    case 'create':
    case 'drop':
      return;
    case 'trim':
      out.id(e.upTo);
      return;
    case 'delete':
      ids(out, e.ids);
      out.id(e.maxDeletedId);
      out.id(e.firstId);
      return;
    case 'set-id':
      out.id(e.lastId);
      out.u64(e.entriesAdded);
      out.id(e.maxDeletedId);
      if (e.firstId === undefined) out.u8(0);
      else {
        out.u8(1);
        out.id(e.firstId);
      }
      return;
    case 'group-create':
    case 'group-set-id':
      out.string(e.group);
      out.id(e.lastId);
      entriesRead(out, e.entriesRead);
      return;
    case 'group-destroy':
      out.string(e.group);
      return;
    case 'consumer-create':
      out.string(e.group);
      out.string(e.consumer);
      out.f64(e.time);
      return;
    case 'consumer-delete':
      out.string(e.group);
      out.string(e.consumer);
      return;
    case 'deliver':
      out.string(e.group);
      out.string(e.consumer);
      out.f64(e.time);
      ids(out, e.ids);
      out.u8(e.active ? 1 : 0);
      out.id(e.lastId);
      entriesRead(out, e.entriesRead);
      return;
    case 'pending-set':
      out.string(e.group);
      out.string(e.consumer);
      out.f64(e.seenTime);
      if (e.activeTime === null) out.u8(0);
      else {
        out.u8(1);
        out.f64(e.activeTime);
      }
      out.varint(e.entries.length);
      for (const p of e.entries) {
        out.id(p.id);
        out.f64(p.time);
        out.f64(p.count);
      }
      return;
    case 'ack':
      out.string(e.group);
      ids(out, e.ids);
      return;
    case 'dereference':
      ids(out, e.ids);
      return;
    case 'idmp-config':
      out.f64(e.durationS);
      out.f64(e.maxSize);
      out.u8(e.clear ? 1 : 0);
      return;
    case 'idmp-record':
      out.string(e.producer);
      out.string(e.iid);
      out.id(e.id);
      out.string(e.digest);
      out.u64(e.added);
      return;
    case 'idmp-record-batch':
      out.string(e.producer);
      out.string(e.iid);
      ids(out, e.ids);
      out.string(e.digest);
      out.u64(e.added);
      return;
    case 'idmp-duplicate':
      out.u64(e.duplicates);
      return;
    case 'nack':
      out.string(e.group);
      out.varint(e.entries.length);
      for (const p of e.entries) {
        out.id(p.id);
        out.f64(p.count);
      }
      return;
    case 'group-policy':
      out.string(e.group);
      // Rare and small: its JSON text, so that new policy fields need no new format.
      out.string(e.policy === null ? '' : JSON.stringify(e.policy));
      return;
    case 'policy-due':
      out.string(e.group);
      out.u8(DUE_QUEUES.indexOf(e.queue));
      out.varint(e.entries.length);
      for (const p of e.entries) {
        out.id(p.id);
        out.f64(p.due);
      }
      return;
    default: {
      const unknown: never = e;
      throw new RangeError(`unknown effect ${JSON.stringify((unknown as { op?: unknown }).op)}`);
    }
  }
}

function ids(out: ByteWriter, list: StreamId[]): void {
  out.varint(list.length);
  for (const id of list) out.id(id);
}

function entriesRead(out: ByteWriter, value: bigint | null): void {
  if (value === null) out.u8(0);
  else {
    out.u8(1);
    out.i64(value);
  }
}

const TWO_POW_32 = 4294967296;
const INTERN_SLOTS = 4096;
const INTERN_MAX_BYTES = 24;
const SAFE_HIGH_WORD = 0x200000; // a high 32-bit word below this keeps the u64 under 2^53

/** Decodes payloads; keeps a small cache of the last ms half, since neighbouring IDs share it. */
export class RecordDecoder {
  private buf: RawBuffer = Buffer.alloc(0) as RawBuffer;
  private pos = 0;
  private end = 0;
  private lastMs = -1;
  private lastMsShifted = 0n;
  private previousKey: string | undefined;
  /** Short ASCII strings (field names, keys, small values) repeat a lot: they are interned, which also saves memory. */
  private readonly interned: (string | undefined)[] = new Array(INTERN_SLOTS);

  /** Decodes the payload `buf[start, end)` (already CRC-checked). */
  decode(buf: Buffer, start: number, end: number): DecodedRecord {
    this.buf = buf as RawBuffer;
    this.pos = start;
    this.end = end;
    this.previousKey = undefined;
    const kind = this.u8();
    if (kind === RecordKind.batch) {
      const count = this.varint();
      const batch: EffectBatch = new Array(count);
      for (let i = 0; i < count; i++) batch[i] = this.effect();
      this.expectEnd();
      return { kind: 'batch', batch };
    }
    if (kind === RecordKind.snapshotEnd) {
      const records = this.u64();
      const offset = this.u64();
      this.expectEnd();
      return { kind: 'snapshot-end', records, offset };
    }
    throw new RecordFormatError(`unknown record kind ${kind}`);
  }

  private expectEnd(): void {
    if (this.pos !== this.end) throw new RecordFormatError(`${this.end - this.pos} trailing bytes in record`);
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new RecordFormatError('record payload ends early');
  }

  private u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  private varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
    throw new RecordFormatError('varint too long');
  }

  private f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  private u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  private i64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  private id(): StreamId {
    this.need(16);
    const buf = this.buf;
    const p = this.pos;
    this.pos = p + 16;
    const msLo = buf.readUInt32LE(p);
    const msHi = buf.readUInt32LE(p + 4);
    const seqLo = buf.readUInt32LE(p + 8);
    const seqHi = buf.readUInt32LE(p + 12);
    let msShifted: bigint;
    if (msHi < SAFE_HIGH_WORD) {
      const ms = msHi * TWO_POW_32 + msLo;
      if (ms !== this.lastMs) {
        this.lastMs = ms;
        this.lastMsShifted = BigInt(ms) << 64n;
      }
      msShifted = this.lastMsShifted;
    } else {
      msShifted = buf.readBigUInt64LE(p) << 64n;
    }
    const seq =
      seqHi === 0 ? BigInt(seqLo) : seqHi < SAFE_HIGH_WORD ? BigInt(seqHi * TWO_POW_32 + seqLo) : buf.readBigUInt64LE(p + 8);
    return msShifted | seq;
  }

  private key(): string {
    if (this.buf[this.pos] === SAME_KEY && this.previousKey !== undefined) {
      this.pos++;
      return this.previousKey;
    }
    const key = this.string();
    this.previousKey = key;
    return key;
  }

  private string(): string {
    const header = this.varint();
    const bytes = Math.floor(header / 2);
    this.need(bytes);
    const start = this.pos;
    const end = start + bytes;
    this.pos = end;
    if (header % 2 === 0) return bytes <= INTERN_MAX_BYTES ? this.shortString(start, end) : this.buf.utf8Slice(start, end);
    if (bytes % 2 !== 0) throw new RecordFormatError('odd UTF-16 string length');
    let s = '';
    for (let i = start; i < start + bytes; i += 2) s += String.fromCharCode(this.buf.readUInt16LE(i));
    return s;
  }

  /**
   * Interned decode of a short string: the slot comes from the length and the first and last two
   * bytes; a hit is confirmed byte by byte. Only ASCII strings are cached (their UTF-16 length
   * equals their byte length, which the comparison relies on).
   */
  private shortString(start: number, end: number): string {
    const buf = this.buf;
    const n = end - start;
    if (n === 0) return '';
    const hash = Math.imul(n * 0x10001 + buf[start]! * 0x101 + buf[end - 1]!, 0x9e3779b1) ^ (buf[start + (n >> 1)]! << 7);
    const slot = (hash >>> 20) & (INTERN_SLOTS - 1);
    const cached = this.interned[slot];
    if (cached !== undefined && cached.length === n) {
      let i = 0;
      while (i < n && cached.charCodeAt(i) === buf[start + i]) i++;
      if (i === n) return cached;
    }
    const s = buf.utf8Slice(start, end);
    if (s.length === n) this.interned[slot] = s;
    return s;
  }

  private ids(): StreamId[] {
    const n = this.varint();
    const list: StreamId[] = new Array(n);
    for (let i = 0; i < n; i++) list[i] = this.id();
    return list;
  }

  private entriesRead(): bigint | null {
    return this.u8() === 0 ? null : this.i64();
  }

  private effect(): Effect {
    // Literal op numbers (see `Op`): this switch is the hot path of a restart.
    const op = this.u8();
    const key = this.key();
    switch (op) {
      case 1: {
        const id = this.id();
        const entriesAdded = this.u64();
        const n = this.varint();
        const fields: string[] = new Array(n);
        for (let i = 0; i < n; i++) fields[i] = this.string();
        return { op: 'add', key, id, fields, entriesAdded };
      }
      case 2:
        return { op: 'create', key };
      case 6:
        return { op: 'drop', key };
      case 3:
        return { op: 'trim', key, upTo: this.id() };
      case 4:
        return { op: 'delete', key, ids: this.ids(), maxDeletedId: this.id(), firstId: this.id() };
      case 5: {
        const lastId = this.id();
        const entriesAdded = this.u64();
        const maxDeletedId = this.id();
        if (this.u8() === 0) return { op: 'set-id', key, lastId, entriesAdded, maxDeletedId };
        return { op: 'set-id', key, lastId, entriesAdded, maxDeletedId, firstId: this.id() };
      }
      case 7:
      case 8: {
        const group = this.string();
        const lastId = this.id();
        const entriesRead = this.entriesRead();
        return { op: op === 7 ? 'group-create' : 'group-set-id', key, group, lastId, entriesRead };
      }
      case 9:
        return { op: 'group-destroy', key, group: this.string() };
      case 10: {
        const group = this.string();
        const consumer = this.string();
        return { op: 'consumer-create', key, group, consumer, time: this.f64() };
      }
      case 11: {
        const group = this.string();
        return { op: 'consumer-delete', key, group, consumer: this.string() };
      }
      case 12: {
        const group = this.string();
        const consumer = this.string();
        const time = this.f64();
        const ids = this.ids();
        const active = this.u8() === 1;
        const lastId = this.id();
        const entriesRead = this.entriesRead();
        return { op: 'deliver', key, group, consumer, time, ids, active, lastId, entriesRead };
      }
      case 13: {
        const group = this.string();
        const consumer = this.string();
        const seenTime = this.f64();
        const activeTime = this.u8() === 0 ? null : this.f64();
        const n = this.varint();
        const entries: { id: StreamId; time: number; count: number }[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const id = this.id();
          const time = this.f64();
          entries[i] = { id, time, count: this.f64() };
        }
        return { op: 'pending-set', key, group, consumer, seenTime, activeTime, entries };
      }
      case 14: {
        const group = this.string();
        return { op: 'ack', key, group, ids: this.ids() };
      }
      case 15:
        return { op: 'dereference', key, ids: this.ids() };
      case 16: {
        const group = this.string();
        const n = this.varint();
        const entries: { id: StreamId; count: number }[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const id = this.id();
          entries[i] = { id, count: this.f64() };
        }
        return { op: 'nack', key, group, entries };
      }
      case 17: {
        const durationS = this.f64();
        const maxSize = this.f64();
        return { op: 'idmp-config', key, durationS, maxSize, clear: this.u8() === 1 };
      }
      case 18: {
        const producer = this.string();
        const iid = this.string();
        const id = this.id();
        const digest = this.string();
        return { op: 'idmp-record', key, producer, iid, id, digest, added: this.u64() };
      }
      case 19:
        return { op: 'idmp-duplicate', key, duplicates: this.u64() };
      case 20: {
        const group = this.string();
        const policy = this.string();
        return { op: 'group-policy', key, group, policy: policy === '' ? null : (JSON.parse(policy) as DeliveryPolicy) };
      }
      case 21: {
        const group = this.string();
        const queue = DUE_QUEUES[this.u8()];
        if (queue === undefined) throw new RecordFormatError('unknown due queue');
        const n = this.varint();
        const entries: { id: StreamId; due: number }[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const id = this.id();
          entries[i] = { id, due: this.f64() };
        }
        return { op: 'policy-due', key, group, queue, entries };
      }
      case 22: {
        const producer = this.string();
        const iid = this.string();
        const ids = this.ids();
        const digest = this.string();
        return { op: 'idmp-record-batch', key, producer, iid, ids, digest, added: this.u64() };
      }
      default:
        throw new RecordFormatError(`unknown effect op ${op}`);
    }
  }
}

/** Decodes one framed record (length, CRC, payload) that fills `buf` exactly. */
export function decodeRecord(buf: Buffer): DecodedRecord {
  const check = checkRecord(buf, 0, buf.length);
  if (check.status !== 'ok') throw new RecordFormatError(`bad record: ${check.status}`);
  if (check.end !== buf.length) throw new RecordFormatError('trailing bytes after the record');
  return new RecordDecoder().decode(buf, RECORD_HEADER_BYTES, check.end);
}

export type RecordCheck =
  | { status: 'ok'; end: number }
  /** Fewer than 8 bytes left, or a length reaching past the end of the data. */
  | { status: 'short' }
  /** A zero or oversized length. */
  | { status: 'bad-length' }
  | { status: 'bad-crc'; end: number };

/** Checks the frame at `buf[pos]` against the data that ends at `limit`; `end` is where the record ends. */
export function checkRecord(buf: Buffer, pos: number, limit: number): RecordCheck {
  if (limit - pos < RECORD_HEADER_BYTES) return { status: 'short' };
  const length = buf.readUInt32LE(pos);
  if (length === 0 || length > MAX_RECORD_BYTES) return { status: 'bad-length' };
  const end = pos + RECORD_HEADER_BYTES + length;
  if (end > limit) return { status: 'short' };
  const crc = crc32Range(buf, pos + RECORD_HEADER_BYTES, end);
  return crc === buf.readUInt32LE(pos + 4) ? { status: 'ok', end } : { status: 'bad-crc', end };
}

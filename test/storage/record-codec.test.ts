import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../src/storage/byte-writer.js';
import { crc32, crc32Js } from '../../src/storage/crc32.js';
import {
  RECORD_HEADER_BYTES,
  RecordDecoder,
  checkRecord,
  decodeRecord,
  encodeBatch,
  encodeBatchRecord,
  encodeSnapshotEndRecord,
  SNAPSHOT_END_RECORD_BYTES,
} from '../../src/storage/record-codec.js';
import { U64_MAX, makeId } from '../../src/domain/ids.js';
import { batchArb, textArb } from './helpers/arbitraries.js';

describe('record codec', () => {
  it('round-trips any batch exactly', () => {
    fc.assert(
      fc.property(batchArb, (batch) => {
        const decoded = decodeRecord(encodeBatch(batch));
        expect(decoded).toEqual({ kind: 'batch', batch });
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips many batches written back to back into one buffer', () => {
    fc.assert(
      fc.property(fc.array(batchArb, { maxLength: 20 }), (batches) => {
        const out = new ByteWriter(16);
        for (const b of batches) encodeBatchRecord(out, b);
        const buf = Buffer.from(out.bytes());
        const decoder = new RecordDecoder();
        const got = [];
        let pos = 0;
        while (pos < buf.length) {
          const check = checkRecord(buf, pos, buf.length);
          expect(check.status).toBe('ok');
          if (check.status !== 'ok') break;
          got.push(decoder.decode(buf, pos + RECORD_HEADER_BYTES, check.end));
          pos = check.end;
        }
        expect(got).toEqual(batches.map((batch) => ({ kind: 'batch', batch })));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips batches whose effects share a key (written as a back-reference)', () => {
    const batch = [
      { op: 'add' as const, key: 's', id: 1n, fields: ['f', 'v'], entriesAdded: 1n },
      { op: 'add' as const, key: 's', id: 2n, fields: ['f', 'v'], entriesAdded: 2n },
      { op: 'create' as const, key: '' },
      { op: 'create' as const, key: '' },
      { op: 'trim' as const, key: 's', upTo: 2n },
    ];
    const encoded = encodeBatch(batch);
    expect(decodeRecord(encoded)).toEqual({ kind: 'batch', batch });
    expect(encoded.length).toBeLessThan(encodeBatch(batch.map((e, i) => ({ ...e, key: e.key + ' '.repeat(i) }))).length);
  });

  it('keeps the extreme IDs and counters exact', () => {
    const max = makeId(U64_MAX, U64_MAX);
    const batch = [
      { op: 'add' as const, key: '', id: max, fields: ['', ''], entriesAdded: U64_MAX },
      { op: 'set-id' as const, key: 'k', lastId: max, entriesAdded: U64_MAX, maxDeletedId: makeId(U64_MAX, 0n), firstId: max },
      { op: 'set-id' as const, key: 'k', lastId: 1n, entriesAdded: 0n, maxDeletedId: 0n },
      { op: 'group-create' as const, key: 'k', group: 'g', lastId: makeId(0n, U64_MAX), entriesRead: (1n << 63n) - 1n },
      { op: 'group-set-id' as const, key: 'k', group: 'g', lastId: 0n, entriesRead: null },
    ];
    expect(decodeRecord(encodeBatch(batch))).toEqual({ kind: 'batch', batch });
  });

  it('round-trips strings with lone surrogates code unit for code unit', () => {
    fc.assert(
      fc.property(textArb, (s) => {
        const out = decodeRecord(encodeBatch([{ op: 'create', key: s }]));
        expect(out.kind === 'batch' && out.batch[0]!.key).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses IDs outside 128 bits and leaves the buffer untouched', () => {
    const out = new ByteWriter(16);
    encodeBatchRecord(out, [{ op: 'create', key: 'a' }]);
    const before = Buffer.from(out.bytes());
    expect(() => encodeBatchRecord(out, [{ op: 'trim', key: 'a', upTo: 1n << 128n }])).toThrow(RangeError);
    expect(() => encodeBatchRecord(out, [{ op: 'trim', key: 'a', upTo: -1n }])).toThrow(RangeError);
    expect(Buffer.from(out.bytes())).toEqual(before);
  });

  it('frames the snapshot end marker at a fixed size', () => {
    const out = new ByteWriter(16);
    encodeSnapshotEndRecord(out, 12345n, 678n);
    expect(out.length).toBe(SNAPSHOT_END_RECORD_BYTES);
    expect(decodeRecord(Buffer.from(out.bytes()))).toEqual({ kind: 'snapshot-end', records: 12345n, offset: 678n });
  });

  it('detects a flipped byte, a short record and a zero length', () => {
    const buf = encodeBatch([{ op: 'add', key: 'stream', id: 5n, fields: ['f', 'v'], entriesAdded: 1n }]);
    for (let i = RECORD_HEADER_BYTES; i < buf.length; i++) {
      const copy = Buffer.from(buf);
      copy[i]! ^= 0x40;
      expect(checkRecord(copy, 0, copy.length).status).toBe('bad-crc');
    }
    for (let cut = 0; cut < buf.length; cut++) expect(checkRecord(buf, 0, cut).status).toBe('short');
    expect(checkRecord(Buffer.alloc(32), 0, 32).status).toBe('bad-length');
  });

  it('computes the same CRC-32 natively and with the table', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        expect(crc32Js(data)).toBe(crc32(data));
      }),
    );
    expect(crc32Js(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});

describe('byte writer', () => {
  const TWO_POW_53 = 1n << 53n;
  const half = fc.oneof(fc.bigInt(0n, 5n), fc.bigInt(TWO_POW_53 - 2n, TWO_POW_53 + 1n), fc.bigInt(0n, U64_MAX), fc.constant(U64_MAX));

  it('writes any run of IDs and u64s as little-endian u64 words, whatever ms the previous ID had', () => {
    const value = fc.oneof(fc.tuple(half, half).map(([ms, seq]) => ({ kind: 'id' as const, ms, seq })), half.map((n) => ({ kind: 'u64' as const, n })));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 30 }), (values) => {
        const out = new ByteWriter(8);
        for (const v of values) {
          if (v.kind === 'id') out.id(makeId(v.ms, v.seq));
          else out.u64(v.n);
        }
        const bytes = out.bytes();
        let pos = 0;
        for (const v of values) {
          if (v.kind === 'id') {
            expect([bytes.readBigUInt64LE(pos), bytes.readBigUInt64LE(pos + 8)]).toEqual([v.ms, v.seq]);
            pos += 16;
          } else {
            expect(bytes.readBigUInt64LE(pos)).toBe(v.n);
            pos += 8;
          }
        }
        expect(pos).toBe(bytes.length);
      }),
    );
  });

  it('refuses IDs outside 128 bits', () => {
    expect(() => new ByteWriter().id(-1n)).toThrow(RangeError);
    expect(() => new ByteWriter().id(1n << 128n)).toThrow(RangeError);
  });
});

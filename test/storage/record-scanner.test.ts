import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EffectBatch } from '../../src/core/effects.js';
import { crc32 } from '../../src/storage/crc32.js';
import { encodeFileHeader } from '../../src/storage/file-header.js';
import { encodeBatch } from '../../src/storage/record-codec.js';
import { ScanError, scanRecordFile } from '../../src/storage/record-scanner.js';
import type { StoredRecord } from '../../src/storage/stream-nodes-record.js';
import { useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();

const BATCHES: EffectBatch[] = [
  [{ op: 'create', key: 'a' }],
  [{ op: 'add', key: 'a', id: 5n << 64n, fields: ['f', 'v'], entriesAdded: 1n }],
  [{ op: 'create', key: 'b' }, { op: 'group-create', key: 'b', group: 'g', lastId: 0n, entriesRead: null }],
];
const RECORDS = BATCHES.map(encodeBatch);
const HEADER = encodeFileHeader('log', 7);
/** Byte offset of each record in a file of HEADER + RECORDS. */
const OFFSETS = RECORDS.map((_, i) => HEADER.length + RECORDS.slice(0, i).reduce((n, r) => n + r.length, 0));

async function logFile(...parts: Buffer[]): Promise<string> {
  const path = join(await tempDir(), 'log.sgl');
  await writeFile(path, Buffer.concat(parts));
  return path;
}

async function scan(path: string, kind: 'log' | 'snapshot' = 'log') {
  const seen: { record: StoredRecord; offset: number }[] = [];
  const result = await scanRecordFile(path, kind, (record, offset) => seen.push({ record, offset }));
  return { result, seen };
}

function flipped(record: Buffer, at: number): Buffer {
  const copy = Buffer.from(record);
  copy[at] = copy[at]! ^ 0xff;
  return copy;
}

describe('scanRecordFile', () => {
  it('hands over every record with its offset, and the generation of the header', async () => {
    const path = await logFile(HEADER, ...RECORDS);
    const { result, seen } = await scan(path);
    expect(seen).toEqual(BATCHES.map((batch, i) => ({ record: { kind: 'batch', batch }, offset: OFFSETS[i] })));
    const size = (await readFile(path)).length;
    expect(result).toEqual({ path, generation: 7, records: 3, goodEnd: size, fileSize: size });
  });

  it.each([
    ['a short record header', Buffer.from([1, 2, 3])],
    ['a record that runs past the end of the file', RECORDS[2]!.subarray(0, RECORDS[2]!.length - 1)],
    ['a zero-filled tail', Buffer.alloc(64)],
    ['a checksum mismatch in the last record', flipped(RECORDS[2]!, RECORDS[2]!.length - 1)],
  ])('calls %s a torn tail, and stops before it', async (_what, tail) => {
    const path = await logFile(HEADER, RECORDS[0]!, RECORDS[1]!, tail);
    const before = await readFile(path);
    const { result, seen } = await scan(path);
    expect(seen).toHaveLength(2);
    expect(result.records).toBe(2);
    expect(result.goodEnd).toBe(OFFSETS[2]);
    expect(result.problem).toEqual({ kind: 'torn', offset: OFFSETS[2], bytes: tail.length, reason: expect.any(String) });
    expect(await readFile(path)).toEqual(before);
  });

  it('calls a bad record with valid ones after it damage, and says where they start and how many follow', async () => {
    const path = await logFile(HEADER, flipped(RECORDS[0]!, 10), RECORDS[1]!, RECORDS[2]!);
    const { result, seen } = await scan(path);
    expect(seen).toHaveLength(0);
    expect(result.goodEnd).toBe(OFFSETS[0]);
    expect(result.problem).toEqual({
      kind: 'corrupt',
      offset: OFFSETS[0],
      bytes: RECORDS.reduce((n, r) => n + r.length, 0),
      reason: 'checksum mismatch',
      nextValidOffset: OFFSETS[1],
      recordsAfter: 2,
    });
  });

  it('refuses a file whose header is not a header of that kind', async () => {
    const log = await logFile(HEADER, ...RECORDS);
    await expect(scan(log, 'snapshot')).rejects.toThrow(ScanError);
    await expect(scan(log, 'snapshot')).rejects.toThrow(/not a streamgate snapshot file \(bad magic\)/);
    await expect(scan(await logFile(HEADER.subarray(0, 20)))).rejects.toThrow(/header is 20 bytes, expected 32/);
    await expect(scan(await logFile(flipped(HEADER, 16), ...RECORDS))).rejects.toThrow(/header checksum mismatch/);
  });

  it('throws on a record that passes its checksum but does not decode: a bug, never a crash artefact', async () => {
    const payload = Buffer.from([1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    const frame = Buffer.alloc(8);
    frame.writeUInt32LE(payload.length, 0);
    frame.writeUInt32LE(crc32(payload), 4);
    const path = await logFile(HEADER, RECORDS[0]!, frame, payload);
    await expect(scan(path)).rejects.toThrow(new RegExp(`record at byte offset ${OFFSETS[1]} passes its checksum but cannot be decoded`));
  });
});

import { open, type FileHandle } from 'node:fs/promises';
import { crc32Range } from './crc32.js';
import { FILE_HEADER_BYTES, decodeFileHeader, type FileKind } from './file-header.js';
import { MAX_RECORD_BYTES, RECORD_HEADER_BYTES, RecordKind } from './record-codec.js';
import { STREAM_NODES_RECORD_KIND, StoredRecordDecoder, WIDE_STREAM_NODES_RECORD_KIND, type StoredRecord } from './stream-nodes-record.js';

/**
 * What stopped a scan before the end of the file.
 * - `torn`: no valid record anywhere after `offset`: what a crash in the
 *   middle of a write leaves (a short record, a bad CRC at the very end, a
 *   zero-filled tail). Cutting the file at `offset` loses only that.
 * - `corrupt`: a bad record with valid records after it (the first at
 *   `nextValidOffset`): damage in the middle, which startup refuses to skip.
 */
export type ScanProblem =
  | { kind: 'torn'; offset: number; bytes: number; reason: string }
  | { kind: 'corrupt'; offset: number; bytes: number; reason: string; nextValidOffset: number; recordsAfter: number };

export interface ScanResult {
  path: string;
  generation: number;
  /** Valid records read. */
  records: number;
  /** Where the last valid record ends: the offset a repair cuts at. */
  goodEnd: number;
  fileSize: number;
  problem?: ScanProblem;
}

export class ScanError extends Error {
  override readonly name = 'ScanError';
  constructor(
    message: string,
    readonly path: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Reads a log or snapshot file record by record, handing each decoded record
 * (and its byte offset) to `onRecord`. Stops at the first bad record and says
 * whether it is a torn tail or damage in the middle; never changes the file.
 * A record that passes its CRC but does not decode throws (a bug or a format
 * mismatch, never a crash artefact).
 */
export async function scanRecordFile(
  path: string,
  kind: FileKind,
  onRecord: (record: StoredRecord, offset: number) => void,
): Promise<ScanResult> {
  const handle = await open(path, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    const header = Buffer.alloc(FILE_HEADER_BYTES);
    const { bytesRead } = await handle.read(header, 0, FILE_HEADER_BYTES, 0);
    const decoded = decodeFileHeader(kind, header.subarray(0, bytesRead));
    if ('error' in decoded) throw new ScanError(`${path}: ${decoded.error}`, path, 0);

    const reader = new ChunkReader(handle, fileSize);
    const decoder = new StoredRecordDecoder();
    let pos = FILE_HEADER_BYTES;
    let records = 0;
    let problem: ScanProblem | undefined;
    while (pos < fileSize) {
      const bad = await reader.frame(pos);
      if (bad !== undefined) {
        problem = await classify(handle, fileSize, pos, bad);
        break;
      }
      const buf = reader.buf;
      const at = pos - reader.start;
      const end = at + RECORD_HEADER_BYTES + buf.readUInt32LE(at);
      let record: StoredRecord;
      try {
        record = decoder.decode(buf, at + RECORD_HEADER_BYTES, end);
      } catch (err) {
        throw new ScanError(`${path}: record at byte offset ${pos} passes its checksum but cannot be decoded: ${(err as Error).message}`, path, pos);
      }
      onRecord(record, pos);
      records++;
      pos += end - at;
    }
    return { path, generation: decoded.generation, records, goodEnd: problem?.offset ?? pos, fileSize, ...(problem && { problem }) };
  } finally {
    await handle.close();
  }
}

/** A sliding window over the file, grown when a record is larger than a chunk. */
class ChunkReader {
  buf = Buffer.allocUnsafe(CHUNK_BYTES);
  start = 0;
  private end = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly fileSize: number,
  ) {}

  /** Checks the frame at `pos`: undefined when valid (and then wholly in `buf`), else the reason. */
  async frame(pos: number): Promise<string | undefined> {
    if (this.fileSize - pos < RECORD_HEADER_BYTES) return `${this.fileSize - pos} bytes left, short of a record header`;
    await this.load(pos, RECORD_HEADER_BYTES);
    const length = this.buf.readUInt32LE(pos - this.start);
    if (length === 0 || length > MAX_RECORD_BYTES) return `invalid record length ${length}`;
    if (pos + RECORD_HEADER_BYTES + length > this.fileSize) {
      return `record of ${length} bytes runs past the end of the file (${this.fileSize - pos - RECORD_HEADER_BYTES} bytes left)`;
    }
    await this.load(pos, RECORD_HEADER_BYTES + length);
    const at = pos - this.start;
    const crc = crc32Range(this.buf, at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + length);
    return crc === this.buf.readUInt32LE(at + 4) ? undefined : 'checksum mismatch';
  }

  /** Makes `[pos, pos + length)` available in `buf`. */
  private async load(pos: number, length: number): Promise<void> {
    if (pos >= this.start && pos + length <= this.end) return;
    const want = Math.max(length, CHUNK_BYTES);
    if (this.buf.length < want) this.buf = Buffer.allocUnsafe(want);
    const size = Math.min(this.buf.length, this.fileSize - pos);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await this.handle.read(this.buf, got, size - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.start = pos;
    this.end = pos + got;
  }
}

/** Whether a valid record follows the bad one at `offset` decides between a torn tail and damage. */
async function classify(handle: FileHandle, fileSize: number, offset: number, reason: string): Promise<ScanProblem> {
  const rest = Buffer.allocUnsafe(fileSize - offset);
  let got = 0;
  while (got < rest.length) {
    const { bytesRead } = await handle.read(rest, got, rest.length - got, offset + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  const bytes = fileSize - offset;
  const next = findValidRecord(rest.subarray(0, got), 1);
  if (next === undefined) return { kind: 'torn', offset, bytes, reason };
  let recordsAfter = 0;
  let p = next;
  while (p !== undefined && p < got) {
    const end = validFrameEnd(rest, p, got);
    if (end === undefined) break;
    recordsAfter++;
    p = end;
  }
  return { kind: 'corrupt', offset, bytes, reason, nextValidOffset: offset + next, recordsAfter };
}

/** The first offset >= `from` in `buf` where a complete, checksum-valid record starts. */
export function findValidRecord(buf: Buffer, from: number): number | undefined {
  for (let p = from; p + RECORD_HEADER_BYTES < buf.length; p++) {
    if (validFrameEnd(buf, p, buf.length) !== undefined) return p;
  }
  return undefined;
}

function validFrameEnd(buf: Buffer, p: number, limit: number): number | undefined {
  if (limit - p <= RECORD_HEADER_BYTES) return undefined;
  const length = buf.readUInt32LE(p);
  if (length === 0 || length > limit - p - RECORD_HEADER_BYTES) return undefined;
  const kind = buf[p + RECORD_HEADER_BYTES];
  if (kind !== RecordKind.batch && kind !== RecordKind.snapshotEnd && kind !== STREAM_NODES_RECORD_KIND && kind !== WIDE_STREAM_NODES_RECORD_KIND) return undefined;
  const end = p + RECORD_HEADER_BYTES + length;
  return crc32Range(buf, p + RECORD_HEADER_BYTES, end) === buf.readUInt32LE(p + 4) ? end : undefined;
}

import { crc32 } from './crc32.js';

/**
 * Every log and snapshot file opens with a 32-byte header:
 * [8 magic][u32 version][u32 zero][u64 generation][u32 CRC-32 of bytes 0-23][u32 zero].
 */
export const FILE_HEADER_BYTES = 32;
export const FORMAT_VERSION = 1;

const MAGIC = { log: 'SGATELOG', snapshot: 'SGATESNP' } as const;

export type FileKind = keyof typeof MAGIC;

export function encodeFileHeader(kind: FileKind, generation: number): Buffer {
  const buf = Buffer.alloc(FILE_HEADER_BYTES);
  buf.write(MAGIC[kind], 0, 'latin1');
  buf.writeUInt32LE(FORMAT_VERSION, 8);
  buf.writeBigUInt64LE(BigInt(generation), 16);
  buf.writeUInt32LE(crc32(buf.subarray(0, 24)), 24);
  return buf;
}

/** The generation in a header, or a reason it is not one. */
export function decodeFileHeader(kind: FileKind, buf: Buffer): { generation: number } | { error: string } {
  if (buf.length < FILE_HEADER_BYTES) return { error: `header is ${buf.length} bytes, expected ${FILE_HEADER_BYTES}` };
  if (buf.toString('latin1', 0, 8) !== MAGIC[kind]) return { error: `not a streamgate ${kind} file (bad magic)` };
  if (crc32(buf.subarray(0, 24)) !== buf.readUInt32LE(24)) return { error: 'header checksum mismatch' };
  const version = buf.readUInt32LE(8);
  if (version !== FORMAT_VERSION) return { error: `format version ${version}, this server reads ${FORMAT_VERSION}` };
  return { generation: Number(buf.readBigUInt64LE(16)) };
}

import zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, initial?: number) => number;

/** Slicing-by-8 tables for the reflected CRC-32 (IEEE 802.3, as zlib and PNG use). */
const T = new Int32Array(256 * 8);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = T[n]!;
  for (let k = 1; k < 8; k++) {
    c = T[c & 0xff]! ^ (c >>> 8);
    T[k * 256 + n] = c;
  }
}

/** CRC-32 of `buf[start, end)` in JavaScript: no native call and no subarray, the faster choice below a few KiB. */
export function crc32Js(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)) ^ crc;
    crc =
      T[1792 + (a & 0xff)]! ^
      T[1536 + ((a >>> 8) & 0xff)]! ^
      T[1280 + ((a >>> 16) & 0xff)]! ^
      T[1024 + (a >>> 24)]! ^
      T[768 + buf[i + 4]!]! ^
      T[512 + buf[i + 5]!]! ^
      T[256 + buf[i + 6]!]! ^
      T[buf[i + 7]!]!;
  }
  for (; i < end; i++) crc = T[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

const native = (zlib as unknown as { crc32?: Crc32 }).crc32;

/** zlib.crc32 where Node has it (>= 20.15 / 22.2), else the JavaScript implementation, which gives the same values. */
export const crc32: Crc32 = typeof native === 'function' ? native : (data) => crc32Js(data);

const NATIVE_FROM_BYTES = 4096;

/** CRC-32 of `buf[start, end)`, picking whichever implementation is faster for the size. */
export function crc32Range(buf: Buffer, start: number, end: number): number {
  return end - start < NATIVE_FROM_BYTES ? crc32Js(buf, start, end) : crc32(buf.subarray(start, end));
}

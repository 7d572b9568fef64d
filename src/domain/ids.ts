/**
 * Stream IDs: `<ms>-<seq>`, both parts unsigned 64-bit. In the core an ID is
 * one 128-bit bigint, `ms << 64 | seq`, so that IDs compare with `<` and never
 * pass through a JS number.
 */
export type StreamId = bigint;

export const U64_MAX = (1n << 64n) - 1n;
export const MIN_ID: StreamId = 0n;
export const MAX_ID: StreamId = (1n << 128n) - 1n;

export function makeId(ms: bigint, seq: bigint): StreamId {
  return (ms << 64n) | seq;
}

export function idMs(id: StreamId): bigint {
  return id >> 64n;
}

export function idSeq(id: StreamId): bigint {
  return id & U64_MAX;
}

export function formatId(id: StreamId): string {
  return `${id >> 64n}-${id & U64_MAX}`;
}

/** Digits whose value is below 2^53, so exact in a double. */
const SAFE_DIGITS = 15;

/** A decimal unsigned 64-bit integer (1 to 20 digits), or undefined. Leading zeros are accepted, as Redis's strtoull does. */
export function parseU64(text: string): bigint | undefined {
  const length = text.length;
  if (length === 0 || length > 20) return undefined;
  let value = 0;
  for (let i = 0; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  // A BigInt from a small double is cheaper than one parsed from text (every ms of a real clock fits).
  if (length <= SAFE_DIGITS) return BigInt(value);
  const big = BigInt(text);
  return big <= U64_MAX ? big : undefined;
}

/**
 * `<ms>-<seq>` or the incomplete `<ms>`, whose sequence is `missingSeq`
 * (0 for a start or a strict ID, U64_MAX for a range end).
 */
export function parseId(text: string, missingSeq: bigint = 0n): StreamId | undefined {
  const dash = text.indexOf('-');
  if (dash < 0) {
    const ms = parseU64(text);
    return ms === undefined ? undefined : makeId(ms, missingSeq);
  }
  const ms = parseU64(text.slice(0, dash));
  const seq = parseU64(text.slice(dash + 1));
  if (ms === undefined || seq === undefined) return undefined;
  return makeId(ms, seq);
}

/** Like Redis's non-strict parse: also `-` (0-0) and `+` (max-max). */
export function parseIdOrSpecial(text: string, missingSeq: bigint = 0n): StreamId | undefined {
  if (text === '-') return MIN_ID;
  if (text === '+') return MAX_ID;
  return parseId(text, missingSeq);
}

export interface RangeBound {
  id: StreamId;
  exclusive: boolean;
}

/**
 * A range bound as XRANGE takes it: `-`, `+`, `<ms>`, `<ms>-<seq>`, each with
 * an optional `(` for an exclusive bound. An incomplete start gets seq 0, an
 * incomplete end seq max.
 */
export function parseRangeBound(text: string, side: 'start' | 'end'): RangeBound | undefined {
  const missingSeq = side === 'start' ? 0n : U64_MAX;
  // `(-` and `(+` are invalid, as in Redis: only a real ID can be exclusive.
  const exclusive = text.length > 1 && text.startsWith('(');
  const id = exclusive ? parseId(text.slice(1), missingSeq) : parseIdOrSpecial(text, missingSeq);
  return id === undefined ? undefined : { id, exclusive };
}

/** XADD's ID argument: `*`, `<ms>-*`, or an explicit (possibly incomplete) ID. */
export type AddIdSpec =
  | { kind: 'auto' }
  | { kind: 'auto-seq'; ms: bigint }
  | { kind: 'explicit'; id: StreamId };

export function parseAddId(text: string): AddIdSpec | undefined {
  if (text === '*') return { kind: 'auto' };
  if (text.endsWith('-*')) {
    const ms = parseU64(text.slice(0, -2));
    return ms === undefined ? undefined : { kind: 'auto-seq', ms };
  }
  const id = parseId(text, 0n);
  return id === undefined ? undefined : { kind: 'explicit', id };
}

export function compareIds(a: StreamId, b: StreamId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function maxId(a: StreamId, b: StreamId): StreamId {
  return a > b ? a : b;
}

/**
 * Hot searches compare IDs as four 32-bit words (ms high, ms low, seq high,
 * seq low) held in typed arrays: a BigInt compare is a runtime call, and each
 * BigInt is a heap object that a probe would have to follow.
 * `splitId` writes an ID's words, in that order, into ID_WORDS; the caller
 * copies them out before splitting another.
 */
export const ID_WORDS = new Uint32Array(4);
const splitScratch = new BigUint64Array(2);
const splitScratchWords = new Uint32Array(splitScratch.buffer);

/**
 * Offsets of the ms-high, ms-low, seq-high and seq-low words of an ID stored
 * as [ms, seq] in a BigUint64Array, in a Uint32Array view of it: the
 * platform's byte order decides which half of a 64-bit word comes first.
 */
const HIGH_HALF = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
export const MS_HIGH = HIGH_HALF;
export const MS_LOW = 1 - HIGH_HALF;
export const SEQ_HIGH = 2 + HIGH_HALF;
export const SEQ_LOW = 3 - HIGH_HALF;

/** The ID ID_WORDS holds: a PEL operation splits the same ID for the group's and the consumer's tree. */
let lastSplit: StreamId = -1n;

export function splitId(id: StreamId): void {
  if (id === lastSplit) return;
  lastSplit = id;
  splitScratch[0] = id >> 64n;
  // A BigUint64Array stores a value modulo 2^64: the sequence.
  splitScratch[1] = id;
  ID_WORDS[0] = splitScratchWords[MS_HIGH]!;
  ID_WORDS[1] = splitScratchWords[MS_LOW]!;
  ID_WORDS[2] = splitScratchWords[SEQ_HIGH]!;
  ID_WORDS[3] = splitScratchWords[SEQ_LOW]!;
}

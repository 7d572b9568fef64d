import { formatId, type StreamId } from '../../domain/ids.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A `formatId` for IDs that mostly share their ms half (those added together),
 * whose text it keeps: one bigint subtraction per ID instead of a shift, a
 * mask and two bigint-to-text conversions.
 */
export function idFormatter(): (id: StreamId) => string {
  let msShifted = -1n;
  let msSafeEnd = -1n;
  let msPrefix = '';
  return (id) => {
    if (id < msShifted || id >= msSafeEnd) {
      const ms = id >> 64n;
      msShifted = ms << 64n;
      msSafeEnd = msShifted + MAX_SAFE + 1n;
      msPrefix = `${ms}-`;
      if (id >= msSafeEnd) return formatId(id);
    }
    return msPrefix + Number(id - msShifted);
  };
}

export function formatIds(ids: readonly StreamId[]): string[] {
  return ids.map(idFormatter());
}

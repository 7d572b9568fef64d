/** The median of the finite numbers in `values`; null when there are none. */
export function median(values: readonly (number | null | undefined)[]): number | null {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}

/** The p-th percentile (0..100) by the nearest-rank method; null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const xs = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * xs.length));
  return xs[Math.min(rank, xs.length) - 1]!;
}

export function ratio(value: number | null | undefined, anchor: number | null | undefined): number | null {
  if (value == null || anchor == null || anchor === 0 || !Number.isFinite(value) || !Number.isFinite(anchor)) return null;
  return value / anchor;
}

export const nsToMs = (ns: bigint | number): number => Number(ns) / 1e6;
export const nsToS = (ns: bigint | number): number => Number(ns) / 1e9;

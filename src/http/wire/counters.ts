/** Core counters are bigints; JSON numbers hold them exactly up to 2^53-1. */
export function counterToWire(value: bigint): number;
export function counterToWire(value: bigint | null): number | null;
export function counterToWire(value: bigint | null): number | null {
  return value === null ? null : Number(value);
}

/**
 * The memory meter of the embedded backend (Redis's `used_memory` as far as
 * MAX_MEMORY_BYTES is concerned): the bytes the live entries of every stream
 * occupy, kept exact by each change of a stream (append, XDEL, trim, DEL,
 * replay, restored snapshot nodes), so reading it is O(1) and nothing scans.
 *
 * One live entry counts the bytes its record holds in its node (values, and
 * names, with their length headers: StreamNode.slotBytes) plus ENTRY_ID_BYTES
 * for its ID. Tombstones, groups, PELs and idempotency records are not counted.
 */
export const ENTRY_ID_BYTES = 16;

export class MemoryMeter {
  /** Bytes of live entries in all streams of the keyspace. */
  used = 0;
}

const meters = new WeakMap<object, MemoryMeter>();

/** The meter of a keyspace, by its streams map (what replay sees). */
export function memoryMeterOf(streams: object): MemoryMeter {
  let meter = meters.get(streams);
  if (meter === undefined) meters.set(streams, (meter = new MemoryMeter()));
  return meter;
}

import calculateSlot from 'cluster-key-slot';

/**
 * The companion keys of a stream's delivery policies (issue 14), all in the
 * stream key's Cluster slot, so one script can touch them with the stream:
 *   <base>policy         hash: group -> policy JSON
 *   <base>due:<group>:T  zset: owned entries by deadline (Unix ms)
 *   <base>due:<group>:O  zset: entries taken back at their deadline or from an expired consumer, by deadline
 *   <base>due:<group>:R  zset: nacked entries below maxDeliveries, by due time
 *   <base>due:<group>:X  zset: entries at maxDeliveries waiting to be dead-lettered, by due time
 * (members are entry IDs). The base keeps the stream key's slot:
 * - the key has a valid hash tag (a `{` followed later by `}` with something
 *   between): the tag still decides, so base = key + ':sg:';
 * - the key has no `}` at all: base = '{' + key + '}:sg:' (the whole key is the tag);
 * - otherwise (a `}` without a valid tag, e.g. `a}b` or `{}x`: Redis hashes
 *   the whole key, which no wrapping can reproduce): the tag is a short string
 *   found to hash to the same slot, base = '{sgslot-N}:sg:' + key + ':'.
 * The key already carries REDIS_KEY_PREFIX, so companions do too.
 */
export function companionBase(key: string): string {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return `${key}:sg:`;
  }
  if (!key.includes('}')) return `{${key}}:sg:`;
  return `{${slotTag(calculateSlot(key))}}:sg:${key}:`;
}

export interface GroupKeys {
  stream: string;
  policy: string;
  deadlines: string;
  overdue: string;
  nacked: string;
  doomed: string;
}

/** KEYS of a group script, in the order the scripts read them: stream, policy hash, T, O, R, X. */
export function groupKeys(key: string, group: string): GroupKeys {
  const base = companionBase(key);
  const due = `${base}due:${group}:`;
  return { stream: key, policy: `${base}policy`, deadlines: `${due}T`, overdue: `${due}O`, nacked: `${due}R`, doomed: `${due}X` };
}

export function groupKeyList(k: GroupKeys): string[] {
  return [k.stream, k.policy, k.deadlines, k.overdue, k.nacked, k.doomed];
}

const slotTags = new Map<number, string>();

/** A tag `sgslot-N` (N the smallest that fits) hashing to `slot`; found by trying N upwards (about 16k tries at worst, cached). */
export function slotTag(slot: number): string {
  let tag = slotTags.get(slot);
  if (tag !== undefined) return tag;
  for (let n = 0; ; n++) {
    const candidate = `sgslot-${n}`;
    const s = calculateSlot(candidate);
    if (!slotTags.has(s)) slotTags.set(s, candidate);
    if (s === slot) return (tag = candidate);
  }
}

/** Whether two keys share a Cluster slot (always true on one server, where the caller does not ask). */
export function sameSlot(a: string, b: string): boolean {
  return calculateSlot(a) === calculateSlot(b);
}

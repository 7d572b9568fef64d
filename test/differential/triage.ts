/**
 * Known differences of our core from redis-server, open until fixed. They
 * are NOT excused: the differential test fails on them by default. For
 * triage only, DIFF_TRIAGE=all (or a comma list of ids) makes a run step
 * around them, so that one known bug does not hide the next: commands that
 * would hit one are skipped on both sides, and fields it spoils are blanked.
 *
 * Remove a row when the core is fixed.
 */
import type { Redis } from 'ioredis';

export interface KnownDifference {
  id: string;
  summary: string;
  /** Fields (of map-like replies) whose values this difference spoils. */
  fields?: string[];
  /** True when `argv` would run into it (Redis may be asked read-only questions). */
  hits?(argv: string[], redis: Redis): boolean | Promise<boolean>;
}

async function streamField(redis: Redis, key: string, field: string): Promise<string | null> {
  try {
    const info = (await redis.call('XINFO', 'STREAM', key)) as (string | number)[];
    return String(info[info.indexOf(field) + 1]);
  } catch {
    return null;
  }
}

const idKey = (text: string): bigint | null => {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  return m ? (BigInt(m[1]!) << 64n) | BigInt(m[2] ?? 0) : null;
};

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  // None open. Fixed so far (their seeds stay in seeds.ts as regressions): recorded-first-entry-id of a
  // stream emptied by a trim; "(-"/"(+" accepted as bounds; negative XCLAIM RETRYCOUNT stored;
  // XSETID's 7.2-only max-deleted-entry-id check. radix-tree-nodes is not modelled (adapter.ts).
];

/** The known differences DIFF_TRIAGE selects (none by default). */
export function triageSelection(): KnownDifference[] {
  const wanted = (process.env.DIFF_TRIAGE ?? '').split(',').filter(Boolean);
  if (wanted.includes('all')) return [...KNOWN_DIFFERENCES];
  return KNOWN_DIFFERENCES.filter((d) => wanted.includes(d.id));
}

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
  {
    id: 'radix-tree-nodes',
    summary: 'XINFO STREAM radix-tree-nodes is the listpack count, not the rax node count',
    fields: ['radix-tree-nodes'],
  },
  {
    id: 'recorded-first-entry-id',
    summary: 'recorded-first-entry-id of an emptied (trimmed) stream is max-max instead of 0-0',
    fields: ['recorded-first-entry-id'],
  },
  {
    id: 'exclusive-special',
    summary: '"(-" and "(+" are accepted as range bounds; Redis refuses them as invalid IDs',
    hits: (argv) => argv.some((a) => a === '(-' || a === '(+'),
  },
  {
    id: 'retrycount-negative',
    summary: 'XCLAIM RETRYCOUNT <negative> stores the negative count; Redis ignores it (and increments)',
    hits: (argv) => argv[0] === 'XCLAIM' && argv.some((a, i) => a === 'RETRYCOUNT' && (argv[i + 1] ?? '').startsWith('-')),
  },
  {
    id: 'xsetid-max-deleted',
    summary: 'XSETID refuses an ID below max-deleted-entry-id (7.2 check); Redis 7.0 does not',
    hits: async (argv, redis) => {
      if (argv[0] !== 'XSETID') return false;
      const maxDeleted = await streamField(redis, argv[1]!, 'max-deleted-entry-id');
      const id = idKey(argv[2]!);
      return maxDeleted !== null && id !== null && id < idKey(maxDeleted)!;
    },
  },
];

/** The known differences DIFF_TRIAGE selects (none by default). */
export function triageSelection(): KnownDifference[] {
  const wanted = (process.env.DIFF_TRIAGE ?? '').split(',').filter(Boolean);
  if (wanted.includes('all')) return [...KNOWN_DIFFERENCES];
  return KNOWN_DIFFERENCES.filter((d) => wanted.includes(d.id));
}

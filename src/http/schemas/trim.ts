import { z } from 'zod';
import type { TrimSpec } from '../../domain/types.js';
import { messageId } from './ids.js';

const TRIM_NOTE =
  'MAXLEN `{"maxLen": N}` or MINID `{"minId": "<id>"}`; `approximate` is `~` (whole nodes only), `limit` caps the entries removed and needs `approximate`, as in Redis.';

export const trimInput = z
  .strictObject({
    maxLen: z.number().int().min(0).optional().meta({ description: 'Keep at most this many entries.' }),
    minId: messageId.optional(),
    approximate: z.boolean().optional(),
    limit: z.number().int().min(0).optional().meta({ description: 'Most entries removed (0 = no limit); only with `approximate`.' }),
  })
  .superRefine((trim, ctx) => {
    if ((trim.maxLen === undefined) === (trim.minId === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of maxLen and minId' });
    }
    if (trim.limit !== undefined && trim.approximate !== true) {
      ctx.addIssue({ code: 'custom', path: ['limit'], message: 'syntax error, LIMIT cannot be used without the special ~ option (approximate: true)' });
    }
  })
  .transform((trim): TrimSpec => {
    const approximate = trim.approximate ?? false;
    const limit = trim.limit === undefined ? {} : { limit: trim.limit };
    return trim.maxLen !== undefined
      ? { maxLen: BigInt(trim.maxLen), approximate, ...limit }
      : { minId: trim.minId!, approximate, ...limit };
  })
  .meta({ description: TRIM_NOTE, examples: [{ maxLen: 1000 }, { minId: '1700000000000-0', approximate: true, limit: 100 }] });

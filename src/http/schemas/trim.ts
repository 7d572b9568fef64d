import { z } from 'zod';
import type { TrimSpec } from '../../domain/types.js';
import { messageId } from './ids.js';
import { refPolicy } from './refs.js';

const TRIM_NOTE =
  'MAXLEN `{"maxLen": N}` or MINID `{"minId": "<id>"}`; `approximate` is `~` (whole nodes only), `limit` caps the entries removed and needs `approximate`, as in Redis.';

export const trimInput = z
  .strictObject({
    maxLen: z.number().int().min(0).optional().meta({ description: 'Keep at most this many entries.' }),
    minId: messageId.optional(),
    approximate: z.boolean().optional(),
    limit: z.number().int().min(0).optional().meta({ description: 'Most entries removed (0 = no limit); only with `approximate`.' }),
    refs: refPolicy.optional().meta({
      description: 'KEEPREF | DELREF | ACKED (Redis 8.2); with `delRef` or `acked`, `approximate` changes nothing (entries go one by one) and `limit` caps the entries examined.',
    }),
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
    const refs = trim.refs === undefined ? {} : { refs: trim.refs };
    return trim.maxLen !== undefined
      ? { maxLen: BigInt(trim.maxLen), approximate, ...limit, ...refs }
      : { minId: trim.minId!, approximate, ...limit, ...refs };
  })
  .meta({ description: TRIM_NOTE, examples: [{ maxLen: 1000 }, { minId: '1700000000000-0', approximate: true, limit: 100 }] });

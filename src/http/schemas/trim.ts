import { z } from 'zod';
import type { TrimSpec } from '../../domain/types.js';
import { isJsonObject } from './fast-check.js';
import { messageId } from './ids.js';
import { refPolicy } from './refs.js';

const TRIM_NOTE =
  'MAXLEN `{"maxLen": N}` or MINID `{"minId": "<id>"}`; `approximate` is `~` (whole nodes only), `limit` caps the entries removed and needs `approximate`, as in Redis.';

/** What MAXLEN and MINID share; an option for both strategies is added here, once. */
const trimOptions = {
  approximate: z.boolean().optional(),
  limit: z.number().int().min(0).optional().meta({ description: 'Most entries removed (0 = no limit); only with `approximate`.' }),
  refs: refPolicy.optional().meta({
    description: 'KEEPREF | DELREF | ACKED (Redis 8.2); with `delRef` or `acked`, `approximate` changes nothing (entries go one by one) and `limit` caps the entries examined.',
  }),
};

/**
 * The two strategies as separate forms (`oneOf` in the OpenAPI document), each naming the other's
 * key as never present, so that a typed client cannot compile both at once.
 */
const maxLenForm = z.strictObject({
  maxLen: z.number().int().min(0).meta({ description: 'MAXLEN: keep at most this many entries.' }),
  minId: z.never().optional(),
  ...trimOptions,
});
const minIdForm = z.strictObject({
  minId: messageId.meta({ description: 'MINID: remove the entries with smaller IDs.' }),
  maxLen: z.never().optional(),
  ...trimOptions,
});

/**
 * Picks the form by the strategy given, so that a refusal names that form's problem (an invalid
 * `minId` is INVALID_ID) instead of both forms' mismatches; both or neither strategy is one message.
 */
function oneStrategy(trim: unknown, ctx: z.RefinementCtx): unknown {
  if (!isJsonObject(trim)) return trim;
  if ((trim.maxLen === undefined) === (trim.minId === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'give exactly one of maxLen and minId' });
    return trim;
  }
  const checked = (trim.maxLen === undefined ? minIdForm : maxLenForm).safeParse(trim);
  for (const issue of checked.error?.issues ?? []) ctx.addIssue({ ...issue, path: issue.path } as Parameters<typeof ctx.addIssue>[0]);
  return trim;
}

export const trimInput = z
  .preprocess(oneStrategy, z.xor([maxLenForm, minIdForm]))
  .superRefine((trim, ctx) => {
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
  .meta({ description: TRIM_NOTE, examples: [{ maxLen: 1000, approximate: true }, { minId: '1700000000000-0', approximate: true, limit: 100 }] });

import { z } from 'zod';
import { groupReadFrom } from './ids.js';
import { countBody, waitMsBody } from './numbers.js';

/** All options are optional, so the body may be left out. */
export function readGroupBody(maxCount: number) {
  return z.preprocess(
    (body) => body ?? {},
    z.strictObject({
      after: groupReadFrom.prefault('>'),
      count: countBody(maxCount, maxCount),
      waitMs: waitMsBody.meta({ description: 'Block up to this many ms when nothing is new (only with `>`); clamped to the server cap.' }),
      noAck: z.boolean().optional().meta({ description: 'NOACK: deliver without adding to the pending list (at-most-once). Ignored for history reads.' }),
    }),
  );
}

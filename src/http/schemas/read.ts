import { z } from 'zod';
import type { GroupReadFrom } from '../../domain/types.js';
import { DEFAULT_GROUP_READ_FROM } from '../defaults.js';
import { DEFER, fastInteger, fastMessageId, isJsonObject, withFastCheck } from './fast-check.js';
import { groupReadFrom } from './ids.js';
import { countBody, waitMsBody } from './numbers.js';

/** Marks a body schema whose request may leave the body out; the OpenAPI document turns it into `required: false`. */
export const OPTIONAL_BODY = 'x-optional-body';

/** All options are optional, so the body may be left out. */
export function readGroupBody(maxCount: number, maxWaitMs: number) {
  const schema = z.preprocess(
    (body) => body ?? {},
    z.strictObject({
      after: groupReadFrom.prefault(DEFAULT_GROUP_READ_FROM),
      count: countBody(maxCount, maxCount),
      waitMs: waitMsBody(maxWaitMs, 'Block up to this many ms when nothing is new (only with `>`).'),
      noAck: z.boolean().optional().meta({ description: 'NOACK: deliver without adding to the pending list (at-most-once). Ignored for history reads.' }),
    }),
  ).meta({ [OPTIONAL_BODY]: true });
  type ReadGroupBody = z.output<typeof schema>;
  return withFastCheck(schema, (input) => {
    const body = input ?? {};
    if (!isJsonObject(body)) return DEFER;
    const read: ReadGroupBody = { after: DEFAULT_GROUP_READ_FROM };
    for (const key in body) {
      const value = body[key];
      if (key === 'after') {
        const after: GroupReadFrom | typeof DEFER = value === '>' ? '>' : fastMessageId(value);
        if (after === DEFER) return DEFER;
        read.after = after;
      } else if (key === 'count') {
        const count = fastInteger(value, 1, maxCount);
        if (count === DEFER) return DEFER;
        read.count = count;
      } else if (key === 'waitMs') {
        const waitMs = fastInteger(value, 0, Number.MAX_SAFE_INTEGER);
        if (waitMs === DEFER) return DEFER;
        read.waitMs = waitMs;
      } else if (key === 'noAck' && typeof value === 'boolean') read.noAck = value;
      else return DEFER;
    }
    return read;
  });
}

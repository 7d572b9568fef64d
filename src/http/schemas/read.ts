import { z } from 'zod';
import type { GroupReadFrom } from '../../domain/types.js';
import { DEFAULT_GROUP_READ_FROM } from '../defaults.js';
import { DEFER, fastIdList, fastInteger, fastMessageId, isJsonObject, withFastCheck } from './fast-check.js';
import { groupReadFrom, idList } from './ids.js';
import { countBody, waitMsBody } from './numbers.js';

/** Marks a body schema whose request may leave the body out; the OpenAPI document turns it into `required: false`. */
export const OPTIONAL_BODY = 'x-optional-body';

/** MAXCOUNT / MAXSIZE (Redis 8.10) of a read: caps on the whole reply, over all its streams. */
export const replyCapFields = {
  maxCount: z
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .meta({ description: 'MAXCOUNT (Redis 8.10): most messages in the whole reply (over all its streams); at least `count`.' }),
  maxBytes: z
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .meta({
      description:
        'MAXSIZE (Redis 8.10): most bytes (UTF-8 field names and values) in the whole reply, and never more than the server\'s MAX_RESPONSE_BYTES; ' +
        'at least one message is always returned, and one left out is not delivered (the next read gets it).',
    }),
};

export function checkMaxCount(read: { count?: number | undefined; maxCount?: number | undefined }, ctx: z.RefinementCtx): void {
  if (read.maxCount !== undefined && read.count !== undefined && read.maxCount < read.count) {
    ctx.addIssue({ code: 'custom', path: ['maxCount'], message: 'maxCount must be at least count' });
  }
}

/** `ack` of a group read: XACK before the read, in the same request. */
export function ackBeforeRead(maxBatch: number) {
  return idList(maxBatch)
    .optional()
    .meta({
      description:
        `XACK these IDs (1 to ${maxBatch}) first, then read (as JetStream's AckNext): one request, one log write. ` +
        'The reply says how many were pending in `acknowledged`. The acks stand even when the read then waits and times out; ' +
        'a missing stream or group (404) acknowledges nothing.',
    });
}

/** All options are optional, so the body may be left out. */
export function readGroupBody(maxCount: number, maxWaitMs: number, maxBatch: number) {
  const schema = z.preprocess(
    (body) => body ?? {},
    z.strictObject({
      after: groupReadFrom.prefault(DEFAULT_GROUP_READ_FROM),
      count: countBody(maxCount, maxCount),
      waitMs: waitMsBody(maxWaitMs, 'Block up to this many ms when nothing is new (only with `>`).'),
      noAck: z.boolean().optional().meta({ description: 'NOACK: deliver without adding to the pending list (at-most-once). Ignored for history reads.' }),
      ack: ackBeforeRead(maxBatch),
      claimMinIdleMs: z
        .number()
        .int()
        .min(0)
        .max(Number.MAX_SAFE_INTEGER)
        .optional()
        .meta({
          description:
            'CLAIM (Redis 8.4), only with `after: ">"`: first take over pending entries of the group idle at least this long ' +
            '(released ones first, then the least recently delivered), then new ones, within `count`. Claimed messages carry `idleMs`. ' +
            'A waiting read is woken when an entry becomes claimable. NOACK does not apply to claimed entries.',
        }),
      ...replyCapFields,
    }).superRefine((read, ctx) => {
      checkMaxCount(read, ctx);
      if (read.claimMinIdleMs !== undefined && read.after !== '>') {
        ctx.addIssue({ code: 'custom', path: ['claimMinIdleMs'], message: 'claimMinIdleMs needs after: ">"' });
      }
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
      else if (key === 'ack') {
        const ids = fastIdList(value, maxBatch);
        if (ids === DEFER) return DEFER;
        read.ack = ids;
      } else return DEFER;
    }
    return read;
  });
}

import { z } from 'zod';
import { XNACK_DEFAULT_MODE } from '../../domain/defaults.js';
import type { DeletionResult } from '../../domain/types.js';
import { fastCheckOf, withFastCheck } from './fast-check.js';
import { idListBody } from './ids.js';
import { nackDelayMs } from './policy.js';

/** KEEPREF | DELREF | ACKED (Redis 8.2). */
export const refPolicy = z.enum(['keepRef', 'delRef', 'acked']).meta({
  id: 'RefPolicy',
  description:
    'What a deletion does about consumer groups (Redis 8.2 KEEPREF | DELREF | ACKED): `keepRef` (default) deletes and leaves other ' +
    "groups' pending entries dangling; `delRef` also removes the entry from every group's pending list; `acked` deletes only entries " +
    'no group references (none has it pending, every group has read past it).',
});

export const deletionResults = z
  .array(z.enum(['deleted', 'referenced', 'notFound']) satisfies z.ZodType<DeletionResult>)
  .meta({
    description:
      'One per ID, in order: `deleted`; `referenced` (kept because a group still references it, with `refs: "acked"`); `notFound` ' +
      "(acks: not in this group's pending list; delete: no such message).",
  });

/** `{ids, delete?, refs?}` of the acks route: XACK, or XACKDEL with `delete: true`. The plain `{ids}` keeps XACK's fast check. */
export function ackBody(maxBatch: number) {
  const ids = idListBody(maxBatch);
  return withFastCheck(
    z
      .strictObject({
        ids: ids.shape.ids,
        delete: z.boolean().optional().meta({ description: 'XACKDEL (Redis 8.2): also delete the acknowledged messages.' }),
        refs: refPolicy.optional(),
      })
      .superRefine((body, ctx) => {
        if (body.refs !== undefined && body.delete !== true) ctx.addIssue({ code: 'custom', path: ['refs'], message: '`refs` needs `delete: true`' });
      }),
    fastCheckOf(ids)!,
  );
}

/** `{ids, refs?}` of the delete route: XDEL, or XDELEX with `refs`. */
export function deleteMessagesBody(maxBatch: number) {
  const ids = idListBody(maxBatch);
  return withFastCheck(z.strictObject({ ids: ids.shape.ids, refs: refPolicy.optional() }), fastCheckOf(ids)!);
}

/** `{ids, mode?, retryCount?, force?}` of the nacks route: XNACK (Redis 8.8). */
export function nackBody(maxBatch: number) {
  return z.strictObject({
    ids: idListBody(maxBatch).shape.ids,
    mode: z
      .enum(['silent', 'fail', 'fatal'])
      .default(XNACK_DEFAULT_MODE)
      .meta({ description: 'SILENT: delivery count -1 (not below 0); FAIL (default): unchanged; FATAL: set to the maximum.' }),
    retryCount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().meta({ description: 'RETRYCOUNT: the delivery count to set, whatever the mode.' }),
    force: z.boolean().optional().meta({ description: 'FORCE: an ID not pending but present in the stream becomes an unowned pending entry.' }),
    delayMs: nackDelayMs,
  });
}

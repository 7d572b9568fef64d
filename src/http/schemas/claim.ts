import { z } from 'zod';
import { XAUTOCLAIM_DEFAULT_COUNT } from '../../domain/defaults.js';
import { DEFAULT_AUTOCLAIM_START } from '../defaults.js';
import { autoclaimStart, idOutput, messageId } from './ids.js';
import { messageSchema } from './message.js';
import { consumerName } from './names.js';
import { bodyInteger, countBody, millisecondsBody } from './numbers.js';

const MIN_IDLE = 'Only entries idle at least this many ms are claimed.';
const JUST_ID = 'JUSTID: answer IDs only; the delivery count is not incremented.';

export function claimBody(maxBatch: number) {
  return z.strictObject({
    consumer: consumerName,
    minIdleMs: millisecondsBody(MIN_IDLE),
    ids: z.array(messageId).min(1).max(maxBatch),
    idleMs: millisecondsBody('IDLE: set the idle time of the claimed entries.').optional(),
    timeMs: millisecondsBody('TIME: set the delivery time (Unix ms) of the claimed entries.').optional(),
    retryCount: bodyInteger(0, Number.MAX_SAFE_INTEGER, 'RETRYCOUNT: set the delivery count.').optional(),
    force: z.boolean().optional().meta({ description: 'FORCE: create pending entries for IDs that exist in the stream but are not pending.' }),
    justId: z.boolean().optional().meta({ description: JUST_ID }),
    lastId: messageId.optional().meta({ description: "LASTID: move the group's last-delivered ID up to this." }),
  });
}

export function autoclaimBody(maxCount: number) {
  return z.strictObject({
    consumer: consumerName,
    minIdleMs: millisecondsBody(MIN_IDLE),
    start: autoclaimStart.prefault(DEFAULT_AUTOCLAIM_START),
    count: countBody(maxCount, XAUTOCLAIM_DEFAULT_COUNT),
    justId: z.boolean().optional().meta({ description: JUST_ID }),
  });
}

export const claimResultSchema = z.union([
  z.object({ messages: z.array(messageSchema) }),
  z.object({ ids: z.array(idOutput) }).meta({ description: 'With `justId`.' }),
]);

export const autoclaimResultSchema = z.union([
  z.object({
    nextStart: idOutput.meta({ description: 'Cursor for the next call; `0-0` when the scan is complete.' }),
    messages: z.array(messageSchema),
    deletedIds: z.array(idOutput).meta({ description: 'Pending entries whose messages were deleted; they were removed from the pending list.' }),
  }),
  z.object({ nextStart: idOutput, ids: z.array(idOutput), deletedIds: z.array(idOutput) }).meta({ description: 'With `justId`.' }),
]);

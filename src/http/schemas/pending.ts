import { z } from 'zod';
import { DEFAULT_PENDING_END, DEFAULT_PENDING_START } from '../defaults.js';
import { idOutput, rangeEnd, rangeStart } from './ids.js';
import { consumerName } from './names.js';
import { countQuery, millisecondsQuery, nonNegative } from './numbers.js';

export const pendingSummarySchema = z
  .object({
    count: nonNegative(),
    minId: idOutput.nullable(),
    maxId: idOutput.nullable(),
    consumers: z
      .array(z.object({ name: z.string(), count: nonNegative() }))
      .meta({ description: 'Consumers holding at least one pending entry.' }),
  })
  .meta({ id: 'PendingSummary' });

export const pendingEntrySchema = z
  .object({
    id: idOutput,
    consumer: z.string().nullable().meta({ description: 'null for an entry released by a nack (no owner).' }),
    idleMs: nonNegative().nullable().meta({ description: 'null for an entry released by a nack.' }),
    deliveryCount: nonNegative(),
  })
  .meta({ id: 'PendingEntry' });

export const pendingListSchema = z.object({ messages: z.array(pendingEntrySchema) });

export function pendingQuery(maxCount: number) {
  return z.object({
    start: rangeStart.prefault(DEFAULT_PENDING_START),
    end: rangeEnd.prefault(DEFAULT_PENDING_END),
    count: countQuery(maxCount, maxCount),
    consumer: consumerName.optional(),
    minIdleMs: millisecondsQuery('IDLE: only entries idle at least this long.').optional(),
  });
}

import { z } from 'zod';
import { idOutput, messageId } from './ids.js';
import { messageSchema } from './message.js';
import { counterBody, counterOutput, integerOutput, nonNegative } from './numbers.js';

const streamCommon = {
  name: z.string(),
  length: nonNegative(),
  lastGeneratedId: idOutput,
  maxDeletedEntryId: idOutput,
  entriesAdded: counterOutput('Entries ever added (a 64-bit counter, exact up to 2^53-1).'),
  recordedFirstEntryId: idOutput,
};

export const streamInfoSchema = z
  .object({
    ...streamCommon,
    groups: nonNegative().meta({ description: 'Number of consumer groups.' }),
    idempotency: z
      .object({
        durationS: nonNegative().meta({ description: 'idmp-duration' }),
        maxSize: nonNegative().meta({ description: 'idmp-maxsize' }),
        producersTracked: nonNegative().meta({ description: 'pids-tracked' }),
        keysTracked: nonNegative().meta({ description: 'iids-tracked' }),
        keysAdded: counterOutput('iids-added'),
        duplicates: counterOutput('iids-duplicates'),
      })
      .meta({ description: 'Idempotent produce (Redis 8.6 XINFO STREAM counters).' }),
    firstEntry: messageSchema.nullable(),
    lastEntry: messageSchema.nullable(),
  })
  .meta({ id: 'StreamInfo' });

const pendingEntry = z.object({
  id: idOutput,
  consumer: z.string().nullable().meta({ description: 'null for an entry released by a nack.' }),
  deliveryTime: integerOutput(),
  deliveryCount: nonNegative(),
});

export const streamInfoFullSchema = z
  .object({
    ...streamCommon,
    entries: z.array(messageSchema),
    groups: z.array(
      z.object({
        name: z.string(),
        lastDeliveredId: idOutput,
        entriesRead: nonNegative().nullable(),
        lag: integerOutput().nullable(),
        pelCount: nonNegative(),
        nackedCount: nonNegative().meta({ description: 'Pending entries released by a nack (Redis 8.8 nacked-count), owned by no consumer.' }),
        pending: z.array(pendingEntry),
        consumers: z.array(
          z.object({
            name: z.string(),
            seenTime: integerOutput(),
            activeTime: integerOutput(),
            pelCount: nonNegative(),
            pending: z.array(pendingEntry.omit({ consumer: true })),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'StreamInfoFull', description: 'XINFO STREAM FULL: entries and groups are limited by `count`.' });

export const streamSummarySchema = z
  .object({ name: z.string(), length: nonNegative(), lastGeneratedId: idOutput, groups: nonNegative() })
  .meta({ id: 'StreamSummary' });

export const streamListSchema = z.object({
  streams: z.array(streamSummarySchema),
  nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null at the end.' }),
});

export const setIdBody = z.strictObject({
  lastId: messageId,
  entriesAdded: counterBody('ENTRIESADDED: entries ever added.').optional(),
  maxDeletedId: messageId.optional(),
});

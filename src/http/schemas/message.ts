import { z } from 'zod';
import { fieldsOutput } from './fields.js';
import { idOutput } from './ids.js';
import { nonNegative } from './numbers.js';

export const messageSchema = z
  .object({
    id: idOutput,
    fields: fieldsOutput.nullable().meta({ description: 'null for a deleted entry returned by a group history read.' }),
    deliveryCount: nonNegative()
      .optional()
      .meta({ description: 'Group deliveries only: the delivery count after this delivery. Absent for NOACK reads, and for deleted entries (`fields: null`), which Redis does not count as delivered.' }),
    idleMs: nonNegative()
      .optional()
      .meta({ description: 'Entries a `claimMinIdleMs` read took over: ms since their previous delivery (a released entry counts from 0, as Redis does).' }),
    ackDeadline: nonNegative()
      .optional()
      .meta({ description: "Group reads in a group whose delivery policy has `ackDeadlineMs`: Unix ms (server clock) after which this delivery, unacknowledged, is taken back and delivered again; `extend` moves it." }),
  })
  .meta({ id: 'Message' });

export const messageListSchema = z.object({ messages: z.array(messageSchema) }).meta({ id: 'MessageList' });

/** A group read's answer: with `ack` in the request, how many of those IDs were pending too. */
export const ackedMessageListSchema = z
  .object({
    messages: z.array(messageSchema),
    acknowledged: z.number().int().min(0).optional().meta({ description: 'With `ack` in the request only: how many of those IDs were pending (XACK\'s reply).' }),
  })
  .meta({ id: 'GroupReadMessages' });

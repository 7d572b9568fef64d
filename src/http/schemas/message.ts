import { z } from 'zod';
import { formatId } from '../../core/stream-id.js';
import type { Delivery, Entry } from '../../core/types.js';
import { fieldsOutput, fieldsToWire, type FieldsFormat, type WireFields } from './fields.js';
import { idOutput } from './ids.js';
import { nonNegative } from './numbers.js';

export const messageSchema = z
  .object({
    id: idOutput,
    fields: fieldsOutput.nullable().meta({ description: 'null for a deleted entry returned by a group history read.' }),
    deliveryCount: nonNegative()
      .optional()
      .meta({ description: 'Group deliveries only: the delivery count after this delivery. Absent for NOACK reads, and for deleted entries (`fields: null`), which Redis does not count as delivered.' }),
  })
  .meta({ id: 'Message' });

export const messageListSchema = z.object({ messages: z.array(messageSchema) }).meta({ id: 'MessageList' });

export interface WireMessage {
  id: string;
  fields: WireFields | null;
  deliveryCount?: number;
}

export function messageToWire(entry: Entry | Delivery, format: FieldsFormat): WireMessage {
  const message: WireMessage = { id: formatId(entry.id), fields: entry.fields === null ? null : fieldsToWire(entry.fields, format) };
  if ('deliveryCount' in entry && entry.deliveryCount !== undefined) message.deliveryCount = entry.deliveryCount;
  return message;
}

export function messagesToWire(entries: readonly (Entry | Delivery)[], format: FieldsFormat): { messages: WireMessage[] } {
  return { messages: entries.map((entry) => messageToWire(entry, format)) };
}

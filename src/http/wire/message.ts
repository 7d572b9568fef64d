import { formatId } from '../../domain/ids.js';
import type { Delivery, Entry } from '../../domain/types.js';
import { fieldsToWire, type FieldsFormat, type WireFields } from './fields.js';

export interface WireMessage {
  id: string;
  fields: WireFields | null;
  deliveryCount?: number;
  idleMs?: number;
  ackDeadline?: number;
}

export function messageToWire(entry: Entry | Delivery, format: FieldsFormat): WireMessage {
  const message: WireMessage = { id: formatId(entry.id), fields: entry.fields === null ? null : fieldsToWire(entry.fields, format) };
  if ('deliveryCount' in entry && entry.deliveryCount !== undefined) message.deliveryCount = entry.deliveryCount;
  if ('idleMs' in entry && entry.idleMs !== undefined) message.idleMs = entry.idleMs;
  if ('ackDeadline' in entry && entry.ackDeadline !== undefined) message.ackDeadline = entry.ackDeadline;
  return message;
}

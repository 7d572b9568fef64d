import { formatId, type StreamId } from '../../domain/ids.js';
import type { Delivery, XautoclaimResult } from '../../domain/types.js';
import type { FieldsFormat } from './fields.js';
import { messageToWire } from './message.js';

function ids(list: readonly StreamId[]): string[] {
  return list.map(formatId);
}

export function claimToWire(deliveries: Delivery[], justId: boolean, format: FieldsFormat) {
  return justId ? { ids: ids(deliveries.map((d) => d.id)) } : { messages: deliveries.map((d) => messageToWire(d, format)) };
}

export function autoclaimToWire(result: XautoclaimResult, justId: boolean, format: FieldsFormat) {
  const claimed = claimToWire(result.entries, justId, format);
  return { nextStart: formatId(result.nextStart), ...claimed, deletedIds: ids(result.deletedIds) };
}

import type { Delivery, Entry, FieldList } from '../../domain/types.js';
import { fieldsToWire, type FieldsFormat } from './fields.js';
import { idFormatter } from './ids.js';

/*
 * Messages written as JSON text straight from the core's entries, for the
 * message lists of the routes and the `message` events of SSE: the same text
 * as JSON.stringify of their wire objects (message.ts), without an object per
 * message and per field list on the way.
 */

/** `JSON.stringify({ messages: entries.map((e) => messageToWire(e, format)) })`. */
export function messageListJson(entries: readonly (Entry | Delivery)[], format: FieldsFormat): string {
  const formatId = idFormatter();
  let json = '{"messages":[';
  for (let i = 0; i < entries.length; i++) json += (i === 0 ? '' : ',') + messageJson(entries[i]!, formatId(entries[i]!.id), format);
  return `${json}]}`;
}

/** `JSON.stringify(messageToWire(entry, format))`, given the entry's formatted ID. */
export function messageJson(entry: Entry | Delivery, id: string, format: FieldsFormat): string {
  const json = `{"id":"${id}","fields":${entry.fields === null ? 'null' : fieldsJson(entry.fields, format)}`;
  const deliveryCount = (entry as Partial<Delivery>).deliveryCount;
  if (deliveryCount === undefined) return `${json}}`;
  const { idleMs, ackDeadline } = entry as Partial<Delivery>;
  let delivery = `${json},"deliveryCount":${JSON.stringify(deliveryCount)}`;
  if (idleMs !== undefined) delivery += `,"idleMs":${JSON.stringify(idleMs)}`;
  return ackDeadline === undefined ? `${delivery}}` : `${delivery},"ackDeadline":${JSON.stringify(ackDeadline)}}`;
}

/** Field lists longer than this take the object path when the names must be checked for repeats. */
const PAIRWISE_CHECK_MAX = 16;

/** `JSON.stringify(fieldsToWire(list, format))`. */
function fieldsJson(list: FieldList, format: FieldsFormat): string {
  const n = list.length - (list.length % 2);
  if (format === 'pairs') {
    let json = '[';
    for (let i = 0; i < n; i += 2) json += `${i === 0 ? '' : ','}[${JSON.stringify(list[i])},${JSON.stringify(list[i + 1])}]`;
    return `${json}]`;
  }
  if (!keepsOrder(list, n)) return JSON.stringify(fieldsToWire(list, format));
  let json = '{';
  for (let i = 0; i < n; i += 2) json += `${i === 0 ? '' : ','}${JSON.stringify(list[i])}:${JSON.stringify(list[i + 1])}`;
  return `${json}}`;
}

/**
 * Whether an object built from the list keeps its names in list order: no
 * name repeats (the last value would win at the first position), and none
 * starts with a digit (array-index names such as "7" come first in a JS object).
 */
function keepsOrder(list: FieldList, n: number): boolean {
  if (n > PAIRWISE_CHECK_MAX * 2) return false;
  for (let i = 0; i < n; i += 2) {
    const name = list[i]!;
    const first = name.charCodeAt(0);
    if (first >= 0x30 && first <= 0x39) return false;
    for (let j = 0; j < i; j += 2) if (list[j] === name) return false;
  }
  return true;
}

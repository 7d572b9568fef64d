import { z } from 'zod';
import { formatId } from '../../domain/ids.js';
import type { FullGroupInfo, StreamCounters, StreamInfo, StreamInfoFull, StreamSummary } from '../../domain/types.js';
import type { FieldsFormat } from './fields.js';
import { idOutput, messageId } from './ids.js';
import { messageSchema, messageToWire } from './message.js';
import { counterBody, counterOutput, counterToWire, integerOutput, nonNegative } from './numbers.js';

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
    firstEntry: messageSchema.nullable(),
    lastEntry: messageSchema.nullable(),
  })
  .meta({ id: 'StreamInfo' });

const pendingEntry = z.object({ id: idOutput, consumer: z.string(), deliveryTime: integerOutput(), deliveryCount: nonNegative() });

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

function countersToWire(name: string, info: StreamCounters) {
  return {
    name,
    length: info.length,
    lastGeneratedId: formatId(info.lastGeneratedId),
    maxDeletedEntryId: formatId(info.maxDeletedEntryId),
    entriesAdded: counterToWire(info.entriesAdded),
    recordedFirstEntryId: formatId(info.recordedFirstEntryId),
  };
}

export function streamInfoToWire(name: string, info: StreamInfo, format: FieldsFormat) {
  return {
    ...countersToWire(name, info),
    groups: info.groups,
    firstEntry: info.firstEntry === null ? null : messageToWire(info.firstEntry, format),
    lastEntry: info.lastEntry === null ? null : messageToWire(info.lastEntry, format),
  };
}

function fullGroupToWire(group: FullGroupInfo) {
  return {
    name: group.name,
    lastDeliveredId: formatId(group.lastDeliveredId),
    entriesRead: counterToWire(group.entriesRead),
    lag: counterToWire(group.lag),
    pelCount: group.pelCount,
    pending: group.pending.map((p) => ({ id: formatId(p.id), consumer: p.consumer, deliveryTime: p.deliveryTime, deliveryCount: p.deliveryCount })),
    consumers: group.consumers.map((c) => ({
      name: c.name,
      seenTime: c.seenTime,
      activeTime: c.activeTime,
      pelCount: c.pelCount,
      pending: c.pending.map((p) => ({ id: formatId(p.id), deliveryTime: p.deliveryTime, deliveryCount: p.deliveryCount })),
    })),
  };
}

export function streamInfoFullToWire(name: string, info: StreamInfoFull, format: FieldsFormat) {
  return {
    ...countersToWire(name, info),
    entries: info.entries.map((entry) => messageToWire(entry, format)),
    groups: info.groups.map(fullGroupToWire),
  };
}

export function streamSummaryToWire(summary: StreamSummary) {
  return { name: summary.name, length: summary.length, lastGeneratedId: formatId(summary.lastGeneratedId), groups: summary.groups };
}

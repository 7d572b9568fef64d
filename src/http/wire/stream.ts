import { formatId } from '../../domain/ids.js';
import type { FullGroupInfo, StreamCounters, StreamInfo, StreamInfoFull, StreamSummary } from '../../domain/types.js';
import { counterToWire } from './counters.js';
import type { FieldsFormat } from './fields.js';
import { messageToWire } from './message.js';

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
    idempotency: {
      durationS: info.idempotency.durationS,
      maxSize: info.idempotency.maxSize,
      producersTracked: info.idempotency.producersTracked,
      keysTracked: info.idempotency.keysTracked,
      keysAdded: counterToWire(info.idempotency.keysAdded),
      duplicates: counterToWire(info.idempotency.duplicates),
    },
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
    nackedCount: group.nackedCount,
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

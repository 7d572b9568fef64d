import { formatId } from '../../domain/ids.js';
import type { PendingEntryInfo, PendingSummary } from '../../domain/types.js';

export function pendingSummaryToWire(summary: PendingSummary) {
  return {
    count: summary.count,
    minId: summary.minId === null ? null : formatId(summary.minId),
    maxId: summary.maxId === null ? null : formatId(summary.maxId),
    consumers: summary.consumers.map((c) => ({ name: c.name, count: c.count })),
  };
}

export function pendingEntryToWire(entry: PendingEntryInfo) {
  return { id: formatId(entry.id), consumer: entry.consumer, idleMs: entry.idleMs, deliveryCount: entry.deliveryCount };
}

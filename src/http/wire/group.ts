import { formatId } from '../../domain/ids.js';
import type { ConsumerInfo, GroupInfo } from '../../domain/types.js';
import { counterToWire } from './counters.js';

export function groupToWire(group: GroupInfo) {
  return {
    name: group.name,
    consumers: group.consumers,
    pending: group.pending,
    lastDeliveredId: formatId(group.lastDeliveredId),
    entriesRead: counterToWire(group.entriesRead),
    lag: counterToWire(group.lag),
    policy: group.policy,
  };
}

export function consumerToWire(consumer: ConsumerInfo) {
  return { name: consumer.name, pending: consumer.pending, idleMs: consumer.idleMs, inactiveMs: consumer.inactiveMs };
}

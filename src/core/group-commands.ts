/** The XGROUP commands (groups and their consumers), as functions over the keyspace. */
import type { ConsumerGroup } from './consumer-group.js';
import { groupInfo } from './introspection.js';
import type { Keyspace } from './keyspace.js';
import { streamError } from '../domain/errors.js';
import type { GroupCreateOptions, GroupInfo, GroupSetIdOptions } from '../domain/types.js';

// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]
// Reply: the new group's XINFO GROUPS row.
export function xgroupCreateCommand(ks: Keyspace, key: string, group: string, options: GroupCreateOptions): GroupInfo {
  const entriesRead = checkEntriesRead(options.entriesRead);
  const s = ks.streams.get(key);
  if (s === undefined && !options.mkStream) throw streamError('NO_STREAM', 'groupNeedsKey');
  const lastId = options.startId === '$' ? (s?.lastId ?? 0n) : options.startId;
  if (s?.groups.has(group)) throw streamError('BUSYGROUP', 'exists');
  if (s === undefined) ks.requireStreamRoom(key);
  ks.command(() => {
    if (s === undefined) ks.emit({ op: 'create', key });
    ks.emit({ op: 'group-create', key, group, lastId, entriesRead });
  });
  const created = ks.streams.get(key)!;
  return groupInfo(created, created.groups.get(group)!);
}

// XGROUP SETID key group id|$ [ENTRIESREAD entries-read]
// Reply: the group's XINFO GROUPS row after it.
export function xgroupSetIdCommand(ks: Keyspace, key: string, group: string, options: GroupSetIdOptions): GroupInfo {
  const entriesRead = checkEntriesRead(options.entriesRead);
  const { s, g } = ks.requireGroup(key, group, 'XGROUP');
  const lastId = options.lastId === '$' ? s.lastId : options.lastId;
  ks.command(() => ks.emit({ op: 'group-set-id', key, group, lastId, entriesRead }));
  return groupInfo(s, g);
}

// XGROUP DESTROY key group
// Reply: true when the group existed.
export function xgroupDestroyCommand(ks: Keyspace, key: string, group: string): boolean {
  const s = ks.requireStream(key, group, 'XGROUP');
  if (!s.groups.has(group)) return false;
  ks.command(() => ks.emit({ op: 'group-destroy', key, group }));
  return true;
}

// XGROUP CREATECONSUMER key group consumer
// Reply: true when created, false when it existed.
export function xgroupCreateConsumerCommand(ks: Keyspace, key: string, group: string, consumer: string): boolean {
  const { g } = ks.requireGroup(key, group, 'XGROUP');
  if (g.consumers.has(consumer)) return false;
  ks.requireConsumerRoom(key, g, consumer);
  ks.command(() => ks.emit({ op: 'consumer-create', key, group, consumer, time: ks.clock() }));
  return true;
}

// XGROUP DELCONSUMER key group consumer
// Reply: the pending count the consumer had (those entries leave the PEL); null when missing (Redis: 0).
export function xgroupDelConsumerCommand(ks: Keyspace, key: string, group: string, consumer: string): number | null {
  const { g } = ks.requireGroup(key, group, 'XGROUP');
  const c = g.consumers.get(consumer);
  if (c === undefined) return null;
  const pending = c.pel.size;
  ks.command(() => ks.emit({ op: 'consumer-delete', key, group, consumer }));
  return pending;
}

/** Ensures the consumer exists (Redis 7.2+: any successful read or claim creates it); only inside `ks.command`. */
export function touchConsumer(ks: Keyspace, key: string, g: ConsumerGroup, name: string, now: number): void {
  const c = g.consumers.get(name);
  if (c === undefined) ks.emit({ op: 'consumer-create', key, group: g.name, consumer: name, time: now });
  else c.seenTime = now;
}

function checkEntriesRead(entriesRead: bigint | undefined): bigint | null {
  if (entriesRead === undefined || entriesRead === -1n) return null;
  if (entriesRead < 0n) throw streamError('VALIDATION', 'negativeEntriesRead');
  return entriesRead;
}

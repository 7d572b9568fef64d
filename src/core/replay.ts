import type { BTree } from './btree.js';
import { Consumer, ConsumerGroup } from './consumer-group.js';
import { installPolicy } from './delivery-policy.js';
import type { Effect } from './effects.js';
import { idempotencyOf } from './idempotency.js';
import { memoryMeterOf } from './memory-meter.js';
import { Stream } from './stream.js';

/**
 * Applies one effect to the keyspace: how a command's emitted effects take
 * hold, and how the log and snapshots are replayed. Every case is absolute and
 * idempotent (see effects.ts), so replaying over a newer snapshot converges.
 */
export function applyEffect(streams: BTree<string, Stream>, e: Effect): void {
  switch (e.op) {
    case 'add': {
      const s = streamOrCreate(streams, e.key);
      if (e.id > s.lastSlotId()) s.append(e.id, e.fields);
      // Replayed over a snapshot that holds the entry already: an XADD to an empty stream made it the first entry.
      else if (s.firstId === 0n && s.has(e.id)) s.firstId = e.id;
      s.lastId = e.id;
      s.entriesAdded = e.entriesAdded;
      return;
    }
    case 'create':
      streamOrCreate(streams, e.key);
      return;
    case 'trim':
      streams.get(e.key)?.trimUpTo(e.upTo);
      return;
    case 'delete': {
      const s = streams.get(e.key);
      if (s === undefined) return;
      for (const id of e.ids) s.remove(id);
      s.maxDeletedId = e.maxDeletedId;
      s.firstId = e.firstId;
      return;
    }
    case 'set-id': {
      const s = streamOrCreate(streams, e.key);
      s.lastId = e.lastId;
      s.entriesAdded = e.entriesAdded;
      s.maxDeletedId = e.maxDeletedId;
      if (e.firstId !== undefined) s.firstId = e.firstId;
      return;
    }
    case 'drop': {
      const s = streams.get(e.key);
      if (s === undefined) return;
      for (const g of s.groups.values()) g.delivery?.detach();
      memoryMeterOf(streams).used -= s.bytes;
      streams.delete(e.key);
      return;
    }
    case 'group-create': {
      const s = streamOrCreate(streams, e.key);
      if (!s.groups.has(e.group)) s.groups.set(e.group, new ConsumerGroup(e.group, e.lastId, e.entriesRead));
      return;
    }
    case 'group-set-id': {
      const g = streams.get(e.key)?.groups.get(e.group);
      if (g === undefined) return;
      g.lastId = e.lastId;
      g.entriesRead = e.entriesRead;
      return;
    }
    case 'group-destroy': {
      const groups = streams.get(e.key)?.groups;
      groups?.get(e.group)?.delivery?.detach();
      groups?.delete(e.group);
      return;
    }
    case 'consumer-create': {
      const g = streams.get(e.key)?.groups.get(e.group);
      if (g !== undefined && !g.consumers.has(e.consumer)) {
        g.consumers.set(e.consumer, new Consumer(e.consumer, e.time));
        g.delivery?.onConsumerCreated(e.consumer, e.time);
      }
      return;
    }
    case 'consumer-delete': {
      const g = streams.get(e.key)?.groups.get(e.group);
      const c = g?.consumers.get(e.consumer);
      if (g === undefined || c === undefined) return;
      const delivery = g.delivery;
      for (const id of [...c.pel.keys()]) {
        g.release(id);
        delivery?.onGone(id);
      }
      g.consumers.delete(e.consumer);
      delivery?.onConsumerDeleted(e.consumer);
      return;
    }
    case 'deliver': {
      const g = streams.get(e.key)?.groups.get(e.group);
      if (g === undefined) return;
      const c = consumerOrCreate(g, e.consumer, e.time);
      for (const id of e.ids) g.assign(id, c, e.time, 1);
      if (g.delivery !== null) for (const id of e.ids) g.delivery.onOwned(id, e.time);
      g.lastId = e.lastId;
      g.entriesRead = e.entriesRead;
      c.seenTime = e.time;
      if (e.active) c.activeTime = e.time;
      return;
    }
    case 'pending-set': {
      const g = streams.get(e.key)?.groups.get(e.group);
      if (g === undefined) return;
      const c = consumerOrCreate(g, e.consumer, e.seenTime);
      for (const p of e.entries) g.assign(p.id, c, p.time, p.count);
      if (g.delivery !== null) for (const p of e.entries) g.delivery.onOwned(p.id, p.time);
      c.seenTime = e.seenTime;
      if (e.activeTime !== null) c.activeTime = e.activeTime;
      return;
    }
    case 'ack': {
      const g = streams.get(e.key)?.groups.get(e.group);
      if (g === undefined) return;
      for (const id of e.ids) g.release(id);
      if (g.delivery !== null) for (const id of e.ids) g.delivery.onGone(id);
      return;
    }
    case 'nack': {
      const g = streams.get(e.key)?.groups.get(e.group);
      if (g === undefined) return;
      for (const p of e.entries) g.nack(p.id, p.count);
      // Due at once unless a 'policy-due' after it says otherwise.
      if (g.delivery !== null) for (const p of e.entries) g.delivery.onUnowned(p.id, p.count, 0, 'nacked');
      return;
    }
    case 'group-policy': {
      const s = streams.get(e.key);
      const g = s?.groups.get(e.group);
      if (g !== undefined) installPolicy(streams, s!, g, e.policy);
      return;
    }
    case 'policy-due': {
      const g = streams.get(e.key)?.groups.get(e.group);
      const delivery = g?.delivery;
      if (delivery == null) return;
      for (const { id, due } of e.entries) {
        const p = g!.pel.get(id);
        if (p !== undefined) delivery.setDue(id, e.queue, due, p.consumer !== null, p.deliveryCount);
      }
      return;
    }
    case 'idmp-config': {
      const s = streams.get(e.key);
      if (s === undefined) return;
      const r = idempotencyOf(s);
      r.durationS = e.durationS;
      r.maxSize = e.maxSize;
      if (e.clear) r.clear();
      return;
    }
    case 'idmp-record': {
      const s = streams.get(e.key);
      if (s === undefined) return;
      const r = idempotencyOf(s);
      r.record(e.producer, e.iid, e.id, e.digest);
      r.added = e.added;
      return;
    }
    case 'idmp-record-batch': {
      const s = streams.get(e.key);
      if (s === undefined) return;
      const r = idempotencyOf(s);
      r.record(e.producer, e.iid, e.ids[0]!, e.digest, e.ids);
      r.added = e.added;
      return;
    }
    case 'idmp-duplicate': {
      const s = streams.get(e.key);
      if (s !== undefined) idempotencyOf(s).duplicates = e.duplicates;
      return;
    }
    case 'dereference': {
      const groups = streams.get(e.key)?.groups;
      if (groups === undefined) return;
      for (const g of groups.values()) {
        for (const id of e.ids) g.release(id);
        if (g.delivery !== null) for (const id of e.ids) g.delivery.onGone(id);
      }
      return;
    }
  }
}

function streamOrCreate(streams: BTree<string, Stream>, key: string): Stream {
  let s = streams.get(key);
  if (s === undefined) {
    s = new Stream(key, memoryMeterOf(streams));
    streams.set(key, s);
  }
  return s;
}

function consumerOrCreate(g: ConsumerGroup, name: string, time: number): Consumer {
  let c = g.consumers.get(name);
  if (c === undefined) {
    c = new Consumer(name, time);
    g.consumers.set(name, c);
  }
  return c;
}

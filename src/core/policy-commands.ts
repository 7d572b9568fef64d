/**
 * The delivery-policy commands (streamgate's, no Redis command), as functions
 * over the keyspace: a group's policy on creation and by update, extending
 * deadlines, the nack delays, redrive, and the timers' step (runDue). Their
 * state lives in delivery-policy.ts; each changes it only through effects.
 */
import { reportPolicyEvent, schedulerOf, type DeliveryState } from './delivery-policy.js';
import type { ConsumerGroup } from './consumer-group.js';
import { distinct } from './group-reads.js';
import { xgroupCreateCommand, xgroupSetIdCommand } from './group-commands.js';
import { groupInfo } from './introspection.js';
import type { Keyspace } from './keyspace.js';
import type { Stream } from './stream.js';
import { xaddCommand, xdelCommand } from './stream-commands.js';
import { checkTime, retryDelayMs, validateDeliveryPolicy } from '../domain/delivery-policy.js';
import { streamError } from '../domain/errors.js';
import { formatId, MAX_ID, type StreamId } from '../domain/ids.js';
import {
  DEAD_LETTER_FIELDS,
  type DeliveryPolicy,
  type ExtendResult,
  type FieldList,
  type GroupCreateOptions,
  type GroupInfo,
  type GroupUpdateOptions,
  type PolicyEvent,
} from '../domain/types.js';

/** The most entries one timer step handles per group and kind; the rest are taken at once by the next step. */
export const DUE_STEP_LIMIT = 1000;

// XGROUP CREATE ... with `policy`: the group and its policy in one step.
export function groupCreateWithPolicyCommand(ks: Keyspace, key: string, group: string, options: GroupCreateOptions): GroupInfo {
  const policy = options.policy === undefined ? null : validateDeliveryPolicy(key, options.policy);
  if (policy === null) return xgroupCreateCommand(ks, key, group, options);
  ks.command(() => {
    xgroupCreateCommand(ks, key, group, options);
    ks.emit({ op: 'group-policy', key, group, policy });
  });
  const s = ks.streams.get(key)!;
  return groupInfo(s, s.groups.get(group)!);
}

// PATCH of a group: XGROUP SETID and/or the policy, checked whole, then applied in one step.
export function groupUpdateCommand(ks: Keyspace, key: string, group: string, options: GroupUpdateOptions): GroupInfo {
  if (options.setId === undefined && options.policy === undefined) throw streamError('VALIDATION', 'groupUpdateEmpty');
  const policy = options.policy == null ? options.policy : validateDeliveryPolicy(key, options.policy);
  const { s, g } = ks.requireGroup(key, group, 'XGROUP');
  ks.command(() => {
    if (options.setId !== undefined) xgroupSetIdCommand(ks, key, group, options.setId);
    if (policy !== undefined && !(policy === null && g.delivery === null)) ks.emit({ op: 'group-policy', key, group, policy });
  });
  return groupInfo(s, g);
}

// extend key group ms id [id ...]   (streamgate: Pub/Sub's modifyAckDeadline)
// Reply: how many owned pending entries are now due `ms` from now, and that time.
export function extendDeadlineCommand(ks: Keyspace, key: string, group: string, ids: StreamId[], ms: number): ExtendResult {
  if (ids.length === 0) throw streamError('VALIDATION', 'noIds');
  checkTime('ms', ms, 1);
  const { g } = ks.requireGroup(key, group, 'XPENDING');
  if (g.delivery?.policy.ackDeadlineMs === undefined) throw streamError('NO_DELIVERY_POLICY', 'noAckDeadline', key, group);
  const ackDeadline = ks.clock() + ms;
  const owned = distinct(ids).filter((id) => (g.pel.get(id)?.consumer ?? null) !== null);
  if (owned.length > 0) {
    ks.command(() => ks.emit({ op: 'policy-due', key, group, queue: 'deadline', entries: owned.map((id) => ({ id, due: ackDeadline })) }));
  }
  return { extended: owned.length, ackDeadline };
}

/** XNACK's delays in a group with a policy (inside its command, after its 'nack'): `delayMs`, else retryBackoffMs by the deliveries before the nack. */
export function emitNackDues(ks: Keyspace, key: string, g: ConsumerGroup, nacked: { id: StreamId; before: number }[], delayMs: number | undefined): void {
  const state = g.delivery;
  if (state === null || nacked.length === 0) return;
  const now = ks.clock();
  const entries = nacked.map(({ id, before }) => ({ id, due: now + (delayMs ?? retryDelayMs(state.policy, before)) }));
  ks.emit({ op: 'policy-due', key, group: g.name, queue: 'nacked', entries });
  report(ks, { kind: 'nacked', stream: key, group: g.name, count: nacked.length });
}

/** The policy check of XNACK's delayMs: VALIDATION out of range, NO_DELIVERY_POLICY in a group without a policy. */
export function checkNackDelay(key: string, g: ConsumerGroup, delayMs: number | undefined): void {
  if (delayMs === undefined) return;
  checkTime('delayMs', delayMs, 0);
  if (g.delivery === null) throw streamError('NO_DELIVERY_POLICY', 'noPolicy', key, g.name);
}

// redrive dlq [count]   (streamgate)
// Reply: how many dead letters went back to their streams (new IDs, the original fields) and left `dlq`.
// Looks at no more than count * 10 entries from the oldest: entries without the origin fields, or
// whose stream is gone, stay.
export function redriveCommand(ks: Keyspace, dlq: string, count: number): number {
  if (!Number.isSafeInteger(count) || count < 1) throw streamError('VALIDATION', 'invalid', 'count must be an integer >= 1');
  const s = ks.streams.get(dlq);
  if (s === undefined) return 0;
  const moves: { id: StreamId; origin: string; fields: FieldList }[] = [];
  for (const entry of s.range(0n, MAX_ID, count * 10)) {
    if (moves.length >= count) break;
    const letter = parseDeadLetter(entry.fields);
    if (letter === undefined || letter.origin === dlq || !ks.streams.has(letter.origin)) continue;
    moves.push({ id: entry.id, origin: letter.origin, fields: letter.fields });
  }
  if (moves.length === 0) return 0;
  ks.command(() => {
    for (const move of moves) xaddCommand(ks, move.origin, { id: { kind: 'auto' }, fields: move.fields });
    xdelCommand(ks, dlq, moves.map((m) => m.id));
  });
  return moves.length;
}

/** A dead letter's original fields and origin stream, or undefined when it does not end with DEAD_LETTER_FIELDS. */
export function parseDeadLetter(fields: FieldList | null): { origin: string; fields: FieldList } | undefined {
  if (fields === null || fields.length < 10) return undefined;
  const n = fields.length;
  if (fields[n - 8] !== DEAD_LETTER_FIELDS.stream || fields[n - 6] !== DEAD_LETTER_FIELDS.id) return undefined;
  if (fields[n - 4] !== DEAD_LETTER_FIELDS.group || fields[n - 2] !== DEAD_LETTER_FIELDS.deliveries) return undefined;
  return { origin: fields[n - 7]!, fields: fields.slice(0, n - 8) };
}

/**
 * The timers' step at `now`: in each group whose time came, idle consumers
 * are deleted (their entries taken back, due at once, counts unchanged),
 * entries past their deadline are taken back (or, at maxDeliveries,
 * dead-lettered), and doomed nacked entries whose delay passed are
 * dead-lettered; each group in one command (one atomic, logged batch).
 */
export function runDueCommand(ks: Keyspace): void {
  const now = ks.clock();
  for (const state of schedulerOf(ks.streams).dueStates(now)) {
    const s = ks.streams.get(state.streamKey);
    const g = s?.groups.get(state.groupName);
    if (g === undefined || g.delivery !== state) {
      state.detach();
      continue;
    }
    ks.command(() => runGroupDue(ks, s!, g, state, now));
  }
}

function runGroupDue(ks: Keyspace, s: Stream, g: ConsumerGroup, state: DeliveryState, now: number): void {
  const key = s.key;
  const group = g.name;
  const expired = state.idleConsumers(now, DUE_STEP_LIMIT, (name) => g.consumers.get(name)?.seenTime);
  for (const name of expired) {
    const c = g.consumers.get(name)!;
    const held = [...c.pel.values()].map((p) => ({ id: p.id, count: p.deliveryCount }));
    if (held.length > 0) {
      ks.emit({ op: 'nack', key, group, entries: held });
      ks.emit({ op: 'policy-due', key, group, queue: 'overdue', entries: held.map(({ id }) => ({ id, due: now })) });
    }
    ks.emit({ op: 'consumer-delete', key, group, consumer: name });
  }
  if (expired.length > 0) report(ks, { kind: 'consumerExpired', stream: key, group, count: expired.length });

  const max = state.policy.maxDeliveries;
  const released: { id: StreamId; count: number; due: number }[] = [];
  const dead: StreamId[] = [];
  for (const id of state.deadlinesDue(now, DUE_STEP_LIMIT)) {
    const p = g.pel.get(id)!;
    if (max !== undefined && p.deliveryCount >= max) dead.push(id);
    else released.push({ id, count: p.deliveryCount, due: state.dueOf(id)!.due });
  }
  if (released.length > 0) {
    ks.emit({ op: 'nack', key, group, entries: released.map(({ id, count }) => ({ id, count })) });
    ks.emit({ op: 'policy-due', key, group, queue: 'overdue', entries: released.map(({ id, due }) => ({ id, due })) });
  }
  for (const id of state.doomedDue(now, DUE_STEP_LIMIT)) dead.push(id);
  deadLetter(ks, s, g, state.policy, dead);
}

/** Appends each entry to the dead-letter stream with its origin and acks it; entries whose message is gone are only acked. */
function deadLetter(ks: Keyspace, s: Stream, g: ConsumerGroup, policy: DeliveryPolicy, ids: StreamId[]): void {
  if (ids.length === 0 || policy.deadLetterStream === undefined) return;
  let moved = 0;
  for (const id of ids) {
    const fields = s.get(id);
    if (fields === undefined) continue;
    const deliveries = g.pel.get(id)!.deliveryCount;
    const letter = fields.concat(
      DEAD_LETTER_FIELDS.stream,
      s.key,
      DEAD_LETTER_FIELDS.id,
      formatId(id),
      DEAD_LETTER_FIELDS.group,
      g.name,
      DEAD_LETTER_FIELDS.deliveries,
      String(deliveries),
    );
    xaddCommand(ks, policy.deadLetterStream, { id: { kind: 'auto' }, fields: letter });
    moved++;
  }
  ks.emit({ op: 'ack', key: s.key, group: g.name, ids });
  if (moved > 0) report(ks, { kind: 'deadLettered', stream: s.key, group: g.name, count: moved });
}

function report(ks: Keyspace, event: PolicyEvent): void {
  reportPolicyEvent(ks.streams, event);
}

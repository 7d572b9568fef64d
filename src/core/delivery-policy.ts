/**
 * Delivery policies (streamgate's, issue 14): the due-time state of a group
 * that has a policy, and the rules that drive it. The state follows the PEL:
 * replay.ts calls the `on*` hooks after each effect that changes a group's
 * PEL, so a replayed log rebuilds exactly what the commands built.
 *
 * Every pending entry of a group with a policy sits in at most one queue:
 *   deadline  owned, with a deadline (last delivery + ackDeadlineMs, or as extended)
 *   nacked    unowned (XNACK), due after its delay, below maxDeliveries
 *   overdue   unowned, taken back at its deadline or from an expired consumer: due now
 *   doomed    unowned, at or over maxDeliveries: dead-lettered when due
 * An owned entry without ackDeadlineMs sits in none (nothing makes it due).
 *
 * A `>` read takes nacked entries whose delay passed (by due time, then nack
 * order), then overdue ones (oldest deadline first), then new entries. The
 * timers (runDue) act on deadlines, doomed entries and idle consumers: each
 * group has one scheduled time, the earliest of those, in one index over the
 * keyspace, so the backend keeps one timer. Every cost is O(log n) in the
 * PEL; nothing scans it, except installing a policy (once, on that command).
 */
import { BTree } from './btree.js';
import type { ConsumerGroup } from './consumer-group.js';
import type { Stream } from './stream.js';
import type { StreamId } from '../domain/ids.js';
import type { DeliveryPolicy, Delivery, PolicyEvent } from '../domain/types.js';

export type DueQueue = 'deadline' | 'nacked' | 'overdue';

type NumIdKey = [number, StreamId];
type NumSeqKey = [number, number];

interface Placement {
  queue: DueQueue | 'doomed';
  key: NumIdKey | NumSeqKey;
}

const compareNumId = (a: NumIdKey, b: NumIdKey): number => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
const compareNumNum = (a: NumSeqKey, b: NumSeqKey): number => a[0] - b[0] || a[1] - b[1];
const compareNumName = (a: [number, string], b: [number, string]): number => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

/** The due-time state of one group with a policy (ConsumerGroup.delivery). */
export class DeliveryState {
  private readonly deadlines = new BTree<NumIdKey, true>(undefined, compareNumId);
  private readonly nacked = new BTree<NumSeqKey, StreamId>(undefined, compareNumNum);
  private readonly overdue = new BTree<NumIdKey, true>(undefined, compareNumId);
  private readonly doomed = new BTree<NumIdKey, true>(undefined, compareNumId);
  private readonly placed = new Map<StreamId, Placement>();
  /** Consumers by the seen-time last looked at; reads update seen-time without an effect, so this is checked lazily. */
  private readonly idle = new BTree<[number, string], true>(undefined, compareNumName);
  private readonly idleKeys = new Map<string, [number, string]>();
  private sequence = 0;
  /** This group's key in the scheduler, or null when it has nothing to act on. */
  private scheduledKey: ScheduleKey | null = null;

  constructor(
    readonly policy: DeliveryPolicy,
    private readonly scheduler: PolicyScheduler,
    readonly streamKey: string,
    readonly groupName: string,
  ) {}

  /** Delivered (or claimed) at `time`: its deadline is `time + ackDeadlineMs`, or it is due never. */
  onOwned(id: StreamId, time: number): void {
    this.unplace(id);
    if (this.policy.ackDeadlineMs !== undefined) this.place(id, 'deadline', time + this.policy.ackDeadlineMs);
    this.reschedule();
  }

  /** Released (XNACK, deadline, expiry) with `count` deliveries: due at `due`. */
  onUnowned(id: StreamId, count: number, due: number, queue: 'nacked' | 'overdue'): void {
    this.unplace(id);
    this.place(id, this.isDoomed(count) ? 'doomed' : queue, due);
    this.reschedule();
  }

  /** Left the PEL (ack, DELREF, DELCONSUMER). */
  onGone(id: StreamId): void {
    if (this.unplace(id)) this.reschedule();
  }

  /** A 'policy-due' effect: the entry's due time in `queue` (owned entries: deadline; unowned: nacked or overdue). */
  setDue(id: StreamId, queue: DueQueue, due: number, owned: boolean, count: number): void {
    if (queue === 'deadline') {
      if (!owned) return;
      this.unplace(id);
      this.place(id, 'deadline', due);
    } else {
      if (owned) return;
      this.unplace(id);
      this.place(id, this.isDoomed(count) ? 'doomed' : queue, due);
    }
    this.reschedule();
  }

  onConsumerCreated(name: string, seenTime: number): void {
    if (this.policy.consumerIdleTimeoutMs === undefined) return;
    this.setIdleKey(name, seenTime);
    this.reschedule();
  }

  onConsumerDeleted(name: string): void {
    const key = this.idleKeys.get(name);
    if (key === undefined) return;
    this.idle.delete(key);
    this.idleKeys.delete(name);
    this.reschedule();
  }

  /** Its due time, for entries in a queue (snapshots, extend's answer). */
  dueOf(id: StreamId): { queue: DueQueue | 'doomed'; due: number } | undefined {
    const p = this.placed.get(id);
    return p === undefined ? undefined : { queue: p.queue, due: p.key[0] };
  }

  /** Up to `limit` entries a `>` read takes at `now`: nacked ones whose delay passed, then overdue ones. */
  dueForRead(now: number, limit: number): { ids: StreamId[]; overdue: number } {
    const ids: StreamId[] = [];
    for (let key = this.nacked.minKey(); key !== undefined && key[0] <= now && ids.length < limit; key = this.nacked.nextHigherKey(key)) {
      ids.push(this.nacked.get(key)!);
    }
    const fromNacked = ids.length;
    for (let key = this.overdue.minKey(); key !== undefined && ids.length < limit; key = this.overdue.nextHigherKey(key)) ids.push(key[1]);
    return { ids, overdue: ids.length - fromNacked };
  }

  /** Whether a `>` read at `now` would take anything. */
  hasDue(now: number): boolean {
    const first = this.nacked.minKey();
    return this.overdue.size > 0 || (first !== undefined && first[0] <= now);
  }

  /** When the next nacked entry's delay passes (a parked reader's retry time); undefined: none waits. */
  nextNackedDue(): number | undefined {
    return this.nacked.minKey()?.[0];
  }

  /** Owned entries past their deadline at `now`, earliest first, at most `limit`. */
  deadlinesDue(now: number, limit: number): StreamId[] {
    const ids: StreamId[] = [];
    for (let key = this.deadlines.minKey(); key !== undefined && key[0] <= now && ids.length < limit; key = this.deadlines.nextHigherKey(key)) ids.push(key[1]);
    return ids;
  }

  /** Unowned entries at or over maxDeliveries that are due at `now`, at most `limit`. */
  doomedDue(now: number, limit: number): StreamId[] {
    const ids: StreamId[] = [];
    for (let key = this.doomed.minKey(); key !== undefined && key[0] <= now && ids.length < limit; key = this.doomed.nextHigherKey(key)) ids.push(key[1]);
    return ids;
  }

  /**
   * Consumers idle past the timeout at `now` (seen-time from `seenTimeOf`, undefined: gone),
   * at most `limit`; those seen since are re-filed under their new seen-time.
   */
  idleConsumers(now: number, limit: number, seenTimeOf: (name: string) => number | undefined): string[] {
    const timeout = this.policy.consumerIdleTimeoutMs;
    const out: string[] = [];
    if (timeout === undefined) return out;
    for (;;) {
      const key = this.idle.minKey();
      if (key === undefined || key[0] + timeout > now || out.length >= limit) break;
      const seen = seenTimeOf(key[1]);
      if (seen === undefined) {
        this.idle.delete(key);
        this.idleKeys.delete(key[1]);
      } else if (seen + timeout > now) this.setIdleKey(key[1], seen);
      else {
        out.push(key[1]);
        // Expiring it deletes it; until then it must not be found twice.
        this.idle.delete(key);
        this.idleKeys.delete(key[1]);
      }
    }
    this.reschedule();
    return out;
  }

  /** Leaves the scheduler (the group or its policy went). */
  detach(): void {
    if (this.scheduledKey !== null) this.scheduler.remove(this.scheduledKey);
    this.scheduledKey = null;
  }

  /** When the timers next have something to do for this group (deadline, doomed entry, idle consumer). */
  nextActionTime(): number | undefined {
    let at = this.deadlines.minKey()?.[0];
    const doomed = this.doomed.minKey()?.[0];
    if (doomed !== undefined && (at === undefined || doomed < at)) at = doomed;
    const idle = this.idle.minKey();
    if (idle !== undefined && this.policy.consumerIdleTimeoutMs !== undefined) {
      const expires = idle[0] + this.policy.consumerIdleTimeoutMs;
      if (at === undefined || expires < at) at = expires;
    }
    return at;
  }

  private reschedule(): void {
    const at = this.nextActionTime();
    if (at === this.scheduledKey?.[0]) return;
    if (this.scheduledKey !== null) this.scheduler.remove(this.scheduledKey);
    this.scheduledKey = at === undefined ? null : [at, this.streamKey, this.groupName];
    if (this.scheduledKey !== null) this.scheduler.add(this.scheduledKey, this);
  }

  private isDoomed(count: number): boolean {
    return this.policy.maxDeliveries !== undefined && count >= this.policy.maxDeliveries;
  }

  private place(id: StreamId, queue: Placement['queue'], due: number): void {
    let key: NumIdKey | NumSeqKey;
    if (queue === 'nacked') {
      key = [due, this.sequence++];
      this.nacked.set(key, id);
    } else {
      key = [due, id];
      this.treeOf(queue).set(key, true);
    }
    this.placed.set(id, { queue, key });
  }

  private unplace(id: StreamId): boolean {
    const p = this.placed.get(id);
    if (p === undefined) return false;
    if (p.queue === 'nacked') this.nacked.delete(p.key as NumSeqKey);
    else this.treeOf(p.queue).delete(p.key as NumIdKey);
    this.placed.delete(id);
    return true;
  }

  private treeOf(queue: 'deadline' | 'overdue' | 'doomed'): BTree<NumIdKey, true> {
    return queue === 'deadline' ? this.deadlines : queue === 'overdue' ? this.overdue : this.doomed;
  }

  private setIdleKey(name: string, seenTime: number): void {
    const old = this.idleKeys.get(name);
    if (old !== undefined) this.idle.delete(old);
    const key: [number, string] = [seenTime, name];
    this.idle.set(key, true);
    this.idleKeys.set(name, key);
  }
}

type ScheduleKey = [number, string, string];

const compareSchedule = (a: ScheduleKey, b: ScheduleKey): number =>
  a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);

/** The groups with something for the timers to do, by when: one per keyspace (schedulerOf). */
export class PolicyScheduler {
  private readonly due = new BTree<ScheduleKey, DeliveryState>(undefined, compareSchedule);
  /** StreamCore.onPolicyEvent's listeners. */
  readonly listeners: ((event: PolicyEvent) => void)[] = [];

  add(key: ScheduleKey, state: DeliveryState): void {
    this.due.set(key, state);
  }

  remove(key: ScheduleKey): void {
    this.due.delete(key);
  }

  /** The earliest time any group has something to act on; undefined: none. */
  nextTime(): number | undefined {
    return this.due.minKey()?.[0];
  }

  /** The groups whose time has come, earliest first. */
  dueStates(now: number): DeliveryState[] {
    const out: DeliveryState[] = [];
    for (let key = this.due.minKey(); key !== undefined && key[0] <= now; key = this.due.nextHigherKey(key)) out.push(this.due.get(key)!);
    return out;
  }

  clear(): void {
    this.due.clear();
  }
}

/** Tells the policy listeners what a command did (commands only: replay reports nothing). */
export function reportPolicyEvent(streams: object, event: PolicyEvent): void {
  for (const listener of schedulerOf(streams).listeners) listener(event);
}

const schedulers = new WeakMap<object, PolicyScheduler>();

/** The scheduler of a keyspace, by its streams map (what replay sees). */
export function schedulerOf(streams: object): PolicyScheduler {
  let scheduler = schedulers.get(streams);
  if (scheduler === undefined) schedulers.set(streams, (scheduler = new PolicyScheduler()));
  return scheduler;
}

/**
 * Installs `policy` on `g` (null removes it): the due state is rebuilt from
 * the PEL. Owned entries get their deadline from their delivery time; unowned
 * ones keep the due time they had, or are due at once.
 */
export function installPolicy(streams: object, s: Stream, g: ConsumerGroup, policy: DeliveryPolicy | null): void {
  const previous = g.delivery;
  previous?.detach();
  if (policy === null) {
    g.delivery = null;
    return;
  }
  const state = new DeliveryState(policy, schedulerOf(streams), s.key, g.name);
  for (const p of g.pel.values()) {
    if (p.consumer !== null) state.onOwned(p.id, p.deliveryTime);
    else {
      const before = previous?.dueOf(p.id);
      const queue = before?.queue === 'overdue' ? 'overdue' : 'nacked';
      state.onUnowned(p.id, p.deliveryCount, before?.due ?? 0, queue);
    }
  }
  for (const c of g.consumers.values()) state.onConsumerCreated(c.name, c.seenTime);
  g.delivery = state;
}

/** Sets `ackDeadline` on the deliveries of a group whose policy has ackDeadlineMs (those with a count: not NOACK). */
export function markDeadlines(g: ConsumerGroup, entries: Delivery[], now: number): void {
  const ms = g.delivery?.policy.ackDeadlineMs;
  if (ms === undefined) return;
  for (const e of entries) if (e.deliveryCount !== undefined) e.ackDeadline = now + ms;
}

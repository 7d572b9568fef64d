/**
 * Blocked reads of the Redis backend, held in this process: no waiter owns a
 * Redis connection and no blocking command is ever sent.
 *
 * A waiter re-runs its read (a non-blocking script) when its key may have
 * changed, so Redis still decides who gets each `>` entry. Wake-ups come from:
 * - writes through any streamgate replica: the writes of one event-loop turn
 *   PUBLISH one notice per stream on one channel (plain PUBLISH, which a
 *   Cluster broadcasts to every node, so each replica needs one subscriber
 *   connection in all, not one per shard; SPUBLISH would spare the broadcast
 *   but need a subscriber per master and a channel per slot);
 * - writes by any other client (`redis-cli XADD`): a poller probes the waited
 *   keys' last IDs (XINFO STREAM, one write per node per tick), a bounded number
 *   of keys per tick, and wakes a key whose probe changed. No keyspace
 *   notifications: they are node-local in a Cluster and need server config.
 */
import type { StreamError } from '../../domain/errors.js';

/** How long a foreign write may go unnoticed (per POLL_KEYS_PER_TICK keys waited on). */
export const POLL_INTERVAL_MS = 50;
/** Keys probed per tick: 10,000 waited keys are each probed about once a second. */
export const POLL_KEYS_PER_TICK = 500;

/** A notice on the wake channel: JSON [kind, stream, group?]. */
export type Notice = ['w', string] | ['d', string] | ['g', string, string];

export interface HubWaiter {
  readonly key: string;
  /** The group it reads through: DESTROY of it fails the waiter. */
  readonly group?: string;
  /** 'pel': woken by acks, claims and DELCONSUMER too (SSE maxInFlight), so re-run at every poll. */
  readonly wakeOn: 'data' | 'pel';
  /** Re-runs the read: true when done (it delivered, or stops waiting). */
  attempt(): Promise<boolean>;
  fail(error: StreamError): void;
  expire(): void;
}

interface Registration {
  waiter: HubWaiter;
  timer: NodeJS.Timeout | undefined;
  attempting: boolean;
  /** A wake-up came while an attempt was on its way: run again after it. */
  dirty: boolean;
  /** The wait ran out while an attempt was on its way: that attempt answers. */
  expired: boolean;
}

export interface HubProbe {
  /** A fingerprint of the key (last-generated-id and group count), or null when it does not exist. */
  (key: string): Promise<string | null>;
}

export class WakeHub {
  private readonly byKey = new Map<string, Set<Registration>>();
  private readonly registrations = new Map<HubWaiter, Registration>();
  /** The last probe of each waited key; absent until probed once. */
  private readonly fingerprints = new Map<string, string | null>();
  private pollCursor: string[] = [];
  private polling = false;
  private readonly poller: NodeJS.Timeout;

  constructor(
    private readonly probe: HubProbe,
    private readonly onFailure: (key: string, kind: 'deleted' | 'destroyed', group?: string) => StreamError,
  ) {
    this.poller = setInterval(() => void this.poll(), POLL_INTERVAL_MS);
    this.poller.unref();
  }

  get size(): number {
    return this.registrations.size;
  }

  /** Parks `waiter` and runs its first attempt (a wake-up during it runs it again). */
  add(waiter: HubWaiter, waitMs: number): void {
    const registration: Registration = { waiter, timer: undefined, attempting: false, dirty: false, expired: false };
    this.registrations.set(waiter, registration);
    let set = this.byKey.get(waiter.key);
    if (set === undefined) this.byKey.set(waiter.key, (set = new Set()));
    set.add(registration);
    if (waitMs > 0) {
      registration.timer = setTimeout(() => this.expire(registration), waitMs);
      registration.timer.unref?.();
    }
    this.run(registration);
  }

  /** Unparks without answering (the client went away). */
  remove(waiter: HubWaiter): void {
    const registration = this.registrations.get(waiter);
    if (registration === undefined) return;
    this.registrations.delete(waiter);
    if (registration.timer) clearTimeout(registration.timer);
    const set = this.byKey.get(waiter.key);
    set?.delete(registration);
    if (set?.size === 0) {
      this.byKey.delete(waiter.key);
      this.fingerprints.delete(waiter.key);
    }
  }

  /** A notice from the wake channel (ours or another replica's). */
  onNotice(notice: Notice): void {
    const [kind, key] = notice;
    if (kind === 'w') this.wake(key);
    else if (kind === 'd') this.failWhere(key, undefined, this.onFailure(key, 'deleted'));
    else this.failWhere(key, notice[2], this.onFailure(key, 'destroyed', notice[2]));
  }

  /** Every waiter on `key` re-runs its read. */
  wake(key: string, only?: 'pel'): void {
    const set = this.byKey.get(key);
    if (set === undefined) return;
    for (const registration of [...set]) if (only === undefined || registration.waiter.wakeOn === only) this.run(registration);
  }

  /** After a reconnection notices may have been lost: everyone looks again. */
  wakeAll(): void {
    for (const key of [...this.byKey.keys()]) this.wake(key);
  }

  private run(registration: Registration): void {
    if (!this.registrations.has(registration.waiter)) return;
    if (registration.attempting) {
      registration.dirty = true;
      return;
    }
    registration.attempting = true;
    registration.dirty = false;
    registration.waiter.attempt().then(
      (done) => {
        registration.attempting = false;
        if (!this.registrations.has(registration.waiter)) return;
        if (done) this.remove(registration.waiter);
        else if (registration.expired) this.expire(registration);
        else if (registration.dirty) this.run(registration);
      },
      (err: StreamError) => {
        registration.attempting = false;
        if (!this.registrations.has(registration.waiter)) return;
        this.remove(registration.waiter);
        registration.waiter.fail(err);
      },
    );
  }

  private expire(registration: Registration): void {
    if (!this.registrations.has(registration.waiter)) return;
    if (registration.attempting) {
      registration.expired = true;
      return;
    }
    this.remove(registration.waiter);
    registration.waiter.expire();
  }

  private failWhere(key: string, group: string | undefined, error: StreamError): void {
    const set = this.byKey.get(key);
    if (set === undefined) return;
    for (const { waiter } of [...set]) {
      if (group !== undefined && waiter.group !== group) continue;
      this.remove(waiter);
      waiter.fail(error);
    }
  }

  /** One tick: probe the next keys; wake those that changed (and the PEL waiters of each probed key). */
  private async poll(): Promise<void> {
    if (this.polling || this.byKey.size === 0) return;
    this.polling = true;
    try {
      if (this.pollCursor.length === 0) this.pollCursor = [...this.byKey.keys()];
      const keys = this.pollCursor.splice(0, POLL_KEYS_PER_TICK).filter((key) => this.byKey.has(key));
      const probes = await Promise.all(keys.map((key) => this.probe(key).then((value) => ({ key, value }), () => undefined)));
      for (const probe of probes) {
        if (probe === undefined || !this.byKey.has(probe.key)) continue;
        const { key, value } = probe;
        const before = this.fingerprints.get(key);
        this.fingerprints.set(key, value);
        if (before !== undefined && before !== null && value === null) {
          this.failWhere(key, undefined, this.onFailure(key, 'deleted'));
        } else if (before !== value) {
          // A first probe wakes too: a write may have come between a waiter's first read and this probe.
          this.wake(key);
        } else {
          this.wake(key, 'pel');
        }
      }
    } finally {
      this.polling = false;
    }
  }

  /** Shutdown: every waiter answers with nothing. */
  close(): void {
    clearInterval(this.poller);
    for (const waiter of [...this.registrations.keys()]) {
      this.remove(waiter);
      waiter.expire();
    }
  }
}

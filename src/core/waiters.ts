import { BTree } from './btree.js';
import type { Effect, EffectBatch } from './effects.js';
import { StreamError, streamError } from '../domain/errors.js';

/**
 * What a waiter is woken by: new data on its keys, its group's PEL shrinking
 * (acks, claims, DELCONSUMER), or (a CLAIM read) new data or any change of
 * pending entries (deliveries and nacks included); the time an entry turns
 * idle enough is the waiter's own timer.
 */
export type WakeReason = 'data' | 'pel' | 'claimable';

/**
 * A blocked read (XREAD / XREADGROUP BLOCK), or an SSE subscriber waiting for
 * room. `attempt` re-runs the read against the current state and answers true
 * when it is done (it delivered, or decided to stop waiting).
 */
export interface Waiter {
  readonly keys: readonly string[];
  /** The group it reads through; when that group or its stream goes, it fails. */
  readonly group?: string;
  readonly wakeOn: WakeReason;
  attempt(): boolean;
  fail(error: StreamError): void;
  /** The wait ran out, or the server is shutting down: answer with nothing. */
  expire(): void;
}

interface Registration {
  waiter: Waiter;
  deadlineKey: [number, number] | undefined;
}

const compareDeadlines = (a: [number, number], b: [number, number]): number => a[0] - b[0] || a[1] - b[1];

/**
 * The blocked-clients machinery, kept apart from the stream code as Redis's
 * blocked.c is: a command's effects mark keys ready; after the command, the
 * waiters on each ready key re-run their reads, oldest first, so each new
 * entry goes to exactly one group reader. One timer serves every deadline.
 */
export class WaiterRegistry {
  private readonly byKey = new Map<string, Set<Registration>>();
  private readonly registrations = new Map<Waiter, Registration>();
  private readonly deadlines = new BTree<[number, number], Registration>(undefined, compareDeadlines);
  private readonly readyData = new Set<string>();
  private readonly readyPel = new Set<string>();
  private readonly readyClaimable = new Set<string>();
  /** Registered waiters with wakeOn 'claimable': while there are none, PEL changes mark nothing for them. */
  private claimableWaiters = 0;
  private flushScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private sequence = 0;
  private servedCount = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  get size(): number {
    return this.registrations.size;
  }

  /** Waiters served so far (their read delivered, or decided to stop waiting). */
  get served(): number {
    return this.servedCount;
  }

  /** Blocks `waiter` until it is served, fails, or `waitMs` passes (0: no deadline). */
  add(waiter: Waiter, waitMs: number): void {
    const registration: Registration = { waiter, deadlineKey: undefined };
    if (waitMs > 0) {
      registration.deadlineKey = [this.clock() + waitMs, this.sequence++];
      this.deadlines.set(registration.deadlineKey, registration);
    }
    this.registrations.set(waiter, registration);
    if (waiter.wakeOn === 'claimable') this.claimableWaiters++;
    for (const key of waiter.keys) {
      let set = this.byKey.get(key);
      if (set === undefined) this.byKey.set(key, (set = new Set()));
      set.add(registration);
    }
    this.armTimer();
  }

  has(waiter: Waiter): boolean {
    return this.registrations.has(waiter);
  }

  /** Unblocks without answering (the client went away). */
  remove(waiter: Waiter): void {
    const registration = this.registrations.get(waiter);
    if (registration === undefined) return;
    this.registrations.delete(waiter);
    if (waiter.wakeOn === 'claimable') this.claimableWaiters--;
    if (registration.deadlineKey) this.deadlines.delete(registration.deadlineKey);
    for (const key of waiter.keys) {
      const set = this.byKey.get(key);
      if (set === undefined) continue;
      set.delete(registration);
      if (set.size === 0) this.byKey.delete(key);
    }
  }

  /** Feed every applied batch here (StreamCore.onBatch). */
  readonly onBatch = (batch: EffectBatch): void => {
    for (const effect of batch) this.signal(effect);
  };

  private signal(effect: Effect): void {
    if (!this.byKey.has(effect.key)) return;
    switch (effect.op) {
      case 'add':
      case 'create':
      case 'set-id':
      case 'group-set-id':
      case 'group-create':
        this.readyData.add(effect.key);
        break;
      case 'ack':
      case 'nack':
      case 'dereference':
      case 'consumer-delete':
      case 'pending-set':
        this.readyPel.add(effect.key);
        if (this.claimableWaiters > 0) this.readyClaimable.add(effect.key);
        break;
      case 'deliver':
        if (this.claimableWaiters === 0) return;
        this.readyClaimable.add(effect.key);
        break;
      case 'drop':
        this.failWhere(effect.key, undefined, streamError('NO_STREAM', 'deleted', effect.key));
        return;
      case 'group-destroy':
        this.failWhere(
          effect.key,
          effect.group,
          streamError('NOGROUP', 'destroyed', effect.key, effect.group),
        );
        return;
      default:
        return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flush);
    }
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

  /**
   * Serves now the waiters that the commands so far made ready (otherwise a
   * microtask does): a backend calls it right after a command so that the
   * reads it wakes are written with it.
   */
  serveReady(): void {
    if (this.flushScheduled) this.flush();
  }

  private readonly flush = (): void => {
    if (!this.flushScheduled) return;
    this.flushScheduled = false;
    const data = [...this.readyData];
    const pel = [...this.readyPel];
    const claimable = this.readyClaimable.size === 0 ? [] : [...this.readyClaimable];
    this.readyData.clear();
    this.readyPel.clear();
    this.readyClaimable.clear();
    for (const key of data) this.serveKey(key, 'data');
    for (const key of pel) this.serveKey(key, 'pel');
    for (const key of claimable) this.serveKey(key, 'claimable');
  };

  private serveKey(key: string, reason: WakeReason): void {
    const set = this.byKey.get(key);
    if (set === undefined) return;
    for (const registration of [...set]) {
      const { waiter } = registration;
      const woken = waiter.wakeOn === reason || (reason === 'data' && waiter.wakeOn === 'claimable');
      if (!woken || !this.registrations.has(waiter)) continue;
      let done: boolean;
      try {
        done = waiter.attempt();
      } catch (err) {
        this.remove(waiter);
        waiter.fail(err instanceof StreamError ? err : streamError('INTERNAL', 'unexpected', err));
        continue;
      }
      if (done) {
        this.servedCount++;
        this.remove(waiter);
      }
    }
  }

  private armTimer(): void {
    const first = this.deadlines.minKey();
    if (first === undefined) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      return;
    }
    if (this.timer !== undefined && this.timerAt <= first[0]) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = first[0];
    this.timer = setTimeout(this.expireDue, Math.max(0, first[0] - this.clock()));
    this.timer.unref?.();
  }

  private readonly expireDue = (): void => {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.clock();
    for (;;) {
      const first = this.deadlines.minKey();
      if (first === undefined || first[0] > now) break;
      const registration = this.deadlines.get(first)!;
      this.remove(registration.waiter);
      registration.waiter.expire();
    }
    this.armTimer();
  };

  /** Shutdown: every waiter answers with nothing. */
  expireAll(): void {
    for (const waiter of [...this.registrations.keys()]) {
      this.remove(waiter);
      waiter.expire();
    }
    this.armTimer();
  }
}

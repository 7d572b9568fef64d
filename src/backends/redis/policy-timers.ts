/**
 * The delivery-policy timers of one Redis backend (one replica). Every
 * replica runs them: the due step (policy-scripts.ts DUE) re-checks each
 * entry in its script, so replicas racing on a group do no harm.
 *
 * Groups are known from this replica's own commands (creation, reads,
 * nacks, extends: each tells the time it next needs a step) and from a
 * periodic sweep of the registry set (every group with a policy, written by
 * whichever replica installed it) that learns groups created elsewhere and
 * re-steps known groups whose last step is older than REFRESH_MS (so a
 * deadline set through a replica that has since died is still acted on),
 * both bounded per tick. One setTimeout for the earliest time known.
 */

/** How often the sweep runs. */
export const SWEEP_MS = 1000;
/** A known group is stepped at least this often by the sweep. */
export const REFRESH_MS = 5000;
/** Groups the sweep looks at per tick (SSCAN COUNT and re-steps). */
export const SWEEP_BATCH = 100;

interface Known {
  stream: string;
  group: string;
  /** When the next step is wanted (local Date.now() ms); Infinity: only by the sweep. */
  at: number;
  lastStep: number;
  running: boolean;
}

export interface PolicyTimerHooks {
  /** Runs the due step; answers when the next is wanted (local ms) or null; false: the group has no policy any more. */
  step(stream: string, group: string): Promise<number | null | false>;
  /** One SSCAN page of the registry: [next cursor, [stream, group] pairs]. */
  scan(cursor: string): Promise<[string, [string, string][]]>;
}

const id = (stream: string, group: string): string => JSON.stringify([stream, group]);

export class PolicyTimers {
  private readonly known = new Map<string, Known>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private readonly sweeper: NodeJS.Timeout;
  private cursor = '0';
  private sweeping = false;
  private stopped = false;

  constructor(private readonly hooks: PolicyTimerHooks) {
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** The group wants a step at `at` (or earlier, if already wanted). */
  track(stream: string, group: string, at = Number.POSITIVE_INFINITY): void {
    if (this.stopped) return;
    const key = id(stream, group);
    let k = this.known.get(key);
    if (k === undefined) this.known.set(key, (k = { stream, group, at, lastStep: 0, running: false }));
    else if (at < k.at) k.at = at;
    if (k.at < this.timerAt) this.arm(k.at);
  }

  forget(stream: string, group: string): void {
    this.known.delete(id(stream, group));
  }

  forgetStream(stream: string): void {
    for (const [key, k] of this.known) if (k.stream === stream) this.known.delete(key);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.sweeper);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.known.clear();
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - Date.now()) + 1);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const k of this.known.values()) {
      if (k.at <= now) this.run(k);
      else if (k.at < next) next = k.at;
    }
    if (next < Number.POSITIVE_INFINITY) this.arm(next);
  }

  private run(k: Known): void {
    if (k.running) return;
    k.running = true;
    k.at = Number.POSITIVE_INFINITY;
    k.lastStep = Date.now();
    this.hooks.step(k.stream, k.group).then(
      (next) => {
        k.running = false;
        if (next === false) this.known.delete(id(k.stream, k.group));
        else if (next !== null) this.track(k.stream, k.group, next);
      },
      () => {
        // Redis unavailable: try again after a sweep interval.
        k.running = false;
        this.track(k.stream, k.group, Date.now() + SWEEP_MS);
      },
    );
  }

  private async sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    try {
      const [next, pairs] = await this.hooks.scan(this.cursor);
      this.cursor = next;
      const now = Date.now();
      for (const [stream, group] of pairs) if (!this.known.has(id(stream, group))) this.track(stream, group, now);
      let stepped = 0;
      for (const k of this.known.values()) {
        if (stepped >= SWEEP_BATCH) break;
        if (!k.running && now - k.lastStep >= REFRESH_MS) {
          this.run(k);
          stepped++;
        }
      }
    } catch {
      // Redis unavailable: the next tick tries again.
    } finally {
      this.sweeping = false;
    }
  }
}

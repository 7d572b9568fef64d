/** Exponential backoff with full jitter, capped; a server's Retry-After wins when it is given. */
export interface BackoffOptions {
  /** @defaultValue 100 */
  initialMs?: number;
  /** @defaultValue 30000 */
  maxMs?: number;
}

export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 100;
    this.maxMs = options.maxMs ?? 30_000;
  }

  /** The next delay: Retry-After (seconds) when given, else a jittered exponential step. */
  next(retryAfterSeconds?: number): number {
    this.attempt++;
    if (retryAfterSeconds !== undefined) return Math.min(this.maxMs, retryAfterSeconds * 1000);
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** (this.attempt - 1));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

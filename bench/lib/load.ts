import { join } from 'node:path';
import { runWorker } from './proc.js';

/** One HTTP load run: autocannon in its own process (bench/workers/autocannon.ts). */
export interface HttpLoadOptions {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  connections: number;
  /** Measured time, after the warm-up. */
  durationMs: number;
  warmupMs: number;
  /** Hard cap on requests (the count bound): the run stops at whichever comes first. */
  maxRequests: number;
}

export interface HttpLoadResult {
  /** 2xx answers per second over the measured window. */
  rps: number;
  /** 2xx answers in the measured window. */
  ok: number;
  /** Answers that were not 2xx, errors and timeouts, over the whole run. */
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Status codes seen, with counts. */
  statusCodes: Record<string, number>;
  latencyP50Ms: number;
  latencyP99Ms: number;
  windowMs: number;
}

export function httpLoad(root: string, options: HttpLoadOptions): Promise<HttpLoadResult> {
  const timeoutMs = options.warmupMs + options.durationMs + 30_000;
  return runWorker<HttpLoadResult>('autocannon', join(root, 'bench/workers/autocannon.ts'), options, { timeoutMs });
}

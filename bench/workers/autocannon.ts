/**
 * The HTTP load generator: autocannon, in this process (never the server's).
 * Counts 2xx answers itself over the measured window (after the warm-up),
 * and stops at the window's end or at `maxRequests`, whichever comes first.
 */
import autocannon from 'autocannon';
import type { HttpLoadOptions, HttpLoadResult } from '../lib/load.js';
import { percentile } from '../lib/stats.js';
import { runWorkerMain, workerInput } from '../lib/worker-io.js';

runWorkerMain(async (): Promise<HttpLoadResult> => {
  const o = workerInput<HttpLoadOptions>();
  const totalMs = o.warmupMs + o.durationMs;
  const statusCodes: Record<string, number> = {};
  const latencies: number[] = [];
  let ok = 0;
  let requests = 0;
  let measuring = false;
  let windowStart = 0n;
  let windowEnd = 0n;
  let stopped = false;

  const instance = autocannon({
    url: o.url,
    method: o.method,
    connections: o.connections,
    // autocannon stops on its own only at `amount`; the timer below ends the window.
    amount: o.maxRequests,
    duration: Math.ceil(totalMs / 1000) + 60,
    headers: o.body === undefined ? {} : { 'content-type': 'application/json' },
    body: o.body,
    timeout: 30,
    // Sample (and notice a stop) every 100 ms rather than every second.
    sampleInt: 100,
  });
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    windowEnd = process.hrtime.bigint();
    instance.stop();
  };
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (stopped) return;
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    if (!measuring) return;
    requests++;
    if (statusCode >= 200 && statusCode < 300) ok++;
    if (latencies.length < 2_000_000) latencies.push(responseTime);
    if (requests >= o.maxRequests) stop();
  });
  setTimeout(() => {
    measuring = true;
    windowStart = process.hrtime.bigint();
  }, o.warmupMs);
  setTimeout(stop, totalMs);

  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    instance.once('done', resolve);
    instance.once('error', reject);
  });
  if (windowEnd === 0n) windowEnd = process.hrtime.bigint();
  if (windowStart === 0n) windowStart = windowEnd;
  const windowMs = Number(windowEnd - windowStart) / 1e6;
  return {
    rps: windowMs > 0 ? ok / (windowMs / 1000) : 0,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    latencyP50Ms: percentile(latencies, 50) ?? 0,
    latencyP99Ms: percentile(latencies, 99) ?? 0,
    windowMs,
  };
});

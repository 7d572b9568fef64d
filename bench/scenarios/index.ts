import type { Scenario } from '../lib/types.js';
import { scenario as xaddHttp } from './01-xadd-http.js';
import { scenario as batchIngest } from './02-batch-ingest.js';
import { scenario as consumeAck } from './03-consume-ack.js';
import { scenario as wakeLatency } from './04-wake-latency.js';
import { scenario as sseFanout } from './05-sse-fanout.js';
import { scenario as memoryPerEntry } from './06-memory-per-entry.js';
import { scenario as costGrowth } from './07-cost-growth.js';
import { scenario as durabilityCost } from './08-durability-cost.js';
import { scenario as restart } from './09-restart.js';

/** Every scenario, in the order they run. */
export const SCENARIOS: Scenario[] = [xaddHttp, batchIngest, consumeAck, wakeLatency, sseFanout, memoryPerEntry, costGrowth, durabilityCost, restart];

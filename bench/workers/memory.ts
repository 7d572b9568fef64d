/**
 * Memory per entry (scenario 6), in its own process run with --expose-gc
 * (V8 heap used + external memory, so that typed-array storage counts):
 * `n` entries `order <i> product laptop user alice` added to one stream with
 * StreamCore.xadd. Each entry's fields come from JSON.parse of its own body,
 * as the HTTP layer hands them over, so that no string is shared that would
 * not be shared in the server.
 */
import type { StreamCore } from '../../src/core/stream-core.js';
import { importSrc, runWorkerMain, workerInput } from '../lib/worker-io.js';

export interface MemoryInput {
  n: number;
  modulesRoot: string;
  compiled: boolean;
}

export interface MemoryResult {
  n: number;
  /** V8 heap used plus external memory (ArrayBuffer backing stores: typed arrays live there), per entry. */
  bytesPerEntry: number;
  heapBytesPerEntry: number;
  externalBytesPerEntry: number;
  rssBytesPerEntry: number;
  length: number;
}

function collect(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage();
}

runWorkerMain(async (): Promise<MemoryResult> => {
  const o = workerInput<MemoryInput>();
  const { StreamCore: Core } = await importSrc<{ StreamCore: typeof StreamCore }>(o.modulesRoot, o.compiled, 'core/stream-core.js');
  const core = new Core();
  // Warm the code paths on another key, so that their one-off allocations are not counted.
  for (let i = 0; i < 1000; i++) core.xadd('warm', { id: { kind: 'auto' }, fields: ['order', String(i), 'product', 'laptop', 'user', 'alice'] });
  core.del('warm');
  const before = collect();
  for (let i = 0; i < o.n; i++) {
    const body = JSON.parse(`{"order":"${i}","product":"laptop","user":"alice"}`) as Record<string, string>;
    core.xadd('mem', { id: { kind: 'auto' }, fields: Object.entries(body).flat() });
  }
  const after = collect();
  return {
    n: o.n,
    bytesPerEntry: (after.heapUsed + after.external - before.heapUsed - before.external) / o.n,
    heapBytesPerEntry: (after.heapUsed - before.heapUsed) / o.n,
    externalBytesPerEntry: (after.external - before.external) / o.n,
    rssBytesPerEntry: (after.rss - before.rss) / o.n,
    length: core.xlen('mem'),
  };
});

import { join } from 'node:path';
import { runWorker } from '../lib/proc.js';
import { startRedis, type RedisHandle } from '../lib/redis.js';
import { median } from '../lib/stats.js';
import type { Scenario } from '../lib/types.js';
import type { MemoryInput, MemoryResult } from '../workers/memory.js';

const MAX_RATIO = 1.25;

async function redisBytesPerEntry(redis: RedisHandle, n: number): Promise<number> {
  const client = redis.client();
  try {
    await client.del('mem');
    const before = await redis.usedMemory();
    for (let from = 0; from < n; from += 1000) {
      const pipeline = client.pipeline();
      for (let i = from; i < Math.min(n, from + 1000); i++) pipeline.xadd('mem', '*', 'order', String(i), 'product', 'laptop', 'user', 'alice');
      await pipeline.exec();
    }
    const after = await redis.usedMemory();
    const length = await client.xlen('mem');
    if (length !== n) throw new Error(`redis XLEN ${length}, expected ${n}`);
    await client.del('mem');
    return (after - before) / n;
  } finally {
    client.disconnect();
  }
}

export const scenario: Scenario = {
  id: 6,
  title: 'memory per entry (`order <n> product laptop user alice`), core only',
  anchor: "redis-server used_memory delta for the same entries (XADD *, default stream-node-max-bytes/entries)",
  target: `streamgate bytes per entry (V8 heap used + external) <= ${MAX_RATIO}x Redis's`,
  async run(ctx) {
    const n = ctx.quick ? 100_000 : 1_000_000;
    const redis = await startRedis();
    try {
      const total: number[] = [];
      const heap: number[] = [];
      const external: number[] = [];
      const rss: number[] = [];
      const anchor: number[] = [];
      for (let round = 0; round < ctx.rounds; round++) {
        const input: MemoryInput = { n, modulesRoot: ctx.build.modulesRoot, compiled: ctx.build.compiled };
        const result = await runWorker<MemoryResult>('memory', join(ctx.root, 'bench/workers/memory.ts'), input, { timeoutMs: 180_000, execArgv: ['--expose-gc'] });
        if (result.length !== n) throw new Error(`core XLEN ${result.length}, expected ${n}`);
        total.push(result.bytesPerEntry);
        heap.push(result.heapBytesPerEntry);
        external.push(result.externalBytesPerEntry);
        rss.push(result.rssBytesPerEntry);
        anchor.push(await redisBytesPerEntry(redis, n));
      }
      const value = median(total);
      const anchorValue = median(anchor);
      const r = value !== null && anchorValue ? value / anchorValue : null;
      return [
        {
          measure: `bytes per entry at ${n.toLocaleString('en-US')} entries`,
          value,
          unit: 'B',
          anchor: anchorValue,
          ratio: r,
          ratioNote: 'memory: lower is better',
          target: `<= ${MAX_RATIO}x`,
          met: r === null ? null : r <= MAX_RATIO,
          rounds: total,
          anchorRounds: anchor,
          note:
            `delta of V8 heapUsed (${Math.round(median(heap) ?? 0)} B) + external memory, i.e. typed-array storage (${Math.round(median(external) ?? 0)} B), after global.gc; ` +
            `process RSS delta ${Math.round(median(rss) ?? 0)} B per entry; fields from JSON.parse per entry, as the HTTP layer gives them`,
        },
      ];
    } finally {
      await redis.stop();
    }
  },
};

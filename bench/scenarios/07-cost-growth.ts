import { join } from 'node:path';
import { formatNumber } from '../lib/report.js';
import { runWorker } from '../lib/proc.js';
import type { Row, Scenario } from '../lib/types.js';
import type { GrowthInput, GrowthOp, GrowthResult } from '../workers/growth.js';

const MAX_COST_RATIO = 1.5;

const OPS: { op: GrowthOp; label: string }[] = [
  { op: 'xadd', label: 'XADD' },
  { op: 'xrange', label: 'XRANGE from a random ID, COUNT 10' },
  { op: 'readAck', label: 'XREADGROUP COUNT 10 + XACK' },
  { op: 'xpending', label: 'XPENDING range from a random ID, COUNT 10' },
  { op: 'xautoclaim', label: 'XAUTOCLAIM from a random ID, COUNT 10' },
];

const short = (n: number): string => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

export const scenario: Scenario = {
  id: 7,
  title: 'cost growth with stream size (core microbenchmarks)',
  anchor: 'the same operation at the smallest size (10k entries)',
  target: `cost ratio (ops/s at the smallest size / ops/s at the largest) <= ${MAX_COST_RATIO}`,
  async run(ctx) {
    const sizes = ctx.quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
    const results: GrowthResult[] = [];
    for (const size of sizes) {
      const input: GrowthInput = {
        size,
        pending: size / 10,
        opMs: ctx.quick ? 100 : 300,
        reps: ctx.rounds,
        modulesRoot: ctx.build.modulesRoot,
        compiled: ctx.build.compiled,
      };
      ctx.log(`  ${short(size)} entries, ${short(size / 10)} pending`);
      results.push(await runWorker<GrowthResult>(`growth-${size}`, join(ctx.root, 'bench/workers/growth.ts'), input, { timeoutMs: 300_000, execArgv: ['--expose-gc'] }));
    }
    const smallest = results[0]!;
    const largest = results[results.length - 1]!;
    return OPS.map(({ op, label }): Row => {
      const value = largest.opsPerSecond[op];
      const anchor = smallest.opsPerSecond[op];
      const cost = anchor / value;
      return {
        measure: `${label} at ${short(largest.size)} (${short(largest.pending)} pending)`,
        value,
        unit: 'ops/s',
        anchor,
        ratio: cost,
        ratioNote: `cost ratio: ops/s at ${short(smallest.size)} / ops/s at ${short(largest.size)}`,
        target: `<= ${MAX_COST_RATIO}`,
        met: cost <= MAX_COST_RATIO,
        note: `ops/s by size: ${results.map((r) => `${short(r.size)} ${formatNumber(r.opsPerSecond[op])}`).join(', ')}`,
      };
    });
  },
};

import { join } from 'node:path';
import { formatNumber } from '../lib/report.js';
import { runWorker } from '../lib/proc.js';
import { median } from '../lib/stats.js';
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
    // One worker per size and round, sizes interleaved round by round, so that a disturbance on the
    // machine hits one round of one size, not every figure of a size; ratios are paired per round.
    const bySize = new Map<number, GrowthResult[]>(sizes.map((size) => [size, []]));
    for (let round = 0; round < ctx.rounds; round++) {
      for (const size of sizes) {
        const input: GrowthInput = {
          size,
          pending: size / 10,
          opMs: ctx.quick ? 100 : 300,
          reps: 1,
          modulesRoot: ctx.build.modulesRoot,
          compiled: ctx.build.compiled,
        };
        ctx.log(`  round ${round + 1}: ${short(size)} entries, ${short(size / 10)} pending`);
        const result = await runWorker<GrowthResult>(`growth-${size}`, join(ctx.root, 'bench/workers/growth.ts'), input, {
          timeoutMs: 300_000,
          execArgv: ['--expose-gc'],
        });
        bySize.get(size)!.push(result);
      }
    }
    const smallest = sizes[0]!;
    const largest = sizes[sizes.length - 1]!;
    const rates = (size: number, op: GrowthOp): number[] => bySize.get(size)!.map((r) => r.opsPerSecond[op]);
    return OPS.map(({ op, label }): Row => {
      const value = median(rates(largest, op))!;
      const anchor = median(rates(smallest, op))!;
      const costs = rates(smallest, op).map((small, i) => small / rates(largest, op)[i]!);
      const cost = median(costs)!;
      return {
        measure: `${label} at ${short(largest)} (${short(largest / 10)} pending)`,
        value,
        unit: 'ops/s',
        anchor,
        ratio: cost,
        ratioNote: `cost ratio: ops/s at ${short(smallest)} / ops/s at ${short(largest)}, median of the per-round ratios`,
        target: `<= ${MAX_COST_RATIO}`,
        met: cost <= MAX_COST_RATIO,
        rounds: rates(largest, op),
        anchorRounds: rates(smallest, op),
        note: `median ops/s by size: ${sizes.map((size) => `${short(size)} ${formatNumber(median(rates(size, op)))}`).join(', ')}`,
      };
    });
  },
};

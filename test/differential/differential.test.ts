/**
 * Differential test: seeded random command sequences run on a private
 * redis-server and on our StreamCore, every reply compared (see harness.ts
 * for the few normalisations). Redis is the oracle.
 *
 * DIFF_SEED=1,2,3 runs those seeds only; DIFF_OPS sets the commands per seed.
 * By default: the fixed seeds, the regression seeds and two random ones
 * (printed, so that a failure can be replayed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServerAvailable } from '../helpers/redis-server.js';
import { CommandGenerator, KEYS } from './generator.js';
import { runSeed, useOracle } from './harness.js';
import { REGRESSION_SEEDS } from './seeds.js';

const FIXED_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const OPS_PER_SEED = Number(process.env.DIFF_OPS ?? 700);

interface SeedRun {
  seed: number;
  ops: number;
}

function seeds(): SeedRun[] {
  if (process.env.DIFF_SEED) return process.env.DIFF_SEED.split(',').map((s) => ({ seed: Number(s.trim()), ops: OPS_PER_SEED }));
  const random = [0, 1].map(() => Math.floor(Math.random() * 2 ** 31));
  const runs = new Map<string, SeedRun>();
  for (const seed of [...FIXED_SEEDS, ...random]) runs.set(`${seed}/${OPS_PER_SEED}`, { seed, ops: OPS_PER_SEED });
  for (const r of REGRESSION_SEEDS) runs.set(`${r.seed}/${r.ops ?? OPS_PER_SEED}`, { seed: r.seed, ops: r.ops ?? OPS_PER_SEED });
  return [...runs.values()];
}

const SEEDS = seeds();
let totalOps = 0;

describe.skipIf(!redisServerAvailable())('differential: StreamCore vs redis-server', () => {
  const oracle = useOracle();

  beforeAll(() => {
    const { server } = oracle;
    console.info(`differential: redis-server ${server.version} on port ${server.port}; seeds ${SEEDS.map((r) => `${r.seed} (${r.ops} ops)`).join(', ')}`);
  });

  afterAll(() => {
    console.info(`differential: ${totalOps} commands compared`);
  });

  it.each(SEEDS)('seed $seed ($ops ops)', async ({ seed, ops }) => {
    const result = await runSeed(oracle.redis, oracle.makeCore, seed, ops, new CommandGenerator(seed), KEYS);
    totalOps += result.ops;
    if (result.mismatch) expect.fail(result.mismatch);
  }, 30_000);
});

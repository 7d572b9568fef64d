/**
 * The argv differential over the Redis backend: the same seeded command
 * sequences as differential.test.ts, as raw commands on one redis-server
 * (the oracle) and through the backend contract (backend-bridge.ts) on
 * another, every reply compared by the same harness. The Valkey rows run
 * against a Valkey oracle (Redis 7.2 semantics on both sides).
 *
 * DIFF_SEED and DIFF_OPS as in differential.test.ts; by default the fixed
 * seeds, 700 commands each.
 */
import { Cluster, type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamBackend } from '../../src/backends/contract.js';
import { redisClusterRow, redisStandaloneRow, useBackend, valkeyClusterRow, valkeyStandaloneRow } from '../helpers/backends.js';
import { redisKind, valkeyKind } from '../helpers/redis-cluster.js';
import { redisServerAvailable } from '../helpers/redis-server.js';
import { backendSubject } from './backend-bridge.js';
import { CommandGenerator, KEYS } from './generator.js';
import { runSeedOn, useOracle } from './harness.js';

const OPS_PER_SEED = Number(process.env.DIFF_OPS ?? 700);
const SEEDS = (process.env.DIFF_SEED ? process.env.DIFF_SEED.split(',').map((s) => Number(s.trim())) : [1, 2, 3, 4, 5, 6, 7, 8]).map((seed) => ({ seed, ops: OPS_PER_SEED }));

/** Each backend row against an oracle of its own server: Redis 7.0.15 for the Redis rows, Valkey 8.0.1 for the Valkey ones. */
const rows = [redisStandaloneRow, redisClusterRow, valkeyStandaloneRow, valkeyClusterRow]
  .filter((row) => row.available)
  .map((row) => ({ row, name: row.name, oracleBin: (row.name.startsWith('valkey') ? valkeyKind() : redisKind())!.server }));

/**
 * Valkey 8 reads the last entry with `XREAD ... STREAMS key +` (Redis 7.4's form), which adapter.ts parses as
 * Redis 7.0 does (an invalid ID): commands with a `+` read ID are drawn again on the Valkey rows. The contract's
 * `+` read is compared with the embedded backend by test/backends/differential.test.ts.
 */
function without74Reads(generator: CommandGenerator): CommandGenerator {
  const next = generator.next.bind(generator);
  const plusRead = (argv: string[]) => {
    const name = argv[0]!.toUpperCase();
    const at = argv.findIndex((a) => a.toUpperCase() === 'STREAMS');
    return (name === 'XREAD' || name === 'XREADGROUP') && at > 0 && argv.slice(at + 1 + (argv.length - at - 1) / 2).includes('+');
  };
  generator.next = () => {
    for (;;) {
      const argv = next();
      if (!plusRead(argv)) return argv;
    }
  };
  return generator;
}

describe.skipIf(!redisServerAvailable()).each(rows)('differential: the Redis backend ($name) vs its server', ({ row, oracleBin }) => {
  const oracle = useOracle({}, oracleBin);
  const env = useBackend(row, row.cluster ? { keyPrefix: 'sg:' } : {});
  let totalOps = 0;
  let raw: Redis | Cluster | undefined;

  beforeAll(() => {
    console.info(`differential over ${row.name}: oracle ${oracleBin.split('/').pop()} ${oracle.server.version}; seeds ${SEEDS.map((r) => `${r.seed} (${r.ops} ops)`).join(', ')}`);
  });

  afterAll(() => {
    console.info(`differential over ${row.name}: ${totalOps} commands compared`);
  });

  it.each(SEEDS)('seed $seed ($ops ops)', async ({ seed, ops }) => {
    let backend: StreamBackend | undefined;
    try {
      const result = await runSeedOn(
        oracle.redis,
        async () => {
          raw ??= env.servers.rawClient()!;
          if (raw.status !== 'ready') await new Promise((resolve) => raw!.once('ready', resolve));
          await Promise.all((raw instanceof Cluster ? raw.nodes('master') : [raw]).map((node) => node.flushall()));
          backend = await env.servers.makeBackend(row.cluster ? { keyPrefix: 'sg:' } : {});
          return backendSubject(backend);
        },
        seed,
        ops,
        oracle.redis72 ? without74Reads(new CommandGenerator(seed)) : new CommandGenerator(seed),
        KEYS,
        oracle.redis72,
      );
      totalOps += result.ops;
      if (result.mismatch) expect.fail(result.mismatch);
    } finally {
      await backend?.close();
    }
  }, 60_000);
});

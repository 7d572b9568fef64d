import { batchBody, expectStatus } from '../lib/fixtures.js';
import { httpLoad, type HttpLoadResult } from '../lib/load.js';
import { keepAliveAgent } from '../lib/net.js';
import { redisBenchmark, startRedis } from '../lib/redis.js';
import { compareRow, informational } from '../lib/rows.js';
import { startStreamgate } from '../lib/servers.js';
import type { Scenario } from '../lib/types.js';
import { checkLoad, durabilityNote, latencyNote } from './01-xadd-http.js';

const STREAM = 'bench-batch';
const BATCHES = [100, 1000] as const;
/** HTTP connections, and redis-benchmark clients. */
const CONNECTIONS = 16;
const PIPELINE = 64;

export const scenario: Scenario = {
  id: 2,
  title: 'batch ingest over HTTP (100 and 1,000 messages a request)',
  anchor: `redis-server XADD pipelined ${PIPELINE} deep (redis-benchmark -c ${CONNECTIONS} -P ${PIPELINE}), no persistence`,
  target: 'streamgate messages/s >= 1.0x the anchor',
  async run(ctx) {
    // Each run appends at most `maxMessages`, and the stream is deleted between runs, so memory stays bounded.
    const maxMessages = ctx.quick ? 400_000 : 2_000_000;
    const timing = ctx.quick ? { warmupMs: 300, durationMs: 1000 } : { warmupMs: 1500, durationMs: 4000 };
    const redisRequests = ctx.quick ? 200_000 : 2_000_000;
    // A second streamgate with FSYNC=no (for reference) tells the CPU cost apart from the fsync wait.
    // BACKEND=redis gets its own redis-server, apart from the anchor's.
    const [sg, sgNoSync, redis, backingRedis] = await Promise.all([
      startStreamgate(ctx, { profileName: '2-batch' }),
      startStreamgate(ctx, { fsync: 'no', profileName: '2-batch-fsync-no' }),
      startRedis(),
      startRedis(),
    ]);
    const sgRedis = await startStreamgate(ctx, { env: { BACKEND: 'redis', REDIS_URL: `redis://127.0.0.1:${backingRedis.port}` }, profileName: '2-batch-redis' });
    const agent = keepAliveAgent(2);
    const admin = redis.client();
    try {
      type Series = { rates: number[]; loads: HttpLoadResult[] };
      const series = (): Record<number, Series> => Object.fromEntries(BATCHES.map((size) => [size, { rates: [], loads: [] }]));
      const sgRounds = series();
      const noSyncRounds = series();
      const redisModeRounds = series();
      const redisRounds: number[] = [];
      const measureRedis = async (): Promise<void> => {
        await admin.del(STREAM);
        redisRounds.push(
          await redisBenchmark({
            port: redis.port,
            clients: CONNECTIONS,
            pipeline: PIPELINE,
            requests: redisRequests,
            command: ['XADD', STREAM, '*', 'order', '__rand_int__', 'product', 'laptop', 'user', 'alice'],
            timeoutMs: 120_000,
          }),
        );
        await admin.del(STREAM);
      };
      const measureStreamgate = async (url: string, label: string, out: Record<number, Series>): Promise<void> => {
        for (const size of BATCHES) {
          await expectStatus(agent, url, 'DELETE', `/v1/streams/${STREAM}`, undefined, [204, 404]);
          const result = await httpLoad(ctx.root, {
            url: `${url}/v1/streams/${STREAM}/messages/batch`,
            method: 'POST',
            body: batchBody(size),
            connections: CONNECTIONS,
            ...timing,
            maxRequests: Math.ceil(maxMessages / size),
          });
          out[size]!.rates.push(checkLoad(`${label} batch ${size}`, result) * size);
          out[size]!.loads.push(result);
        }
        await expectStatus(agent, url, 'DELETE', `/v1/streams/${STREAM}`, undefined, [204, 404]);
      };
      for (let round = 0; round < ctx.rounds; round++) {
        if (round % 2 === 1) await measureRedis();
        await measureStreamgate(sg.url, 'streamgate', sgRounds);
        await measureStreamgate(sgNoSync.url, 'streamgate FSYNC=no', noSyncRounds);
        await measureStreamgate(sgRedis.url, 'streamgate BACKEND=redis', redisModeRounds);
        if (round % 2 === 0) await measureRedis();
      }
      return BATCHES.flatMap((size) => [
        compareRow(
          `batch ${size.toLocaleString('en-US')}: messages/s`,
          'msg/s',
          sgRounds[size]!.rates,
          redisRounds,
          1.0,
          [`${CONNECTIONS} connections`, latencyNote('request', sgRounds[size]!.loads), 'FSYNC=always', durabilityNote(sg)].filter(Boolean).join('; '),
        ),
        informational(
          compareRow(`for reference: batch ${size.toLocaleString('en-US')} with FSYNC=no`, 'msg/s', noSyncRounds[size]!.rates, redisRounds, 1.0, latencyNote('request', noSyncRounds[size]!.loads)),
        ),
        informational(
          compareRow(
            `for reference: batch ${size.toLocaleString('en-US')} with BACKEND=redis`,
            'msg/s',
            redisModeRounds[size]!.rates,
            redisRounds,
            1.0,
            `${latencyNote('request', redisModeRounds[size]!.loads)}; its own redis-server without persistence (one script call a batch)`,
          ),
        ),
      ]);
    } finally {
      admin.disconnect();
      agent.destroy();
      await Promise.all([sg.stop(), sgNoSync.stop(), sgRedis.stop(), redis.stop()]);
      await backingRedis.stop();
    }
  },
};

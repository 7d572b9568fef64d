import { batchBody, expectStatus } from '../lib/fixtures.js';
import { httpLoad } from '../lib/load.js';
import { keepAliveAgent } from '../lib/net.js';
import { redisBenchmark, startRedis } from '../lib/redis.js';
import { compareRow } from '../lib/rows.js';
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
    // Each round appends at most `maxMessages`, and the stream is deleted between rounds, so memory stays bounded.
    const maxMessages = ctx.quick ? 400_000 : 2_000_000;
    const timing = ctx.quick ? { warmupMs: 300, durationMs: 1000 } : { warmupMs: 1500, durationMs: 5000 };
    const redisRequests = ctx.quick ? 200_000 : 2_000_000;
    const [sg, redis] = await Promise.all([startStreamgate(ctx, { profileName: '2-batch' }), startRedis()]);
    const agent = keepAliveAgent(2);
    const admin = redis.client();
    try {
      const sgRounds: Record<number, number[]> = { 100: [], 1000: [] };
      const latency: Record<number, Parameters<typeof latencyNote>[1]> = { 100: [], 1000: [] };
      const redisRounds: number[] = [];
      for (let round = 0; round < ctx.rounds; round++) {
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
        if (round % 2 === 1) await measureRedis();
        for (const size of BATCHES) {
          await expectStatus(agent, sg.url, 'DELETE', `/v1/streams/${STREAM}`, undefined, [204, 404]);
          const result = await httpLoad(ctx.root, {
            url: `${sg.url}/v1/streams/${STREAM}/messages/batch`,
            method: 'POST',
            body: batchBody(size),
            connections: CONNECTIONS,
            ...timing,
            maxRequests: Math.ceil(maxMessages / size),
          });
          sgRounds[size]!.push(checkLoad(`streamgate batch ${size}`, result) * size);
          latency[size]!.push(result);
        }
        await expectStatus(agent, sg.url, 'DELETE', `/v1/streams/${STREAM}`, undefined, [204, 404]);
        if (round % 2 === 0) await measureRedis();
      }
      return BATCHES.map((size) =>
        compareRow(
          `batch ${size.toLocaleString('en-US')}: messages/s`,
          'msg/s',
          sgRounds[size]!,
          redisRounds,
          1.0,
          [`${CONNECTIONS} connections`, latencyNote('request', latency[size]!), 'FSYNC=always', durabilityNote(sg)].filter(Boolean).join('; '),
        ),
      );
    } finally {
      admin.disconnect();
      agent.destroy();
      await Promise.all([sg.stop(), redis.stop()]);
    }
  },
};

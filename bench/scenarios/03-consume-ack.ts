import { join } from 'node:path';
import { enc, expectStatus, fillStream } from '../lib/fixtures.js';
import { keepAliveAgent } from '../lib/net.js';
import { runWorker } from '../lib/proc.js';
import { startRedis } from '../lib/redis.js';
import { alternate, compareRow, informational } from '../lib/rows.js';
import { startStreamgate } from '../lib/servers.js';
import type { Scenario } from '../lib/types.js';
import type { ConsumeInput, ConsumeResult } from '../workers/consume.js';

const STREAM = 'bench-consume';
const CONSUMERS = 4;
const COUNT = 100;

export const scenario: Scenario = {
  id: 3,
  title: `group consume + ack over HTTP (read count ${COUNT}, then ack), ${CONSUMERS} consumers`,
  anchor: `redis-server XREADGROUP COUNT ${COUNT} + XACK from a Node (ioredis) client, ${CONSUMERS} consumers, no persistence`,
  target: 'streamgate messages/s >= 1.0x the anchor',
  async run(ctx) {
    // The stream is filled once; each round reads it whole through a new group (from 0).
    const total = ctx.quick ? 20_000 : 150_000;
    const timeLimitMs = ctx.quick ? 20_000 : 60_000;
    // A second streamgate with FSYNC=no (for reference) tells the CPU cost apart from the fsync waits.
    // BACKEND=redis gets its own redis-server, apart from the anchor's.
    const [sg, sgNoSync, redis, backingRedis] = await Promise.all([
      startStreamgate(ctx, { profileName: '3-consume' }),
      startStreamgate(ctx, { fsync: 'no', profileName: '3-consume-fsync-no' }),
      startRedis(),
      startRedis(),
    ]);
    const sgRedis = await startStreamgate(ctx, { env: { BACKEND: 'redis', REDIS_URL: `redis://127.0.0.1:${backingRedis.port}` }, profileName: '3-consume-redis' });
    const agent = keepAliveAgent(4);
    const admin = redis.client();
    const worker = join(ctx.root, 'bench/workers/consume.ts');
    try {
      await Promise.all([fillStream(agent, sg.url, STREAM, total), fillStream(agent, sgNoSync.url, STREAM, total), fillStream(agent, sgRedis.url, STREAM, total)]);
      for (let from = 0; from < total; from += 1000) {
        const pipeline = admin.pipeline();
        for (let i = from; i < Math.min(total, from + 1000); i++) pipeline.xadd(STREAM, '*', 'order', String(i), 'product', 'laptop', 'user', 'alice');
        await pipeline.exec();
      }
      const base: Omit<ConsumeInput, 'target' | 'group'> = { stream: STREAM, consumers: CONSUMERS, count: COUNT, maxMessages: total, timeLimitMs };
      const consume = (input: ConsumeInput): Promise<ConsumeResult> => runWorker<ConsumeResult>('consume', worker, input, { timeoutMs: timeLimitMs + 30_000 });
      const overHttp = async (url: string, round: number): Promise<ConsumeResult> => {
        const group = `g${round}`;
        await expectStatus(agent, url, 'POST', `/v1/streams/${enc(STREAM)}/groups`, { name: group, startId: '0' }, [201]);
        const result = await consume({ ...base, target: 'http', url, group });
        await expectStatus(agent, url, 'DELETE', `/v1/streams/${enc(STREAM)}/groups/${group}`, undefined, [204]);
        return result;
      };
      const noSync: ConsumeResult[] = [];
      const redisMode: ConsumeResult[] = [];
      const runs = await alternate(
        ctx.rounds,
        async (round) => {
          noSync.push(await overHttp(sgNoSync.url, round));
          redisMode.push(await overHttp(sgRedis.url, round));
          return overHttp(sg.url, round);
        },
        async (round) => {
          const group = `g${round}`;
          await admin.xgroup('CREATE', STREAM, group, '0');
          const result = await consume({ ...base, target: 'redis', port: redis.port, group });
          await admin.xgroup('DESTROY', STREAM, group);
          return result;
        },
      );
      const partial = [...runs.a, ...runs.b, ...noSync, ...redisMode].filter((r) => r.timedOut).length;
      const note = [
        `${total.toLocaleString('en-US')} messages read and acked per round`,
        partial > 0 ? `${partial} run(s) hit the ${timeLimitMs / 1000} s limit (rate over what was done)` : undefined,
        'FSYNC=always',
      ].filter(Boolean);
      const redisRates = runs.b.map((r) => r.perSecond);
      return [
        compareRow('read + ack: messages/s', 'msg/s', runs.a.map((r) => r.perSecond), redisRates, 1.0, note.join('; ')),
        informational(compareRow('for reference: read + ack with FSYNC=no', 'msg/s', noSync.map((r) => r.perSecond), redisRates, 1.0)),
        informational(compareRow('for reference: read + ack with BACKEND=redis', 'msg/s', redisMode.map((r) => r.perSecond), redisRates, 1.0, 'its own redis-server without persistence')),
      ];
    } finally {
      admin.disconnect();
      agent.destroy();
      await Promise.all([sg.stop(), sgNoSync.stop(), sgRedis.stop(), redis.stop()]);
      await backingRedis.stop();
    }
  },
};

import { expectStatus } from '../lib/fixtures.js';
import { keepAliveAgent } from '../lib/net.js';
import { redisBenchmark, startRedis } from '../lib/redis.js';
import { alternate, compareRow } from '../lib/rows.js';
import { startStreamgate } from '../lib/servers.js';
import type { Row, Scenario } from '../lib/types.js';
import { APPEND_BODY, CONNECTIONS, appendLoad, checkLoad, durabilityNote, latencyNote } from './01-xadd-http.js';

export const scenario: Scenario = {
  id: 8,
  title: `durability cost: single XADD over HTTP, FSYNC=always vs FSYNC=no, ${CONNECTIONS} connections`,
  anchor: 'the same server with FSYNC=no (in the same run)',
  target: 'FSYNC=always req/s >= 0.8x FSYNC=no',
  async run(ctx) {
    const [always, no] = await Promise.all([startStreamgate(ctx, { fsync: 'always', profileName: '8-fsync-always' }), startStreamgate(ctx, { fsync: 'no' })]);
    try {
      const agent = keepAliveAgent(1);
      for (const server of [always, no]) await expectStatus(agent, server.url, 'POST', '/v1/streams/bench-xadd/messages', APPEND_BODY, [201]);
      agent.destroy();
      const runs = await alternate(
        ctx.rounds,
        () => appendLoad(ctx, always.url, 'bench-xadd'),
        () => appendLoad(ctx, no.url, 'bench-xadd'),
      );
      const notes = [latencyNote('FSYNC=always', runs.a), latencyNote('FSYNC=no', runs.b), durabilityNote(always)].filter(Boolean);
      const rows: Row[] = [
        compareRow(
          'XADD req/s with FSYNC=always',
          'req/s',
          runs.a.map((r) => checkLoad('FSYNC=always', r)),
          runs.b.map((r) => checkLoad('FSYNC=no', r)),
          0.8,
          notes.join('; '),
        ),
      ];
      rows.push(await redisDurability(ctx.quick, ctx.rounds));
      return rows;
    } finally {
      await Promise.all([always.stop(), no.stop()]);
    }
  },
};

/** For reference: what Redis pays for appendfsync always on the same load shape (XADD, 50 clients, no pipelining). */
async function redisDurability(quick: boolean, rounds: number): Promise<Row> {
  const [aof, plain] = await Promise.all([startRedis({ aofAlways: true }), startRedis()]);
  try {
    const requests = quick ? 5_000 : 30_000;
    const bench = (port: number) =>
      redisBenchmark({
        port,
        clients: CONNECTIONS,
        pipeline: 1,
        requests,
        command: ['XADD', 'bench-xadd', '*', 'order', '__rand_int__', 'product', 'laptop', 'user', 'alice'],
        timeoutMs: 120_000,
      });
    const runs = await alternate(rounds, () => bench(aof.port), () => bench(plain.port));
    const row = compareRow('for reference: redis-server XADD, appendfsync always vs no AOF', 'req/s', runs.a, runs.b, 0.8);
    return { ...row, target: undefined, met: null, note: `redis-benchmark -c ${CONNECTIONS} -P 1; informational, no target` };
  } finally {
    await Promise.all([aof.stop(), plain.stop()]);
  }
}

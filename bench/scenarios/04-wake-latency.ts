import { join } from 'node:path';
import { enc, expectStatus } from '../lib/fixtures.js';
import { IpcPeer } from '../lib/ipc.js';
import { keepAliveAgent } from '../lib/net.js';
import { sleep, spawnNode } from '../lib/proc.js';
import { startRedis } from '../lib/redis.js';
import { median, percentile } from '../lib/stats.js';
import { startStreamgate } from '../lib/servers.js';
import type { BenchContext, Row, Scenario } from '../lib/types.js';
import type { AdderInput } from '../workers/wake-adder.js';
import type { ReceiverInput } from '../workers/wake-receiver.js';

const STREAM = 'bench-wake';
/** After every receiver said `armed`, how long before the add, so that the blocked read is surely parked in the server. */
const SETTLE_MS = 5;
const ITERATION_TIMEOUT_MS = 3_000;
const P50_TARGET_MS = 0.5;
const P99_TARGET_MS = 2;
/** Two replicas on one redis-server: append through B, long-poll parked on A (issue 11's targets). */
const CROSS_STREAM = 'bench-wake-cross';
const CROSS_P50_TARGET_MS = 1;
const CROSS_P99_TARGET_MS = 5;

interface Receiver {
  label: string;
  peer: IpcPeer;
  samples: number[][];
  missed: number;
}

async function startPeer(ctx: BenchContext, name: string, script: string, input: ReceiverInput | AdderInput): Promise<{ peer: IpcPeer; status: string; reason?: string }> {
  const child = spawnNode(name, join(ctx.root, 'bench/workers', script), { ipc: true, env: { BENCH_INPUT: JSON.stringify(input) } });
  const peer = new IpcPeer(child);
  const first = await peer.nextOfType(['ready', 'unavailable', 'error'], 20_000);
  return { peer, status: first.type, reason: first.reason as string | undefined };
}

/**
 * One round: `samples` adds, each after every receiver has parked a read;
 * the first `warmup` are not counted.
 */
async function measure(adder: IpcPeer, receivers: Receiver[], samples: number, warmup: number, round: number): Promise<void> {
  const latencies = receivers.map(() => [] as number[]);
  for (let i = 0; i < samples + warmup; i++) {
    const seq = round * 1_000_000 + i;
    for (const r of receivers) r.peer.send({ type: 'arm' });
    await Promise.all(receivers.map((r) => r.peer.nextOfType('armed', ITERATION_TIMEOUT_MS)));
    await sleep(SETTLE_MS);
    adder.send({ type: 'add', seq });
    const got = await Promise.all(
      receivers.map((r) => r.peer.next((m) => (m.type === 'got' && m.seq === seq) || m.type === 'error', ITERATION_TIMEOUT_MS).catch(() => null)),
    );
    await adder.next((m) => (m.type === 'added' && m.seq === seq) || m.type === 'error', ITERATION_TIMEOUT_MS);
    got.forEach((m, j) => {
      if (m?.type === 'error') throw new Error(`${receivers[j]!.label}: ${String(m.reason)}`);
      if (m === null) {
        receivers[j]!.missed++;
        receivers[j]!.peer.clear();
      } else if (i >= warmup) latencies[j]!.push((m.ns as number) / 1e6);
    });
  }
  receivers.forEach((r, j) => r.samples.push(latencies[j]!));
}

function latencyRows(label: string, receiver: Receiver | undefined, anchor: Receiver, skipped?: string, targets = { p50: P50_TARGET_MS, p99: P99_TARGET_MS }): Row[] {
  const p = (samples: number[][], q: number): (number | null)[] => samples.map((s) => percentile(s, q));
  const anchorP50 = p(anchor.samples, 50);
  const anchorP99 = p(anchor.samples, 99);
  const row = (q: 50 | 99, target: number, anchorRounds: (number | null)[]): Row => {
    const anchorValue = median(anchorRounds);
    if (receiver === undefined) {
      return { measure: `${label} p${q}`, value: null, unit: 'ms', anchor: anchorValue, target: `<= ${target} ms`, met: null, skipped, anchorRounds: anchorRounds as number[] };
    }
    const rounds = p(receiver.samples, q);
    const value = median(rounds);
    return {
      measure: `${label} p${q}`,
      value,
      unit: 'ms',
      anchor: anchorValue,
      ratio: value !== null && anchorValue ? value / anchorValue : null,
      ratioNote: 'latency: lower is better; the target is absolute',
      target: `<= ${target} ms`,
      met: value === null ? null : value <= target,
      rounds: rounds as number[],
      anchorRounds: anchorRounds as number[],
      note:
        q === 99
          ? `${receiver.samples.reduce((n, s) => n + s.length, 0)} samples over ${receiver.samples.length} round(s)` +
            (receiver.missed > 0 ? `; ${receiver.missed} add(s) never arrived within ${ITERATION_TIMEOUT_MS} ms` : '')
          : undefined,
    };
  };
  return [row(50, targets.p50, anchorP50), row(99, targets.p99, anchorP99)];
}

function informationalLatency(row: Row): Row {
  return { ...row, target: undefined, met: null };
}

export const scenario: Scenario = {
  id: 4,
  title: 'wake latency: add -> a parked long-poll and an SSE client receive it',
  anchor: 'redis-server XREADGROUP BLOCK woken by an XADD from another process (ioredis), no persistence',
  target: `add -> receive p50 <= ${P50_TARGET_MS} ms, p99 <= ${P99_TARGET_MS} ms`,
  async run(ctx) {
    const samples = ctx.quick ? 50 : 500;
    const warmup = ctx.quick ? 10 : 50;
    // FSYNC=always is the scenario. In a full run a second server with FSYNC=no shows what the fsync of
    // the wake's own delivery costs (a group read answers once its delivery is durable).
    const servers = await Promise.all([
      startStreamgate(ctx, { profileName: '4-wake' }),
      ...(ctx.quick ? [] : [startStreamgate(ctx, { fsync: 'no' })]),
    ]);
    const redis = await startRedis();
    // BACKEND=redis: two replicas (A, B) on their own redis-server, apart from the anchor's.
    const backingRedis = await startRedis();
    const redisEnv = { BACKEND: 'redis', REDIS_URL: `redis://127.0.0.1:${backingRedis.port}` };
    const replicas = await Promise.all([startStreamgate(ctx, { env: redisEnv, profileName: '4-wake-redis-a' }), startStreamgate(ctx, { env: redisEnv })]);
    const agent = keepAliveAgent(1);
    const admin = redis.client();
    const peers: IpcPeer[] = [];
    try {
      for (const server of [...servers, replicas[0]]) {
        for (const group of ['lp', 'sse']) {
          await expectStatus(agent, server.url, 'POST', `/v1/streams/${enc(STREAM)}/groups`, { name: group, startId: '$', mkStream: true }, [201]);
        }
      }
      await admin.xgroup('CREATE', STREAM, 'rg', '$', 'MKSTREAM');
      await expectStatus(agent, replicas[0].url, 'POST', `/v1/streams/${enc(CROSS_STREAM)}/groups`, { name: 'lp', startId: '$', mkStream: true }, [201]);

      const start = async (name: string, script: string, input: ReceiverInput | AdderInput) => {
        const started = await startPeer(ctx, name, script, input);
        peers.push(started.peer);
        if (started.status === 'error') throw new Error(`${name}: ${started.reason}`);
        return started;
      };
      const receiver = (label: string, peer: IpcPeer): Receiver => ({ label, peer, samples: [], missed: 0 });
      const streamgateSet = async (url: string, suffix: string) => {
        const [lp, sse, adder] = await Promise.all([
          start(`wake-longpoll${suffix}`, 'wake-receiver.ts', { mode: 'longpoll', url, stream: STREAM, group: 'lp', consumer: 'c' }),
          start(`wake-sse${suffix}`, 'wake-receiver.ts', { mode: 'sse', url, stream: STREAM, group: 'sse', consumer: 'c' }),
          start(`wake-adder-http${suffix}`, 'wake-adder.ts', { mode: 'http', url, stream: STREAM }),
        ]);
        const longPoll = receiver('long-poll', lp.peer);
        const sseReceiver = sse.status === 'ready' ? receiver('SSE', sse.peer) : undefined;
        return { adder: adder.peer, longPoll, sse: sseReceiver, sseReason: sse.reason, all: sseReceiver ? [longPoll, sseReceiver] : [longPoll] };
      };
      const [always, noSync] = await Promise.all(servers.map((server, i) => streamgateSet(server.url, i === 0 ? '' : '-fsync-no')));
      const [rr, redisAdder] = await Promise.all([
        start('wake-redis', 'wake-receiver.ts', { mode: 'redis', port: redis.port, stream: STREAM, group: 'rg', consumer: 'c' }),
        start('wake-adder-redis', 'wake-adder.ts', { mode: 'redis', port: redis.port, stream: STREAM }),
      ]);
      const redisReceiver = receiver('redis', rr.peer);
      const redisMode = await streamgateSet(replicas[0].url, '-redis');
      const [crossLp, crossAdder] = await Promise.all([
        start('wake-longpoll-cross-a', 'wake-receiver.ts', { mode: 'longpoll', url: replicas[0].url, stream: CROSS_STREAM, group: 'lp', consumer: 'c' }),
        start('wake-adder-cross-b', 'wake-adder.ts', { mode: 'http', url: replicas[1].url, stream: CROSS_STREAM }),
      ]);
      const crossReceiver = receiver('cross-replica long-poll', crossLp.peer);

      for (let round = 0; round < ctx.rounds; round++) {
        if (round % 2 === 1) await measure(redisAdder.peer, [redisReceiver], samples, warmup, round);
        await measure(always!.adder, always!.all, samples, warmup, round);
        if (noSync) await measure(noSync.adder, noSync.all, samples, warmup, round);
        await measure(redisMode.adder, redisMode.all, samples, warmup, round);
        await measure(crossAdder.peer, [crossReceiver], samples, warmup, round);
        if (round % 2 === 0) await measure(redisAdder.peer, [redisReceiver], samples, warmup, round);
      }
      const withNoSync = (rows: Row[], other: Receiver | undefined): Row[] =>
        rows.map((row, i) => {
          const figure = other ? median(other.samples.map((s) => percentile(s, i === 0 ? 50 : 99))) : null;
          const extra = figure === null ? undefined : `same with FSYNC=no: ${figure.toFixed(2)} ms`;
          return extra === undefined ? row : { ...row, note: row.note ? `${extra}; ${row.note}` : extra };
        });
      return [
        ...withNoSync(latencyRows('long-poll (POST .../read waitMs)', always!.longPoll, redisReceiver), noSync?.longPoll),
        ...withNoSync(latencyRows('SSE (GET .../consumers/{c}/events)', always!.sse, redisReceiver, always!.sseReason), noSync?.sse),
        // Same replica on BACKEND=redis: the wake goes through Redis pub/sub even there; no verdict (the targets are the embedded backend's).
        ...latencyRows('BACKEND=redis long-poll', redisMode.longPoll, redisReceiver).map(informationalLatency),
        ...latencyRows('BACKEND=redis SSE', redisMode.sse, redisReceiver, redisMode.sseReason).map(informationalLatency),
        ...latencyRows('cross-replica wake, add via B, long-poll on A', crossReceiver, redisReceiver, undefined, { p50: CROSS_P50_TARGET_MS, p99: CROSS_P99_TARGET_MS }),
      ];
    } finally {
      for (const peer of peers) {
        if (peer.child.proc.connected) peer.send({ type: 'close' });
      }
      await Promise.all(peers.map((p) => p.child.stop(3_000)));
      admin.disconnect();
      agent.destroy();
      await Promise.all([...servers.map((s) => s.stop()), ...replicas.map((s) => s.stop()), redis.stop()]);
      await backingRedis.stop();
    }
  },
};

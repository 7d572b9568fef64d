import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { enc, expectStatus } from '../lib/fixtures.js';
import { IpcPeer } from '../lib/ipc.js';
import { httpJson, keepAliveAgent } from '../lib/net.js';
import { makeTempDir, removeTempDir, sleep, spawnNode } from '../lib/proc.js';
import { startRedis } from '../lib/redis.js';
import { median, percentile } from '../lib/stats.js';
import { startBareFastify, startStreamgate } from '../lib/servers.js';
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
/**
 * Issue 17's wake targets are relative to two floors measured in the same run: one HTTP exchange
 * (a Node client's keep-alive GET of a bare fastify route) and one fdatasync of a small write.
 * FSYNC=no: p50 within 0.3 ms of the HTTP floor's p50, p99 within 1 ms of its p99;
 * FSYNC=always: p50 within 0.3 ms of the HTTP floor's p50 plus the fdatasync p50.
 */
const FLOOR_P50_SLACK_MS = 0.3;
const FLOOR_P99_SLACK_MS = 1;
/** The bytes of one small log write (a single XADD's record is about this size). */
const SMALL_WRITE_BYTES = 128;

/** One round of the HTTP floor: GET /healthz of a bare fastify process, one keep-alive connection, one at a time. */
async function measureHttpFloor(url: string, samples: number, warmup: number): Promise<number[]> {
  const agent = keepAliveAgent(1);
  const out: number[] = [];
  try {
    for (let i = 0; i < samples + warmup; i++) {
      const started = process.hrtime.bigint();
      const answer = await httpJson(agent, url, 'GET', '/healthz');
      const ns = Number(process.hrtime.bigint() - started);
      if (answer.status !== 200) throw new Error(`bare fastify GET /healthz answered ${answer.status}`);
      if (i >= warmup) out.push(ns / 1e6);
      await sleep(1);
    }
  } finally {
    agent.destroy();
  }
  return out;
}

/** One round of the fdatasync floor: a small positional write and its fdatasync, in a temp directory as the servers' data directories are. */
function measureFdatasyncFloor(samples: number, warmup: number): number[] {
  const dir = makeTempDir('fdatasync-floor');
  const fd = openSync(join(dir, 'floor.log'), 'w');
  const bytes = Buffer.alloc(SMALL_WRITE_BYTES, 0x61);
  const out: number[] = [];
  try {
    for (let i = 0; i < samples + warmup; i++) {
      const started = process.hrtime.bigint();
      writeSync(fd, bytes, 0, bytes.length, i * bytes.length);
      fdatasyncSync(fd);
      const ns = Number(process.hrtime.bigint() - started);
      if (i >= warmup) out.push(ns / 1e6);
    }
  } finally {
    closeSync(fd);
    removeTempDir(dir);
  }
  return out;
}

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

interface LatencyTargets {
  /** null: no verdict for that percentile. */
  p50: number | null;
  p99: number | null;
  /** How the target was reached, when it is relative to the floors. */
  basis?: { p50?: string; p99?: string };
}

function latencyRows(label: string, receiver: Receiver | undefined, anchor: Receiver, skipped?: string, targets: LatencyTargets = { p50: P50_TARGET_MS, p99: P99_TARGET_MS }): Row[] {
  const p = (samples: number[][], q: number): (number | null)[] => samples.map((s) => percentile(s, q));
  const anchorP50 = p(anchor.samples, 50);
  const anchorP99 = p(anchor.samples, 99);
  const row = (q: 50 | 99, target: number | null, anchorRounds: (number | null)[]): Row => {
    const anchorValue = median(anchorRounds);
    const basis = q === 50 ? targets.basis?.p50 : targets.basis?.p99;
    const targetText = target === null ? undefined : `<= ${target.toFixed(2)} ms${basis ? ` (${basis})` : ''}`;
    if (receiver === undefined) {
      return { measure: `${label} p${q}`, value: null, unit: 'ms', anchor: anchorValue, target: targetText, met: null, skipped, anchorRounds: anchorRounds as number[] };
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
      target: targetText,
      met: value === null || target === null ? null : value <= target,
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
  target:
    `embedded: FSYNC=no p50 <= HTTP floor p50 + ${FLOOR_P50_SLACK_MS} ms, p99 <= HTTP floor p99 + ${FLOOR_P99_SLACK_MS} ms; ` +
    `FSYNC=always p50 <= HTTP floor p50 + fdatasync p50 + ${FLOOR_P50_SLACK_MS} ms (floors measured in the same run); ` +
    `cross-replica p50 <= ${CROSS_P50_TARGET_MS} ms, p99 <= ${CROSS_P99_TARGET_MS} ms`,
  async run(ctx) {
    const samples = ctx.quick ? 50 : 500;
    const warmup = ctx.quick ? 10 : 50;
    // FSYNC=always and FSYNC=no, each against its own floor (a group read answers once its delivery is durable).
    const servers = await Promise.all([startStreamgate(ctx, { profileName: '4-wake' }), startStreamgate(ctx, { fsync: 'no' })]);
    const bareFastify = await startBareFastify(ctx, 'post');
    const httpFloor: number[][] = [];
    const fdatasyncFloor: number[][] = [];
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
        httpFloor.push(await measureHttpFloor(bareFastify.url, samples, warmup));
        fdatasyncFloor.push(measureFdatasyncFloor(samples, warmup));
        if (round % 2 === 1) await measure(redisAdder.peer, [redisReceiver], samples, warmup, round);
        await measure(always!.adder, always!.all, samples, warmup, round);
        await measure(noSync!.adder, noSync.all, samples, warmup, round);
        await measure(redisMode.adder, redisMode.all, samples, warmup, round);
        await measure(crossAdder.peer, [crossReceiver], samples, warmup, round);
        if (round % 2 === 0) await measure(redisAdder.peer, [redisReceiver], samples, warmup, round);
      }
      const floorP50 = median(httpFloor.map((round) => percentile(round, 50)))!;
      const floorP99 = median(httpFloor.map((round) => percentile(round, 99)))!;
      const syncP50 = median(fdatasyncFloor.map((round) => percentile(round, 50)))!;
      const floorRow = (measure: string, rounds: number[][], q: 50 | 99, note?: string): Row => {
        const perRound = rounds.map((round) => percentile(round, q)!);
        return { measure, value: median(perRound), unit: 'ms', rounds: perRound, met: null, note };
      };
      const noSyncTargets: LatencyTargets = {
        p50: floorP50 + FLOOR_P50_SLACK_MS,
        p99: floorP99 + FLOOR_P99_SLACK_MS,
        basis: { p50: `HTTP floor p50 + ${FLOOR_P50_SLACK_MS}`, p99: `HTTP floor p99 + ${FLOOR_P99_SLACK_MS}` },
      };
      const alwaysTargets: LatencyTargets = {
        p50: floorP50 + syncP50 + FLOOR_P50_SLACK_MS,
        p99: null,
        basis: { p50: `HTTP floor p50 + fdatasync p50 + ${FLOOR_P50_SLACK_MS}` },
      };
      return [
        floorRow('floor: bare fastify GET round trip (Node client, keep-alive) p50', httpFloor, 50),
        floorRow('floor: bare fastify GET round trip (Node client, keep-alive) p99', httpFloor, 99, `${httpFloor.reduce((n, r) => n + r.length, 0)} samples over ${httpFloor.length} round(s)`),
        floorRow(`floor: fdatasync of a ${SMALL_WRITE_BYTES}-byte write p50`, fdatasyncFloor, 50, 'same filesystem as the servers\' data directories'),
        ...latencyRows('long-poll (POST .../read waitMs), FSYNC=no', noSync!.longPoll, redisReceiver, undefined, noSyncTargets),
        ...latencyRows('SSE (GET .../consumers/{c}/events), FSYNC=no', noSync!.sse, redisReceiver, noSync!.sseReason, noSyncTargets),
        ...latencyRows('long-poll (POST .../read waitMs), FSYNC=always', always!.longPoll, redisReceiver, undefined, alwaysTargets),
        ...latencyRows('SSE (GET .../consumers/{c}/events), FSYNC=always', always!.sse, redisReceiver, always!.sseReason, alwaysTargets),
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
      await Promise.all([...servers.map((s) => s.stop()), ...replicas.map((s) => s.stop()), bareFastify.stop(), redis.stop()]);
      await backingRedis.stop();
    }
  },
};

/**
 * Group consumers (scenario 3): `consumers` loops, each on its own
 * connection, read up to `count` new messages and acknowledge them, until
 * the group has nothing new, `maxMessages` are acknowledged or `timeLimitMs`
 * passes. Over HTTP (POST .../read, POST .../acks) or Redis (XREADGROUP +
 * XACK through ioredis).
 */
import { Redis } from 'ioredis';
import { httpJson, keepAliveAgent } from '../lib/net.js';
import { runWorkerMain, workerInput } from '../lib/worker-io.js';

export interface ConsumeInput {
  target: 'http' | 'redis';
  /** http: base URL; redis: port. */
  url?: string;
  port?: number;
  stream: string;
  group: string;
  consumers: number;
  count: number;
  maxMessages: number;
  timeLimitMs: number;
}

export interface ConsumeResult {
  acknowledged: number;
  seconds: number;
  perSecond: number;
  reads: number;
  timedOut: boolean;
}

type Loop = (name: string, shouldStop: () => boolean, onBatch: (n: number) => void) => Promise<void>;

function httpLoop(o: ConsumeInput): Loop {
  const base = `/v1/streams/${encodeURIComponent(o.stream)}/groups/${encodeURIComponent(o.group)}`;
  return async (name, shouldStop, onBatch) => {
    const agent = keepAliveAgent(1);
    try {
      while (!shouldStop()) {
        const read = await httpJson<{ messages: { id: string }[] }>(agent, o.url!, 'POST', `${base}/consumers/${name}/read`, { count: o.count });
        if (read.status !== 200) throw new Error(`read answered ${read.status}: ${read.text.slice(0, 200)}`);
        const ids = read.body.messages.map((m) => m.id);
        if (ids.length === 0) return;
        const ack = await httpJson<{ acknowledged: number }>(agent, o.url!, 'POST', `${base}/acks`, { ids });
        if (ack.status !== 200 || ack.body.acknowledged !== ids.length) throw new Error(`acks answered ${ack.status}: ${ack.text.slice(0, 200)}`);
        onBatch(ids.length);
      }
    } finally {
      agent.destroy();
    }
  };
}

function redisLoop(o: ConsumeInput): Loop {
  return async (name, shouldStop, onBatch) => {
    const client = new Redis({ port: o.port!, host: '127.0.0.1' });
    try {
      while (!shouldStop()) {
        const reply = (await client.xreadgroup('GROUP', o.group, name, 'COUNT', o.count, 'STREAMS', o.stream, '>')) as [string, [string, string[]][]][] | null;
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.length === 0) return;
        const ids = entries.map((e) => e[0]);
        const acked = await client.xack(o.stream, o.group, ...ids);
        if (acked !== ids.length) throw new Error(`XACK acknowledged ${acked} of ${ids.length}`);
        onBatch(ids.length);
      }
    } finally {
      client.disconnect();
    }
  };
}

runWorkerMain(async (): Promise<ConsumeResult> => {
  const o = workerInput<ConsumeInput>();
  const loop = o.target === 'http' ? httpLoop(o) : redisLoop(o);
  let acknowledged = 0;
  let reads = 0;
  let timedOut = false;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(o.timeLimitMs) * 1_000_000n;
  const shouldStop = (): boolean => {
    if (acknowledged >= o.maxMessages) return true;
    if (process.hrtime.bigint() > deadline) return (timedOut = true);
    return false;
  };
  await Promise.all(
    Array.from({ length: o.consumers }, (_, i) =>
      loop(`c${i + 1}`, shouldStop, (n) => {
        acknowledged += n;
        reads++;
      }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { acknowledged, seconds, perSecond: acknowledged / seconds, reads, timedOut };
});

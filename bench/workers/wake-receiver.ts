/**
 * A blocked reader for the wake-latency scenario (4), driven over IPC:
 * `arm` parks one read (long-poll, or XREADGROUP BLOCK; the SSE stream is
 * always parked), and each message received is answered with `got`: the
 * time from the adder's send (field `t`, process.hrtime.bigint, the same
 * CLOCK_MONOTONIC in every process) to its arrival here.
 */
import { request, type IncomingMessage } from 'node:http';
import { Redis } from 'ioredis';
import { toParent, type IpcMessage } from '../lib/ipc.js';
import { httpJson, keepAliveAgent } from '../lib/net.js';
import { workerInput } from '../lib/worker-io.js';

export interface ReceiverInput {
  mode: 'longpoll' | 'sse' | 'redis';
  url?: string;
  port?: number;
  stream: string;
  group: string;
  consumer: string;
}

const o = workerInput<ReceiverInput>();
const WAIT_MS = 10_000;

function received(fields: Record<string, string> | null | undefined): void {
  const now = process.hrtime.bigint();
  if (!fields?.t) return;
  toParent({ type: 'got', seq: Number(fields.seq), ns: Number(now - BigInt(fields.t)) });
}

function pairsToObject(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]!] = list[i + 1]!;
  return out;
}

async function setup(): Promise<{ arm: () => void; close: () => void }> {
  const path = `/v1/streams/${encodeURIComponent(o.stream)}/groups/${encodeURIComponent(o.group)}/consumers/${encodeURIComponent(o.consumer)}`;
  if (o.mode === 'longpoll') {
    const agent = keepAliveAgent(1);
    return {
      arm() {
        httpJson<{ messages: { fields: Record<string, string> }[] }>(agent, o.url!, 'POST', `${path}/read`, { count: 1, waitMs: WAIT_MS }, WAIT_MS + 5_000).then(
          (answer) => {
            if (answer.status !== 200) toParent({ type: 'error', reason: `read answered ${answer.status}` });
            for (const m of answer.body.messages) received(m.fields);
          },
          (err: Error) => toParent({ type: 'error', reason: err.message }),
        );
      },
      close: () => agent.destroy(),
    };
  }
  if (o.mode === 'sse') {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${o.url}${path}/events?ack=auto`, { agent: false, headers: { accept: 'text/event-stream' } }, resolve);
      req.on('error', reject);
      req.end();
    });
    if (res.statusCode !== 200) {
      res.resume();
      throw new Unavailable(`GET .../consumers/{c}/events answers ${res.statusCode}`);
    }
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (data === undefined || !block.includes('event: message')) continue;
        received((JSON.parse(data.slice(6)) as { fields: Record<string, string> }).fields);
      }
    });
    return { arm() {}, close: () => res.destroy() };
  }
  const client = new Redis({ port: o.port!, host: '127.0.0.1' });
  await client.ping();
  return {
    arm() {
      client.xreadgroup('GROUP', o.group, o.consumer, 'COUNT', 1, 'BLOCK', WAIT_MS, 'STREAMS', o.stream, '>').then(
        (reply) => {
          const entries = ((reply as [string, [string, string[]][]][] | null)?.[0]?.[1]) ?? [];
          for (const [, list] of entries) received(pairsToObject(list));
        },
        (err: Error) => toParent({ type: 'error', reason: err.message }),
      );
    },
    close: () => client.disconnect(),
  };
}

class Unavailable extends Error {}

try {
  const reader = await setup();
  process.on('message', (m: IpcMessage) => {
    if (m.type === 'arm') {
      reader.arm();
      toParent({ type: 'armed' });
    } else if (m.type === 'close') {
      reader.close();
      process.exit(0);
    }
  });
  toParent({ type: 'ready' });
} catch (err) {
  toParent({ type: err instanceof Unavailable ? 'unavailable' : 'error', reason: (err as Error).message });
  setTimeout(() => process.exit(0), 100);
}

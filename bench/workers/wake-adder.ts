/**
 * The writer of the wake-latency scenario (4): on each `add` from the parent
 * it appends one message carrying its send time (`t`, hrtime ns) and answers
 * `added` once the write is acknowledged.
 */
import { Redis } from 'ioredis';
import { toParent, type IpcMessage } from '../lib/ipc.js';
import { httpJson, keepAliveAgent } from '../lib/net.js';
import { workerInput } from '../lib/worker-io.js';

export interface AdderInput {
  mode: 'http' | 'redis';
  url?: string;
  port?: number;
  stream: string;
}

const o = workerInput<AdderInput>();

async function setup(): Promise<{ add: (seq: number) => Promise<void>; close: () => void }> {
  if (o.mode === 'http') {
    const agent = keepAliveAgent(1);
    const path = `/v1/streams/${encodeURIComponent(o.stream)}/messages`;
    return {
      async add(seq) {
        const body = JSON.stringify({ fields: { seq: String(seq), t: String(process.hrtime.bigint()) } });
        const answer = await httpJson(agent, o.url!, 'POST', path, body);
        if (answer.status !== 201) throw new Error(`XADD answered ${answer.status}: ${answer.text.slice(0, 200)}`);
      },
      close: () => agent.destroy(),
    };
  }
  const client = new Redis({ port: o.port!, host: '127.0.0.1' });
  await client.ping();
  return {
    async add(seq) {
      await client.xadd(o.stream, '*', 'seq', String(seq), 't', String(process.hrtime.bigint()));
    },
    close: () => client.disconnect(),
  };
}

const writer = await setup();
process.on('message', (m: IpcMessage) => {
  if (m.type === 'add') {
    const seq = m.seq as number;
    writer.add(seq).then(
      () => toParent({ type: 'added', seq }),
      (err: Error) => toParent({ type: 'error', reason: err.message }),
    );
  } else if (m.type === 'close') {
    writer.close();
    process.exit(0);
  }
});
toParent({ type: 'ready' });

import { request } from 'node:http';
import { join } from 'node:path';
import { batchBody, enc, expectStatus } from '../lib/fixtures.js';
import { IpcPeer } from '../lib/ipc.js';
import { keepAliveAgent, pool } from '../lib/net.js';
import { sleep, spawnNode } from '../lib/proc.js';
import { compareRow, MissingFeature, skippedRow } from '../lib/rows.js';
import { startBareFastify, startStreamgate, type ServerHandle } from '../lib/servers.js';
import type { BenchContext, Row, Scenario } from '../lib/types.js';
import type { SseClientsInput } from '../workers/sse-clients.js';

const STREAM = 'bench-fanout';
const PUBLISH_BATCH = 100;
const RSS_TARGET_KB = 20;

interface Side {
  server: ServerHandle;
  peer: IpcPeer;
  /** Bytes of RSS per open event stream. */
  rssPerConnection: number;
  publish: (batch: number) => Promise<void>;
  eventsPerSecond: number[];
  partial: number;
}

/** Opens `count` subscribers in their own process; answers the RSS the server grew by, per connection. */
async function subscribe(ctx: BenchContext, server: ServerHandle, name: string, pathTemplate: string, count: number): Promise<{ peer: IpcPeer; rssPerConnection: number }> {
  await sleep(300);
  const before = await server.rss();
  const input: SseClientsInput = { url: server.url, pathTemplate, count, connectConcurrency: 100 };
  const child = spawnNode(name, join(ctx.root, 'bench/workers/sse-clients.ts'), { ipc: true, env: { BENCH_INPUT: JSON.stringify(input) } });
  const peer = new IpcPeer(child);
  const answer = await peer.nextOfType(['connected', 'failed'], 180_000);
  if (answer.type === 'failed') throw new Error(`${name}: ${String(answer.reason)} (${String(answer.connected)} connected)`);
  await sleep(1_000);
  const after = await server.rss();
  return { peer, rssPerConnection: (after - before) / count };
}

/** One round: `perClient` messages published in batches; answers delivered events per second across all subscribers. */
async function round(side: Side, count: number, perClient: number, timeoutMs: number): Promise<void> {
  side.peer.send({ type: 'expect', perClient });
  await side.peer.nextOfType('expecting', 10_000);
  const started = process.hrtime.bigint();
  for (let sent = 0; sent < perClient; sent += PUBLISH_BATCH) await side.publish(Math.min(PUBLISH_BATCH, perClient - sent));
  let result;
  try {
    result = await side.peer.nextOfType('done', timeoutMs);
  } catch {
    side.partial++;
    side.peer.send({ type: 'report' });
    result = await side.peer.nextOfType(['partial', 'done'], 10_000);
  }
  const seconds = Number(BigInt(result.lastNs as string) - started) / 1e9;
  const total = result.total as number;
  side.eventsPerSecond.push(seconds > 0 ? total / seconds : 0);
  if (result.type === 'done' && total < count * perClient) throw new Error(`only ${total} of ${count * perClient} events`);
}

/** GET on the group event stream: 200 text/event-stream, or MissingFeature. */
function probeSse(url: string, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { agent: false }, (res) => {
      res.destroy();
      if (res.statusCode === 200 && String(res.headers['content-type']).startsWith('text/event-stream')) resolve();
      else reject(new MissingFeature(`GET .../consumers/{c}/events answers ${res.statusCode}`));
    });
    req.setTimeout(5_000, () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end();
  });
}

async function streamgateSide(ctx: BenchContext, count: number): Promise<Side> {
  // Every subscriber comes from 127.0.0.1: one address plays `count` clients (the per-client cap is 100 by default).
  const limits = { MAX_SSE_STREAMS_PER_CLIENT: String(count + 10), MAX_SSE_STREAMS: String(Math.max(10_000, count + 10)) };
  const server = await startStreamgate(ctx, { profileName: `5-sse-${count}`, env: limits });
  try {
    const agent = keepAliveAgent(32);
    const groups = Array.from({ length: count }, (_, i) => `g${i}`);
    await expectStatus(agent, server.url, 'POST', `/v1/streams/${enc(STREAM)}/groups`, { name: groups[0], startId: '$', mkStream: true }, [201]);
    await probeSse(server.url, `/v1/streams/${enc(STREAM)}/groups/g0/consumers/probe/events?ack=auto`);
    await pool(groups.slice(1), 32, async (name) => {
      await expectStatus(agent, server.url, 'POST', `/v1/streams/${enc(STREAM)}/groups`, { name, startId: '$' }, [201]);
    });
    const template = `/v1/streams/${enc(STREAM)}/groups/g{i}/consumers/c/events?ack=auto`;
    const { peer, rssPerConnection } = await subscribe(ctx, server, `sse-clients-streamgate-${count}`, template, count);
    let from = 0;
    const publish = async (batch: number): Promise<void> => {
      await expectStatus(agent, server.url, 'POST', `/v1/streams/${enc(STREAM)}/messages/batch`, batchBody(batch, from), [201]);
      from += batch;
    };
    return { server, peer, rssPerConnection, publish, eventsPerSecond: [], partial: 0 };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function anchorSide(ctx: BenchContext, count: number): Promise<Side> {
  const server = await startBareFastify(ctx, 'sse');
  try {
    const agent = keepAliveAgent(1);
    const { peer, rssPerConnection } = await subscribe(ctx, server, `sse-clients-anchor-${count}`, '/events', count);
    let from = 0;
    const publish = async (batch: number): Promise<void> => {
      await expectStatus(agent, server.url, 'POST', '/publish', batchBody(batch, from), [201]);
      from += batch;
    };
    return { server, peer, rssPerConnection, publish, eventsPerSecond: [], partial: 0 };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function closeSide(side: Side | undefined): Promise<void> {
  if (side === undefined) return;
  if (side.peer.child.proc.connected) side.peer.send({ type: 'close' });
  await side.peer.child.stop(5_000);
  await side.server.stop();
}

export const scenario: Scenario = {
  id: 5,
  title: 'SSE fan-out: N group subscribers (each the consumer of its own group on one stream, ack=auto)',
  anchor: 'bare fastify SSE broadcast route (own process) to the same number of connections',
  target: `delivered events/s >= 0.8x the anchor; <= ${RSS_TARGET_KB} KB server RSS per connection`,
  async run(ctx) {
    const sizes = ctx.quick ? [1_000] : [1_000, 5_000, 10_000];
    const eventsPerRound = ctx.quick ? 100_000 : 500_000;
    const timeoutMs = ctx.quick ? 30_000 : 90_000;
    const rows: Row[] = [];
    const rssByCount = new Map<number, number>();
    for (const count of sizes) {
      const perClient = Math.max(PUBLISH_BATCH, Math.round(eventsPerRound / count / PUBLISH_BATCH) * PUBLISH_BATCH);
      const label = `${count.toLocaleString('en-US')} subscribers`;
      let sg: Side | undefined;
      let anchorSideOpen: Side | undefined;
      let missing: string | undefined;
      try {
        const [a, b] = await Promise.allSettled([anchorSide(ctx, count), streamgateSide(ctx, count)]);
        if (b.status === 'fulfilled') sg = b.value;
        else if (b.reason instanceof MissingFeature) missing = b.reason.message;
        if (a.status === 'rejected') throw a.reason;
        if (b.status === 'rejected' && missing === undefined) throw b.reason;
        const anchor = (anchorSideOpen = a.value);
        for (let r = 0; r < ctx.rounds; r++) {
          const order = r % 2 === 0 ? [sg, anchor] : [anchor, sg];
          for (const side of order) if (side) await round(side, count, perClient, timeoutMs);
        }
        const anchorKb = anchor.rssPerConnection / 1024;
        if (sg === undefined) {
          rows.push(skippedRow(`${label}: events/s`, 'ev/s', missing ?? 'not measured', anchor.eventsPerSecond, '>= 0.8x'));
          rows.push({ ...skippedRow(`${label}: RSS per connection`, 'KB', missing ?? 'not measured', undefined, `<= ${RSS_TARGET_KB} KB`), anchor: anchorKb });
          continue;
        }
        const partial = sg.partial + anchor.partial;
        rows.push(
          compareRow(
            `${label}: events/s`,
            'ev/s',
            sg.eventsPerSecond,
            anchor.eventsPerSecond,
            0.8,
            `${perClient} messages per subscriber per round (${(count * perClient).toLocaleString('en-US')} events)` +
              (partial > 0 ? `; ${partial} round(s) did not deliver everything within ${timeoutMs / 1000} s (rate over what arrived)` : ''),
          ),
        );
        const kb = sg.rssPerConnection / 1024;
        rssByCount.set(count, sg.rssPerConnection);
        // The slope between two sizes leaves out one-off costs (code compiled for the first subscriber, heap growth steps).
        const smaller = [...rssByCount.keys()].filter((c) => c < count).pop();
        const marginal = smaller === undefined ? undefined : (sg.rssPerConnection * count - rssByCount.get(smaller)! * smaller) / (count - smaller) / 1024;
        rows.push({
          measure: `${label}: RSS per connection`,
          value: kb,
          unit: 'KB',
          anchor: anchorKb,
          ratio: anchorKb > 0 ? kb / anchorKb : null,
          ratioNote: 'memory: lower is better; the target is absolute',
          target: `<= ${RSS_TARGET_KB} KB`,
          met: kb <= RSS_TARGET_KB,
          note:
            'server RSS after all subscribers connected minus before, over the count (groups already created)' +
            (marginal === undefined ? '' : `; marginal cost from ${smaller!.toLocaleString('en-US')} to ${count.toLocaleString('en-US')} subscribers: ${marginal.toFixed(1)} KB per connection`),
        });
      } finally {
        await Promise.all([closeSide(sg), closeSide(anchorSideOpen)]);
      }
    }
    return rows;
  },
};


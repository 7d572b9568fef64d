/**
 * One master of a 3-master Cluster crashing and coming back, under a light
 * load through the HTTP app. The nodes run with
 * `cluster-require-full-coverage no`, so the other masters keep serving their
 * slots while one is away: requests for its slots answer 503
 * STORAGE_UNAVAILABLE and nothing else, the rest answer as before, parked
 * readers are answered or errored cleanly, and once the node is back (same
 * port, same nodes.conf, no data: SIGKILL with --save '') its slots serve
 * again without a restart of streamgate.
 */
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '../../../src/backends/redis/redis-backend.js';
import { buildTestAppOn, streamPath, type TestAppOn } from '../../helpers/app.js';
import { redisKind, serverKindAvailable, startCluster, type ClusterHandle } from '../../helpers/redis-cluster.js';
import { openSse } from '../../helpers/sse.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PREFIX = 'sg:';
/** REDIS_COMMAND_TIMEOUT_MS of the app under test. */
const COMMAND_TIMEOUT_MS = 1000;

interface Outcome {
  stream: string;
  op: 'append' | 'read';
  phase: 'up' | 'down' | 'back';
  status: number;
  code?: string;
  ms: number;
}

/** CLUSTER SLOTS as the port owning each slot. */
async function slotOwners(port: number): Promise<(slot: number) => number> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  try {
    await client.connect();
    const ranges = (await client.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
    return (slot) => ranges.find(([from, to]) => slot >= from && slot <= to)![2][1];
  } finally {
    client.disconnect();
  }
}

/** A stream name whose key (with the prefix) lives on the master at `port`. */
function streamOn(owner: (slot: number) => number, port: number, base: string): string {
  for (let i = 0; ; i++) if (owner(calculateSlot(`${PREFIX}${base}-${i}`)) === port) return `${base}-${i}`;
}

describe.skipIf(!serverKindAvailable('redis'))('a Cluster master crashing and coming back', () => {
  let cluster: ClusterHandle;
  let backend: RedisBackend;
  let t: TestAppOn<RedisBackend>;
  let base: string;

  beforeAll(async () => {
    cluster = await startCluster(redisKind()!, 3, ['--cluster-require-full-coverage', 'no']);
    backend = new RedisBackend({
      connection: {
        host: '127.0.0.1',
        port: cluster.ports[0]!,
        tls: false,
        db: 0,
        clusterNodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
      },
      keyPrefix: PREFIX,
    });
    await backend.connected();
    t = await buildTestAppOn(backend, { sseHeartbeatMs: 50, sseRetryMs: 20 });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    const closing = t?.close();
    t?.app.server.closeAllConnections();
    await closing;
    await backend?.close();
    await cluster?.stop();
  });

  it('answers 503 STORAGE_UNAVAILABLE for its slots only, serves the others, and recovers by itself', async () => {
    const owner = await slotOwners(cluster.ports[1]!);
    const victim = cluster.nodes[0]!;
    const [down, ...up] = cluster.ports.map((port) => streamOn(owner, port, `load-${port}`)) as [string, ...string[]];
    const parkedDownStream = streamOn(owner, victim.port, 'parked-down');
    const parkedUpStream = streamOn(owner, cluster.ports[2]!, 'parked-up');

    const outcomes: Outcome[] = [];
    let phase: Outcome['phase'] = 'up';
    let running = true;
    const timed = async (stream: string, op: Outcome['op'], request: Promise<{ statusCode: number; json(): any }>) => {
      const at = phase;
      const started = Date.now();
      const response = await request;
      const code = response.statusCode >= 400 ? response.json().code : undefined;
      outcomes.push({ stream, op, phase: at, status: response.statusCode, code, ms: Date.now() - started });
    };
    const load = async (stream: string) => {
      for (let i = 0; running; i++) {
        await timed(stream, 'append', t.app.inject({ method: 'POST', url: streamPath(stream, 'messages'), payload: { fields: { i: String(i) } } }));
        await timed(stream, 'read', t.app.inject({ method: 'GET', url: `${streamPath(stream, 'messages')}?count=1` }));
        await sleep(5);
      }
    };
    const loads = [down, ...up].map((stream) => load(stream));

    for (const stream of [parkedDownStream, parkedUpStream]) {
      expect((await t.app.inject({ method: 'POST', url: streamPath(stream, 'messages'), payload: { fields: { k: 'first' } } })).statusCode).toBe(201);
    }
    const parkedDown = t.app.inject({ method: 'GET', url: `${streamPath(parkedDownStream, 'messages')}?after=$&waitMs=4000` });
    const parkedUp = t.app.inject({ method: 'GET', url: `${streamPath(parkedUpStream, 'messages')}?after=$&waitMs=8000` });
    // SSE tails from the top of a stream on each side.
    const sseDown = await openSse(`${base}${streamPath(parkedDownStream, 'events')}`);
    const sseUp = await openSse(`${base}${streamPath(parkedUpStream, 'events')}`);
    expect([sseDown.status, sseUp.status]).toEqual([200, 200]);
    await sleep(300);

    phase = 'down';
    const downAt = Date.now();
    await victim.kill();
    // Past cluster-node-timeout (2 s): the other masters mark it FAIL meanwhile.
    await sleep(1000);
    const wake = await t.app.inject({ method: 'POST', url: streamPath(parkedUpStream, 'messages'), payload: { fields: { k: 'during' } } });
    expect(wake.statusCode).toBe(201);
    const parkedUpAnswer = await parkedUp;
    expect(parkedUpAnswer.statusCode, parkedUpAnswer.body).toBe(200);
    expect(parkedUpAnswer.json().messages.map((m: { fields: Record<string, string> }) => m.fields.k)).toEqual(['during']);
    // The tail on a healthy master goes on delivering while the other is down.
    await sseUp.until((events) => events.some((e) => e.event === 'message' && JSON.parse(e.data).fields.k === 'during'));
    const parkedDownAnswer = await parkedDown;
    const parkedDownAt = Date.now();
    await sleep(Math.max(0, downAt + 3000 - Date.now()));
    const readyWhileDown = await t.app.inject({ method: 'GET', url: '/readyz' });

    await victim.restart();
    phase = 'back';
    const backAt = Date.now();
    let recoveredAt = 0;
    while (Date.now() - backAt < 15_000) {
      const probe = await t.app.inject({ method: 'POST', url: streamPath(down, 'messages'), payload: { fields: { probe: '1' } } });
      if (probe.statusCode === 201) {
        recoveredAt = Date.now();
        break;
      }
      await sleep(50);
    }
    await sleep(300);
    running = false;
    await Promise.all(loads);

    // The parked read on the crashed master's slot: answered empty at its wait, or errored with a catalogue 503.
    const parkedDownCode = parkedDownAnswer.statusCode === 200 ? 'ok' : parkedDownAnswer.json().code;
    expect(['ok', 'STORAGE_UNAVAILABLE'], parkedDownAnswer.body).toContain(parkedDownCode);
    if (parkedDownCode === 'ok') expect(parkedDownAnswer.json().messages).toEqual([]);
    expect(parkedDownAt - downAt).toBeLessThan(4000 + 1000);

    const failures = outcomes.filter((o) => o.status >= 400);
    // The node comes back without its data: a read of a stream it held, before the first append after the
    // restart, is the stream-not-found a client would get from Redis itself.
    const lost = (o: Outcome) => o.stream === down && o.op === 'read' && o.phase === 'back' && o.status === 404 && o.code === 'NO_STREAM';
    const unexpected = failures.filter((o) => !lost(o) && !(o.status === 503 && o.code === 'STORAGE_UNAVAILABLE'));
    expect(unexpected).toEqual([]);
    // Only the crashed master's slots failed; the other masters answered every request throughout.
    expect(failures.filter((o) => o.stream !== down)).toEqual([]);
    for (const stream of up) expect(outcomes.filter((o) => o.stream === stream && o.phase === 'down').length).toBeGreaterThan(20);
    expect(outcomes.some((o) => o.stream === down && o.phase === 'up' && o.status < 300)).toBe(true);
    expect(outcomes.some((o) => o.stream === down && o.phase === 'down' && o.status === 503)).toBe(true);
    expect(outcomes.some((o) => o.stream === down && o.phase === 'back' && o.status < 300)).toBe(true);
    expect(readyWhileDown.statusCode).toBe(200);
    expect(recoveredAt, 'the crashed master served again').toBeGreaterThan(0);

    // The tail on the crashed master ended with a problem event (a catalogue code: Redis unreachable, or its
    // stream gone with the node's data), or is still open; the healthy one is open and took no problem.
    const sseProblems = sseDown.events.filter((e) => e.event === 'problem').map((e) => JSON.parse(e.data).code as string);
    expect(sseProblems.every((code) => code === 'STORAGE_UNAVAILABLE' || code === 'NO_STREAM'), sseProblems.join()).toBe(true);
    expect(sseUp.events.filter((e) => e.event === 'problem')).toEqual([]);
    sseDown.close();
    sseUp.close();
    // A new tail on the crashed master's slots delivers again.
    const sseBack = await openSse(`${base}${streamPath(down, 'events')}`);
    expect(sseBack.status).toBe(200);
    await t.app.inject({ method: 'POST', url: streamPath(down, 'messages'), payload: { fields: { k: 'sse-after' } } });
    await sseBack.until((events) => events.some((e) => e.event === 'message' && JSON.parse(e.data).fields.k === 'sse-after'));
    sseBack.close();

    // After the restart its slots serve parked reads again: woken by an append here and by a foreign XADD.
    const again = t.app.inject({ method: 'GET', url: `${streamPath(down, 'messages')}?after=$&waitMs=5000` });
    await sleep(100);
    expect((await t.app.inject({ method: 'POST', url: streamPath(down, 'messages'), payload: { fields: { k: 'after' } } })).statusCode).toBe(201);
    const againAnswer = await again;
    expect(againAnswer.statusCode).toBe(200);
    expect(againAnswer.json().messages.map((m: { fields: Record<string, string> }) => m.fields.k)).toEqual(['after']);
    const foreign = new Redis({ host: '127.0.0.1', port: victim.port });
    try {
      const viaRedis = t.app.inject({ method: 'GET', url: `${streamPath(down, 'messages')}?after=$&waitMs=5000` });
      await sleep(100);
      await foreign.xadd(`${PREFIX}${down}`, '*', 'k', 'foreign');
      const viaRedisAnswer = await viaRedis;
      expect(viaRedisAnswer.statusCode).toBe(200);
      expect(viaRedisAnswer.json().messages.map((m: { fields: Record<string, string> }) => m.fields.k)).toEqual(['foreign']);
    } finally {
      foreign.disconnect();
    }
    const slowest = (stream: string, at: Outcome['phase']) => Math.max(0, ...outcomes.filter((o) => o.stream === stream && o.phase === at).map((o) => o.ms));
    console.log(
      `cluster master crash: ${outcomes.length} requests, ${failures.length} failed (all 503 on its slots), ` +
        `slowest answer on its slots while down ${slowest(down, 'down')} ms (others ${Math.max(...up.map((s) => slowest(s, 'down')))} ms), ` +
        `${outcomes.filter((o) => o.stream === down && o.phase === 'down').length} requests on its slots while down, ` +
        `back ${recoveredAt - backAt} ms after the restart; parked read on it answered ${parkedDownAnswer.statusCode} after ${parkedDownAt - downAt} ms; ` +
        `SSE tail on it: ${sseProblems.length > 0 ? `ended with problem ${sseProblems.join()}` : 'still open'}`,
    );
  }, 60_000);

  // A frozen node answers nothing and keeps its sockets: REDIS_COMMAND_TIMEOUT_MS ends its requests with a 503.
  it('a frozen master (SIGSTOP): requests for its slots answer 503 after the command timeout, the others serve, and it serves again once resumed', async () => {
    const owner = await slotOwners(cluster.ports[0]!);
    const frozen = cluster.nodes[1]!;
    const healthyPort = cluster.ports[2]!;
    const held = streamOn(owner, frozen.port, 'frozen');
    const served = streamOn(owner, healthyPort, 'served');
    const watched = streamOn(owner, healthyPort, 'watched');
    for (const stream of [held, served, watched]) {
      expect((await t.app.inject({ method: 'POST', url: streamPath(stream, 'messages'), payload: { fields: { k: 'first' } } })).statusCode).toBe(201);
    }
    const foreign = new Redis({ host: '127.0.0.1', port: healthyPort });
    try {
      frozen.pause();
      const frozenAt = Date.now();
      let heldAnswerAt = Number.POSITIVE_INFINITY;
      const heldAppend = t.app.inject({ method: 'POST', url: streamPath(held, 'messages'), payload: { fields: { k: 'held' } } }).then((r) => {
        heldAnswerAt = Date.now();
        return r;
      });
      const heldRead = t.app.inject({ method: 'GET', url: `${streamPath(held, 'messages')}?after=$&waitMs=1000` });
      const servedStatuses: number[] = [];
      while (Date.now() - frozenAt < 1500) {
        servedStatuses.push((await t.app.inject({ method: 'POST', url: streamPath(served, 'messages'), payload: { fields: { k: 'v' } } })).statusCode);
        await sleep(10);
      }
      // A parked read on a healthy master, woken by a foreign XADD while the other master is frozen.
      const parked = t.app.inject({ method: 'GET', url: `${streamPath(watched, 'messages')}?after=$&waitMs=10000` });
      await sleep(100);
      await foreign.xadd(`${PREFIX}${watched}`, '*', 'k', 'foreign');
      const parkedStarted = Date.now();
      const parkedAnswer = await parked;
      const parkedMs = Date.now() - parkedStarted;
      await sleep(Math.max(0, frozenAt + 3000 - Date.now()));
      frozen.resume();
      const resumedAt = Date.now();
      const heldAnswer = await heldAppend;
      const heldReadAnswer = await heldRead;
      const heldReadMs = Date.now() - frozenAt;

      expect(servedStatuses.length).toBeGreaterThan(20);
      expect(servedStatuses.every((status) => status === 201)).toBe(true);
      expect(parkedAnswer.statusCode).toBe(200);
      expect(parkedAnswer.json().messages.map((m: { fields: Record<string, string> }) => m.fields.k)).toEqual(['foreign']);
      console.log(`frozen master: parked read on a healthy master woken by a foreign XADD after ${parkedMs} ms; held append answered ${heldAnswer.statusCode} ${heldAnswerAt - frozenAt} ms after SIGSTOP; a read parked on it for 1000 ms answered ${heldReadAnswer.statusCode} after ${heldReadMs} ms`);
      // Both were answered by the deadline, before the node resumed, not by its return.
      expect([heldAnswer.statusCode, heldAnswer.json().code]).toEqual([503, 'STORAGE_UNAVAILABLE']);
      expect([heldReadAnswer.statusCode, heldReadAnswer.json().code]).toEqual([503, 'STORAGE_UNAVAILABLE']);
      expect(heldAnswerAt - frozenAt).toBeLessThan(2900);
      const appended = await t.app.inject({ method: 'POST', url: streamPath(held, 'messages'), payload: { fields: { k: 'after' } } });
      expect(appended.statusCode).toBe(201);
      // The timed-out append may have been applied once the node resumed (its client cannot know), never twice.
      const after = (await t.app.inject({ method: 'GET', url: `${streamPath(held, 'messages')}?count=10` })).json().messages.map((m: { fields: Record<string, string> }) => m.fields.k);
      expect([['first', 'after'], ['first', 'held', 'after']]).toContainEqual(after);
    } finally {
      frozen.resume();
      foreign.disconnect();
    }
  }, 60_000);
});

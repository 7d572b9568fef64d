import { orderFields } from '../lib/fixtures.js';
import { httpLoad, type HttpLoadResult } from '../lib/load.js';
import { keepAliveAgent } from '../lib/net.js';
import { alternate, compareRow, informational, MissingFeature, skippedRow } from '../lib/rows.js';
import { startRedis } from '../lib/redis.js';
import { startBareFastify, startStreamgate, type StreamgateHandle } from '../lib/servers.js';
import { startWebdis } from '../lib/webdis.js';
import { formatNumber } from '../lib/report.js';
import { expectStatus } from '../lib/fixtures.js';
import type { BenchContext, Scenario } from '../lib/types.js';

export const APPEND_BODY = JSON.stringify({ fields: orderFields(1) });
export const CONNECTIONS = 50;

export function loadTiming(ctx: BenchContext): { warmupMs: number; durationMs: number; maxRequests: number } {
  return ctx.quick ? { warmupMs: 300, durationMs: 1000, maxRequests: 300_000 } : { warmupMs: 1500, durationMs: 4000, maxRequests: 2_000_000 };
}

/** POST /v1/streams/{stream}/messages at 50 connections: one autocannon run. */
export function appendLoad(ctx: BenchContext, baseUrl: string, stream: string): Promise<HttpLoadResult> {
  return httpLoad(ctx.root, {
    url: `${baseUrl}/v1/streams/${encodeURIComponent(stream)}/messages`,
    method: 'POST',
    body: APPEND_BODY,
    connections: CONNECTIONS,
    ...loadTiming(ctx),
  });
}

/** Fails loudly when a load run saw errors: a benchmark of failures is no benchmark. */
export function checkLoad(what: string, result: HttpLoadResult): number {
  const bad = result.non2xx + result.errors + result.timeouts;
  if (result.ok === 0) throw new Error(`${what}: no 2xx answers (status codes ${JSON.stringify(result.statusCodes)}, ${result.errors} errors)`);
  if (bad > result.ok * 0.01) throw new Error(`${what}: ${bad} failed requests against ${result.ok} good (${JSON.stringify(result.statusCodes)})`);
  return result.rps;
}

export function latencyNote(label: string, results: HttpLoadResult[]): string {
  const p50 = results.map((r) => r.latencyP50Ms).sort((a, b) => a - b)[results.length >> 1];
  const p99 = results.map((r) => r.latencyP99Ms).sort((a, b) => a - b)[results.length >> 1];
  return `${label} latency p50 ${formatNumber(p50)} ms, p99 ${formatNumber(p99)} ms`;
}

/** Whether the server wrote anything to DATA_DIR: when not, FSYNC cannot have cost anything. */
export function durabilityNote(server: StreamgateHandle): string | undefined {
  return server.dataDirBytes() === 0 ? 'DATA_DIR stayed empty: this server build does not persist, so FSYNC cost nothing here' : undefined;
}

export const scenario: Scenario = {
  id: 1,
  title: 'single XADD over HTTP, 50 connections',
  anchor: 'bare fastify POST route (own process) validating the same body the fastify way (JSON schema compiled by ajv), answering 201 {id}; peer: webdis over redis-server without persistence',
  target: 'streamgate req/s >= 0.9x the anchor with FSYNC=always, >= 1.0x with FSYNC=no; >= 1.0x webdis at the same durability (FSYNC=no)',
  async run(ctx) {
    // A second streamgate with FSYNC=no tells the cost of the HTTP + core path apart from the fsync wait.
    const [sg, sgNoSync, bare] = await Promise.all([
      startStreamgate(ctx, { profileName: '1-xadd' }),
      startStreamgate(ctx, { fsync: 'no', profileName: '1-xadd-fsync-no' }),
      startBareFastify(ctx, 'post'),
    ]);
    const peer = await startWebdisPeer();
    try {
      for (const server of [sg, sgNoSync]) await expectStatus(keepAliveAgent(1), server.url, 'POST', '/v1/streams/bench-xadd/messages', APPEND_BODY, [201]);
      const noSync: HttpLoadResult[] = [];
      const webdisRounds: HttpLoadResult[] = [];
      const runs = await alternate(
        ctx.rounds,
        async () => {
          noSync.push(await appendLoad(ctx, sgNoSync.url, 'bench-xadd'));
          return appendLoad(ctx, sg.url, 'bench-xadd');
        },
        async () => {
          if (!(peer instanceof MissingFeature)) webdisRounds.push(await peer.load(ctx));
          return appendLoad(ctx, bare.url, 'bench-xadd');
        },
      );
      const bareRps = runs.b.map((r) => checkLoad('bare fastify', r));
      const alwaysRps = runs.a.map((r) => checkLoad('streamgate', r));
      const noSyncRps = noSync.map((r) => checkLoad('streamgate FSYNC=no', r));
      const notes = [latencyNote('streamgate', runs.a), latencyNote('anchor', runs.b), `FSYNC=always`, durabilityNote(sg)].filter(Boolean);
      const peerRows =
        peer instanceof MissingFeature
          ? [skippedRow(PEER_MEASURE, 'req/s', peer.message, undefined, '>= 1.0x')]
          : [
              compareRow(PEER_MEASURE, 'req/s', noSyncRps, webdisRounds.map((r) => checkLoad('webdis', r)), 1.0, `${CONNECTIONS} connections; ${latencyNote('webdis', webdisRounds)}`),
              informational(compareRow('peer: XADD req/s, FSYNC=always vs webdis (redis without persistence)', 'req/s', alwaysRps, webdisRounds.map((r) => r.rps), 1.0)),
            ];
      const redisRows = await redisModeRow(ctx, bareRps);
      return [
        compareRow('XADD req/s', 'req/s', alwaysRps, bareRps, 0.9, notes.join('; ')),
        compareRow('XADD req/s with FSYNC=no', 'req/s', noSyncRps, bareRps, 1.0, latencyNote('FSYNC=no', noSync)),
        ...peerRows,
        ...redisRows,
      ];
    } finally {
      await Promise.all([sg.stop(), sgNoSync.stop(), bare.stop(), peer instanceof MissingFeature ? undefined : peer.stop()]);
    }
  },
};

const PEER_MEASURE = 'peer: XADD req/s, FSYNC=no vs webdis (redis without persistence)';

/** webdis over its own redis-server without persistence, answering GET /XADD/{stream}/* /{field}/{value}...; or why it cannot run. */
async function startWebdisPeer(): Promise<MissingFeature | { load: (ctx: BenchContext) => Promise<HttpLoadResult>; stop: () => Promise<void> }> {
  const redis = await startRedis();
  const webdis = await startWebdis(redis.port).catch((err: unknown) => {
    if (err instanceof MissingFeature) return err;
    throw err;
  });
  if (webdis instanceof MissingFeature) {
    await redis.stop();
    return webdis;
  }
  const webdisPath = `/XADD/bench-xadd-webdis/*/${Object.entries(orderFields(1)).flat().join('/')}`;
  await expectStatus(keepAliveAgent(1), webdis.url, 'GET', webdisPath, undefined, [200]);
  return {
    load: (ctx) => httpLoad(ctx.root, { url: `${webdis.url}${webdisPath}`, method: 'GET', connections: CONNECTIONS, ...loadTiming(ctx) }),
    stop: async () => {
      await webdis.stop();
      await redis.stop();
    },
  };
}

function redisReferenceRow(rounds: HttpLoadResult[], bareRps: number[]) {
  return informational(
    compareRow('for reference: XADD req/s with BACKEND=redis', 'req/s', rounds.map((r) => checkLoad('streamgate BACKEND=redis', r)), bareRps, 0.9, `${latencyNote('BACKEND=redis', rounds)}; redis-server without persistence; not paired with the anchor rounds`),
  );
}

/**
 * The same load on BACKEND=redis over a private redis-server (no persistence): for reference beside
 * the same anchor, and against the peer, webdis (an HTTP gateway for Redis, in C) on the same
 * redis-server answering GET /XADD/{stream}/{id}/{field}/{value}... with id `*`, round by round.
 */
async function redisModeRow(ctx: BenchContext, bareRps: number[]) {
  const redis = await startRedis();
  try {
    const sg = await startStreamgate(ctx, { env: { BACKEND: 'redis', REDIS_URL: `redis://127.0.0.1:${redis.port}` }, profileName: '1-xadd-redis' });
    const webdis = await startWebdis(redis.port).catch((err: unknown) => {
      if (err instanceof MissingFeature) return err;
      throw err;
    });
    try {
      await expectStatus(keepAliveAgent(1), sg.url, 'POST', '/v1/streams/bench-xadd/messages', APPEND_BODY, [201]);
      const peerMeasure = 'peer: XADD req/s, BACKEND=redis vs webdis';
      if (webdis instanceof MissingFeature) {
        const rounds = [];
        for (let i = 0; i < ctx.rounds; i++) rounds.push(await appendLoad(ctx, sg.url, 'bench-xadd'));
        return [redisReferenceRow(rounds, bareRps), skippedRow(peerMeasure, 'req/s', webdis.message, undefined, '>= 1.0x')];
      }
      const webdisPath = `/XADD/bench-xadd-webdis/*/${Object.entries(orderFields(1)).flat().join('/')}`;
      await expectStatus(keepAliveAgent(1), webdis.url, 'GET', webdisPath, undefined, [200]);
      const webdisLoad = () => httpLoad(ctx.root, { url: `${webdis.url}${webdisPath}`, method: 'GET', connections: CONNECTIONS, ...loadTiming(ctx) });
      const runs = await alternate(ctx.rounds, () => appendLoad(ctx, sg.url, 'bench-xadd'), webdisLoad);
      return [
        redisReferenceRow(runs.a, bareRps),
        compareRow(peerMeasure, 'req/s', runs.a.map((r) => checkLoad('streamgate BACKEND=redis', r)), runs.b.map((r) => checkLoad('webdis', r)), 1.0, `${CONNECTIONS} connections, one redis-server for both; ${latencyNote('webdis', runs.b)}`),
      ];
    } finally {
      await Promise.all([sg.stop(), webdis instanceof MissingFeature ? undefined : webdis.stop()]);
    }
  } finally {
    await redis.stop();
  }
}

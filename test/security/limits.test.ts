import { afterEach, describe, expect, it } from 'vitest';
import { bearer, makeToken, writeTokensFile } from '../helpers/auth.js';
import { buildTestApp, streamName, streamPath, type TestApp } from '../helpers/app.js';
import { expectProblem } from '../helpers/expect-problem.js';

const json = { 'content-type': 'application/json' };
let t: TestApp | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await t?.close();
  t = undefined;
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tokens(...list: ReturnType<typeof makeToken>[]): string {
  const file = writeTokensFile(list);
  cleanups.push(file.remove);
  return file.path;
}

describe('rate limits', () => {
  it('RATE_LIMIT_PER_SECOND per client address: 429 RATE_LIMITED with Retry-After and RateLimit headers; /healthz exempt', async () => {
    t = await buildTestApp({ rateLimitPerSecond: 3 });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const response = await t.app.inject({ method: 'GET', url: '/v1/streams' });
      statuses.push(response.statusCode);
      expect(response.headers['ratelimit-limit']).toBe('3');
    }
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await t.app.inject({ method: 'GET', url: '/v1/streams' });
    expect(expectProblem(limited, 429, 'RATE_LIMITED')).toMatch(/over 3 requests per second/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.headers['ratelimit-remaining']).toBe('0');
    for (let i = 0; i < 10; i++) expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const other = await t.app.inject({ method: 'GET', url: '/v1/streams', remoteAddress: '127.0.0.2' });
    expect(other.statusCode).toBe(200);
  });

  it("a token's rateLimitPerSecond is its own quota, whatever address it comes from", async () => {
    const slow = makeToken('slow', [{ streams: '*', actions: ['read'] }], 2);
    const fast = makeToken('fast', [{ streams: '*', actions: ['read'] }]);
    t = await buildTestApp({ authTokensFile: tokens(slow, fast) });
    const get = (token: typeof slow, remoteAddress = '127.0.0.1') => t!.app.inject({ method: 'GET', url: '/v1/streams', headers: bearer(token), remoteAddress });
    expect((await get(slow)).statusCode).toBe(200);
    expect((await get(slow, '127.0.0.9')).statusCode).toBe(200);
    expectProblem(await get(slow), 429, 'RATE_LIMITED');
    for (let i = 0; i < 20; i++) expect((await get(fast)).statusCode).toBe(200);
  });
});

describe('caps on held connections', () => {
  it('MAX_SSE_STREAMS_PER_CLIENT is a 429 TOO_MANY_STREAMS, MAX_SSE_STREAMS a 503 OVERLOADED; a closed stream frees its slot', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((name) => makeToken(name, [{ streams: '*', actions: ['read', 'append'] }]));
    t = await buildTestApp({ authTokensFile: tokens(a!, b!, c!), maxSseStreams: 2, maxSseStreamsPerClient: 1 });
    const s = streamName();
    await t.app.inject({ method: 'POST', url: streamPath(s, 'messages'), headers: { ...json, ...bearer(a!) }, payload: { fields: { x: '1' } } });
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const open = async (token: typeof a) => {
      const abort = new AbortController();
      const response = await fetch(`${base}${streamPath(s, 'events')}?access_token=${token!.token}`, { signal: abort.signal });
      return { response, close: () => abort.abort() };
    };
    const first = await open(a);
    expect(first.response.status).toBe(200);
    const again = await open(a);
    expect(again.response.status).toBe(429);
    expect(await again.response.json()).toMatchObject({ code: 'TOO_MANY_STREAMS' });
    expect(again.response.headers.get('retry-after')).toBe('1');
    const second = await open(b);
    expect(second.response.status).toBe(200);
    const third = await open(c);
    expect(third.response.status).toBe(503);
    expect(await third.response.json()).toMatchObject({ code: 'OVERLOADED' });
    first.close();
    await expect.poll(() => t!.app.heldConnections.eventStreams()).toBe(1);
    const retried = await open(c);
    expect(retried.response.status).toBe(200);
    second.close();
    retried.close();
  });

  it('MAX_WAITERS_PER_CLIENT refuses a second parked long-poll with 429 TOO_MANY_WAITERS; reads that do not wait pass', async () => {
    t = await buildTestApp({ maxWaitersPerClient: 1, maxWaiters: 5 });
    const s = streamName();
    await t.app.inject({ method: 'POST', url: streamPath(s, 'messages'), headers: json, payload: { fields: { x: '1' } } });
    const parked = t.app.inject({ method: 'GET', url: `${streamPath(s, 'messages')}?after=$&waitMs=1000` });
    await expect.poll(() => t!.app.heldConnections.waiters()).toBe(1);
    expectProblem(await t.app.inject({ method: 'GET', url: `${streamPath(s, 'messages')}?after=$&waitMs=1000` }), 429, 'TOO_MANY_WAITERS');
    expect((await t.app.inject({ method: 'GET', url: `${streamPath(s, 'messages')}?after=0` })).statusCode).toBe(200);
    expect((await parked).statusCode).toBe(200);
    expect(t.app.heldConnections.waiters()).toBe(0);
  });
});

describe('overload', () => {
  it('a blocked event loop sheds API requests with 503 OVERLOADED and Retry-After while /healthz answers', async () => {
    t = await buildTestApp({ maxEventLoopDelayMs: 50 });
    const until = Date.now() + 700;
    while (Date.now() < until);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const shed = await t.app.inject({ method: 'GET', url: '/v1/streams' });
    expect(expectProblem(shed, 503, 'OVERLOADED')).toMatch(/event-loop delay/);
    expect(shed.headers['retry-after']).toBe('1');
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('a flood', () => {
  it('with bounded concurrency gets 429s with Retry-After while /healthz stays fast', async () => {
    t = await buildTestApp({ rateLimitPerSecond: 50 });
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const statuses = new Map<number, number>();
    let retryAfterMissing = 0;
    const until = Date.now() + 1_000;
    const flooders = Array.from({ length: 20 }, async () => {
      while (Date.now() < until) {
        const response = await fetch(`${base}/v1/streams`);
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 429 && response.headers.get('retry-after') === null) retryAfterMissing++;
      }
    });
    const healthTimes: number[] = [];
    const prober = (async () => {
      while (Date.now() < until) {
        const started = performance.now();
        const response = await fetch(`${base}/healthz`);
        await response.arrayBuffer();
        expect(response.status).toBe(200);
        healthTimes.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await Promise.all([...flooders, prober]);
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect(statuses.get(429)).toBeGreaterThan(statuses.get(200)!);
    expect([...statuses.keys()].sort()).toEqual([200, 429]);
    expect(retryAfterMissing).toBe(0);
    // Probes answered all through the flood, none shed or queued behind it (a bound far above a healthy
    // answer, so that a loaded CI machine does not make it a timing test).
    expect(healthTimes.length).toBeGreaterThanOrEqual(5);
    healthTimes.sort((a, b) => a - b);
    expect(healthTimes[Math.floor(healthTimes.length / 2)]).toBeLessThan(500);
  });
});

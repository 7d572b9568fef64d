import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consume, createClient, ProblemError, unwrap, type Message, type StreamgateClient } from '../../sdk/src/index.js';
import { streamName } from '../helpers/app.js';
import { startServer, type RunningServer } from './server.js';

let server: RunningServer;
let api: StreamgateClient;
beforeAll(async () => {
  server = await startServer();
  api = createClient({ baseUrl: server.baseUrl });
});
afterAll(async () => {
  await server.close();
});

async function streamWithGroup(n: number): Promise<string> {
  const stream = streamName();
  unwrap(await api.POST('/v1/streams/{stream}/groups', { params: { path: { stream } }, body: { name: 'g', startId: '0', mkStream: true } }));
  if (n > 0) {
    const messages = Array.from({ length: n }, (_, i) => ({ fields: { n: String(i) } }));
    unwrap(await api.POST('/v1/streams/{stream}/messages/batch', { params: { path: { stream } }, body: { messages } }));
  }
  return stream;
}

const pendingCount = async (stream: string) => unwrap(await api.GET('/v1/streams/{stream}/groups/{group}/pending', { params: { path: { stream, group: 'g' } } })).count;

describe('consume', () => {
  it('handles every message once, in order, and acknowledges each read', async () => {
    const stream = await streamWithGroup(25);
    const controller = new AbortController();
    const handled: string[] = [];
    await consume(api, {
      stream,
      group: 'g',
      consumer: 'worker',
      count: 10,
      waitMs: 200,
      signal: controller.signal,
      handler: (m: Message) => {
        handled.push((m.fields as Record<string, string>).n!);
        if (handled.length === 25) controller.abort();
      },
    });
    expect(handled).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
    expect(await pendingCount(stream)).toBe(0);
  });

  it('leaves a failed message pending and handles it first when the loop starts again', async () => {
    const stream = await streamWithGroup(3);
    const errors: unknown[] = [];
    const first = new AbortController();
    const seen: string[] = [];
    await consume(api, {
      stream,
      group: 'g',
      consumer: 'worker',
      waitMs: 100,
      signal: first.signal,
      onError: (err) => errors.push(err),
      handler: (m) => {
        seen.push(m.id);
        if (seen.length === 3) first.abort();
        if (seen.length === 2) throw new Error('poison');
      },
    });
    expect(errors.map(String)).toEqual(['Error: poison']);
    expect(await pendingCount(stream)).toBe(1);

    const second = new AbortController();
    const again: string[] = [];
    await consume(api, { stream, group: 'g', consumer: 'worker', waitMs: 100, signal: second.signal, handler: (m) => void (again.push(m.id), second.abort()) });
    expect(again).toEqual([seen[1]]);
    expect(await pendingCount(stream)).toBe(0);
  });

  it('retries a 429 after its Retry-After, and gives up on a problem that will not go away', async () => {
    const stream = await streamWithGroup(1);
    let refused = 0;
    const limited: typeof fetch = async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      if (request.url.endsWith('/read') && refused++ === 0) {
        const problem = { type: 'about:blank', title: 'Rate limited', status: 429, detail: 'slow down', code: 'RATE_LIMITED' };
        return new Response(JSON.stringify(problem), { status: 429, headers: { 'content-type': 'application/problem+json', 'retry-after': '1' } });
      }
      return fetch(request);
    };
    const client = createClient({ baseUrl: server.baseUrl, fetch: limited });
    const controller = new AbortController();
    const errors: unknown[] = [];
    const started = Date.now();
    await consume(client, { stream, group: 'g', consumer: 'w', waitMs: 100, signal: controller.signal, onError: (e) => errors.push(e), handler: () => controller.abort() });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });

    const missing = consume(api, { stream, group: 'nope', consumer: 'w', handler: () => {} });
    await expect(missing).rejects.toBeInstanceOf(ProblemError);
    await expect(missing).rejects.toMatchObject({ code: 'NOGROUP', status: 404 });
  });
});

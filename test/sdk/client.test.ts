import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, ProblemError, subscribe, unwrap, type EventSourceLike, type Message, type StreamgateClient } from '../../sdk/src/index.js';
import { streamName } from '../helpers/app.js';
import { allOperationIds, recordingFetch } from './operations.js';
import { startServer, type RunningServer } from './server.js';

let server: RunningServer;
let api: StreamgateClient;
const seen = new Set<string>();

beforeAll(async () => {
  server = await startServer();
  api = createClient({ baseUrl: server.baseUrl, fetch: recordingFetch(seen) });
});
afterAll(async () => {
  await server.close();
});

/** A stream with messages 1-0..n-0 and group `g` reading from the start. */
async function withGroup(n: number): Promise<string> {
  const stream = streamName();
  const messages = Array.from({ length: n }, (_, i) => ({ id: `${i + 1}-0`, fields: { n: String(i + 1) } }));
  if (n > 0) unwrap(await api.POST('/v1/streams/{stream}/messages/batch', { params: { path: { stream } }, body: { messages } }));
  unwrap(await api.POST('/v1/streams/{stream}/groups', { params: { path: { stream } }, body: { name: 'g', startId: '0', mkStream: true } }));
  return stream;
}

describe('the typed client, one operation at a time', () => {
  it('service routes', async () => {
    expect(unwrap(await api.GET('/healthz'))).toMatchObject({ status: 'ok' });
    expect((await api.GET('/readyz')).response.status).toBe(200);
    const metrics = await api.GET('/metrics', { parseAs: 'text' });
    expect(metrics.response.status).toBe(200);
    expect(metrics.data).toContain('# TYPE');
  });

  it('streams and messages', async () => {
    const stream = streamName();
    const path = { stream };
    const added = await api.POST('/v1/streams/{stream}/messages', { params: { path }, body: { fields: { item: 'book' } } });
    expect(added.response.status).toBe(201);
    expect(added.response.headers.get('location')).toContain(encodeURIComponent(stream));
    const { id } = unwrap(added);
    const { ids } = unwrap(await api.POST('/v1/streams/{stream}/messages/batch', { params: { path }, body: { messages: [{ fields: [['a', '1'], ['a', '2']] }, { fields: { b: '3' } }] } }));
    expect(ids).toHaveLength(2);

    const one = unwrap(await api.GET('/v1/streams/{stream}/messages/{id}', { params: { path: { stream, id }, query: { fieldsFormat: 'object' } } }));
    expect(one.fields).toEqual({ item: 'book' });
    const range = unwrap(await api.GET('/v1/streams/{stream}/messages', { params: { path, query: { fieldsFormat: 'pairs', count: 10 } } }));
    expect(range.messages.map((m) => m.fields)).toEqual([[['item', 'book']], [['a', '1'], ['a', '2']], [['b', '3']]]);
    const tail = unwrap(await api.GET('/v1/streams/{stream}/messages', { params: { path, query: { after: id } } }));
    expect(tail.messages.map((m) => m.id)).toEqual(ids);

    const info = unwrap(await api.GET('/v1/streams/{stream}', { params: { path } }));
    expect(info).toMatchObject({ name: stream, length: 3 });
    const listed = unwrap(await api.GET('/v1/streams', { params: { query: { prefix: stream } } }));
    expect(listed.streams.map((s) => s.name)).toEqual([stream]);

    expect(unwrap(await api.POST('/v1/streams/{stream}/messages/delete', { params: { path }, body: { ids: [ids[0]!] } }))).toEqual({ deleted: 1 });
    expect((await api.DELETE('/v1/streams/{stream}/messages/{id}', { params: { path: { stream, id: ids[1]! } } })).response.status).toBe(204);
    expect(unwrap(await api.POST('/v1/streams/{stream}/trim', { params: { path }, body: { maxLen: 0 } }))).toEqual({ trimmed: 1 });
    const setId = await api.PATCH('/v1/streams/{stream}', { params: { path }, body: { lastId: '99999999999999-0' } });
    expect(unwrap(setId)).toMatchObject({ lastGeneratedId: '99999999999999-0' });
    const config = await api.PATCH('/v1/streams/{stream}/config', { params: { path }, body: { idempotencyMaxSize: 7 } });
    expect(unwrap(config).idempotency).toMatchObject({ maxSize: 7 });
    expect((await api.DELETE('/v1/streams/{stream}', { params: { path } })).response.status).toBe(204);
  });

  it('groups, consumers, reads, pending, claims', async () => {
    const stream = await withGroup(3);
    const path = { stream, group: 'g' };
    expect(unwrap(await api.GET('/v1/streams/{stream}/groups', { params: { path: { stream } } })).groups).toHaveLength(1);
    expect(unwrap(await api.GET('/v1/streams/{stream}/groups/{group}', { params: { path } }))).toMatchObject({ name: 'g', lag: 3 });
    expect((await api.PUT('/v1/streams/{stream}/groups/{group}/consumers/{consumer}', { params: { path: { ...path, consumer: 'idle' } } })).response.status).toBe(201);

    const read = unwrap(await api.POST('/v1/streams/{stream}/groups/{group}/consumers/{consumer}/read', { params: { path: { ...path, consumer: 'alice' } }, body: { count: 2 } }));
    expect(read.messages.map((m) => [m.id, m.deliveryCount])).toEqual([['1-0', 1], ['2-0', 1]]);
    expect(unwrap(await api.GET('/v1/streams/{stream}/groups/{group}/consumers', { params: { path } })).consumers.map((c) => c.name)).toEqual(['alice', 'idle']);
    expect(unwrap(await api.GET('/v1/streams/{stream}/groups/{group}/pending', { params: { path } }))).toMatchObject({ count: 2, minId: '1-0', maxId: '2-0' });
    const pending = unwrap(await api.GET('/v1/streams/{stream}/groups/{group}/pending/messages', { params: { path, query: { count: 10, consumer: 'alice' } } }));
    expect(pending.messages.map((p) => p.id)).toEqual(['1-0', '2-0']);

    const claimed = unwrap(await api.POST('/v1/streams/{stream}/groups/{group}/claims', { params: { path }, body: { consumer: 'bob', minIdleMs: 0, ids: ['1-0'] } }));
    // Without justId the answer has messages (with justId, ids): the union narrows on the key.
    expect('messages' in claimed && claimed.messages.map((m) => [m.id, m.deliveryCount])).toEqual([['1-0', 2]]);
    const auto = unwrap(await api.POST('/v1/streams/{stream}/groups/{group}/autoclaim', { params: { path }, body: { consumer: 'bob', minIdleMs: 0 } }));
    expect('messages' in auto && auto.messages.map((m) => m.id)).toEqual(['1-0', '2-0']);
    expect(unwrap(await api.POST('/v1/streams/{stream}/groups/{group}/nacks', { params: { path }, body: { ids: ['2-0'], mode: 'silent' } }))).toEqual({ released: 1 });
    expect(unwrap(await api.POST('/v1/streams/{stream}/groups/{group}/acks', { params: { path }, body: { ids: ['1-0', '2-0', '3-0'] } }))).toEqual({ acknowledged: 2 });

    expect(unwrap(await api.DELETE('/v1/streams/{stream}/groups/{group}/consumers/{consumer}', { params: { path: { ...path, consumer: 'bob' } } }))).toEqual({ pending: 0 });
    expect(unwrap(await api.PATCH('/v1/streams/{stream}/groups/{group}', { params: { path }, body: { lastDeliveredId: '0' } }))).toMatchObject({ lastDeliveredId: '0-0' });
    expect((await api.DELETE('/v1/streams/{stream}/groups/{group}', { params: { path } })).response.status).toBe(204);
  });

  it('delivery policies: policy on a group, extend, nack with delay, redrive', async () => {
    const stream = await withGroup(1);
    const dlq = streamName();
    const path = { stream, group: 'g' };
    const policy = { ackDeadlineMs: 60_000, maxDeliveries: 1, deadLetterStream: dlq };
    expect(unwrap(await api.PATCH('/v1/streams/{stream}/groups/{group}', { params: { path }, body: { policy } })).policy).toEqual(policy);
    const [message] = unwrap(await api.POST('/v1/streams/{stream}/groups/{group}/consumers/{consumer}/read', { params: { path: { ...path, consumer: 'alice' } }, body: {} })).messages;
    expect(message!.ackDeadline).toBeGreaterThan(Date.now());
    const extended = unwrap(await api.POST('/v1/streams/{stream}/groups/{group}/extend', { params: { path }, body: { ids: [message!.id], ms: 120_000 } }));
    expect(extended.extended).toBe(1);
    // One delivery is the most: the nack makes it due, and the policy timer dead-letters it at once.
    expect(unwrap(await api.POST('/v1/streams/{stream}/groups/{group}/nacks', { params: { path }, body: { ids: [message!.id], delayMs: 0 } }))).toEqual({ released: 1 });
    let redriven = 0;
    for (let tries = 0; redriven === 0 && tries < 100; tries++) {
      redriven = unwrap(await api.POST('/v1/streams/{stream}/redrive', { params: { path: { stream: dlq } }, body: { count: 10 } })).redriven;
      if (redriven === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(redriven).toBe(1);
  });

  it('problems become typed ProblemErrors', async () => {
    const missing = await api.GET('/v1/streams/{stream}/groups/{group}', { params: { path: { stream: streamName(), group: 'g' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.code).toBe('NO_STREAM');
    let thrown: unknown;
    try {
      unwrap(missing);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProblemError);
    expect(thrown).toMatchObject({ code: 'NO_STREAM', status: 404, retryable: false });
  });

  it('subscriptions over SSE: the tail and a group, with batched acks', async () => {
    const stream = await withGroup(0);
    const recording: typeof fetch = recordingFetch(seen);
    const eventSource = (url: string, headers: Record<string, string>): EventSourceLike =>
      new EventSource(url, { fetch: (input, init) => recording(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) }) as unknown as EventSourceLike;

    const tailed: Message[] = [];
    const tail = subscribe({ baseUrl: server.baseUrl, stream, eventSource, onMessage: (m) => void tailed.push(m) });
    const handled: Message[] = [];
    const group = subscribe({ baseUrl: server.baseUrl, stream, group: 'g', consumer: 'web', eventSource, fetch: recording, onMessage: (m) => void handled.push(m) });
    await Promise.all([tail.opened, group.opened]);

    for (let n = 0; n < 5; n++) unwrap(await api.POST('/v1/streams/{stream}/messages', { params: { path: { stream } }, body: { fields: { n: String(n) } } }));
    await until(() => handled.length === 5 && tailed.length === 5);
    await group.close();
    await tail.close();
    expect(handled.map((m) => m.fields)).toEqual([0, 1, 2, 3, 4].map((n) => ({ n: String(n) })));
    expect(tailed.map((m) => m.id)).toEqual(handled.map((m) => m.id));
    expect(group.lastEventId).toBe(handled[4]!.id);
    expect(unwrap(await api.GET('/v1/streams/{stream}/groups/{group}/pending', { params: { path: { stream, group: 'g' } } })).count).toBe(0);
  });

  it('several streams in one call: XREAD and XREADGROUP, and both multi-stream event streams', async () => {
    const streams = [await withGroup(0), await withGroup(0)];
    for (const stream of streams) unwrap(await api.POST('/v1/streams/{stream}/messages', { params: { path: { stream } }, body: { fields: { s: stream } } }));
    const read = unwrap(await api.POST('/v1/read', { body: { streams: streams.map((stream) => ({ stream, after: '0' })) } }));
    expect(read.streams.map((s) => s.stream)).toEqual(streams);
    const taken = unwrap(await api.POST('/v1/groups/{group}/consumers/{consumer}/read', { params: { path: { group: 'g', consumer: 'multi' } }, body: { streams: streams.map((stream) => ({ stream })) } }));
    expect(taken.streams.map((s) => s.messages[0]!.fields)).toEqual(streams.map((s) => ({ s })));
    const query = streams.map((s) => `stream=${encodeURIComponent(s)}`).join('&');
    const recording = recordingFetch(seen);
    for (const path of [`/v1/events?${query}&after=0&after=0`, `/v1/groups/g/consumers/multi/events?${query}`]) {
      const controller = new AbortController();
      const response = await recording(`${server.baseUrl}${path}`, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      let text = '';
      while (!text.includes('event: message')) text += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      expect(text).toContain(JSON.stringify(streams[0]));
    }
  });

  // Last in the file: every test above has run.
  it('every operation of the OpenAPI document went through the SDK', () => {
    expect([...seen].sort()).toEqual(allOperationIds);
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

import { EventSource } from 'eventsource';
import net from 'node:net';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StreamBackend } from '../../../src/backends/contract.js';
import { buildTestAppOn, streamName, streamPath, type AnyTestApp } from '../../helpers/app.js';
import { httpBackendMatrix, useHttpBackend } from '../../helpers/backends.js';
import { openSse } from '../../helpers/sse.js';

/** The current backend row's backend, shared by the row's tests (each test makes its own app). */
let backend: StreamBackend;
let t: AnyTestApp;
let base: string;

beforeEach(async () => {
  t = await buildTestAppOn(backend, { sseHeartbeatMs: 50, sseRetryMs: 20 });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address() as net.AddressInfo;
  base = `http://127.0.0.1:${address.port}`;
});

afterEach(async () => {
  // fetch's pool may hold a fresh socket with no request yet, which a graceful close would wait out.
  const closing = t.close();
  t.app.server.closeAllConnections();
  await closing;
});

async function post(path: string, body: unknown) {
  const response = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

async function get(path: string) {
  const response = await fetch(base + path);
  return { status: response.status, body: (await response.json()) as any };
}

async function groupWithStream() {
  const stream = streamName();
  expect((await post(streamPath(stream, 'groups'), { name: 'g', startId: '$', mkStream: true })).status).toBe(201);
  return stream;
}

const add = (stream: string, n: number) => post(streamPath(stream, 'messages'), { fields: { n: String(n) } });

describe.each(httpBackendMatrix())('on $name', (row) => {
  const env = useHttpBackend(row);
  beforeAll(() => {
    backend = env.backend;
  });

  describe('group consumer SSE', () => {
  it('sends the retry hint, heartbeats, and one event per message with its ID', async () => {
    const stream = await groupWithStream();
    const sse = await openSse(`${base}${streamPath(stream, 'groups', 'g', 'consumers', 'c', 'events')}`);
    expect(sse.status).toBe(200);
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const ids = [];
    for (let n = 0; n < 3; n++) ids.push((await add(stream, n)).body.id);
    const events = await sse.until((e) => e.length >= 3);
    expect(events.map((e) => e.id)).toEqual(ids);
    expect(events.every((e) => e.event === 'message')).toBe(true);
    expect(JSON.parse(events[0]!.data)).toEqual({ id: ids[0], fields: { n: '0' }, deliveryCount: 1 });
    await new Promise((r) => setTimeout(r, 120));
    expect(sse.comments).toContain('keep-alive');
    expect(sse.retry).toBe(20);
    sse.close();
  });

  it('with a real EventSource: receive, ack, drop, reconnect with Last-Event-ID and get the unacked ones before new ones', async () => {
    const stream = await groupWithStream();
    const url = `${base}${streamPath(stream, 'groups', 'g', 'consumers', 'worker', 'events')}`;
    const received: { id: string; n: string }[] = [];
    const first = new EventSource(url);
    first.addEventListener('message', (e) => received.push({ id: e.lastEventId, n: JSON.parse(e.data).fields.n }));
    await new Promise((r) => first.addEventListener('open', r, { once: true }));
    for (let n = 0; n < 5; n++) await add(stream, n);
    await waitFor(() => received.length === 5);
    expect((await post(streamPath(stream, 'groups', 'g', 'acks'), { ids: [received[0]!.id, received[1]!.id] })).body).toEqual({ acknowledged: 2 });
    first.close();

    // The client processed only up to the second message: it resumes from there.
    const again: { id: string; n: string; deliveryCount: number }[] = [];
    const second = new EventSource(url, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'Last-Event-ID': received[1]!.id } }),
    });
    second.addEventListener('message', (e) => {
      const m = JSON.parse(e.data);
      again.push({ id: e.lastEventId, n: m.fields.n, deliveryCount: m.deliveryCount });
    });
    await waitFor(() => again.length === 3);
    await add(stream, 5);
    await waitFor(() => again.length === 4);
    expect(again.map((m) => m.n)).toEqual(['2', '3', '4', '5']);
    expect(again.map((m) => m.deliveryCount)).toEqual([2, 2, 2, 1]);
    second.close();
  });

  it('takes nothing new while the consumer holds maxInFlight unacknowledged messages', async () => {
    const stream = await groupWithStream();
    for (let n = 0; n < 10; n++) await add(stream, n);
    const sse = await openSse(`${base}${streamPath(stream, 'groups', 'g', 'consumers', 'c', 'events')}?maxInFlight=4&count=3`);
    await sse.until((e) => e.length >= 4);
    await new Promise((r) => setTimeout(r, 100));
    expect(sse.events).toHaveLength(4);
    expect((await get(`${streamPath(stream, 'groups', 'g')}`)).body.pending).toBe(4);
    await post(streamPath(stream, 'groups', 'g', 'acks'), { ids: sse.events.slice(0, 2).map((e) => e.id) });
    await sse.until((e) => e.length >= 6);
    await new Promise((r) => setTimeout(r, 100));
    expect(sse.events).toHaveLength(6);
    sse.close();
  });

  it('ack=auto reads with NOACK: nothing enters the pending list', async () => {
    const stream = await groupWithStream();
    const sse = await openSse(`${base}${streamPath(stream, 'groups', 'g', 'consumers', 'c', 'events')}?ack=auto`);
    for (let n = 0; n < 3; n++) await add(stream, n);
    const events = await sse.until((e) => e.length >= 3);
    expect(JSON.parse(events[0]!.data).deliveryCount).toBeUndefined();
    expect((await get(streamPath(stream, 'groups', 'g'))).body).toMatchObject({ pending: 0, lag: 0 });
    sse.close();
  });

  it('subscribers woken by one add each get it in their own fieldsFormat and delivery form', async () => {
    const stream = streamName();
    for (const name of ['g1', 'g2', 'g3']) {
      expect((await post(streamPath(stream, 'groups'), { name, startId: '$', mkStream: true })).status).toBe(201);
    }
    const objects = await openSse(`${base}${streamPath(stream, 'groups', 'g1', 'consumers', 'c', 'events')}?ack=auto`);
    const pairs = await openSse(`${base}${streamPath(stream, 'groups', 'g2', 'consumers', 'c', 'events')}?ack=auto&fieldsFormat=pairs`);
    const manual = await openSse(`${base}${streamPath(stream, 'groups', 'g3', 'consumers', 'c', 'events')}`);
    await waitFor(() => t.backend.waiterCount >= 3);
    const id = (await post(streamPath(stream, 'messages'), { fields: { a: '1', b: '2' } })).body.id;
    const [fromObjects] = await objects.until((e) => e.length >= 1);
    const [fromPairs] = await pairs.until((e) => e.length >= 1);
    const [fromManual] = await manual.until((e) => e.length >= 1);
    expect(fromObjects!.data).toBe(JSON.stringify({ id, fields: { a: '1', b: '2' } }));
    expect(fromPairs!.data).toBe(JSON.stringify({ id, fields: [['a', '1'], ['b', '2']] }));
    expect(fromManual!.data).toBe(JSON.stringify({ id, fields: { a: '1', b: '2' }, deliveryCount: 1 }));
    for (const sse of [objects, pairs, manual]) sse.close();
  });

  it('ends with event: problem NOGROUP when the group is destroyed, and NO_STREAM when the stream is deleted', async () => {
    const stream = await groupWithStream();
    const sse = await openSse(`${base}${streamPath(stream, 'groups', 'g', 'consumers', 'c', 'events')}`);
    await new Promise((r) => setTimeout(r, 30));
    expect((await fetch(base + streamPath(stream, 'groups', 'g'), { method: 'DELETE' })).status).toBe(204);
    const [error] = await sse.until((e) => e.some((x) => x.event === 'problem'));
    expect(JSON.parse(error!.data)).toMatchObject({ code: 'NOGROUP', status: 404 });
    await sse.closed;

    await post(streamPath(stream, 'groups'), { name: 'g', startId: '$' });
    const tail = await openSse(`${base}${streamPath(stream, 'events')}`);
    const group = await openSse(`${base}${streamPath(stream, 'groups', 'g', 'consumers', 'c', 'events')}`);
    await new Promise((r) => setTimeout(r, 30));
    expect((await fetch(base + streamPath(stream), { method: 'DELETE' })).status).toBe(204);
    for (const reader of [tail, group]) {
      const [e] = await reader.until((events) => events.some((x) => x.event === 'problem'));
      expect(JSON.parse(e!.data)).toMatchObject({ code: 'NO_STREAM' });
    }
  });

  it('answers 404 problems before streaming when the stream or group is missing', async () => {
    const stream = await groupWithStream();
    const noGroup = await fetch(`${base}${streamPath(stream, 'groups', 'nope', 'consumers', 'c', 'events')}`);
    expect(noGroup.status).toBe(404);
    expect(((await noGroup.json()) as any).code).toBe('NOGROUP');
    const noStream = await fetch(`${base}${streamPath('missing-' + stream, 'events')}`);
    expect(((await noStream.json()) as any).code).toBe('NO_STREAM');
  });

  it('a client that never reads holds bounded memory and loses nothing', async () => {
    const stream = await groupWithStream();
    const { port } = t.app.server.address() as net.AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(`GET ${streamPath(stream, 'groups', 'g', 'consumers', 'stalled', 'events')}?maxInFlight=10000&count=500 HTTP/1.1\r\nHost: x\r\n\r\n`);
    socket.pause();
    await new Promise((r) => setTimeout(r, 50));
    const total = 6000;
    const value = 'x'.repeat(2000);
    for (let i = 0; i < total; i += 500) {
      await post(streamPath(stream, 'messages', 'batch'), { messages: Array.from({ length: 500 }, (_, j) => ({ fields: { n: String(i + j), pad: value } })) });
    }
    // The server stops handing entries over once the socket's buffers are full: wait (bounded) until pending stops moving.
    let group = (await get(streamPath(stream, 'groups', 'g'))).body;
    for (let settled = 0, tries = 0; settled < 3 && tries < 50; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      const now = (await get(streamPath(stream, 'groups', 'g'))).body;
      settled = now.pending === group.pending ? settled + 1 : 0;
      group = now;
    }
    // What the stalled client was handed is bounded by the socket buffers, not by what was added.
    expect(group.pending).toBeLessThan(total);
    expect(group.pending + group.lag).toBe(total);
    socket.destroy();
    // Nothing is lost: the rest is still there for the group, and what the stalled one held is claimable.
    const rest = await post(streamPath(stream, 'groups', 'g', 'consumers', 'other', 'read'), { count: 10000 });
    expect(rest.body.messages.length).toBe(group.lag);
    await post(streamPath(stream, 'groups', 'g', 'acks'), { ids: rest.body.messages.map((m: { id: string }) => m.id) });
    const claimed = await post(streamPath(stream, 'groups', 'g', 'autoclaim'), { consumer: 'other', minIdleMs: 0, count: 10000 });
    expect(claimed.body.messages.length).toBe(group.pending);
    expect(claimed.body.messages.map((m: { fields: { n: string } }) => Number(m.fields.n))).toEqual(Array.from({ length: group.pending }, (_, i) => i));
  });

  it('sends event: shutdown and closes when the server shuts down', async () => {
    const stream = await groupWithStream();
    const sse = await openSse(`${base}${streamPath(stream, 'groups', 'g', 'consumers', 'c', 'events')}`);
    await new Promise((r) => setTimeout(r, 30));
    await t.app.close();
    await sse.closed;
    expect(sse.events.at(-1)?.event).toBe('shutdown');
  });
  });

  describe('stream tail SSE', () => {
  it('starts after $ by default and resumes after Last-Event-ID', async () => {
    const stream = streamName();
    const old = (await add(stream, 0)).body.id;
    const sse = await openSse(`${base}${streamPath(stream, 'events')}?fieldsFormat=pairs`);
    await new Promise((r) => setTimeout(r, 30));
    const next = (await add(stream, 1)).body.id;
    const [event] = await sse.until((e) => e.length >= 1);
    expect(event).toMatchObject({ id: next, event: 'message' });
    expect(JSON.parse(event!.data)).toEqual({ id: next, fields: [['n', '1']] });
    sse.close();
    const resumed = await openSse(`${base}${streamPath(stream, 'events')}`, { 'Last-Event-ID': old });
    const events = await resumed.until((e) => e.length >= 1);
    expect(events.map((e) => e.id)).toEqual([next]);
    resumed.close();
    const fromStart = await openSse(`${base}${streamPath(stream, 'events')}?after=0`);
    expect((await fromStart.until((e) => e.length >= 2)).map((e) => e.id)).toEqual([old, next]);
    fromStart.close();
  });
  });

  async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
  }

  describe('fresh connects, resume and reasons', () => {
    const groupEvents = (stream: string, consumer: string, query = '') => `${base}${streamPath(stream, 'groups', 'g', 'consumers', consumer, 'events')}${query}`;

    it('a fresh connect of a consumer that holds pending entries gets them first (a deleted one as fields: null), then new ones, even at the maxInFlight limit', async () => {
      const stream = await groupWithStream();
      const ids: string[] = [];
      for (let n = 0; n < 3; n++) ids.push((await add(stream, n)).body.id);
      const first = await openSse(groupEvents(stream, 'tab', '?maxInFlight=3'));
      await first.until((e) => e.length >= 3);
      first.close();
      await fetch(base + streamPath(stream, 'messages', ids[1]!), { method: 'DELETE' });
      const reloaded = await openSse(groupEvents(stream, 'tab', '?maxInFlight=3'));
      const replayed = await reloaded.until((e) => e.length >= 3);
      expect(replayed.map((e) => e.id)).toEqual(ids);
      expect(JSON.parse(replayed[1]!.data)).toEqual({ id: ids[1], fields: null });
      expect(JSON.parse(replayed[0]!.data)).toMatchObject({ id: ids[0], deliveryCount: 2 });
      // Acking the held ones makes room: the next entry comes on the same connection.
      await post(streamPath(stream, 'groups', 'g', 'acks'), { ids });
      const next = (await add(stream, 3)).body.id;
      expect((await reloaded.until((e) => e.length >= 4)).map((e) => e.id)).toEqual([...ids, next]);
      reloaded.close();
    });

    it('accepts ?lastEventId= on both routes where the header cannot be sent; the header wins', async () => {
      const stream = await groupWithStream();
      const ids: string[] = [];
      for (let n = 0; n < 3; n++) ids.push((await add(stream, n)).body.id);
      const tail = await openSse(`${base}${streamPath(stream, 'events')}?lastEventId=${ids[0]}`);
      expect((await tail.until((e) => e.length >= 2)).map((e) => e.id)).toEqual([ids[1], ids[2]]);
      tail.close();
      const both = await openSse(`${base}${streamPath(stream, 'events')}?lastEventId=${ids[0]}`, { 'Last-Event-ID': ids[1]! });
      expect((await both.until((e) => e.length >= 1)).map((e) => e.id)).toEqual([ids[2]]);
      both.close();

      const taken = await openSse(groupEvents(stream, 'c'));
      await taken.until((e) => e.length >= 3);
      taken.close();
      const resumed = await openSse(groupEvents(stream, 'c', `?lastEventId=${ids[1]}`));
      expect((await resumed.until((e) => e.length >= 1)).map((e) => e.id)).toEqual([ids[2]]);
      await new Promise((r) => setTimeout(r, 50));
      expect(resumed.events.length).toBe(1);
      resumed.close();
      const header = await openSse(groupEvents(stream, 'c', `?lastEventId=0`), { 'Last-Event-ID': ids[0]! });
      expect((await header.until((e) => e.length >= 2)).map((e) => e.id)).toEqual([ids[1], ids[2]]);
      header.close();
    });

    it('answers a malformed Last-Event-ID or lastEventId with 400 INVALID_ID, even to an event-stream client', async () => {
      const stream = await groupWithStream();
      for (const [url, headers] of [
        [`${base}${streamPath(stream, 'events')}`, { 'Last-Event-ID': 'not-an-id' }],
        [`${base}${streamPath(stream, 'events')}?lastEventId=12-x`, {}],
        [groupEvents(stream, 'c'), { 'Last-Event-ID': '1-2-3' }],
        [groupEvents(stream, 'c', '?lastEventId=%24'), {}],
      ] as const) {
        const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
        expect(response.status).toBe(400);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(((await response.json()) as any).code).toBe('INVALID_ID');
      }
    });

    it('explains a Last-Event-ID above the stream top in a notice event, and then waits as XREAD does', async () => {
      const stream = await groupWithStream();
      const last = (await add(stream, 0)).body.id as string;
      const tail = await openSse(`${base}${streamPath(stream, 'events')}`, { 'Last-Event-ID': '99999999999999-0' });
      const [notice] = await tail.until((e) => e.length >= 1);
      expect(notice!.event).toBe('notice');
      expect(JSON.parse(notice!.data)).toMatchObject({ code: 'LAST_EVENT_ID_AHEAD', stream, lastEventId: '99999999999999-0', lastId: last });
      await add(stream, 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(tail.events.length).toBe(1);
      tail.close();
      const group = await openSse(groupEvents(stream, 'c', '?lastEventId=99999999999999-0'));
      expect((await group.until((e) => e.length >= 1))[0]!.event).toBe('notice');
      group.close();
    });

    it('to an event-stream client, a missing group or stream is a problem event in a 200 answer, after a retry hint', async () => {
      const stream = await groupWithStream();
      const noGroup = await openSse(`${base}${streamPath(stream, 'groups', 'nope', 'consumers', 'c', 'events')}`);
      expect(noGroup.status).toBe(200);
      expect(noGroup.headers.get('content-type')).toMatch(/^text\/event-stream/);
      await noGroup.closed;
      expect(noGroup.events.map((e) => e.event)).toEqual(['problem']);
      expect(JSON.parse(noGroup.events[0]!.data)).toMatchObject({ code: 'NOGROUP', status: 404 });
      expect(noGroup.retry).toBe(20);
      const noStream = await openSse(`${base}${streamPath('missing-' + stream, 'events')}`);
      await noStream.closed;
      expect(JSON.parse(noStream.events[0]!.data)).toMatchObject({ code: 'NO_STREAM' });
    });
  });
});

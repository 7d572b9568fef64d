import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedBackend } from '../../../src/backends/embedded/embedded-backend.js';
import { loadConfig } from '../../../src/config.js';
import { buildApp } from '../../../src/http/app.js';
import { buildTestApp, streamName, streamPath, type TestApp } from '../../helpers/app.js';
import { openSse } from '../../helpers/sse.js';

let t: TestApp;
let base: string;

beforeEach(async () => {
  t = await buildTestApp({ sseHeartbeatMs: 50, sseRetryMs: 20 });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as net.AddressInfo).port}`;
});

afterEach(async () => {
  const closing = t.close();
  t.app.server.closeAllConnections();
  await closing;
});

async function post(path: string, body: unknown) {
  const response = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

const add = async (stream: string, n: number): Promise<string> => (await post(streamPath(stream, 'messages'), { fields: { n: String(n) } })).body.id;
/** Names a comma, a slash, an ampersand and non-ASCII can carry. */
const oddName = () => `${streamName()},é/&=日本`;

describe('POST /v1/read (XREAD of several streams)', () => {
  it('answers each stream with entries after its ID, in request order, and waits for any', async () => {
    const a = oddName();
    const b = streamName();
    const a1 = await add(a, 1);
    const b1 = await add(b, 1);
    const b2 = await add(b, 2);
    const read = await post('/v1/read', { streams: [{ stream: b, after: b1 }, { stream: a, after: '0' }] });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      streams: [
        { stream: b, messages: [{ id: b2, fields: { n: '2' } }] },
        { stream: a, messages: [{ id: a1, fields: { n: '1' } }] },
      ],
    });
    const waiting = post('/v1/read', { streams: [{ stream: a, after: '$' }, { stream: b, after: '$' }], waitMs: 5000 });
    await new Promise((r) => setTimeout(r, 50));
    const b3 = await add(b, 3);
    expect((await waiting).body).toEqual({ streams: [{ stream: b, messages: [{ id: b3, fields: { n: '3' } }] }] });
    expect((await post('/v1/read', { streams: [{ stream: a, after: '$' }], waitMs: 20 })).body).toEqual({ streams: [] });
  });

  it('refuses a missing stream, a stream named twice, and an empty list', async () => {
    const a = streamName();
    await add(a, 1);
    expect((await post('/v1/read', { streams: [{ stream: a, after: '0' }, { stream: `missing-${a}`, after: '0' }] })).body.code).toBe('NO_STREAM');
    const twice = await post('/v1/read', { streams: [{ stream: a, after: '0' }, { stream: a, after: '0' }] });
    expect(twice.status).toBe(400);
    expect(twice.body.detail).toContain('a second time');
    expect((await post('/v1/read', { streams: [] })).status).toBe(400);
    expect((await post('/v1/read', { streams: [{ stream: a, after: 'x' }] })).body.code).toBe('INVALID_ID');
  });
});

describe('POST /v1/groups/{group}/consumers/{consumer}/read (XREADGROUP of several streams)', () => {
  it('one group and consumer across the streams: new entries, then history per stream', async () => {
    const a = oddName();
    const b = streamName();
    for (const s of [a, b]) expect((await post(streamPath(s, 'groups'), { name: 'g', startId: '0', mkStream: true })).status).toBe(201);
    const a1 = await add(a, 1);
    const b1 = await add(b, 1);
    const read = await post('/v1/groups/g/consumers/c/read', { streams: [{ stream: a }, { stream: b, after: '>' }] });
    expect(read.body).toEqual({
      streams: [
        { stream: a, messages: [{ id: a1, fields: { n: '1' }, deliveryCount: 1 }] },
        { stream: b, messages: [{ id: b1, fields: { n: '1' }, deliveryCount: 1 }] },
      ],
    });
    const history = await post('/v1/groups/g/consumers/c/read', { streams: [{ stream: a, after: '0' }, { stream: b, after: b1 }] });
    expect(history.body).toEqual({ streams: [{ stream: a, messages: [{ id: a1, fields: { n: '1' }, deliveryCount: 2 }] }] });
    const missing = await post('/v1/groups/nope/consumers/c/read', { streams: [{ stream: a }] });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOGROUP');
  });
});

describe('POST /v1/groups/{group}/consumers/{consumer}/read with ack per stream', () => {
  it('acknowledges each stream\'s IDs first, says how many per stream, then reads; a missing group on any stream acks nothing', async () => {
    const a = oddName();
    const b = streamName();
    for (const s of [a, b]) expect((await post(streamPath(s, 'groups'), { name: 'g', startId: '0', mkStream: true })).status).toBe(201);
    const a1 = await add(a, 1);
    const b1 = await add(b, 1);
    await post('/v1/groups/g/consumers/c/read', { streams: [{ stream: a }, { stream: b }] });
    const a2 = await add(a, 2);
    const missing = await post('/v1/groups/g/consumers/c/read', { streams: [{ stream: a, ack: [a1] }, { stream: streamName() }] });
    expect(missing.status).toBe(404);
    expect((await fetch(base + streamPath(a, 'groups', 'g', 'pending')).then((r) => r.json()) as { count: number }).count).toBe(1);
    const next = await post('/v1/groups/g/consumers/c/read', { streams: [{ stream: a, ack: [a1] }, { stream: b, after: '0', ack: [b1, a2] }] });
    expect(next.body).toEqual({
      streams: [
        { stream: a, messages: [{ id: a2, fields: { n: '2' }, deliveryCount: 1 }] },
      ],
      acknowledged: { [a]: 1, [b]: 1 },
    });
  });
});

describe('GET /v1/events (tails of several streams)', () => {
  it('names the stream in each event, carries every position in id:, and resumes them all from Last-Event-ID', async () => {
    const a = oddName();
    const b = streamName();
    const a0 = await add(a, 0);
    await add(b, 0);
    const url = `${base}/v1/events?stream=${encodeURIComponent(a)}&after=0&stream=${encodeURIComponent(b)}&after=%24`;
    const sse = await openSse(url);
    expect(sse.status).toBe(200);
    const [first] = await sse.until((e) => e.length >= 1);
    expect(JSON.parse(first!.data)).toEqual({ stream: a, id: a0, fields: { n: '0' } });
    const b1 = await add(b, 1);
    const [, second] = await sse.until((e) => e.length >= 2);
    expect(JSON.parse(second!.data)).toMatchObject({ stream: b, id: b1 });
    expect(JSON.parse(second!.id!)).toEqual({ [a]: a0, [b]: b1 });
    sse.close();
    const a1 = await add(a, 1);
    const b2 = await add(b, 2);
    const resumed = await openSse(`${base}/v1/events?stream=${encodeURIComponent(a)}&stream=${encodeURIComponent(b)}`, { 'Last-Event-ID': second!.id! });
    const events = await resumed.until((e) => e.length >= 2);
    expect(events.map((e) => JSON.parse(e.data).id)).toEqual([a1, b2]);
    resumed.close();
    const viaQuery = await openSse(`${base}/v1/events?stream=${encodeURIComponent(a)}&stream=${encodeURIComponent(b)}&lastEventId=${encodeURIComponent(second!.id!)}`);
    expect((await viaQuery.until((e) => e.length >= 2)).map((e) => JSON.parse(e.data).id)).toEqual([a1, b2]);
    viaQuery.close();
  });

  it('refuses a malformed Last-Event-ID, and mismatched after= counts, with 400', async () => {
    const a = streamName();
    await add(a, 0);
    for (const id of ['5-0', '{"x":3}', '[1]', `{"${a}":"nope"}`]) {
      const response = await fetch(`${base}/v1/events?stream=${encodeURIComponent(a)}`, { headers: { accept: 'text/event-stream', 'last-event-id': id } });
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).code).toBe('INVALID_ID');
    }
    const mismatched = await fetch(`${base}/v1/events?stream=${encodeURIComponent(a)}&after=0&after=0`);
    expect(mismatched.status).toBe(400);
    const none = await fetch(`${base}/v1/events`);
    expect(none.status).toBe(400);
  });
});

describe('GET /v1/groups/{group}/consumers/{consumer}/events (a consumer on several streams)', () => {
  it('pending entries of every stream first, then new ones; maxInFlight holds per stream while the others go on', async () => {
    const a = oddName();
    const b = streamName();
    for (const s of [a, b]) await post(streamPath(s, 'groups'), { name: 'g', startId: '$', mkStream: true });
    const url = `${base}/v1/groups/g/consumers/tab/events?maxInFlight=2&stream=${encodeURIComponent(a)}&stream=${encodeURIComponent(b)}`;
    const first = await openSse(url);
    await new Promise((r) => setTimeout(r, 50));
    const aIds = [await add(a, 1), await add(a, 2), await add(a, 3)];
    await first.until((e) => e.length >= 2);
    await new Promise((r) => setTimeout(r, 50));
    // a is at its limit: its third entry waits, while b's flow.
    const b1 = await add(b, 1);
    await first.until((e) => e.some((x) => JSON.parse(x.data).id === b1));
    expect(first.events.filter((e) => JSON.parse(e.data).stream === a).map((e) => JSON.parse(e.data).id)).toEqual(aIds.slice(0, 2));
    first.close();

    // A reload: what the closed tab held comes first, on every stream.
    const reloaded = await openSse(url);
    const replay = await reloaded.until((e) => e.length >= 3);
    expect(replay.map((e) => [JSON.parse(e.data).stream, JSON.parse(e.data).id])).toEqual([[a, aIds[0]], [a, aIds[1]], [b, b1]]);
    await post(streamPath(a, 'groups', 'g', 'acks'), { ids: aIds.slice(0, 2) });
    const rest = await reloaded.until((e) => e.length >= 4);
    expect(JSON.parse(rest[3]!.data)).toMatchObject({ stream: a, id: aIds[2], deliveryCount: 1 });
    expect(JSON.parse(rest[3]!.id!)).toEqual({ [a]: aIds[2], [b]: b1 });
    reloaded.close();
  });

  it('a group missing on one stream is a problem event to an event-stream client', async () => {
    const a = streamName();
    const b = streamName();
    await post(streamPath(a, 'groups'), { name: 'g', startId: '$', mkStream: true });
    await add(b, 1);
    const sse = await openSse(`${base}/v1/groups/g/consumers/c/events?stream=${encodeURIComponent(a)}&stream=${encodeURIComponent(b)}`);
    await sse.closed;
    expect(sse.status).toBe(200);
    expect(sse.events.map((e) => e.event)).toEqual(['problem']);
    expect(JSON.parse(sse.events[0]!.data)).toMatchObject({ code: 'NOGROUP' });
  });
});


describe('multi-stream resume', () => {
  it('a group event stream resumes each stream after its position in Last-Event-ID; one above a stream top gets a notice', async () => {
    const a = streamName();
    const b = `${streamName()}日本`;
    for (const s of [a, b]) await post(streamPath(s, 'groups'), { name: 'g', startId: '$', mkStream: true });
    const url = `${base}/v1/groups/g/consumers/c/events?stream=${encodeURIComponent(a)}&stream=${encodeURIComponent(b)}`;
    const first = await openSse(url);
    await new Promise((r) => setTimeout(r, 30));
    const a1 = await add(a, 1);
    const b1 = await add(b, 1);
    const a2 = await add(a, 2);
    const events = await first.until((e) => e.length >= 3);
    first.close();
    // Resume after the second event: a's a1 and b's b1 were seen, so only a2 (still pending) comes again.
    const resumed = await openSse(url, { 'Last-Event-ID': events[1]!.id! });
    const again = await resumed.until((e) => e.length >= 1);
    expect(again.map((e) => JSON.parse(e.data).id)).toEqual([a2]);
    await new Promise((r) => setTimeout(r, 50));
    expect(resumed.events.length).toBe(1);
    resumed.close();
    expect(JSON.parse(events[1]!.id!)).toEqual({ [a]: a1, [b]: b1 });

    const ahead = await openSse(url, { 'Last-Event-ID': JSON.stringify({ [a]: '99999999999999-0' }).replace(/[^\x00-\x7f]/g, '') });
    const [notice] = await ahead.until((e) => e.length >= 1);
    expect(notice!.event).toBe('notice');
    expect(JSON.parse(notice!.data)).toMatchObject({ code: 'LAST_EVENT_ID_AHEAD', stream: a });
    ahead.close();
  });
});

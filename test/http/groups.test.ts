import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, streamName, streamPath, type TestApp } from '../helpers/app.js';
import { expectProblem } from './expect-problem.js';

let now = 1_000_000;
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({}, { clock: () => now });
});
afterAll(async () => {
  await t.close();
});

/** A stream with entries 1-0..n-0 and group `g` at the beginning. */
async function withGroup(n = 3): Promise<string> {
  const s = streamName();
  const messages = Array.from({ length: n }, (_, i) => ({ id: `${i + 1}-0`, fields: { i: String(i + 1) } }));
  if (n > 0) await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), { messages });
  expect((await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'g', startId: '0', mkStream: true })).statusCode).toBe(201);
  return s;
}

const read = (s: string, consumer: string, body?: unknown, query = '') =>
  call(t.app, 'POST', `${streamPath(s, 'groups', 'g', 'consumers', consumer, 'read')}${query}`, body);

describe('consumer groups', () => {
  it('creates a group (201 with Location), refuses a second one (409 BUSYGROUP)', async () => {
    const s = streamName();
    await call(t.app, 'POST', streamPath(s, 'messages'), { id: '1-0', fields: { a: '1' } });
    const r = await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'g/1' });
    expect(r.statusCode).toBe(201);
    expect(r.headers.location).toBe(streamPath(s, 'groups', 'g/1'));
    expect(r.json()).toEqual({ name: 'g/1', consumers: 0, pending: 0, lastDeliveredId: '1-0', entriesRead: null, lag: 0 });
    expectProblem(await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'g/1' }), 409, 'BUSYGROUP');
    expect((await call(t.app, 'GET', r.headers.location as string)).json().name).toBe('g/1');
  });

  it('creates with entriesRead, with mkStream, and refuses a missing stream without it', async () => {
    const s = streamName();
    expectProblem(await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'g' }), 404, 'NO_STREAM');
    const r = await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'g', mkStream: true, startId: '$', entriesRead: 0 });
    expect(r.json()).toEqual({ name: 'g', consumers: 0, pending: 0, lastDeliveredId: '0-0', entriesRead: 0, lag: 0 });
    expect((await call(t.app, 'GET', streamPath(s))).json().length).toBe(0);
  });

  it('refuses bad group bodies', async () => {
    const s = await withGroup();
    expectProblem(await call(t.app, 'POST', streamPath(s, 'groups'), { name: '' }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'x'.repeat(513) }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'h', startId: '>' }), 400, 'INVALID_ID');
    expectProblem(await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'h', entriesRead: 2 ** 60 }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'h', mkStream: 1 }), 400, 'VALIDATION');
    expect((await call(t.app, 'GET', streamPath(s, 'groups'))).json().groups).toHaveLength(1);
  });

  it('lists and gets groups; 404 NOGROUP and NO_STREAM', async () => {
    const s = await withGroup();
    const list = (await call(t.app, 'GET', streamPath(s, 'groups'))).json();
    expect(list).toEqual({ groups: [{ name: 'g', consumers: 0, pending: 0, lastDeliveredId: '0-0', entriesRead: null, lag: 3 }] });
    expectProblem(await call(t.app, 'GET', streamPath(s, 'groups', 'nope')), 404, 'NOGROUP');
    expectProblem(await call(t.app, 'GET', streamPath(streamName(), 'groups')), 404, 'NO_STREAM');
    expectProblem(await call(t.app, 'GET', streamPath(streamName(), 'groups', 'g')), 404, 'NO_STREAM');
  });

  it('sets the last-delivered ID (XGROUP SETID)', async () => {
    const s = await withGroup();
    const r = await call(t.app, 'PATCH', streamPath(s, 'groups', 'g'), { lastDeliveredId: '2-0', entriesRead: 2 });
    expect(r.json()).toMatchObject({ lastDeliveredId: '2-0', entriesRead: 2, lag: 1 });
    expect((await call(t.app, 'PATCH', streamPath(s, 'groups', 'g'), { lastDeliveredId: '$' })).json()).toMatchObject({ lastDeliveredId: '3-0', entriesRead: null });
    expectProblem(await call(t.app, 'PATCH', streamPath(s, 'groups', 'nope'), { lastDeliveredId: '0' }), 404, 'NOGROUP');
    expectProblem(await call(t.app, 'PATCH', streamPath(streamName(), 'groups', 'g'), { lastDeliveredId: '0' }), 404, 'NO_STREAM');
    expectProblem(await call(t.app, 'PATCH', streamPath(s, 'groups', 'g'), { lastDeliveredId: 'x' }), 400, 'INVALID_ID');
  });

  it('answers entriesRead set above entriesAdded (Redis allows it; lag is then computed from it)', async () => {
    const s = await withGroup();
    const r = await call(t.app, 'PATCH', streamPath(s, 'groups', 'g'), { lastDeliveredId: '0-0', entriesRead: 6 });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ lastDeliveredId: '0-0', entriesRead: 6 });
  });

  it('destroys a group (204), then 404 NOGROUP', async () => {
    const s = await withGroup();
    expect((await call(t.app, 'DELETE', streamPath(s, 'groups', 'g'))).statusCode).toBe(204);
    expectProblem(await call(t.app, 'DELETE', streamPath(s, 'groups', 'g')), 404, 'NOGROUP');
    expectProblem(await call(t.app, 'DELETE', streamPath(streamName(), 'groups', 'g')), 404, 'NO_STREAM');
  });
});

describe('consumers', () => {
  it('PUT creates (201) then finds (200); list; DELETE answers pending', async () => {
    const s = await withGroup();
    const created = await call(t.app, 'PUT', streamPath(s, 'groups', 'g', 'consumers', 'c 1'));
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ name: 'c 1', pending: 0, idleMs: expect.any(Number), inactiveMs: -1 });
    expect((await call(t.app, 'PUT', streamPath(s, 'groups', 'g', 'consumers', 'c 1'))).statusCode).toBe(200);
    await read(s, 'c 1', { count: 2 });
    const list = (await call(t.app, 'GET', streamPath(s, 'groups', 'g', 'consumers'))).json();
    expect(list).toEqual({ consumers: [{ name: 'c 1', pending: 2, idleMs: expect.any(Number), inactiveMs: expect.any(Number) }] });
    expect((await call(t.app, 'DELETE', streamPath(s, 'groups', 'g', 'consumers', 'c 1'))).json()).toEqual({ pending: 2 });
    expectProblem(await call(t.app, 'DELETE', streamPath(s, 'groups', 'g', 'consumers', 'c 1')), 404, 'NO_CONSUMER');
    expect((await call(t.app, 'GET', streamPath(s, 'groups', 'g'))).json()).toMatchObject({ consumers: 0, pending: 0 });
  });

  it('answers NOGROUP and NO_STREAM', async () => {
    const s = await withGroup();
    for (const [method, path] of [
      ['PUT', streamPath(s, 'groups', 'nope', 'consumers', 'c')],
      ['DELETE', streamPath(s, 'groups', 'nope', 'consumers', 'c')],
      ['GET', streamPath(s, 'groups', 'nope', 'consumers')],
    ] as const) {
      expectProblem(await call(t.app, method, path), 404, 'NOGROUP');
    }
    const missing = streamName();
    for (const [method, path] of [
      ['PUT', streamPath(missing, 'groups', 'g', 'consumers', 'c')],
      ['DELETE', streamPath(missing, 'groups', 'g', 'consumers', 'c')],
      ['GET', streamPath(missing, 'groups', 'g', 'consumers')],
    ] as const) {
      expectProblem(await call(t.app, method, path), 404, 'NO_STREAM');
    }
  });
});

describe('POST .../consumers/{consumer}/read (XREADGROUP)', () => {
  it('delivers new messages with deliveryCount, then history, then nothing', async () => {
    const s = await withGroup();
    const first = (await read(s, 'c', { count: 2 })).json();
    expect(first).toEqual({
      messages: [
        { id: '1-0', fields: { i: '1' }, deliveryCount: 1 },
        { id: '2-0', fields: { i: '2' }, deliveryCount: 1 },
      ],
    });
    const history = (await read(s, 'c', { after: '0' })).json();
    expect(history.messages.map((m: { deliveryCount: number }) => m.deliveryCount)).toEqual([2, 2]);
    // No body at all is a 415 (CSRF: a plain form can POST without a content type); an empty JSON body is no body.
    expectProblem(await read(s, 'c', undefined), 415, 'VALIDATION');
    const empty = await t.app.inject({ method: 'POST', url: streamPath(s, 'groups', 'g', 'consumers', 'c', 'read'), headers: { 'content-type': 'application/json' }, payload: '' });
    expect(empty.json().messages.map((m: { id: string }) => m.id)).toEqual(['3-0']);
    expect((await read(s, 'c', {})).json()).toEqual({ messages: [] });
  });

  it('NOACK delivers without deliveryCount and without pending', async () => {
    const s = await withGroup(1);
    expect((await read(s, 'c', { noAck: true })).json()).toEqual({ messages: [{ id: '1-0', fields: { i: '1' } }] });
    expect((await call(t.app, 'GET', streamPath(s, 'groups', 'g', 'pending'))).json().count).toBe(0);
  });

  it('returns deleted pending entries with fields null on history reads, pairs on request', async () => {
    const s = await withGroup(2);
    await read(s, 'c', {});
    await call(t.app, 'DELETE', streamPath(s, 'messages', '1-0'));
    const history = (await read(s, 'c', { after: '0' }, '?fieldsFormat=pairs')).json();
    expect(history.messages).toEqual([
      { id: '1-0', fields: null },
      { id: '2-0', fields: [['i', '2']], deliveryCount: 2 },
    ]);
  });

  it('waits for a new message', async () => {
    const s = await withGroup(0);
    const waiting = read(s, 'c', { waitMs: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await call(t.app, 'POST', streamPath(s, 'messages'), { id: '9-0', fields: { a: '1' } });
    expect((await waiting).json()).toEqual({ messages: [{ id: '9-0', fields: { a: '1' }, deliveryCount: 1 }] });
  });

  it('answers NOGROUP, NO_STREAM and validation errors', async () => {
    const s = await withGroup();
    expectProblem(await call(t.app, 'POST', streamPath(s, 'groups', 'nope', 'consumers', 'c', 'read'), {}), 404, 'NOGROUP');
    expectProblem(await call(t.app, 'POST', streamPath(streamName(), 'groups', 'g', 'consumers', 'c', 'read'), {}), 404, 'NO_STREAM');
    expectProblem(await read(s, 'c', { count: 0 }), 400, 'VALIDATION');
    expectProblem(await read(s, 'c', { count: 10_001 }), 400, 'VALIDATION');
    expectProblem(await read(s, 'c', { after: '$' }), 400, 'INVALID_ID');
    expectProblem(await read(s, 'c', { waitMs: -1 }), 400, 'VALIDATION');
    expectProblem(await read(s, 'c', { nope: 1 }), 400, 'VALIDATION');
    expect((await call(t.app, 'GET', streamPath(s, 'groups', 'g'))).json()).toMatchObject({ consumers: 0, pending: 0 });
  });
});

describe('acks and pending', () => {
  it('acknowledges, summarises and lists pending entries', async () => {
    const s = await withGroup();
    await read(s, 'a', { count: 2 });
    await read(s, 'b', {});
    const summary = (await call(t.app, 'GET', streamPath(s, 'groups', 'g', 'pending'))).json();
    expect(summary).toEqual({ count: 3, minId: '1-0', maxId: '3-0', consumers: [{ name: 'a', count: 2 }, { name: 'b', count: 1 }] });
    now += 500;
    const list = (await call(t.app, 'GET', `${streamPath(s, 'groups', 'g', 'pending', 'messages')}?consumer=a`)).json();
    expect(list).toEqual({
      messages: [
        { id: '1-0', consumer: 'a', idleMs: 500, deliveryCount: 1 },
        { id: '2-0', consumer: 'a', idleMs: 500, deliveryCount: 1 },
      ],
    });
    const ranged = (await call(t.app, 'GET', `${streamPath(s, 'groups', 'g', 'pending', 'messages')}?start=(1-0&end=%2B&count=1&minIdleMs=100`)).json();
    expect(ranged.messages.map((m: { id: string }) => m.id)).toEqual(['2-0']);
    expect((await call(t.app, 'POST', streamPath(s, 'groups', 'g', 'acks'), { ids: ['1-0', '2-0', '9-0'] })).json()).toEqual({ acknowledged: 2 });
    const after = (await call(t.app, 'GET', streamPath(s, 'groups', 'g', 'pending'))).json();
    expect(after).toEqual({ count: 1, minId: '3-0', maxId: '3-0', consumers: [{ name: 'b', count: 1 }] });
  });

  it('pending summary of an empty group has null IDs', async () => {
    const s = await withGroup();
    expect((await call(t.app, 'GET', streamPath(s, 'groups', 'g', 'pending'))).json()).toEqual({ count: 0, minId: null, maxId: null, consumers: [] });
  });

  it('answers NOGROUP and NO_STREAM; a bad ID fails the whole ack', async () => {
    const s = await withGroup();
    await read(s, 'a', {});
    expectProblem(await call(t.app, 'POST', streamPath(s, 'groups', 'nope', 'acks'), { ids: ['1-0'] }), 404, 'NOGROUP');
    expectProblem(await call(t.app, 'POST', streamPath(streamName(), 'groups', 'g', 'acks'), { ids: ['1-0'] }), 404, 'NO_STREAM');
    expectProblem(await call(t.app, 'POST', streamPath(s, 'groups', 'g', 'acks'), { ids: ['1-0', 'bad'] }), 400, 'INVALID_ID');
    expectProblem(await call(t.app, 'POST', streamPath(s, 'groups', 'g', 'acks'), { ids: [] }), 400, 'VALIDATION');
    expect((await call(t.app, 'GET', streamPath(s, 'groups', 'g', 'pending'))).json().count).toBe(3);
    expectProblem(await call(t.app, 'GET', streamPath(s, 'groups', 'nope', 'pending')), 404, 'NOGROUP');
    expectProblem(await call(t.app, 'GET', streamPath(streamName(), 'groups', 'g', 'pending')), 404, 'NO_STREAM');
    expectProblem(await call(t.app, 'GET', streamPath(s, 'groups', 'nope', 'pending', 'messages')), 404, 'NOGROUP');
    expectProblem(await call(t.app, 'GET', streamPath(streamName(), 'groups', 'g', 'pending', 'messages')), 404, 'NO_STREAM');
    expectProblem(await call(t.app, 'GET', `${streamPath(s, 'groups', 'g', 'pending', 'messages')}?count=0`), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'GET', `${streamPath(s, 'groups', 'g', 'pending', 'messages')}?start=zz`), 400, 'INVALID_ID');
  });
});

describe('claims', () => {
  it('XCLAIM moves idle entries; justId answers IDs', async () => {
    const s = await withGroup();
    await read(s, 'a', {});
    now += 1000;
    const claimed = (await call(t.app, 'POST', streamPath(s, 'groups', 'g', 'claims'), { consumer: 'b', minIdleMs: 500, ids: ['1-0', '2-0'] })).json();
    expect(claimed).toEqual({
      messages: [
        { id: '1-0', fields: { i: '1' }, deliveryCount: 2 },
        { id: '2-0', fields: { i: '2' }, deliveryCount: 2 },
      ],
    });
    const none = (await call(t.app, 'POST', streamPath(s, 'groups', 'g', 'claims'), { consumer: 'c', minIdleMs: 500, ids: ['1-0'] })).json();
    expect(none).toEqual({ messages: [] });
    const justId = (await call(t.app, 'POST', streamPath(s, 'groups', 'g', 'claims'), { consumer: 'c', minIdleMs: 0, ids: ['3-0'], justId: true })).json();
    expect(justId).toEqual({ ids: ['3-0'] });
    const pairs = await call(t.app, 'POST', `${streamPath(s, 'groups', 'g', 'claims')}?fieldsFormat=pairs`, { consumer: 'c', minIdleMs: 0, ids: ['1-0'], retryCount: 7 });
    expect(pairs.json()).toEqual({ messages: [{ id: '1-0', fields: [['i', '1']], deliveryCount: 7 }] });
  });

  it('XCLAIM errors', async () => {
    const s = await withGroup();
    const claims = streamPath(s, 'groups', 'g', 'claims');
    expectProblem(await call(t.app, 'POST', streamPath(s, 'groups', 'nope', 'claims'), { consumer: 'b', minIdleMs: 0, ids: ['1-0'] }), 404, 'NOGROUP');
    expectProblem(await call(t.app, 'POST', streamPath(streamName(), 'groups', 'g', 'claims'), { consumer: 'b', minIdleMs: 0, ids: ['1-0'] }), 404, 'NO_STREAM');
    expectProblem(await call(t.app, 'POST', claims, { consumer: 'b', minIdleMs: 0, ids: [] }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', claims, { consumer: 'b', minIdleMs: -1, ids: ['1-0'] }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', claims, { consumer: 'b', minIdleMs: 0, ids: ['x'] }), 400, 'INVALID_ID');
    expectProblem(await call(t.app, 'POST', claims, { minIdleMs: 0, ids: ['1-0'] }), 400, 'VALIDATION');
  });

  it('XAUTOCLAIM scans, reports deleted entries, and pages with nextStart', async () => {
    const s = await withGroup(4);
    await read(s, 'a', {});
    await call(t.app, 'DELETE', streamPath(s, 'messages', '2-0'));
    now += 1000;
    const autoclaim = streamPath(s, 'groups', 'g', 'autoclaim');
    const page = (await call(t.app, 'POST', autoclaim, { consumer: 'b', minIdleMs: 500, count: 2 })).json();
    expect(page).toEqual({ nextStart: '3-0', messages: [{ id: '1-0', fields: { i: '1' }, deliveryCount: 2 }], deletedIds: ['2-0'] });
    const rest = (await call(t.app, 'POST', autoclaim, { consumer: 'b', minIdleMs: 500, start: page.nextStart, justId: true })).json();
    expect(rest).toEqual({ nextStart: '0-0', ids: ['3-0', '4-0'], deletedIds: [] });
    const exclusive = (await call(t.app, 'POST', autoclaim, { consumer: 'c', minIdleMs: 0, start: '(3-0', justId: true })).json();
    expect(exclusive.ids).toEqual(['4-0']);
  });

  it('XAUTOCLAIM errors', async () => {
    const s = await withGroup();
    const autoclaim = streamPath(s, 'groups', 'g', 'autoclaim');
    const max = '18446744073709551615-18446744073709551615';
    expectProblem(await call(t.app, 'POST', autoclaim, { consumer: 'b', minIdleMs: 0, start: `(${max}` }), 400, 'INVALID_ID');
    expectProblem(await call(t.app, 'POST', autoclaim, { consumer: 'b', minIdleMs: 0, count: 0 }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', streamPath(s, 'groups', 'nope', 'autoclaim'), { consumer: 'b', minIdleMs: 0 }), 404, 'NOGROUP');
    expectProblem(await call(t.app, 'POST', streamPath(streamName(), 'groups', 'g', 'autoclaim'), { consumer: 'b', minIdleMs: 0 }), 404, 'NO_STREAM');
  });
});

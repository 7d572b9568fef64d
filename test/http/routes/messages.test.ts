import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestAppOn, call, streamName, streamPath, type AnyTestApp } from '../../helpers/app.js';
import { httpBackendMatrix, useHttpBackend } from '../../helpers/backends.js';
import { expectProblem } from '../../helpers/expect-problem.js';

/** Set per backend row, in the row's beforeAll. */
let t: AnyTestApp;

const MAX = '18446744073709551615';

async function add(stream: string, body: unknown) {
  return call(t.app, 'POST', streamPath(stream, 'messages'), body);
}

describe.each(httpBackendMatrix())('on $name', (row) => {
  const env = useHttpBackend(row);
  beforeAll(async () => {
    t = await buildTestAppOn(env.backend);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('POST /v1/streams/{stream}/messages (XADD)', () => {
  it('appends with a generated ID, answers 201 with a Location', async () => {
    const s = streamName();
    const r = await add(s, { fields: { sensor: 'a', temp: '21.5' } });
    expect(r.statusCode).toBe(201);
    const { id } = r.json();
    expect(id).toMatch(/^\d+-\d+$/);
    expect(r.headers.location).toBe(`${streamPath(s, 'messages')}/${id}`);
    const got = await call(t.app, 'GET', r.headers.location as string);
    expect(got.json()).toEqual({ id, fields: { sensor: 'a', temp: '21.5' } });
  });

  it('keeps field order and duplicates in the pairs form', async () => {
    const s = streamName();
    const { id } = (await add(s, { id: '5-1', fields: [['b', '1'], ['a', '2'], ['b', '3']] })).json();
    expect(id).toBe('5-1');
    const pairs = await call(t.app, 'GET', `${streamPath(s, 'messages', id)}?fieldsFormat=pairs`);
    expect(pairs.json().fields).toEqual([['b', '1'], ['a', '2'], ['b', '3']]);
    const object = await call(t.app, 'GET', streamPath(s, 'messages', id));
    expect(object.body).toBe('{"id":"5-1","fields":{"b":"3","a":"2"}}');
  });

  it('keeps a field called __proto__ as a field', async () => {
    const s = streamName();
    await add(s, { id: '1-1', fields: [['__proto__', 'x'], ['constructor', 'y']] });
    const r = await call(t.app, 'GET', streamPath(s, 'messages', '1-1'));
    expect(JSON.parse(r.body).fields).toEqual(JSON.parse('{"__proto__":"x","constructor":"y"}'));
  });

  it('accepts `<ms>-*`, incomplete and the largest IDs', async () => {
    const s = streamName();
    expect((await add(s, { id: '7-*', fields: { a: '1' } })).json()).toEqual({ id: '7-0' });
    expect((await add(s, { id: '7-*', fields: { a: '1' } })).json()).toEqual({ id: '7-1' });
    expect((await add(s, { id: '8', fields: { a: '1' } })).json()).toEqual({ id: '8-0' });
    expect((await add(s, { id: `${MAX}-${MAX}`, fields: { a: '1' } })).json()).toEqual({ id: `${MAX}-${MAX}` });
    const last = await call(t.app, 'GET', streamPath(s, 'messages', `${MAX}-${MAX}`));
    expect(last.json().id).toBe(`${MAX}-${MAX}`);
    expectProblem(await add(s, { fields: { a: '1' } }), 400, 'ID_EXHAUSTED');
    expectProblem(await add(s, { id: `${MAX}-${MAX}`, fields: { a: '1' } }), 400, 'ID_EXHAUSTED');
  });

  it('refuses IDs not above the top, 0-0, and full sequences', async () => {
    const s = streamName();
    await add(s, { id: `5-${MAX}`, fields: { a: '1' } });
    expect(expectProblem(await add(s, { id: '5-1', fields: { a: '1' } }), 400, 'ID_NOT_GREATER')).toMatch(/equal or smaller/);
    expectProblem(await add(streamName(), { id: '0-0', fields: { a: '1' } }), 400, 'ID_NOT_GREATER');
    expectProblem(await add(s, { id: '5-*', fields: { a: '1' } }), 400, 'SEQ_EXHAUSTED');
  });

  it('refuses malformed and out-of-range IDs with INVALID_ID', async () => {
    const s = streamName();
    for (const id of ['abc', '1-2-3', '-1', `18446744073709551616-0`, `1-${'1'.repeat(21)}`, '', '1-', '*-1']) {
      expectProblem(await add(s, { id, fields: { a: '1' } }), 400, 'INVALID_ID');
    }
    expectProblem(await call(t.app, 'GET', streamPath(s)), 404, 'NO_STREAM');
  });

  it('refuses numbers, booleans, null, nested values and empty fields with VALIDATION', async () => {
    const s = streamName();
    const bad = [{ a: 1 }, { a: true }, { a: null }, { a: { b: 'c' } }, {}, [], [['a', 1]], [['a']], [['a', 'b', 'c']], 'a=b', 5, null];
    for (const fields of bad) {
      const detail = expectProblem(await add(s, { fields }), 400, 'VALIDATION');
      expect(detail).toMatch(/^body\.fields/);
    }
    expect(expectProblem(await add(s, { fields: { a: 1 } }), 400, 'VALIDATION')).toBe('body.fields.a: Invalid input: expected string, received number');
    expectProblem(await add(s, {}), 400, 'VALIDATION');
    expectProblem(await add(s, { fields: { a: 'b' }, extra: 1 }), 400, 'VALIDATION');
    expectProblem(await add(s, { fields: { a: 'b' }, noMkStream: 'yes' }), 400, 'VALIDATION');
    expectProblem(await add(s, { fields: { a: '\ud800' } }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'GET', streamPath(s)), 404, 'NO_STREAM');
  });

  it('with noMkStream answers 404 NO_STREAM for a missing stream and appends to an existing one', async () => {
    const s = streamName();
    expectProblem(await add(s, { fields: { a: '1' }, noMkStream: true }), 404, 'NO_STREAM');
    expectProblem(await call(t.app, 'GET', streamPath(s)), 404, 'NO_STREAM');
    await add(s, { fields: { a: '1' } });
    expect((await add(s, { fields: { a: '2' }, noMkStream: true })).statusCode).toBe(201);
  });

  it('trims on append', async () => {
    const s = streamName();
    for (let i = 1; i <= 5; i++) await add(s, { id: `${i}-0`, fields: { i: String(i) }, trim: { maxLen: 3 } });
    const r = await call(t.app, 'GET', streamPath(s, 'messages'));
    expect(r.json().messages.map((m: { id: string }) => m.id)).toEqual(['3-0', '4-0', '5-0']);
    expectProblem(await add(s, { fields: { a: '1' }, trim: { maxLen: 3, limit: 10 } }), 400, 'VALIDATION');
    expectProblem(await add(s, { fields: { a: '1' }, trim: { maxLen: 3, minId: '1' } }), 400, 'VALIDATION');
    expectProblem(await add(s, { fields: { a: '1' }, trim: {} }), 400, 'VALIDATION');
  });
  });

  describe('POST /v1/streams/{stream}/messages/batch', () => {
  it('appends all, in order', async () => {
    const s = streamName();
    const r = await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), {
      messages: [{ id: '1-1', fields: { a: '1' } }, { id: '9-*', fields: [['b', '2']] }, { fields: { c: '3' } }],
    });
    expect(r.statusCode).toBe(201);
    const { ids } = r.json();
    expect(ids.slice(0, 2)).toEqual(['1-1', '9-0']);
    expect(ids[2]).toMatch(/^\d{13,}-0$/);
    const list = await call(t.app, 'GET', `${streamPath(s, 'messages')}?fieldsFormat=pairs`);
    expect(list.json().messages.map((m: { fields: unknown }) => m.fields)).toEqual([[['a', '1']], [['b', '2']], [['c', '3']]]);
  });

  it('adds nothing when one message is invalid', async () => {
    const s = streamName();
    await add(s, { id: '10-0', fields: { a: '1' } });
    const before = (await call(t.app, 'GET', streamPath(s))).json();
    expectProblem(
      await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), { messages: [{ id: '11-0', fields: { a: '1' } }, { id: '11-0', fields: { a: '2' } }] }),
      400,
      'ID_NOT_GREATER',
    );
    expectProblem(await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), { messages: [{ id: '12-0', fields: { a: '1' } }, { fields: { a: 2 } }] }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), { messages: [] }), 400, 'VALIDATION');
    expect((await call(t.app, 'GET', streamPath(s))).json()).toEqual(before);
  });

  it('refuses more than MAX_BATCH messages', async () => {
      const small = await buildTestAppOn(env.backend, { maxBatch: 2 });
    try {
      const messages = [{ fields: { a: '1' } }, { fields: { a: '2' } }, { fields: { a: '3' } }];
      expectProblem(await call(small.app, 'POST', streamPath(streamName(), 'messages', 'batch'), { messages }), 400, 'VALIDATION');
    } finally {
      await small.close();
    }
  });

  it('with noMkStream answers NO_STREAM', async () => {
    const r = await call(t.app, 'POST', streamPath(streamName(), 'messages', 'batch'), { messages: [{ fields: { a: '1' } }], noMkStream: true });
    expectProblem(r, 404, 'NO_STREAM');
  });
  });

  describe('GET /v1/streams/{stream}/messages (XRANGE / XREVRANGE)', () => {
  async function seeded(): Promise<string> {
    const s = streamName();
    const messages = [1, 2, 3, 4, 5].map((i) => ({ id: `${i}-${i}`, fields: { n: String(i) } }));
    await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), { messages });
    return s;
  }
  const ids = (r: { json(): { messages: { id: string }[] } }) => r.json().messages.map((m) => m.id);

  it('lists the whole stream, with bounds, exclusive bounds and count', async () => {
    const s = await seeded();
    const base = streamPath(s, 'messages');
    expect(ids(await call(t.app, 'GET', base))).toEqual(['1-1', '2-2', '3-3', '4-4', '5-5']);
    expect(ids(await call(t.app, 'GET', `${base}?start=2&end=4`))).toEqual(['2-2', '3-3', '4-4']);
    expect(ids(await call(t.app, 'GET', `${base}?start=(2-2&end=(5-5`))).toEqual(['3-3', '4-4']);
    expect(ids(await call(t.app, 'GET', `${base}?start=-&end=%2B&count=2`))).toEqual(['1-1', '2-2']);
  });

  it('reverse keeps start as the low bound', async () => {
    const s = await seeded();
    const r = await call(t.app, 'GET', `${streamPath(s, 'messages')}?start=2&end=4&reverse=true&count=2`);
    expect(ids(r)).toEqual(['4-4', '3-3']);
  });

  it('answers an empty list for an empty range, 404 for a missing stream', async () => {
    const s = await seeded();
    expect(ids(await call(t.app, 'GET', `${streamPath(s, 'messages')}?start=6`))).toEqual([]);
    expectProblem(await call(t.app, 'GET', streamPath(streamName(), 'messages')), 404, 'NO_STREAM');
  });

  it('refuses count=0, count above the maximum and bad bounds', async () => {
    const s = await seeded();
    const base = streamPath(s, 'messages');
    expectProblem(await call(t.app, 'GET', `${base}?count=0`), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'GET', `${base}?count=10001`), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'GET', `${base}?count=-1`), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'GET', `${base}?count=abc`), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'GET', `${base}?count=1.5`), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'GET', `${base}?start=x`), 400, 'INVALID_ID');
    expectProblem(await call(t.app, 'GET', `${base}?reverse=maybe`), 400, 'VALIDATION');
    expect((await call(t.app, 'GET', `${base}?reverse=maybe`)).json().detail).toMatch(/expected true or false/);
    expect((await call(t.app, 'GET', `${base}?reverse=false`)).statusCode).toBe(200);
    expectProblem(await call(t.app, 'GET', `${base}?after=0&start=1`), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'GET', `${base}?waitMs=10`), 400, 'VALIDATION');
  });

  it('handles the largest IDs as bounds', async () => {
    const s = streamName();
    await add(s, { id: `${MAX}-0`, fields: { a: '1' } });
    await add(s, { id: `${MAX}-${MAX}`, fields: { a: '2' } });
    expect(ids(await call(t.app, 'GET', `${streamPath(s, 'messages')}?start=${MAX}-1`))).toEqual([`${MAX}-${MAX}`]);
    expect(ids(await call(t.app, 'GET', `${streamPath(s, 'messages')}?start=${MAX}&end=${MAX}`))).toEqual([`${MAX}-0`, `${MAX}-${MAX}`]);
  });
  });

  describe('GET /v1/streams/{stream}/messages?after= (XREAD)', () => {
  it('reads entries after an ID at once', async () => {
    const s = streamName();
    await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), { messages: [{ id: '1-0', fields: { a: '1' } }, { id: '2-0', fields: { a: '2' } }] });
    const r = await call(t.app, 'GET', `${streamPath(s, 'messages')}?after=1-0`);
    expect(r.json()).toEqual({ messages: [{ id: '2-0', fields: { a: '2' } }] });
  });

  it('waits for a new entry with $', async () => {
    const s = streamName();
    await add(s, { id: '1-0', fields: { a: '1' } });
    const pending = call(t.app, 'GET', `${streamPath(s, 'messages')}?after=$&waitMs=5000`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await add(s, { id: '2-0', fields: { a: '2' } });
    expect((await pending).json()).toEqual({ messages: [{ id: '2-0', fields: { a: '2' } }] });
  });

  it('answers 200 with no messages when the wait times out, clamped to MAX_WAIT_MS', async () => {
      const capped = await buildTestAppOn(env.backend, { maxWaitMs: 50 });
    try {
      const s = streamName();
      await call(capped.app, 'POST', streamPath(s, 'messages'), { fields: { a: '1' } });
      const started = Date.now();
      const r = await call(capped.app, 'GET', `${streamPath(s, 'messages')}?after=$&waitMs=600000`);
      expect(r.json()).toEqual({ messages: [] });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await capped.close();
    }
  });

  it('answers 404 for a missing stream and INVALID_ID for a bad after', async () => {
    expectProblem(await call(t.app, 'GET', `${streamPath(streamName(), 'messages')}?after=$`), 404, 'NO_STREAM');
    expectProblem(await call(t.app, 'GET', `${streamPath(streamName(), 'messages')}?after=%3E`), 400, 'INVALID_ID');
  });
  });

  describe('single messages and XDEL', () => {
  it('gets, deletes and then 404s a message', async () => {
    const s = streamName();
    await add(s, { id: '3-3', fields: { a: '1' } });
    await add(s, { id: '4-4', fields: { a: '1' } });
    expect((await call(t.app, 'GET', streamPath(s, 'messages', '3-3'))).statusCode).toBe(200);
    expectProblem(await call(t.app, 'GET', streamPath(s, 'messages', '3-4')), 404, 'NO_MESSAGE');
    expectProblem(await call(t.app, 'GET', streamPath(s, 'messages', 'nope')), 400, 'INVALID_ID');
    expect((await call(t.app, 'DELETE', streamPath(s, 'messages', '3-3'))).statusCode).toBe(204);
    expectProblem(await call(t.app, 'DELETE', streamPath(s, 'messages', '3-3')), 404, 'NO_MESSAGE');
    expectProblem(await call(t.app, 'GET', streamPath(s, 'messages', '3-3')), 404, 'NO_MESSAGE');
    expect((await call(t.app, 'GET', streamPath(s))).json().maxDeletedEntryId).toBe('3-3');
    expectProblem(await call(t.app, 'DELETE', streamPath(streamName(), 'messages', '1-1')), 404, 'NO_STREAM');
    expectProblem(await call(t.app, 'GET', streamPath(streamName(), 'messages', '1-1')), 404, 'NO_STREAM');
  });

  it('deletes several by ID and counts the ones that existed', async () => {
    const s = streamName();
    await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), { messages: [{ id: '1-0', fields: { a: '1' } }, { id: '2-0', fields: { a: '2' } }] });
    const r = await call(t.app, 'POST', streamPath(s, 'messages', 'delete'), { ids: ['1-0', '2', '3-0'] });
    expect(r.json()).toEqual({ deleted: 2 });
    expect((await call(t.app, 'POST', streamPath(s, 'messages', 'delete'), { ids: ['1-0'] })).json()).toEqual({ deleted: 0 });
    expectProblem(await call(t.app, 'POST', streamPath(s, 'messages', 'delete'), { ids: [] }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', streamPath(s, 'messages', 'delete'), { ids: ['x'] }), 400, 'INVALID_ID');
    expectProblem(await call(t.app, 'POST', streamPath(streamName(), 'messages', 'delete'), { ids: ['1-0'] }), 404, 'NO_STREAM');
  });
  });
});

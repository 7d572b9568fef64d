import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, streamName, streamPath, type TestApp } from '../../helpers/app.js';
import { expectProblem } from '../../helpers/expect-problem.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

const appendWith = (s: string, body: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: streamPath(s, 'messages'), payload: body as object, headers });

describe('idempotent appends', () => {
  it('body form: a duplicate answers 200 {id, duplicate: true} with the original ID, whatever the fields', async () => {
    const s = streamName();
    const first = await appendWith(s, { fields: { a: '1' }, idempotency: { producer: 'p', key: 'order-1' } });
    expect(first.statusCode).toBe(201);
    const again = await appendWith(s, { fields: { a: 'other' }, idempotency: { producer: 'p', key: 'order-1' } });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ id: first.json().id, duplicate: true });
    expect(again.headers.location).toBe(first.headers.location);
    expect((await call(t.app, 'GET', streamPath(s))).json()).toMatchObject({
      length: 1,
      idempotency: { durationS: 100, maxSize: 100, producersTracked: 1, keysTracked: 1, keysAdded: 1, duplicates: 1 },
    });
  });

  it('body form without key is IDMPAUTO: the same fields in another order are a duplicate', async () => {
    const s = streamName();
    const first = await appendWith(s, { fields: [['a', '1'], ['b', '2']], idempotency: { producer: 'p' } });
    const again = await appendWith(s, { fields: { b: '2', a: '1' }, idempotency: { producer: 'p' } });
    expect(again.json()).toEqual({ id: first.json().id, duplicate: true });
  });

  it('header form: Idempotency-Key with Idempotency-Producer (default "default"); another body with the key is 422', async () => {
    const s = streamName();
    const first = await appendWith(s, { fields: { a: '1' } }, { 'idempotency-key': 'k' });
    expect(first.statusCode).toBe(201);
    const again = await appendWith(s, { fields: { a: '1' } }, { 'idempotency-key': 'k', 'idempotency-producer': 'default' });
    expect(again.json()).toEqual({ id: first.json().id, duplicate: true });
    expectProblem(await appendWith(s, { fields: { a: '2' } }, { 'idempotency-key': 'k' }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect((await appendWith(s, { fields: { a: '2' } }, { 'idempotency-key': 'k', 'idempotency-producer': 'other' })).statusCode).toBe(201);
  });

  it('refuses an explicit ID and empty names', async () => {
    const s = streamName();
    expectProblem(await appendWith(s, { id: '5-0', fields: { a: '1' }, idempotency: { producer: 'p', key: 'k' } }), 400, 'VALIDATION');
    expectProblem(await appendWith(s, { fields: { a: '1' }, idempotency: { producer: '' } }), 400, 'VALIDATION');
    expectProblem(await appendWith(s, { fields: { a: '1' }, idempotency: { producer: 'p', key: '' } }), 400, 'VALIDATION');
    expectProblem(await appendWith(s, { id: '5-0', fields: { a: '1' } }, { 'idempotency-key': 'k' }), 400, 'VALIDATION');
  });
});

describe('PATCH /streams/{stream}/config (XCFGSET)', () => {
  it('sets the windows and answers the stream; a change forgets the keys', async () => {
    const s = streamName();
    await appendWith(s, { fields: { a: '1' }, idempotency: { producer: 'p', key: 'k' } });
    const res = await call(t.app, 'PATCH', streamPath(s, 'config'), { idempotencyDurationS: 60, idempotencyMaxSize: 5 });
    expect(res.statusCode).toBe(200);
    expect(res.json().idempotency).toMatchObject({ durationS: 60, maxSize: 5, keysTracked: 0 });
  });

  it('refuses a missing stream, an empty body and values out of range', async () => {
    const s = streamName();
    expectProblem(await call(t.app, 'PATCH', streamPath(s, 'config'), { idempotencyDurationS: 5 }), 404, 'NO_STREAM');
    await appendWith(s, { fields: { a: '1' } });
    expectProblem(await call(t.app, 'PATCH', streamPath(s, 'config'), {}), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'PATCH', streamPath(s, 'config'), { idempotencyDurationS: 0 }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'PATCH', streamPath(s, 'config'), { idempotencyDurationS: 86_401 }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'PATCH', streamPath(s, 'config'), { idempotencyMaxSize: 10_001 }), 400, 'VALIDATION');
  });
});

describe('idempotent batches', () => {
  it('takes idempotency per message: duplicates (stored or earlier in the batch) answer the original ID', async () => {
    const s = streamName();
    const first = await appendWith(s, { fields: { a: '1' }, idempotency: { producer: 'p', key: 'k1' } });
    const batch = await t.app.inject({
      method: 'POST',
      url: streamPath(s, 'messages', 'batch'),
      payload: {
        messages: [
          { fields: { a: '1' }, idempotency: { producer: 'p', key: 'k1' } },
          { fields: { b: '2' }, idempotency: { producer: 'p', key: 'k2' } },
          { fields: { c: '3' } },
          { fields: { b: 'again' }, idempotency: { producer: 'p', key: 'k2' } },
        ],
      },
    });
    expect(batch.statusCode).toBe(201);
    const body = batch.json();
    expect(body.duplicate).toEqual([true, false, false, true]);
    expect(body.ids[0]).toBe(first.json().id);
    expect(body.ids[3]).toBe(body.ids[1]);
    expect((await call(t.app, 'GET', streamPath(s))).json()).toMatchObject({ length: 3, idempotency: { keysTracked: 2, duplicates: 2 } });
    const allDuplicates = await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), {
      messages: [{ fields: { z: '1' }, idempotency: { producer: 'p', key: 'k1' } }],
      trim: { maxLen: 0 },
    });
    expect(allDuplicates.statusCode).toBe(200);
    expect((await call(t.app, 'GET', streamPath(s))).json().length).toBe(3);
    expectProblem(
      await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), { messages: [{ id: '9999999999999-0', fields: { a: '1' }, idempotency: { producer: 'p' } }] }),
      400,
      'VALIDATION',
    );
  });
});

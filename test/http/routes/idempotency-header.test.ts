/**
 * The Idempotency-Key header over the HTTP matrix: on a single append and on a
 * batch (one unit under the key), with the producer from Idempotency-Producer,
 * else the token's name, else "default". Redis rows (no Redis 8.6 server here)
 * answer 501 NOT_SUPPORTED_BY_BACKEND and append nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, buildTestAppOn, call, streamName, streamPath, type AnyTestApp, type TestApp } from '../../helpers/app.js';
import { bearer, makeToken, writeTokensFile } from '../../helpers/auth.js';
import { httpBackendMatrix, useHttpBackend } from '../../helpers/backends.js';
import { expectProblem } from '../../helpers/expect-problem.js';

let t: AnyTestApp;

const post = (url: string, body: unknown, headers: Record<string, string> = {}) => t.app.inject({ method: 'POST', url, payload: body as object, headers });
const batch = [{ fields: { a: '1' } }, { fields: { b: '2' } }];

describe.each(httpBackendMatrix())('on $name', (row) => {
  const env = useHttpBackend(row);
  beforeAll(async () => {
    t = await buildTestAppOn(env.backend);
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses the header beside a body `idempotency` with 400, on both routes', async () => {
    const s = streamName();
    expectProblem(await post(streamPath(s, 'messages'), { fields: { a: '1' }, idempotency: { producer: 'p' } }, { 'idempotency-key': 'k' }), 400, 'VALIDATION');
    const both = await post(streamPath(s, 'messages', 'batch'), { messages: [{ fields: { a: '1' }, idempotency: { producer: 'p' } }] }, { 'idempotency-key': 'k' });
    expect(expectProblem(both, 400, 'VALIDATION')).toContain('not both');
    expectProblem(await post(streamPath(s, 'messages', 'batch'), { messages: batch }, { 'idempotency-key': '' }), 400, 'VALIDATION');
  });

  if (row.kind === 'redis') {
    it('answers 501 NOT_SUPPORTED_BY_BACKEND for the header, single and batch, and appends nothing', async () => {
      const s = streamName();
      await post(streamPath(s, 'messages'), { fields: { seed: '1' } });
      expect(expectProblem(await post(streamPath(s, 'messages'), { fields: { a: '1' } }, { 'idempotency-key': 'k' }), 501, 'NOT_SUPPORTED_BY_BACKEND')).toContain('XADD IDMP needs Redis 8.6');
      expectProblem(await post(streamPath(s, 'messages', 'batch'), { messages: batch }, { 'idempotency-key': 'k' }), 501, 'NOT_SUPPORTED_BY_BACKEND');
      expect((await call(t.app, 'GET', streamPath(s))).json().length).toBe(1);
    });
    return;
  }

  it('a batch under one key: a retry answers 200 with the first IDs; other messages are 422; nothing appended twice', async () => {
    const s = streamName();
    const first = await post(streamPath(s, 'messages', 'batch'), { messages: batch }, { 'idempotency-key': 'order-7' });
    expect(first.statusCode).toBe(201);
    expect(first.json().duplicate).toEqual([false, false]);
    const again = await post(streamPath(s, 'messages', 'batch'), { messages: batch, trim: { maxLen: 0 } }, { 'idempotency-key': 'order-7' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ ids: first.json().ids, duplicate: [true, true] });
    expectProblem(await post(streamPath(s, 'messages', 'batch'), { messages: batch.slice(0, 1) }, { 'idempotency-key': 'order-7' }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expectProblem(await post(streamPath(s, 'messages'), { fields: { a: '1' } }, { 'idempotency-key': 'order-7' }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expectProblem(await post(streamPath(s, 'messages', 'batch'), { messages: [{ id: '9-0', fields: { a: '1' } }] }, { 'idempotency-key': 'x' }), 400, 'VALIDATION');
    // Another producer's key of the same name is another request.
    expect((await post(streamPath(s, 'messages', 'batch'), { messages: batch }, { 'idempotency-key': 'order-7', 'idempotency-producer': 'other' })).statusCode).toBe(201);
    expect((await call(t.app, 'GET', streamPath(s))).json()).toMatchObject({ length: 4, idempotency: { producersTracked: 2, keysTracked: 2, duplicates: 1 } });
  });
});

describe('the producer of an Idempotency-Key defaults to the token name', () => {
  const alice = makeToken('alice', [{ streams: '*', actions: ['append', 'read', 'admin'] }]);
  const bob = makeToken('bob', [{ streams: '*', actions: ['append', 'read', 'admin'] }]);
  const file = writeTokensFile([alice, bob]);
  let app: TestApp;
  beforeAll(async () => {
    app = await buildTestApp({ authTokensFile: file.path });
  });
  afterAll(async () => {
    await app.close();
    file.remove();
  });

  it('each token its own producer; Idempotency-Producer overrides it; the same on batches', async () => {
    const s = streamName();
    const send = (url: string, body: unknown, headers: Record<string, string>) => app.app.inject({ method: 'POST', url, payload: body as object, headers });
    const single = streamPath(s, 'messages');
    const first = await send(single, { fields: { a: '1' } }, { ...bearer(alice), 'idempotency-key': 'k' });
    expect(first.statusCode).toBe(201);
    expect((await send(single, { fields: { a: '1' } }, { ...bearer(alice), 'idempotency-key': 'k' })).statusCode).toBe(200);
    // bob's "k" is not alice's.
    expect((await send(single, { fields: { a: '2' } }, { ...bearer(bob), 'idempotency-key': 'k' })).statusCode).toBe(201);
    // Naming alice's producer explicitly finds her key.
    const named = await send(single, { fields: { a: '1' } }, { ...bearer(bob), 'idempotency-key': 'k', 'idempotency-producer': 'alice' });
    expect(named.json()).toEqual({ id: first.json().id, duplicate: true });
    const url = streamPath(s, 'messages', 'batch');
    expect((await send(url, { messages: batch }, { ...bearer(alice), 'idempotency-key': 'b' })).statusCode).toBe(201);
    expect((await send(url, { messages: batch }, { ...bearer(alice), 'idempotency-key': 'b' })).statusCode).toBe(200);
    expect((await send(url, { messages: batch }, { ...bearer(bob), 'idempotency-key': 'b' })).statusCode).toBe(201);
    const info = (await app.app.inject({ method: 'GET', url: streamPath(s), headers: bearer(alice) })).json();
    expect(info).toMatchObject({ length: 6, idempotency: { producersTracked: 2, keysTracked: 4 } });
  });
});

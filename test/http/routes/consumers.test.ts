import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestAppOn, call, readGroup, streamName, streamPath, streamWithGroup, type AnyTestApp } from '../../helpers/app.js';
import { httpBackendMatrix, useHttpBackend } from '../../helpers/backends.js';
import { expectProblem } from '../../helpers/expect-problem.js';

/** Set per backend row, in the row's beforeAll. */
let t: AnyTestApp;

const withGroup = (n?: number) => streamWithGroup(t.app, n);
const read = (s: string, consumer: string, body?: unknown, query?: string) => readGroup(t.app, s, consumer, body, query);

describe.each(httpBackendMatrix())('on $name', (row) => {
  const env = useHttpBackend(row);
  beforeAll(async () => {
    t = await buildTestAppOn(env.backend);
  });
  afterAll(async () => {
    await t.close();
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

    it('ack: acknowledges first, then reads, in one request (acknowledged counts the pending ones)', async () => {
      const s = await withGroup(4);
      expect((await read(s, 'c', { count: 2 })).json().messages.map((m: { id: string }) => m.id)).toEqual(['1-0', '2-0']);
      // 3-0 was never delivered and 9-0 does not exist: neither was pending.
      const next = (await read(s, 'c', { count: 2, ack: ['1-0', '2-0', '3-0', '9-0'] })).json();
      expect(next).toEqual({
        messages: [
          { id: '3-0', fields: { i: '3' }, deliveryCount: 1 },
          { id: '4-0', fields: { i: '4' }, deliveryCount: 1 },
        ],
        acknowledged: 2,
      });
      const pending = (await call(t.app, 'GET', streamPath(s, 'groups', 'g', 'pending'))).json();
      expect(pending).toMatchObject({ count: 2, minId: '3-0', maxId: '4-0' });
      // A history read after the acks sees only what is still pending; acking twice counts nothing.
      expect((await read(s, 'c', { after: '0', ack: ['3-0', '1-0'] })).json()).toEqual({ messages: [{ id: '4-0', fields: { i: '4' }, deliveryCount: 2 }], acknowledged: 1 });
      expect((await read(s, 'c', { ack: ['3-0'] })).json()).toEqual({ messages: [], acknowledged: 0 });
    });

    it('ack with a wait: the acks stand when the wait times out, and a wait woken by an add delivers', async () => {
      const s = await withGroup(1);
      await read(s, 'c', {});
      const timedOut = (await read(s, 'c', { ack: ['1-0'], waitMs: 50 })).json();
      expect(timedOut).toEqual({ messages: [], acknowledged: 1 });
      expect((await call(t.app, 'GET', streamPath(s, 'groups', 'g', 'pending'))).json().count).toBe(0);
      const waiting = read(s, 'c', { ack: ['1-0'], waitMs: 5000 });
      await new Promise((resolve) => setTimeout(resolve, 30));
      await call(t.app, 'POST', streamPath(s, 'messages'), { id: '9-0', fields: { a: '1' } });
      expect((await waiting).json()).toEqual({ messages: [{ id: '9-0', fields: { a: '1' }, deliveryCount: 1 }], acknowledged: 0 });
    });

    it('ack on a missing group or stream acknowledges nothing; bad ack lists are 400', async () => {
      const s = await withGroup(2);
      await read(s, 'c', {});
      expectProblem(await call(t.app, 'POST', streamPath(s, 'groups', 'nope', 'consumers', 'c', 'read'), { ack: ['1-0'] }), 404, 'NOGROUP');
      expectProblem(await call(t.app, 'POST', streamPath(streamName(), 'groups', 'g', 'consumers', 'c', 'read'), { ack: ['1-0'] }), 404, 'NO_STREAM');
      expectProblem(await read(s, 'c', { ack: [] }), 400, 'VALIDATION');
      expectProblem(await read(s, 'c', { ack: ['1-0', 'x'] }), 400, 'INVALID_ID');
      expectProblem(await read(s, 'c', { ack: '1-0' }), 400, 'VALIDATION');
      expect((await call(t.app, 'GET', streamPath(s, 'groups', 'g', 'pending'))).json().count).toBe(2);
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
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestAppOn, call, readGroup, streamName, streamPath, streamWithGroup, type AnyTestApp } from '../../helpers/app.js';
import { httpBackendMatrix, useHttpBackend } from '../../helpers/backends.js';
import { expectProblem } from '../../helpers/expect-problem.js';

/** Idle times are real (Redis keeps its own clock): entries are left idle for IDLE_MS, claims ask for half of it. */
const IDLE_MS = 60;
const idle = () => new Promise((resolve) => setTimeout(resolve, IDLE_MS));

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

  describe('acks and pending', () => {
    it('acknowledges, summarises and lists pending entries', async () => {
      const s = await withGroup();
      await read(s, 'a', { count: 2 });
      await read(s, 'b', {});
      const summary = (await call(t.app, 'GET', streamPath(s, 'groups', 'g', 'pending'))).json();
      expect(summary).toEqual({ count: 3, minId: '1-0', maxId: '3-0', consumers: [{ name: 'a', count: 2 }, { name: 'b', count: 1 }] });
      await idle();
      const list = (await call(t.app, 'GET', `${streamPath(s, 'groups', 'g', 'pending', 'messages')}?consumer=a`)).json();
      expect(list).toEqual({
        messages: [
          { id: '1-0', consumer: 'a', idleMs: expect.any(Number), deliveryCount: 1 },
          { id: '2-0', consumer: 'a', idleMs: expect.any(Number), deliveryCount: 1 },
        ],
      });
      for (const message of list.messages) expect(message.idleMs).toBeGreaterThanOrEqual(IDLE_MS - 5);
      const ranged = (await call(t.app, 'GET', `${streamPath(s, 'groups', 'g', 'pending', 'messages')}?start=(1-0&end=%2B&count=1&minIdleMs=${IDLE_MS / 2}`)).json();
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
      await idle();
      const claimed = (await call(t.app, 'POST', streamPath(s, 'groups', 'g', 'claims'), { consumer: 'b', minIdleMs: IDLE_MS / 2, ids: ['1-0', '2-0'] })).json();
      expect(claimed).toEqual({
        messages: [
          { id: '1-0', fields: { i: '1' }, deliveryCount: 2 },
          { id: '2-0', fields: { i: '2' }, deliveryCount: 2 },
        ],
      });
      const none = (await call(t.app, 'POST', streamPath(s, 'groups', 'g', 'claims'), { consumer: 'c', minIdleMs: 60_000, ids: ['1-0'] })).json();
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
      await idle();
      const autoclaim = streamPath(s, 'groups', 'g', 'autoclaim');
      const page = (await call(t.app, 'POST', autoclaim, { consumer: 'b', minIdleMs: IDLE_MS / 2, count: 2 })).json();
      expect(page).toEqual({ nextStart: '3-0', messages: [{ id: '1-0', fields: { i: '1' }, deliveryCount: 2 }], deletedIds: ['2-0'] });
      const rest = (await call(t.app, 'POST', autoclaim, { consumer: 'b', minIdleMs: IDLE_MS / 2, start: page.nextStart, justId: true })).json();
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
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestAppOn, call, streamName, streamPath, streamWithGroup, type AnyTestApp } from '../../helpers/app.js';
import { httpBackendMatrix, useHttpBackend } from '../../helpers/backends.js';
import { expectProblem } from '../../helpers/expect-problem.js';

/** Set per backend row, in the row's beforeAll. */
let t: AnyTestApp;

const withGroup = (n?: number) => streamWithGroup(t.app, n);

describe.each(httpBackendMatrix())('on $name', (row) => {
  const env = useHttpBackend(row);
  beforeAll(async () => {
    t = await buildTestAppOn(env.backend);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('consumer groups', () => {
    it('creates a group (201 with Location), refuses a second one (409 BUSYGROUP)', async () => {
      const s = streamName();
      await call(t.app, 'POST', streamPath(s, 'messages'), { id: '1-0', fields: { a: '1' } });
      const r = await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'g/1' });
      expect(r.statusCode).toBe(201);
      expect(r.headers.location).toBe(streamPath(s, 'groups', 'g/1'));
      expect(r.json()).toEqual({ name: 'g/1', consumers: 0, pending: 0, lastDeliveredId: '1-0', entriesRead: null, lag: 0, policy: null });
      expectProblem(await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'g/1' }), 409, 'BUSYGROUP');
      expect((await call(t.app, 'GET', r.headers.location as string)).json().name).toBe('g/1');
    });

    it('creates with entriesRead, with mkStream, and refuses a missing stream without it', async () => {
      const s = streamName();
      expectProblem(await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'g' }), 404, 'NO_STREAM');
      const r = await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'g', mkStream: true, startId: '$', entriesRead: 0 });
      expect(r.json()).toEqual({ name: 'g', consumers: 0, pending: 0, lastDeliveredId: '0-0', entriesRead: 0, lag: 0, policy: null });
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
      expect(list).toEqual({ groups: [{ name: 'g', consumers: 0, pending: 0, lastDeliveredId: '0-0', entriesRead: null, lag: 3, policy: null }] });
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
});

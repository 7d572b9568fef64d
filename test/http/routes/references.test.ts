import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, readGroup, streamName, streamPath, streamWithGroup, type TestApp } from '../../helpers/app.js';
import { expectProblem } from '../../helpers/expect-problem.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

const ids = async (s: string): Promise<string[]> =>
  (await call(t.app, 'GET', streamPath(s, 'messages'))).json().messages.map((m: { id: string }) => m.id);
const pendingIds = async (s: string, group: string): Promise<string[]> =>
  (await call(t.app, 'GET', streamPath(s, 'groups', group, 'pending', 'messages'))).json().messages.map((m: { id: string }) => m.id);
const withTwoGroups = async (n = 3): Promise<string> => {
  const s = await streamWithGroup(t.app, n);
  await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'h', startId: '0' });
  return s;
};

describe('POST .../acks with delete: true (XACKDEL)', () => {
  it('acks and deletes, one result per ID in order', async () => {
    const s = await withTwoGroups();
    await readGroup(t.app, s, 'a', {});
    const res = await call(t.app, 'POST', streamPath(s, 'groups', 'g', 'acks'), { ids: ['1-0', '9-0', '2-0'], delete: true });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ acknowledged: 2, results: ['deleted', 'notFound', 'deleted'] });
    expect(await ids(s)).toEqual(['3-0']);
  });

  it('refs: "acked" keeps what another group references; "delRef" cleans its PEL', async () => {
    const s = await withTwoGroups();
    await readGroup(t.app, s, 'a', {});
    const acked = await call(t.app, 'POST', streamPath(s, 'groups', 'g', 'acks'), { ids: ['1-0'], delete: true, refs: 'acked' });
    expect(acked.json()).toEqual({ acknowledged: 1, results: ['referenced'] });
    expect(await ids(s)).toEqual(['1-0', '2-0', '3-0']);
    await call(t.app, 'POST', `${streamPath(s, 'groups', 'h', 'consumers', 'x', 'read')}`, {});
    expect(await pendingIds(s, 'h')).toEqual(['1-0', '2-0', '3-0']);
    const delRef = await call(t.app, 'POST', streamPath(s, 'groups', 'g', 'acks'), { ids: ['2-0'], delete: true, refs: 'delRef' });
    expect(delRef.json()).toEqual({ acknowledged: 1, results: ['deleted'] });
    expect(await pendingIds(s, 'h')).toEqual(['1-0', '3-0']);
  });

  it('a missing stream or group answers every ID notFound (not 404)', async () => {
    const s = await withTwoGroups();
    expect((await call(t.app, 'POST', streamPath(streamName(), 'groups', 'g', 'acks'), { ids: ['1-0'], delete: true })).json()).toEqual({
      acknowledged: 0,
      results: ['notFound'],
    });
    expect((await call(t.app, 'POST', streamPath(s, 'groups', 'nope', 'acks'), { ids: ['1-0', '2-0'], delete: true })).json()).toEqual({
      acknowledged: 0,
      results: ['notFound', 'notFound'],
    });
  });

  it('refuses refs without delete, a bad refs, a bad ID or no IDs; the plain ack is unchanged', async () => {
    const s = await withTwoGroups();
    const acks = streamPath(s, 'groups', 'g', 'acks');
    expectProblem(await call(t.app, 'POST', acks, { ids: ['1-0'], refs: 'acked' }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', acks, { ids: ['1-0'], delete: true, refs: 'ACKED' }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', acks, { ids: ['1-0', '-'], delete: true }), 400, 'INVALID_ID');
    expectProblem(await call(t.app, 'POST', acks, { ids: [], delete: true }), 400, 'VALIDATION');
    expect((await call(t.app, 'POST', acks, { ids: ['1-0'] })).json()).toEqual({ acknowledged: 0 });
    expect((await call(t.app, 'POST', acks, { ids: ['1-0'], delete: false })).json()).toEqual({ acknowledged: 0 });
    expect(await ids(s)).toEqual(['1-0', '2-0', '3-0']);
  });
});

describe('POST /streams/{stream}/messages/delete with refs (XDELEX)', () => {
  it('answers deleted / referenced / notFound per ID', async () => {
    const s = await withTwoGroups();
    await readGroup(t.app, s, 'a', { count: 1 });
    const res = await call(t.app, 'POST', streamPath(s, 'messages', 'delete'), { ids: ['1-0', '2-0', '9-0'], refs: 'acked' });
    expect(res.json()).toEqual({ deleted: 0, results: ['referenced', 'referenced', 'referenced'] });
    const keep = await call(t.app, 'POST', streamPath(s, 'messages', 'delete'), { ids: ['1-0', '9-0'], refs: 'keepRef' });
    expect(keep.json()).toEqual({ deleted: 1, results: ['deleted', 'notFound'] });
    expect(await pendingIds(s, 'g')).toEqual(['1-0']);
    const delRef = await call(t.app, 'POST', streamPath(s, 'messages', 'delete'), { ids: ['1-0'], refs: 'delRef' });
    expect(delRef.json()).toEqual({ deleted: 0, results: ['notFound'] });
    expect(await pendingIds(s, 'g')).toEqual([]);
  });

  it('a missing stream answers notFound per ID with refs, 404 without (XDEL as before)', async () => {
    const missing = streamName();
    expect((await call(t.app, 'POST', streamPath(missing, 'messages', 'delete'), { ids: ['1-0'], refs: 'keepRef' })).json()).toEqual({
      deleted: 0,
      results: ['notFound'],
    });
    expectProblem(await call(t.app, 'POST', streamPath(missing, 'messages', 'delete'), { ids: ['1-0'] }), 404, 'NO_STREAM');
    expectProblem(await call(t.app, 'POST', streamPath(missing, 'messages', 'delete'), { ids: ['1-0'], refs: 'all' }), 400, 'VALIDATION');
  });
});

describe('refs on trimming', () => {
  it('POST .../trim with refs', async () => {
    const s = await withTwoGroups(5);
    await readGroup(t.app, s, 'a', { count: 2 });
    await call(t.app, 'POST', streamPath(s, 'groups', 'h', 'consumers', 'x', 'read'), {});
    const acked = await call(t.app, 'POST', streamPath(s, 'trim'), { maxLen: 0, refs: 'acked' });
    expect(acked.json()).toEqual({ trimmed: 0 });
    const delRef = await call(t.app, 'POST', streamPath(s, 'trim'), { maxLen: 4, approximate: true, refs: 'delRef' });
    expect(delRef.json()).toEqual({ trimmed: 1 });
    expect(await pendingIds(s, 'g')).toEqual(['2-0']);
    expect(await pendingIds(s, 'h')).toEqual(['2-0', '3-0', '4-0', '5-0']);
    expectProblem(await call(t.app, 'POST', streamPath(s, 'trim'), { maxLen: 4, refs: 'none' }), 400, 'VALIDATION');
  });

  it('the trim object of appends and batches takes refs', async () => {
    const s = await withTwoGroups(3);
    await readGroup(t.app, s, 'a', {});
    const one = await call(t.app, 'POST', streamPath(s, 'messages'), { id: '4-0', fields: { i: '4' }, trim: { maxLen: 2, refs: 'delRef' } });
    expect(one.statusCode).toBe(201);
    expect(await ids(s)).toEqual(['3-0', '4-0']);
    expect(await pendingIds(s, 'g')).toEqual(['3-0']);
    const batch = await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), { messages: [{ fields: { i: '5' } }], trim: { maxLen: 1, refs: 'acked' } });
    expect(batch.statusCode).toBe(201);
    expect((await ids(s)).length).toBe(3);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, readGroup, streamName, streamPath, streamWithGroup, type TestApp } from '../../helpers/app.js';
import { expectProblem } from '../../helpers/expect-problem.js';

let now = 1_000_000;
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({}, { clock: () => now });
});
afterAll(async () => {
  await t.close();
});

const nacks = (s: string, group = 'g') => streamPath(s, 'groups', group, 'nacks');

describe('POST .../groups/{group}/nacks (XNACK)', () => {
  it('releases pending entries: consumer and idleMs null in pending lists; nackedCount in the full stream info', async () => {
    const s = await streamWithGroup(t.app, 3);
    await readGroup(t.app, s, 'a', {});
    now += 100;
    const res = await call(t.app, 'POST', nacks(s), { ids: ['2-0', '9-0'] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ released: 1 });
    const list = (await call(t.app, 'GET', streamPath(s, 'groups', 'g', 'pending', 'messages'))).json();
    expect(list.messages).toEqual([
      { id: '1-0', consumer: 'a', idleMs: 100, deliveryCount: 1 },
      { id: '2-0', consumer: null, idleMs: null, deliveryCount: 1 },
      { id: '3-0', consumer: 'a', idleMs: 100, deliveryCount: 1 },
    ]);
    const full = (await call(t.app, 'GET', `${streamPath(s)}?full=true`)).json();
    expect(full.groups[0]).toMatchObject({ pelCount: 3, nackedCount: 1 });
    expect(full.groups[0].pending[1]).toMatchObject({ id: '2-0', consumer: null, deliveryTime: 0 });
  });

  it('takes mode, retryCount and force', async () => {
    const s = await streamWithGroup(t.app, 3);
    await readGroup(t.app, s, 'a', { count: 2 });
    expect((await call(t.app, 'POST', nacks(s), { ids: ['1-0'], mode: 'silent' })).json()).toEqual({ released: 1 });
    expect((await call(t.app, 'POST', nacks(s), { ids: ['2-0'], mode: 'fatal', retryCount: 4 })).json()).toEqual({ released: 1 });
    expect((await call(t.app, 'POST', nacks(s), { ids: ['3-0'] })).json()).toEqual({ released: 0 });
    expect((await call(t.app, 'POST', nacks(s), { ids: ['3-0'], force: true })).json()).toEqual({ released: 1 });
    const list = (await call(t.app, 'GET', streamPath(s, 'groups', 'g', 'pending', 'messages'))).json();
    expect(list.messages.map((m: { deliveryCount: number }) => m.deliveryCount)).toEqual([0, 4, 0]);
  });

  it('answers NO_STREAM, NOGROUP, and VALIDATION for a bad body', async () => {
    const s = await streamWithGroup(t.app, 1);
    expectProblem(await call(t.app, 'POST', nacks(streamName()), { ids: ['1-0'] }), 404, 'NO_STREAM');
    expectProblem(await call(t.app, 'POST', nacks(s, 'nope'), { ids: ['1-0'] }), 404, 'NOGROUP');
    expectProblem(await call(t.app, 'POST', nacks(s), { ids: [] }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', nacks(s), { ids: ['1-0'], mode: 'retry' }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', nacks(s), { ids: ['1-0'], retryCount: -1 }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', nacks(s), { ids: ['x'] }), 400, 'INVALID_ID');
  });
});

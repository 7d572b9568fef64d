import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestAppOn, call, streamName, streamPath, type AnyTestApp } from '../../helpers/app.js';
import { httpBackendMatrix, useHttpBackend } from '../../helpers/backends.js';
import { expectProblem } from '../../helpers/expect-problem.js';

/** Set per backend row, in the row's beforeAll. */
let t: AnyTestApp;

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

  describe('POST /v1/streams/{stream}/trim (XTRIM)', () => {
  it('trims by maxLen and by minId', async () => {
    const s = streamName();
    const messages = [1, 2, 3, 4, 5].map((i) => ({ id: `${i}-0`, fields: { n: String(i) } }));
    await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), { messages });
    expect((await call(t.app, 'POST', streamPath(s, 'trim'), { maxLen: 4 })).json()).toEqual({ trimmed: 1 });
    expect((await call(t.app, 'POST', streamPath(s, 'trim'), { minId: '4' })).json()).toEqual({ trimmed: 2 });
    expect((await call(t.app, 'POST', streamPath(s, 'trim'), { maxLen: 0, approximate: true, limit: 10 })).statusCode).toBe(200);
    const info = (await call(t.app, 'GET', streamPath(s))).json();
    expect(info.maxDeletedEntryId).toBe('0-0');
  });

  it('refuses bad trims and missing streams', async () => {
    const s = streamName();
    await add(s, { fields: { a: '1' } });
    expectProblem(await call(t.app, 'POST', streamPath(s, 'trim'), { maxLen: 1, limit: 5 }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', streamPath(s, 'trim'), { maxLen: -1 }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', streamPath(s, 'trim'), { minId: 'x' }), 400, 'INVALID_ID');
    expectProblem(await call(t.app, 'POST', streamPath(s, 'trim'), {}), 400, 'VALIDATION');
    const both = await call(t.app, 'POST', streamPath(s, 'trim'), { maxLen: 1, minId: '1-0' });
    expectProblem(both, 400, 'VALIDATION');
    expect(both.json().detail).toMatch(/give exactly one of maxLen and minId/);
    expectProblem(await call(t.app, 'POST', streamPath(s, 'trim'), { maxLen: 1, unknown: true }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', streamPath(streamName(), 'trim'), { maxLen: 1 }), 404, 'NO_STREAM');
  });
  });
});

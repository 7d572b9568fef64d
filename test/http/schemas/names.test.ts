import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, streamPath, type TestApp } from '../../helpers/app.js';
import { expectProblem } from '../../helpers/expect-problem.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

async function add(stream: string, body: unknown) {
  return call(t.app, 'POST', streamPath(stream, 'messages'), body);
}

describe('odd stream names', () => {
  it.each(['a/b', 'a b', 'ü:x', '%', 'a?b#c', '😀', '.x', 'x'.repeat(512), 'é'.repeat(256)])('round-trips %j', async (name) => {
    const r = await add(name, { fields: { a: '1' } });
    expect(r.statusCode).toBe(201);
    expect(r.headers.location).toBe(`/v1/streams/${encodeURIComponent(name)}/messages/${r.json().id}`);
    const info = await call(t.app, 'GET', streamPath(name));
    expect(info.json().name).toBe(name);
    expect((await call(t.app, 'GET', r.headers.location as string)).statusCode).toBe(200);
    expect((await call(t.app, 'DELETE', streamPath(name))).statusCode).toBe(204);
  });

  it('refuses names over 512 bytes and malformed encodings', async () => {
    expectProblem(await add('x'.repeat(513), { fields: { a: '1' } }), 400, 'VALIDATION');
    expectProblem(await add('é'.repeat(257), { fields: { a: '1' } }), 400, 'VALIDATION');
    expectProblem(await add('x'.repeat(5000), { fields: { a: '1' } }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', '/v1/streams/%FF/messages', { fields: { a: '1' } }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'POST', '/v1/streams/%ED%A0%80/messages', { fields: { a: '1' } }), 400, 'VALIDATION');
  });
});

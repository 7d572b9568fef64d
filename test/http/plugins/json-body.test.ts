import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, streamName, streamPath, type TestApp } from '../../helpers/app.js';
import { expectProblem } from '../../helpers/expect-problem.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('JSON bodies', () => {
  it('bad JSON, prototype poisoning and wrong content types are 4xx VALIDATION', async () => {
    const url = streamPath(streamName(), 'messages');
    const send = (payload: string, type = 'application/json') => t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': type } });
    expectProblem(await send('{"fields":'), 400, 'VALIDATION');
    const poisoned = expectProblem(await send('{"fields":{"__proto__":{"a":"b"}}}'), 400, 'VALIDATION');
    expect(poisoned).toMatch(/object key "__proto__".*send fields as \[name, value\] pairs/);
    expect(expectProblem(await send('{"fields":{"__proto__":"x"}}'), 400, 'VALIDATION')).toBe(poisoned);
    expect(expectProblem(await send('{"fields":{"\\u005f_proto__":{"a":"b"}}}'), 400, 'VALIDATION')).toBe(poisoned);
    const constructor = expectProblem(await send('{"fields":{"constructor":{"prototype":{"a":"b"}}}}'), 400, 'VALIDATION');
    expect(constructor).toMatch(/object key "constructor" holding a "prototype"/);
    expect(expectProblem(await send('{"fields":{"\\u0063onstructor":{"prototype":{"a":"b"}}}}'), 400, 'VALIDATION')).toBe(constructor);
    // The pairs form stores such names as any other.
    expect((await send('{"fields":[["__proto__","x"],["constructor","y"]]}')).statusCode).toBe(201);
    expect((await send('{"fields":{"constructor":"y"}}')).statusCode).toBe(201);
    expect(expectProblem(await send('{"fields":'), 400, 'VALIDATION')).toMatch(/^the body is not valid JSON: /);
    expect((await send('\uFEFF{"fields":{"a":"b"}}')).statusCode).toBe(201);
    expect((await send('{"fields":{"a":"__proto__ constructor \\u0041"}}')).statusCode).toBe(201);
    expectProblem(await send(''), 400, 'VALIDATION');
    expectProblem(await send('fields=a', 'text/plain'), 415, 'VALIDATION');
    expectProblem(await send('<fields/>', 'application/xml'), 415, 'VALIDATION');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAllowedHosts, hostMatcher, isJsonContentType } from '../../src/http/plugins/request-guard.js';
import { buildTestApp, streamName, streamPath, type TestApp } from '../helpers/app.js';
import { expectProblem } from '../helpers/expect-problem.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ corsOrigins: ['https://app.example'] });
});
afterAll(() => t.close());

async function streamWithGroup(): Promise<string> {
  const s = streamName();
  const json = { 'content-type': 'application/json' };
  await t.app.inject({ method: 'POST', url: streamPath(s, 'messages'), headers: json, payload: { fields: { a: '1' } } });
  await t.app.inject({ method: 'POST', url: streamPath(s, 'groups'), headers: json, payload: { name: 'g', startId: '0' } });
  return s;
}

async function pendingCount(s: string): Promise<number> {
  return (await t.app.inject({ method: 'GET', url: streamPath(s, 'groups', 'g', 'pending') })).json().count;
}

describe('CSRF (probe: a cross-site form POST to .../read left messages pending under "attacker")', () => {
  it('a POST without content-type, as a plain form or no-cors fetch sends, is 415 and delivers nothing', async () => {
    const s = await streamWithGroup();
    const url = streamPath(s, 'groups', 'g', 'consumers', 'attacker', 'read');
    expectProblem(await t.app.inject({ method: 'POST', url, headers: { origin: 'https://evil.example' } }), 403, 'ORIGIN_NOT_ALLOWED');
    expectProblem(await t.app.inject({ method: 'POST', url }), 415, 'VALIDATION');
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
      expectProblem(await t.app.inject({ method: 'POST', url, headers: { 'content-type': type }, payload: 'a=b' }), 415, 'VALIDATION');
    }
    expect(await pendingCount(s)).toBe(0);
    const consumers = (await t.app.inject({ method: 'GET', url: streamPath(s, 'groups', 'g', 'consumers') })).json().consumers;
    expect(consumers).toEqual([]);
  });

  it('a write from an Origin outside CORS_ORIGINS is 403, whatever its content type; listed and same origins pass', async () => {
    const s = await streamWithGroup();
    const url = streamPath(s, 'groups', 'g', 'consumers', 'c', 'read');
    const json = { 'content-type': 'application/json' };
    for (const origin of ['https://evil.example', 'null', 'https://app.example.evil.example', 'http://app.example']) {
      expectProblem(await t.app.inject({ method: 'POST', url, headers: { ...json, origin }, payload: {} }), 403, 'ORIGIN_NOT_ALLOWED');
    }
    expectProblem(await t.app.inject({ method: 'DELETE', url: streamPath(s), headers: { origin: 'https://evil.example' } }), 403, 'ORIGIN_NOT_ALLOWED');
    expect(await pendingCount(s)).toBe(0);
    expect((await t.app.inject({ method: 'POST', url, headers: { ...json, origin: 'https://app.example' }, payload: {} })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url, headers: { ...json, origin: 'http://localhost:80' }, payload: {} })).statusCode).toBe(200);
    // Reads are not writes: a cross-origin GET is for CORS to allow or not.
    expect((await t.app.inject({ method: 'GET', url: streamPath(s), headers: { origin: 'https://evil.example' } })).statusCode).toBe(200);
  });

  it('CORS_ORIGINS=* accepts writes from any origin', async () => {
    const open = await buildTestApp({ corsOrigins: ['*'] });
    try {
      const response = await open.app.inject({ method: 'POST', url: streamPath(streamName(), 'messages'), headers: { 'content-type': 'application/json', origin: 'https://any.example' }, payload: { fields: { a: '1' } } });
      expect(response.statusCode).toBe(201);
    } finally {
      await open.close();
    }
  });
});

describe('DNS rebinding (probe: any Host was accepted)', () => {
  it('a Host outside ALLOWED_HOSTS is 403 on every route, reads included', async () => {
    for (const host of ['evil.example', 'evil.example:8080', '1.2.3.4', '[::2]:80']) {
      expectProblem(await t.app.inject({ method: 'GET', url: '/v1/streams', headers: { host } }), 403, 'HOST_NOT_ALLOWED');
    }
    for (const host of ['localhost', 'localhost:8080', '127.0.0.1:1', '[::1]:8080', 'LOCALHOST', 'app.localhost']) {
      expect((await t.app.inject({ method: 'GET', url: '/v1/streams', headers: { host } })).statusCode, host).toBe(200);
    }
  });

  it('ALLOWED_HOSTS lists exact names, *.suffixes, or *', async () => {
    const matches = hostMatcher(['api.example.com', '*.internal.example']);
    expect(['api.example.com', 'API.EXAMPLE.COM', 'a.internal.example', 'b.a.internal.example', 'localhost'].every(matches)).toBe(true);
    expect(['example.com', 'internal.example', 'api.example.com.evil'].some(matches)).toBe(false);
    expect(hostMatcher(['*'])('anything')).toBe(true);
    const listed = await buildTestApp({ allowedHosts: ['api.example.com'] });
    try {
      expect((await listed.app.inject({ method: 'GET', url: '/healthz', headers: { host: 'api.example.com:443' } })).statusCode).toBe(200);
      expect((await listed.app.inject({ method: 'GET', url: '/healthz', headers: { host: '127.0.0.1' } })).statusCode).toBe(200);
      expectProblem(await listed.app.inject({ method: 'GET', url: '/healthz', headers: { host: 'other.example.com' } }), 403, 'HOST_NOT_ALLOWED');
    } finally {
      await listed.close();
    }
  });

  it('by default serves the loopback names and the bound address', () => {
    expect(defaultAllowedHosts('10.1.2.3')).toEqual(['localhost', '127.0.0.1', '[::1]', '10.1.2.3']);
    expect(defaultAllowedHosts('::1')).toContain('[::1]');
    expect(defaultAllowedHosts('0.0.0.0')).toEqual(expect.arrayContaining(['localhost', '127.0.0.1']));
  });
});

describe('JSON content types', () => {
  it('accept application/json with a UTF-8 charset at most', () => {
    expect(['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"'].every(isJsonContentType)).toBe(true);
    expect([undefined, 'application/json; charset=latin1', 'application/json-patch+json', 'text/json', 'application/jsonx'].some(isJsonContentType)).toBe(false);
  });
});

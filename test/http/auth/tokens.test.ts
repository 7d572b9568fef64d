import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../../../src/http/auth/authenticator.js';
import { globMatcher } from '../../../src/http/auth/grants.js';
import { TokenSet } from '../../../src/http/auth/tokens-file.js';
import { bearer, makeToken, sha256, tokensFileText, writeTokensFile } from '../../helpers/auth.js';
import { buildTestApp, streamPath, type TestApp } from '../../helpers/app.js';
import { expectProblem } from '../../helpers/expect-problem.js';

const silent = { info: () => {}, error: () => {} };

describe('stream patterns', () => {
  it('* is any run of characters and ? exactly one; everything else is literal', () => {
    const orders = globMatcher('orders*');
    expect(['orders', 'orders-eu', 'orders*'].map(orders)).toEqual([true, true, true]);
    expect(['order', 'xorders'].map(orders)).toEqual([false, false]);
    const one = globMatcher('a?c');
    expect(['abc', 'a€c', 'ac', 'abbc'].map(one)).toEqual([true, true, false, false]);
    const literal = globMatcher('a.b+(c)[d]');
    expect([literal('a.b+(c)[d]'), literal('aXb+(c)[d]')]).toEqual([true, false]);
    expect(globMatcher('*')('anything at all\n')).toBe(true);
  });
});

describe('the tokens file', () => {
  it('refuses what is not of the documented shape, saying where', () => {
    expect(() => TokenSet.parse('{', 'f')).toThrow(/f is not JSON/);
    expect(() => TokenSet.parse('{"tokens":[{"name":"a","sha256":"xyz","allow":[]}]}', 'f')).toThrow(/tokens\.0\.sha256: must be 64 hex digits/);
    expect(() => TokenSet.parse(`{"tokens":[{"name":"a","sha256":"${sha256('x')}","allow":[{"streams":"*","actions":["write"]}]}]}`, 'f')).toThrow(/tokens\.0\.allow\.0\.actions\.0/);
    expect(() => TokenSet.parse(`{"tokens":[{"name":"a","sha256":"${sha256('x')}","alow":[]}]}`, 'f')).toThrow(/alow/);
    const twice = `{"tokens":[{"name":"a","sha256":"${sha256('x')}","allow":[]},{"name":"b","sha256":"${sha256('x').toUpperCase()}","allow":[]}]}`;
    expect(() => TokenSet.parse(twice, 'f')).toThrow(/"b" repeats the sha256/);
  });

  it('finds a token by its hash, and nothing for anything else', () => {
    const a = makeToken('a', [{ streams: 's*', actions: ['read'] }]);
    const set = TokenSet.parse(tokensFileText([a, makeToken('b', [])]), 'f');
    expect(set.find(a.token)?.name).toBe('a');
    expect(set.find(a.token)?.may('read', 'stream')).toBe(true);
    expect(set.find(a.token)?.may('append', 'stream')).toBe(false);
    expect(set.find(a.token)?.may('read', 'other')).toBe(false);
    expect(set.find(`${a.token}x`)).toBeUndefined();
    expect(set.find(sha256(a.token))).toBeUndefined();
  });
});

describe('reloading (SIGHUP)', () => {
  const first = makeToken('first', [{ streams: '*', actions: ['read'] }]);
  const second = makeToken('second', [{ streams: '*', actions: ['read'] }]);
  const file = writeTokensFile([first]);
  afterAll(() => file.remove());

  it('takes a good file, and keeps the old tokens over a bad one, logging why', async () => {
    const authenticator = await Authenticator.create({ authTokensFile: file.path, authJwtSecret: undefined, authJwtPublicKeyFile: undefined });
    expect((authenticator.authenticate(first.token) as { name: string }).name).toBe('first');

    file.rewrite(tokensFileText([second]));
    expect(await authenticator.reload(silent)).toBe(true);
    expect(authenticator.authenticate(first.token)).toBeUndefined();
    expect((authenticator.authenticate(second.token) as { name: string }).name).toBe('second');

    const errors: object[] = [];
    file.rewrite('{"tokens": [');
    expect(await authenticator.reload({ info: () => {}, error: (object) => errors.push(object) })).toBe(false);
    expect((authenticator.authenticate(second.token) as { name: string }).name).toBe('second');
    expect(JSON.stringify(errors)).toMatch(/is not JSON/);
  });

  it('a server started with a bad file does not start', async () => {
    file.rewrite('[]');
    await expect(buildTestApp({ authTokensFile: file.path })).rejects.toThrow(/is not a tokens file/);
  });
});

describe('requests', () => {
  const writer = makeToken('orders-writer', [{ streams: 'orders*', actions: ['append', 'read'] }]);
  const admin = makeToken('admin', [{ streams: '*', actions: ['admin'] }]);
  const scopedAdmin = makeToken('scoped-admin', [{ streams: 'orders*', actions: ['admin', 'read', 'consume'] }]);
  const root = makeToken('root', [{ streams: '*', actions: ['read', 'append', 'consume', 'admin'] }]);
  const file = writeTokensFile([writer, admin, scopedAdmin, root]);
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ authTokensFile: file.path });
  });
  afterAll(async () => {
    await t.close();
    file.remove();
  });

  it('take the bearer scheme case-insensitively and nothing else', async () => {
    const url = streamPath('orders-1', 'messages');
    const post = (authorization: string) => t.app.inject({ method: 'POST', url, headers: { authorization }, payload: { fields: { a: '1' } } });
    expect((await post(`Bearer ${writer.token}`)).statusCode).toBe(201);
    expect((await post(`bearer ${writer.token}`)).statusCode).toBe(201);
    const basic = await post(`Basic ${Buffer.from(`u:${writer.token}`).toString('base64')}`);
    expectProblem(basic, 401, 'UNAUTHORIZED');
    expect(basic.headers['www-authenticate']).toBe('Bearer realm="streamgate"');
  });

  it('take ?access_token= on the SSE routes only', async () => {
    await t.app.inject({ method: 'POST', url: streamPath('orders-2', 'messages'), headers: bearer(writer), payload: { fields: { a: '1' } } });
    // A missing group answers at once: what matters is that the token was accepted.
    const sse = await t.app.inject({ method: 'GET', url: `${streamPath('orders-2', 'groups', 'g', 'consumers', 'c', 'events')}?access_token=${scopedAdmin.token}` });
    expectProblem(sse, 404, 'NOGROUP');
    const range = await t.app.inject({ method: 'GET', url: `${streamPath('orders-2', 'messages')}?access_token=${writer.token}` });
    expectProblem(range, 401, 'UNAUTHORIZED');
  });

  it('list only the streams the token may read', async () => {
    for (const stream of ['orders-a', 'orders-b', 'payments-a']) {
      await t.app.inject({ method: 'POST', url: streamPath(stream, 'messages'), headers: bearer(root), payload: { fields: { a: '1' } } });
    }
    // admin alone may not list: listing is a read.
    expect(expectProblem(await t.app.inject({ method: 'GET', url: '/v1/streams', headers: bearer(admin) }), 403, 'FORBIDDEN')).toBe('token "admin" may not read any stream');
    const listed = await t.app.inject({ method: 'GET', url: '/v1/streams?limit=1000', headers: bearer(writer) });
    const names = (listed.json().streams as { name: string }[]).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['orders-a', 'orders-b']));
    expect(names.every((name) => name.startsWith('orders'))).toBe(true);
    const everything = await t.app.inject({ method: 'GET', url: '/v1/streams?limit=1000', headers: bearer(root) });
    expect(everything.json().streams.map((s: { name: string }) => s.name)).toContain('payments-a');
  });

  it('serve /healthz and /readyz without a token, and /metrics to admin on every stream', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expectProblem(await t.app.inject({ method: 'GET', url: '/metrics' }), 401, 'UNAUTHORIZED');
    expectProblem(await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(scopedAdmin) }), 403, 'FORBIDDEN');
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(admin) })).statusCode).toBe(200);
  });

  it('serve /docs and /openapi.json without a token, and 401 an unknown route', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
    expectProblem(await t.app.inject({ method: 'GET', url: '/v2/nothing' }), 401, 'UNAUTHORIZED');
    expectProblem(await t.app.inject({ method: 'GET', url: '/v2/nothing', headers: bearer(writer) }), 404, 'NOT_FOUND');
  });

  it('with METRICS_PUBLIC, /metrics needs no token', async () => {
    const open = await buildTestApp({ authTokensFile: file.path, metricsPublic: true });
    try {
      expect((await open.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('JWTs', () => {
  const allow = [{ streams: 'jwt-*', actions: ['read', 'append'] }];
  const dir = mkdtempSync(join(tmpdir(), 'streamgate-jwt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function expectJwtAccess(sign: (jwt: SignJWT) => Promise<string>, other: (jwt: SignJWT) => Promise<string>) {
    const now = Math.floor(Date.now() / 1000);
    const claims = { streamgate: { allow } };
    const good = await sign(new SignJWT(claims).setSubject('alice').setExpirationTime(now + 60));
    const post = (token: string, stream = 'jwt-1') => t!.app.inject({ method: 'POST', url: streamPath(stream, 'messages'), headers: bearer(token), payload: { fields: { a: '1' } } });
    expect((await post(good)).statusCode).toBe(201);
    expect(expectProblem(await post(good, 'other'), 403, 'FORBIDDEN')).toBe('token "alice" may not append stream "other"');
    expectProblem(await post(await sign(new SignJWT(claims).setExpirationTime(now - 5))), 401, 'UNAUTHORIZED');
    expectProblem(await post(await sign(new SignJWT(claims).setExpirationTime(now + 60).setNotBefore(now + 30))), 401, 'UNAUTHORIZED');
    expectProblem(await post(await sign(new SignJWT(claims))), 401, 'UNAUTHORIZED');
    expectProblem(await post(await sign(new SignJWT({ streamgate: { allow: [{ streams: '*' }] } }).setExpirationTime(now + 60))), 401, 'UNAUTHORIZED');
    expectProblem(await post(await sign(new SignJWT({}).setExpirationTime(now + 60))), 401, 'UNAUTHORIZED');
    expectProblem(await post(await other(new SignJWT(claims).setExpirationTime(now + 60))), 401, 'UNAUTHORIZED');
    const [header, payload] = good.split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
    expectProblem(await post(unsigned), 401, 'UNAUTHORIZED');
    expectProblem(await post(`${header}.${payload}.AAAA`), 401, 'UNAUTHORIZED');
  }

  it('HS256 with AUTH_JWT_SECRET', async () => {
    const secret = 'a-secret-of-at-least-thirty-two-characters';
    t = await buildTestApp({ authJwtSecret: secret });
    await expectJwtAccess(
      (jwt) => jwt.setProtectedHeader({ alg: 'HS256' }).sign(Buffer.from(secret)),
      (jwt) => jwt.setProtectedHeader({ alg: 'HS256' }).sign(Buffer.from(`${secret}!`)),
    );
  });

  it.each([
    ['RS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ] as const)('%s with AUTH_JWT_PUBLIC_KEY_FILE', async (alg, generate) => {
    const keys = generate();
    const stranger = generate();
    const path = join(dir, `${alg}.pem`);
    writeFileSync(path, keys.publicKey.export({ type: 'spki', format: 'pem' }));
    t = await buildTestApp({ authJwtPublicKeyFile: path });
    await expectJwtAccess(
      (jwt) => jwt.setProtectedHeader({ alg }).sign(keys.privateKey),
      (jwt) => jwt.setProtectedHeader({ alg }).sign(stranger.privateKey),
    );
  });

  it('refuses a key file that is not an RSA or P-256 public key', async () => {
    const path = join(dir, 'bad.pem');
    writeFileSync(path, 'not a key');
    await expect(buildTestApp({ authJwtPublicKeyFile: path })).rejects.toThrow(/not a PEM public key/);
    writeFileSync(path, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    await expect(buildTestApp({ authJwtPublicKeyFile: path })).rejects.toThrow(/expected an RSA key/);
  });
});

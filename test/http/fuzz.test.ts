import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../src/domain/errors.js';
import { buildTestApp, call, streamName, streamPath, type TestApp } from '../helpers/app.js';

/** Each route with the body and query keys it knows, so that most requests are nearly valid. */
const ROUTES: [InjectOptions['method'], string, string[]][] = [
  ['GET', '/v1/streams', ['prefix', 'limit', 'cursor']],
  ['GET', '/v1/streams/{s}', ['full', 'count', 'fieldsFormat']],
  ['PATCH', '/v1/streams/{s}', ['lastId', 'entriesAdded', 'maxDeletedId']],
  ['DELETE', '/v1/streams/{s}', []],
  ['POST', '/v1/streams/{s}/messages', ['fields', 'id', 'noMkStream', 'trim']],
  ['POST', '/v1/streams/{s}/messages/batch', ['messages', 'noMkStream', 'trim']],
  ['GET', '/v1/streams/{s}/messages', ['start', 'end', 'count', 'reverse', 'after', 'waitMs', 'fieldsFormat']],
  ['GET', '/v1/streams/{s}/messages/{id}', ['fieldsFormat']],
  ['DELETE', '/v1/streams/{s}/messages/{id}', []],
  ['POST', '/v1/streams/{s}/messages/delete', ['ids']],
  ['POST', '/v1/streams/{s}/trim', ['maxLen', 'minId', 'approximate', 'limit']],
  ['POST', '/v1/streams/{s}/groups', ['name', 'startId', 'mkStream', 'entriesRead']],
  ['GET', '/v1/streams/{s}/groups', []],
  ['GET', '/v1/streams/{s}/groups/{g}', []],
  ['PATCH', '/v1/streams/{s}/groups/{g}', ['lastDeliveredId', 'entriesRead']],
  ['DELETE', '/v1/streams/{s}/groups/{g}', []],
  ['GET', '/v1/streams/{s}/groups/{g}/consumers', []],
  ['PUT', '/v1/streams/{s}/groups/{g}/consumers/{c}', []],
  ['DELETE', '/v1/streams/{s}/groups/{g}/consumers/{c}', []],
  ['POST', '/v1/streams/{s}/groups/{g}/consumers/{c}/read', ['count', 'waitMs', 'noAck', 'after', 'fieldsFormat']],
  ['POST', '/v1/streams/{s}/groups/{g}/acks', ['ids']],
  ['GET', '/v1/streams/{s}/groups/{g}/pending', []],
  ['GET', '/v1/streams/{s}/groups/{g}/pending/messages', ['start', 'end', 'count', 'consumer', 'minIdleMs']],
  ['POST', '/v1/streams/{s}/groups/{g}/claims', ['consumer', 'minIdleMs', 'ids', 'idleMs', 'timeMs', 'retryCount', 'force', 'justId', 'lastId', 'fieldsFormat']],
  ['POST', '/v1/streams/{s}/groups/{g}/autoclaim', ['consumer', 'minIdleMs', 'start', 'count', 'justId', 'fieldsFormat']],
];

const KEYS = [
  'fields', 'id', 'noMkStream', 'trim', 'messages', 'ids', 'maxLen', 'minId', 'approximate', 'limit', 'name', 'startId', 'mkStream',
  'entriesRead', 'lastId', 'entriesAdded', 'maxDeletedId', 'lastDeliveredId', 'count', 'waitMs', 'noAck', 'after', 'consumer',
  'minIdleMs', 'idleMs', 'timeMs', 'retryCount', 'force', 'justId', 'start', 'end', 'reverse', 'full', 'fieldsFormat', 'prefix', 'cursor',
];

const u64ish = fc.oneof(fc.bigInt(0n, 20n), fc.bigInt(0n, 2n ** 64n + 3n), fc.constant(2n ** 64n - 1n));
const idLike = fc.oneof(
  fc.constantFrom('*', '$', '>', '-', '+', '0', '0-0', '1-1', '(', '(-', '(+', '', '-1', '1e3', '0x10', ' 1'),
  fc.tuple(u64ish, u64ish).map(([ms, seq]) => `${ms}-${seq}`),
  fc.tuple(u64ish, u64ish).map(([ms, seq]) => `(${ms}-${seq}`),
  u64ish.map((ms) => `${ms}-*`),
  u64ish.map(String),
);
const fieldsLike = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean())),
  fc.array(fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 3 }), { maxLength: 3 }),
);
const value = fc.oneof(
  { weight: 3, arbitrary: idLike },
  { weight: 2, arbitrary: fc.integer({ min: -2, max: 20_000 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: fieldsLike },
  { weight: 1, arbitrary: fc.array(idLike, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6, unit: 'binary' }) },
);
const validFields = fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.string({ maxLength: 4 }), { minKeys: 1, maxKeys: 3 });
/** Mostly plausible values per key, so that requests get past validation and reach the core. */
const plausible: Partial<Record<string, fc.Arbitrary<unknown>>> = {
  fields: validFields,
  messages: fc.array(fc.record({ fields: validFields }, { requiredKeys: ['fields'] }), { minLength: 1, maxLength: 3 }),
  ids: fc.array(idLike, { minLength: 1, maxLength: 3 }),
  count: fc.integer({ min: 0, max: 12_000 }),
  waitMs: fc.integer({ min: 0, max: 50 }),
  minIdleMs: fc.integer({ min: 0, max: 10 }),
  maxLen: fc.integer({ min: 0, max: 5 }),
  name: fc.constantFrom('g', 'h', 'x/y'),
  consumer: fc.constantFrom('c', 'd'),
  trim: fc.oneof(fc.record({ maxLen: fc.integer({ min: 0, max: 5 }) }), fc.record({ minId: idLike, approximate: fc.boolean() })),
};
const entry = (keys: string[]) =>
  fc
    .oneof({ weight: 4, arbitrary: keys.length > 0 ? fc.constantFrom(...keys) : fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.constantFrom(...KEYS) })
    .chain((key) => fc.oneof({ weight: 3, arbitrary: plausible[key] ?? value }, { weight: 1, arbitrary: value }).map((v) => [key, v] as const));
const structured = (keys: string[]) => fc.array(entry(keys), { maxLength: keys.length + 1 }).map((entries) => Object.fromEntries(entries));
const body = (keys: string[]) => fc.oneof(
  { weight: 6, arbitrary: structured(keys).map((object) => ({ payload: JSON.stringify(object), type: 'application/json' })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json) => ({ payload: JSON.stringify(json), type: 'application/json' })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((text) => ({ payload: text, type: 'application/json' })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 20 }), fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded'))
      .map(([payload, type]) => ({ payload, type })),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const queryValue = fc.oneof(idLike, fc.integer({ min: -3, max: 20_000 }).map(String), fc.constantFrom('true', 'false', 'pairs', 'object', ''), fc.string({ maxLength: 6 }));
const query = (keys: string[]) => fc
  .array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...keys, 'fieldsFormat') }, { weight: 1, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 4 }) }), queryValue), { maxLength: 3 })
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));

describe('fuzzing the HTTP API', () => {
  let t: TestApp;
  let s: string;
  beforeAll(async () => {
    t = await buildTestApp({ maxWaitMs: 10, maxBatch: 50, bodyLimitBytes: 4096 });
    s = streamName();
    await seed();
  });

  async function seed(): Promise<void> {
    const messages = [1, 2, 3, 4].map((i) => ({ id: `${i}-0`, fields: { n: String(i) } }));
    await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), { messages });
    await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'g', startId: '0' });
    await call(t.app, 'POST', streamPath(s, 'groups', 'g', 'consumers', 'c', 'read'), { count: 2 });
  }
  afterAll(async () => {
    await t.close();
  });

  const segment = (name: () => string) =>
    fc.oneof(
      { weight: 12, arbitrary: fc.constant(null).map(() => encodeURIComponent(name())) },
      { weight: 2, arbitrary: fc.string({ maxLength: 10, unit: 'grapheme' }).map(encodeURIComponent) },
      { weight: 2, arbitrary: idLike.map(encodeURIComponent) },
      { weight: 1, arbitrary: fc.stringMatching(/^[%A-Fa-f0-9._~-]{0,8}$/) },
    );

  async function snapshot(): Promise<string> {
    const { streams } = await t.backend.listStreams({ limit: 1000 });
    const full = await Promise.all(streams.map((summary) => t.backend.streamInfoFull(summary.name, 1000)));
    return JSON.stringify({ streams, full }, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
  }

  it('answers < 500, problem+json with a catalogue code on 4xx, and changes nothing when it refuses a write', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES).chain((route) => fc.tuple(fc.constant(route), query(route[2]), body(route[2]))),
        fc.oneof(
          { weight: 9, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.constantFrom<InjectOptions['method']>('GET', 'POST', 'PUT', 'PATCH', 'DELETE') },
        ),
        segment(() => s),
        segment(() => 'g'),
        segment(() => 'c'),
        segment(() => '1-0'),
        async ([[method, template], qs, sent], otherMethod, sSeg, gSeg, cSeg, idSeg) => {
          const url = template.replace('{s}', sSeg).replace('{g}', gSeg).replace('{c}', cSeg).replace('{id}', idSeg) + (qs ? `?${qs}` : '');
          const options: InjectOptions = { method: otherMethod ?? method, url };
          if (sent !== undefined && options.method !== 'GET') Object.assign(options, { payload: sent.payload, headers: { 'content-type': sent.type } });
          if (!(await t.backend.streamExists(s))) await seed();
          const before = await snapshot();
          const response = await t.app.inject(options);
          const where = `${options.method} ${url} ${sent?.payload ?? ''} -> ${response.statusCode} ${response.body}`;
          expect(response.statusCode, where).toBeLessThan(500);
          if (response.statusCode >= 400) {
            expect(response.headers['content-type'], where).toMatch(/^application\/problem\+json/);
            const problem = response.json();
            expect(Object.keys(ERROR_CATALOGUE), where).toContain(problem.code);
            expect(problem.status, where).toBe(response.statusCode);
            expect(await snapshot(), where).toBe(before);
          }
        },
      ),
      { numRuns: 1000 },
    );
  }, 120_000);

  it('refuses well-formed writes that break a Redis rule without changing anything', async () => {
    const small = fc.oneof(fc.bigInt(0n, 6n), fc.constant(2n ** 64n - 1n));
    const id = fc.oneof(
      fc.tuple(small, small).map(([ms, seq]) => `${ms}-${seq}`),
      small.map((ms) => `${ms}-*`),
      fc.constantFrom('*', '0', '0-0'),
    );
    const write = fc.oneof(
      id.map((i) => ['POST', '/messages', { id: i, fields: { a: '1' } }] as const),
      fc.array(id, { minLength: 1, maxLength: 3 }).map((ids) => ['POST', '/messages/batch', { messages: ids.map((i) => ({ id: i, fields: [['a', 'b']] })) }] as const),
      fc.tuple(id, fc.option(fc.nat(6)), fc.option(id)).map(([lastId, added, maxDel]) => [
        'PATCH',
        '',
        { lastId: lastId.replace('-*', ''), ...(added === null ? {} : { entriesAdded: added }), ...(maxDel === null ? {} : { maxDeletedId: maxDel.replace('-*', '') }) },
      ] as const),
      fc.tuple(fc.constantFrom('g', 'h'), id).map(([name, startId]) => ['POST', '/groups', { name, startId: startId.replace('-*', '') }] as const),
      fc.tuple(id, fc.option(fc.nat(6))).map(([lastDeliveredId, entriesRead]) => [
        'PATCH',
        '/groups/g',
        { lastDeliveredId: lastDeliveredId.replace('-*', '').replace('*', '$'), ...(entriesRead === null ? {} : { entriesRead }) },
      ] as const),
      fc.array(id, { minLength: 1, maxLength: 3 }).map((ids) => ['POST', '/groups/g/acks', { ids: ids.map((i) => i.replace('-*', '').replace('*', '0')) }] as const),
      fc.tuple(fc.array(id, { minLength: 1, maxLength: 3 }), fc.boolean()).map(([ids, force]) => [
        'POST',
        '/groups/g/claims',
        { consumer: 'd', minIdleMs: 0, force, ids: ids.map((i) => i.replace('-*', '').replace('*', '0')) },
      ] as const),
      fc.tuple(id, fc.integer({ min: 1, max: 3 })).map(([start, count]) => ['POST', '/groups/g/autoclaim', { consumer: 'd', minIdleMs: 0, count, start: start.replace('-*', '').replace('*', '0') }] as const),
    );
    await fc.assert(
      fc.asyncProperty(write, async ([method, suffix, payload]) => {
        if (!(await t.backend.streamExists(s))) await seed();
        const before = await snapshot();
        const response = await t.app.inject({ method, url: `${streamPath(s)}${suffix}`, payload });
        const where = `${method} ${suffix} ${JSON.stringify(payload)} -> ${response.statusCode} ${response.body}`;
        expect(response.statusCode, where).toBeLessThan(500);
        if (response.statusCode >= 400) {
          expect(Object.keys(ERROR_CATALOGUE), where).toContain(response.json().code);
          expect(await snapshot(), where).toBe(before);
        }
      }),
      { numRuns: 500 },
    );
  }, 120_000);
});

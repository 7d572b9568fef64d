import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_PATH } from '../../scripts/generate-openapi.js';
import { ERROR_CATALOGUE } from '../../src/domain/errors.js';
import { bearer, makeToken, writeTokensFile } from '../helpers/auth.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { arbitraryFor, operationsOf, type Operation, type Schema } from './openapi-arbitraries.js';

/**
 * Requests derived from the OpenAPI document: every operation, its path
 * parameters, query parameters and body built from their schemas (mostly
 * valid, sometimes at or past a bound, sometimes of the wrong type), sent
 * with a token that may or may not allow it, and now and then the wrong
 * content type, Host or Origin. Holds: no answer >= 500, every 4xx a
 * problem with a catalogue code, and a refused request changes nothing
 * (a digest of every stream, with its groups, consumers and pending
 * entries, before and after). `npm run fuzz` runs 100,000 (FUZZ_RUNS);
 * the suite runs 10,000 with a fixed seed (FUZZ_SEED).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_203);
/** The SSE operations stream until the client leaves; inject would wait forever. */
const STREAMING = new Set(['streamEvents', 'groupEvents']);

const document = JSON.parse(await readFile(OPENAPI_PATH, 'utf8'));
const components: Record<string, Schema> = document.components.schemas;
const operations = operationsOf(document).filter((op) => !STREAMING.has(op.operationId));

const root = makeToken('root', [{ streams: '*', actions: ['read', 'append', 'consume', 'admin'] }]);
const reader = makeToken('reader', [{ streams: 's*', actions: ['read'] }]);
const tokensFile = writeTokensFile([root, reader]);

const STREAMS = ['s1', 's2'];
const param: Record<string, fc.Arbitrary<string>> = {
  stream: fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...STREAMS) }, { weight: 2, arbitrary: fc.constantFrom('new', 'x/y', 'ü') }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) }),
  group: fc.oneof({ weight: 10, arbitrary: fc.constantFrom('g', 'h') }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) }),
  consumer: fc.oneof({ weight: 10, arbitrary: fc.constantFrom('c', 'd') }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) }),
  id: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('1-0', '2-0', '3-0', '4-0', '0-0', '5') }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }),
};
const credentials = fc.oneof(
  { weight: 16, arbitrary: fc.constant<Record<string, string>>(bearer(root)) },
  { weight: 2, arbitrary: fc.constant<Record<string, string>>(bearer(reader)) },
  { weight: 1, arbitrary: fc.constant<Record<string, string>>({}) },
  { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>(bearer('sg_unknown'), { authorization: 'Basic abc' }, bearer('a.b.c')) },
);
const contentType = fc.oneof(
  { weight: 20, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/json; charset=utf-8', 'multipart/form-data') },
);
const browser = fc.oneof(
  { weight: 40, arbitrary: fc.constant<Record<string, string>>({}) },
  { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({ host: 'evil.example' }, { origin: 'https://evil.example' }, { origin: 'null' }) },
);

/** Percent-encoding; a lone surrogate (which has no UTF-8) goes as the bytes of its CESU-8 form, invalid UTF-8 in the URL. */
function encode(text: string): string {
  return text.isWellFormed() ? encodeURIComponent(text) : `${encodeURIComponent(text.toWellFormed())}%ED%A0%80`;
}

function requestFor(op: Operation): fc.Arbitrary<InjectOptions> {
  const pathValues = fc.tuple(...op.pathParams.map((name) => param[name] ?? fc.string({ maxLength: 4 })));
  const query = fc.array(
    fc.constantFrom(...(op.query.length > 0 ? op.query : [{ name: 'x', schema: {}, examples: [] }])).chain((q) =>
      fc.tuple(fc.constant(q.name), q.examples.length > 0 ? fc.oneof(arbitraryFor(q.schema, components), fc.constantFrom(...q.examples)) : arbitraryFor(q.schema, components)),
    ),
    { maxLength: Math.min(op.query.length, 4) },
  );
  const body = op.body
    ? fc.oneof(
        { weight: 12, arbitrary: arbitraryFor(op.body, components).map((value) => JSON.stringify(value) as string | undefined) },
        { weight: 1, arbitrary: fc.constantFrom<string | undefined>(undefined, '', '{', '{"a":', '[]', 'null', '{"fields":{"__proto__":"x"}}') },
      )
    : fc.constant<string | undefined>(undefined);
  return fc.tuple(pathValues, query, body, credentials, contentType, browser).map(([values, pairs, payload, auth, type, extra]) => {
    let url = op.path;
    op.pathParams.forEach((name, i) => (url = url.replace(`{${name}}`, encode(values[i]!))));
    const qs = pairs.map(([k, v]) => `${encode(k)}=${encode(typeof v === 'string' ? v : JSON.stringify(v))}`).join('&');
    const headers: Record<string, string> = { ...auth, ...extra };
    if (payload !== undefined || op.method === 'POST') headers['content-type'] = type;
    return { method: op.method as InjectOptions['method'], url: qs ? `${url}?${qs}` : url, headers, ...(payload === undefined ? {} : { payload }) };
  });
}

describe(`fuzzing every operation of the OpenAPI document (${RUNS} requests, seed ${SEED})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ authTokensFile: tokensFile.path, maxWaitMs: 5, maxBatch: 20, bodyLimitBytes: 8192, maxCount: 50 });
  });
  afterAll(async () => {
    await t.close();
    tokensFile.remove();
  });

  const json = { ...bearer(root), 'content-type': 'application/json' };
  async function reseed(): Promise<void> {
    for (const stream of STREAMS) {
      await t.app.inject({ method: 'DELETE', url: `/v1/streams/${stream}`, headers: bearer(root) });
      const messages = [1, 2, 3, 4].map((i) => ({ id: `${i}-0`, fields: { n: String(i) } }));
      await t.app.inject({ method: 'POST', url: `/v1/streams/${stream}/messages/batch`, headers: json, payload: { messages } });
      await t.app.inject({ method: 'POST', url: `/v1/streams/${stream}/groups`, headers: json, payload: { name: 'g', startId: '0' } });
      await t.app.inject({ method: 'POST', url: `/v1/streams/${stream}/groups/g/consumers/c/read`, headers: json, payload: { count: 2 } });
    }
  }

  /** Every stream with its entries, groups, consumers and pending entries, hashed. */
  async function digest(): Promise<{ hash: string; entries: number; streams: number }> {
    const { streams } = await t.backend.listStreams({ limit: 1000 });
    const full = await Promise.all(streams.map((summary) => t.backend.streamInfoFull(summary.name, 1000)));
    const text = JSON.stringify({ streams, full }, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
    const entries = streams.reduce((sum, s) => sum + Number((s as { length?: number | bigint }).length ?? 0), 0);
    return { hash: createHash('sha256').update(text).digest('hex'), entries, streams: streams.length };
  }

  it('answers < 500, a catalogue problem on every 4xx, and a refused request changes nothing', async () => {
    const statuses = new Map<number, number>();
    await reseed();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...operations).chain(requestFor), async (options) => {
        let before = await digest();
        if (before.entries > 400 || before.streams > 30) {
          await reseed();
          before = await digest();
        }
        const response = await t.app.inject(options);
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        const where = `${options.method} ${options.url} ${JSON.stringify(options.headers)} ${options.payload ?? ''} -> ${response.statusCode} ${response.body.slice(0, 300)}`;
        expect(response.statusCode, where).toBeLessThan(500);
        if (response.statusCode >= 400) {
          expect(response.headers['content-type'], where).toMatch(/^application\/problem\+json/);
          const problem = response.json();
          expect(Object.keys(ERROR_CATALOGUE), where).toContain(problem.code);
          expect(problem.status, where).toBe(response.statusCode);
          expect((await digest()).hash, where).toBe(before.hash);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    const summary = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(', ');
    console.log(`fuzz: ${RUNS} requests over ${operations.length} operations; statuses ${summary}`);
    // The generator must reach the core, not only the validators.
    expect([...statuses].filter(([status]) => status < 300).reduce((sum, [, n]) => sum + n, 0)).toBeGreaterThan(RUNS / 10);
  }, Math.max(300_000, RUNS * 10));
});

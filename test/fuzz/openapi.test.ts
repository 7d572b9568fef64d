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
 * content type, Host or Origin. Holds: no answer >= 500 but 507
 * OUT_OF_MEMORY, every 4xx and 507 a problem with a catalogue code, and a
 * refused request changes nothing
 * (a digest of every stream, with its groups, consumers and pending
 * entries, and the memory meter, before and after). The clock is frozen
 * (idle times and IDs depend on the requests alone) and the caps are small
 * (MAX_STREAMS, MAX_MEMORY_BYTES): every RESET_EVERY requests the state is
 * seeded again, in turn with room, with the streams at MAX_STREAMS, and
 * with the entries over MAX_MEMORY_BYTES, so the 409 and 507 are fuzzed too.
 * `npm run fuzz` runs 100,000 (FUZZ_RUNS); the suite runs 10,000 with a
 * fixed seed (FUZZ_SEED).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_203);
const FROZEN_NOW = 1_700_000_000_000;
const MAX_STREAMS = 12;
const MAX_MEMORY_BYTES = 4000;
const RESET_EVERY = 250;
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

/**
 * Well-formed writes that add data or create a stream (the schema-derived bodies are mostly refused by the
 * validators before they get that far): appends, batches with and without an Idempotency-Key, group and
 * consumer creation, on the seeded streams and on new ones, so MAX_STREAMS and MAX_MEMORY_BYTES are met.
 */
const capWrite: fc.Arbitrary<InjectOptions> = fc
  .tuple(
    fc.constantFrom('s1', 's2', 'new', 'x/y', 'ü'),
    fc.constantFrom('append', 'batch', 'batchKeyed', 'group', 'consumer'),
    fc.string({ maxLength: 120 }),
    fc.integer({ min: 1, max: 5 }),
    fc.constantFrom('k1', 'k2'),
  )
  .map(([stream, kind, value, n, key]) => {
    const at = `/v1/streams/${encode(stream)}`;
    const headers: Record<string, string> = { ...bearer(root), 'content-type': 'application/json' };
    const messages = Array.from({ length: n }, (_, i) => ({ fields: { v: value, i: String(i) } }));
    switch (kind) {
      case 'append':
        return { method: 'POST', url: `${at}/messages`, headers, payload: JSON.stringify({ fields: { v: value } }) };
      case 'batch':
        return { method: 'POST', url: `${at}/messages/batch`, headers, payload: JSON.stringify({ messages }) };
      case 'batchKeyed':
        return { method: 'POST', url: `${at}/messages/batch`, headers: { ...headers, 'idempotency-key': key }, payload: JSON.stringify({ messages }) };
      case 'group':
        return { method: 'POST', url: `${at}/groups`, headers, payload: JSON.stringify({ name: key, startId: '$', mkStream: true }) };
      default:
        return { method: 'PUT', url: `${at}/groups/g/consumers/${key}`, headers: bearer(root) };
    }
  });

describe(`fuzzing every operation of the OpenAPI document (${RUNS} requests, seed ${SEED})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(
      { authTokensFile: tokensFile.path, maxWaitMs: 5, maxBatch: 20, bodyLimitBytes: 8192, maxCount: 50, maxStreams: MAX_STREAMS, maxMemoryBytes: MAX_MEMORY_BYTES },
      { clock: () => FROZEN_NOW },
    );
  });
  afterAll(async () => {
    await t.close();
    tokensFile.remove();
  });

  const json = { ...bearer(root), 'content-type': 'application/json' };
  type Phase = 'room' | 'streams-full' | 'memory-full';
  const PHASES: Phase[] = ['room', 'streams-full', 'memory-full'];

  /**
   * Every stream goes; then s1 and s2 with entries 1-0 .. 4-0 and group g, two of them pending for c.
   * 'streams-full': s2 is missing and other streams fill MAX_STREAMS, so a write that creates s2 is a 409;
   * 'memory-full': one more entry takes the usage past MAX_MEMORY_BYTES.
   */
  async function reseed(phase: Phase = 'room'): Promise<void> {
    for (const { name } of (await t.backend.listStreams({ limit: 1000 })).streams) await t.backend.deleteStream(name);
    const seeded = phase === 'streams-full' ? STREAMS.slice(0, 1) : STREAMS;
    if (phase === 'memory-full') await t.backend.append('filler', { id: { kind: 'explicit', id: 1n }, fields: ['v', 'x'.repeat(MAX_MEMORY_BYTES)] });
    for (let i = 0; phase === 'streams-full' && i < MAX_STREAMS - seeded.length; i++) {
      await t.backend.append(`filler-${i}`, { id: { kind: 'explicit', id: 1n }, fields: ['v', String(i)] });
    }
    for (const stream of seeded) {
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
    const used = t.backend.usedMemoryBytes();
    const text = JSON.stringify({ streams, full, used }, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
    const entries = streams.reduce((sum, s) => sum + Number((s as { length?: number | bigint }).length ?? 0), 0);
    return { hash: createHash('sha256').update(text).digest('hex'), entries, streams: streams.length };
  }

  it('answers < 500 (or 507 OUT_OF_MEMORY), a catalogue problem on every 4xx, and a refused request changes nothing', async () => {
    const statuses = new Map<number, number>();
    const caps = new Map<string, number>();
    let sent = 0;
    /** The digest of the state now, when no request succeeded since it was taken (a refused one changes nothing). */
    let known: Awaited<ReturnType<typeof digest>> | undefined;
    await reseed();
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...operations).chain(requestFor) }, { weight: 1, arbitrary: capWrite }), async (options) => {
        let before = known ?? (await digest());
        if (++sent % RESET_EVERY === 0 || before.entries > 400) {
          await reseed(PHASES[Math.floor(sent / RESET_EVERY) % PHASES.length]);
          before = await digest();
        }
        known = undefined;
        const response = await t.app.inject(options);
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        const where = `${options.method} ${options.url} ${JSON.stringify(options.headers)} ${options.payload ?? ''} -> ${response.statusCode} ${response.body.slice(0, 300)}`;
        if (response.statusCode === 409 || response.statusCode === 507) {
          const code = String(response.json().code);
          caps.set(code, (caps.get(code) ?? 0) + 1);
          if (response.statusCode === 507) expect(code, where).toBe('OUT_OF_MEMORY');
        }
        // The one 5xx allowed: 507 OUT_OF_MEMORY, the refusal MAX_MEMORY_BYTES asks for (Redis's OOM reply).
        if (response.statusCode !== 507) expect(response.statusCode, where).toBeLessThan(500);
        if (response.statusCode >= 400) {
          expect(response.headers['content-type'], where).toMatch(/^application\/problem\+json/);
          const problem = response.json();
          expect(Object.keys(ERROR_CATALOGUE), where).toContain(problem.code);
          expect(problem.status, where).toBe(response.statusCode);
          expect((known = await digest()).hash, where).toBe(before.hash);
        } else {
          // No write passes MAX_STREAMS (a batch under an Idempotency-Key once did).
          expect((await t.backend.listStreams({ limit: MAX_STREAMS + 1 })).streams.length, where).toBeLessThanOrEqual(MAX_STREAMS);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    const summary = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(', ');
    const capSummary = [...caps].sort().map(([code, n]) => `${code}: ${n}`).join(', ');
    console.log(`fuzz: ${RUNS} requests over ${operations.length} operations; statuses ${summary}; 409/507 codes ${capSummary}`);
    // The generator must reach the core, not only the validators, and the caps.
    expect([...statuses].filter(([status]) => status < 300).reduce((sum, [, n]) => sum + n, 0)).toBeGreaterThan(RUNS / 10);
    expect(caps.get('MAX_STREAMS_REACHED') ?? 0).toBeGreaterThan(0);
    expect(caps.get('OUT_OF_MEMORY') ?? 0).toBeGreaterThan(0);
  }, Math.max(300_000, RUNS * 30));
});

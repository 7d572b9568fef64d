import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendBatchBody, appendBody } from '../../../src/http/schemas/append.js';
import { z as zod } from 'zod';
import { parseId } from '../../../src/domain/ids.js';
import { DEFER, fastCheckOf, fastValidatorCompiler, messageIdParser, withFastCheck } from '../../../src/http/schemas/fast-check.js';
import { fieldsFormatQuery } from '../../../src/http/schemas/fields.js';
import { idempotencyHeaders } from '../../../src/http/schemas/idempotency.js';
import { idListBody } from '../../../src/http/schemas/ids.js';
import { consumerParams, groupParams, streamParams } from '../../../src/http/schemas/names.js';
import { readGroupBody } from '../../../src/http/schemas/read.js';

const MAX = 3;

/** Strings near every edge the schemas draw: IDs, `*`, `>`, lone surrogates, empty, long names. */
const edgyString = fc.oneof(
  fc.constantFrom('*', '>', '$', '', '0', '1-*', '5-3', '18446744073709551615-18446744073709551615', '18446744073709551616', '1-2-3', 'x-*', '\uD800', 'a\uDC00b', 'é'),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
  fc.nat().map(String),
  fc.constant('n'.repeat(513)),
  fc.constant('é'.repeat(256)),
  fc.constant('é'.repeat(257)),
);
const scalar = fc.oneof(edgyString, fc.integer({ min: -2, max: MAX + 2 }), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined));
const validFields = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { minKeys: 1, maxKeys: 4, noNullPrototype: true }),
  fc.array(fc.tuple(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 4 }),
);
const fieldObject = fc.dictionary(edgyString, fc.oneof(edgyString, edgyString, scalar), { maxKeys: 4, noNullPrototype: true });
const fieldPairs = fc.array(fc.oneof(fc.tuple(edgyString, edgyString), fc.array(scalar, { maxLength: 3 }), scalar), { maxLength: 4 });
const fields = fc.oneof(validFields, validFields, validFields, fieldObject, fieldPairs, scalar);

/** Objects built from `keys` (some of them, plus a stranger now and then), each value drawn from its arbitrary. */
function bodyOf(values: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const known = Object.entries(values);
  const entries = fc.subarray(known).chain((chosen) => fc.tuple(...chosen.map(([key, value]) => value.map((v) => [key, v] as const))));
  const stranger = fc.option(fc.tuple(fc.constantFrom('extra', 'trimm', 'ID'), scalar), { freq: 8 });
  return fc.tuple(entries, stranger).map(([pairs, extra]) => Object.fromEntries(extra === null ? pairs : [...pairs, extra]));
}

const addIds = fc.oneof(fc.constantFrom('*', '1-*', '5-3', '7'), edgyString, scalar);
const validAddIds = fc.constantFrom('*', '1-*', '5-3', '7');
const validMessage = fc.record({ fields: validFields, id: validAddIds }, { requiredKeys: ['fields'] });
const message = fc.oneof(validMessage, validMessage, bodyOf({ fields, id: addIds }));
const noMkStream = fc.oneof(fc.boolean(), scalar);
const messageIds = fc.oneof(fc.constantFrom('0', '5-3', '18446744073709551615-1'), edgyString, scalar);
const validIdList = fc.array(fc.constantFrom('1-0', '2', '3-3', '18446744073709551615-18446744073709551615'), { minLength: 1, maxLength: MAX });
const idList = fc.oneof(validIdList, fc.array(messageIds, { maxLength: MAX + 2 }), scalar);

/** What JSON.parse can produce (and fastify's path and query parsers a part of): no undefined, NaN, -0, or exotic objects. */
function isJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every((item, i) => i in value && isJson(item));
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.keys(value).every((key) => key !== '__proto__' && isJson((value as Record<string, unknown>)[key]));
}

/**
 * Whenever the fast check answers, zod accepts and produces the same value;
 * for JSON values inside `exactDomain` they also agree on accept/reject (the fast check defers
 * only where zod refuses).
 */
function agrees<S extends zod.ZodType>(schema: S, input: fc.Arbitrary<unknown>, exactDomain: (value: unknown) => boolean = () => true): void {
  const check = fastCheckOf(schema)!;
  expect(check).toBeDefined();
  let accepted = 0;
  fc.assert(
    fc.property(input, (value) => {
      const fast = check(value);
      const slow = schema.safeParse(value);
      if (fast !== DEFER) {
        accepted++;
        expect(slow.success).toBe(true);
        expect(fast).toEqual(slow.data);
      } else if (isJson(value) && exactDomain(value)) {
        expect(slow.success).toBe(false);
      }
    }),
    { numRuns: 3000 },
  );
  expect(accepted).toBeGreaterThan(100);
}

const noTrim = (body: unknown): boolean => !Object.hasOwn(body as object, 'trim');

describe('the fast checks accept exactly what their zod schemas accept', () => {
  it('a single append', () => {
    const valid = fc.record({ fields: validFields, id: validAddIds, noMkStream: fc.boolean() }, { requiredKeys: ['fields'] });
    const fuzzy = bodyOf({ fields, fields2: fields, id: addIds, noMkStream, trim: fc.constant({ maxLen: 1 }) });
    agrees(appendBody, fc.oneof(valid, fuzzy), noTrim);
  });

  it('a batch append', () => {
    const valid = fc.record({ messages: fc.array(validMessage, { minLength: 1, maxLength: MAX }), noMkStream: fc.boolean() }, { requiredKeys: ['messages'] });
    const messages = fc.oneof(fc.array(message, { maxLength: MAX + 1 }), scalar);
    agrees(appendBatchBody(MAX), fc.oneof(valid, bodyOf({ messages, noMkStream, trim: fc.constant({ maxLen: 1 }) })), noTrim);
  });

  it('a group read, with or without a body', () => {
    const counts = fc.oneof(fc.integer({ min: -1, max: MAX + 1 }), fc.integer({ min: 1, max: MAX }), fc.double(), scalar, fc.constant(Number.MAX_SAFE_INTEGER + 1));
    const body = bodyOf({ after: fc.oneof(fc.constantFrom('>', '0', '5-1'), edgyString, scalar), count: counts, waitMs: counts, noAck: fc.oneof(fc.boolean(), scalar), ack: idList });
    agrees(readGroupBody(MAX, 60_000, MAX), fc.oneof(body, body, fc.constant(undefined), fc.constant(null), scalar));
  });

  it('the Idempotency-Key headers', () => {
    const header = fc.oneof(fc.constantFrom('k', 'order-1'), edgyString, scalar);
    const valid = fc.record({ 'idempotency-key': fc.constantFrom('k', 'a b'), host: fc.constant('x') }, { requiredKeys: ['host'] });
    agrees(idempotencyHeaders, fc.oneof(valid, bodyOf({ 'idempotency-key': header, 'idempotency-producer': header, host: header })));
  });

  it('an ID list (acks and deletes)', () => {
    agrees(idListBody(MAX), fc.oneof(fc.record({ ids: validIdList }), bodyOf({ ids: idList }), scalar));
  });

  it('an ID list parser parses each ID as parseId does, whatever ms the one before had', () => {
    const id = fc.oneof(fc.stringMatching(/^[0-9]{1,17}-[0-9]{1,17}$/), fc.constantFrom('1-1', '1-2', '001-2', '1-002', '999999999999999-999999999999999'), edgyString);
    fc.assert(
      fc.property(fc.array(fc.oneof(id, scalar), { maxLength: 8 }), (ids) => {
        const parse = messageIdParser();
        for (const text of ids) expect(parse(text)).toBe(typeof text === 'string' ? (parseId(text) ?? DEFER) : DEFER);
      }),
      { numRuns: 3000 },
    );
  });

  it('path names and the fieldsFormat query', () => {
    const validName = fc.constantFrom('s', 'a/b', 'é', 'é'.repeat(256));
    const name = fc.oneof(validName, validName, edgyString, scalar);
    agrees(streamParams, bodyOf({ stream: name, other: name }));
    agrees(groupParams, fc.oneof(fc.record({ stream: validName, group: validName }), bodyOf({ stream: name, group: name })));
    agrees(consumerParams, fc.oneof(fc.record({ stream: validName, group: validName, consumer: validName }), bodyOf({ stream: name, group: name, consumer: name })));
    agrees(fieldsFormatQuery, bodyOf({ fieldsFormat: fc.oneof(fc.constantFrom('object', 'pairs', 'Object'), scalar), count: scalar }));
  });
});

describe('the validator compiler', () => {
  const schema = withFastCheck(zod.strictObject({ n: zod.number() }), (data) => (isJson(data) && (data as { n?: unknown }).n === 1 ? { n: 1 } : DEFER));
  const validate = fastValidatorCompiler({ schema, method: 'POST', url: '/', httpPart: 'body' }) as (data: unknown) => { value?: unknown; error?: unknown };

  it('answers what the fast check answers', () => {
    expect(validate({ n: 1 })).toEqual({ value: { n: 1 } });
  });

  it('leaves deferred inputs to zod, which accepts or words the error', () => {
    expect(validate({ n: 2 })).toEqual({ value: { n: 2 } });
    const refused = validate({ n: 'x' });
    expect(refused.value).toBeUndefined();
    expect(JSON.stringify(refused.error)).toContain('expected number');
  });
});

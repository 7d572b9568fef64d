import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { parseAddId, parseId, type AddIdSpec, type StreamId } from '../../domain/ids.js';
import type { FieldList } from '../../domain/types.js';

/**
 * Hand-written checks for the bodies of the hot routes (append, batch, group
 * read, ack). zod stays the single source of truth: a check answers the
 * value zod would produce for the common, valid inputs, and DEFER for
 * anything else, which zod then accepts or words the 400 for. A check never
 * accepts what zod refuses (test/http/schemas/fast-check.test.ts holds them to that).
 * They exist because zod's generic parse of a 1,000-message batch cost more
 * than storing it.
 */
export const DEFER: unique symbol = Symbol('defer to zod');
export type Defer = typeof DEFER;
export type FastCheck<T> = (data: unknown) => T | Defer;

const fastChecks = new WeakMap<z.ZodType, FastCheck<unknown>>();

/** Registers `check` as the fast path of `schema`; answers `schema`. */
export function withFastCheck<S extends z.ZodType>(schema: S, check: FastCheck<z.output<S>>): S {
  fastChecks.set(schema, check);
  return schema;
}

export function fastCheckOf<S extends z.ZodType>(schema: S): FastCheck<z.output<S>> | undefined {
  return fastChecks.get(schema) as FastCheck<z.output<S>> | undefined;
}

/** fastify-type-provider-zod's validator, with a schema's fast check tried first. */
export const fastValidatorCompiler: FastifySchemaCompiler<z.ZodType> = (route) => {
  const zodValidate = validatorCompiler(route);
  const check = fastChecks.get(route.schema);
  if (check === undefined) return zodValidate;
  return (data) => {
    const value = check(data);
    return value === DEFER ? zodValidate(data) : { value };
  };
};

/** A JSON object as JSON.parse builds it; other objects (class instances, null prototypes) go to zod. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** Any non-array object: fastify's params and query objects need not have Object.prototype. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isUnicode(value: unknown): value is string {
  return typeof value === 'string' && value.isWellFormed();
}

/** `unicodeString` of fields.ts: either form, to the core's flat list. */
export function fastFields(fields: unknown): FieldList | Defer {
  if (Array.isArray(fields)) {
    const n = fields.length;
    if (n === 0) return DEFER;
    const list: string[] = new Array(n * 2);
    for (let i = 0; i < n; i++) {
      const pair: unknown = fields[i];
      if (!Array.isArray(pair) || pair.length !== 2) return DEFER;
      const name: unknown = pair[0];
      const value: unknown = pair[1];
      if (!isUnicode(name) || !isUnicode(value)) return DEFER;
      list[i * 2] = name;
      list[i * 2 + 1] = value;
    }
    return list;
  }
  if (!isJsonObject(fields)) return DEFER;
  const names = Object.keys(fields);
  if (names.length === 0) return DEFER;
  const list: string[] = new Array(names.length * 2);
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const value = fields[name];
    if (name === '__proto__' || !name.isWellFormed() || !isUnicode(value)) return DEFER;
    list[i * 2] = name;
    list[i * 2 + 1] = value;
  }
  return list;
}

/** `*`, shared by every message that leaves its ID to the server (the core only reads it). */
export const AUTO_ID: AddIdSpec = { kind: 'auto' };

/** `addId` of ids.ts. */
export function fastAddId(id: unknown): AddIdSpec | Defer {
  if (id === '*') return AUTO_ID;
  if (typeof id !== 'string') return DEFER;
  return parseAddId(id) ?? DEFER;
}

/** `messageId` of ids.ts. */
export function fastMessageId(id: unknown): StreamId | Defer {
  if (typeof id !== 'string') return DEFER;
  return parseId(id) ?? DEFER;
}

/** `<ms>-<seq>` with parts short enough to be exact JS numbers. */
const SHORT_ID = /^[0-9]{1,15}-[0-9]{1,15}$/;

/**
 * `fastMessageId` for a list of IDs, which mostly share their ms half (they
 * were delivered together): the ms half is converted once, and short IDs go
 * through JS numbers rather than bigint parsing of text.
 */
export function messageIdParser(): (id: unknown) => StreamId | Defer {
  let msText = '';
  let msShifted = 0n;
  return (id) => {
    if (typeof id !== 'string' || !SHORT_ID.test(id)) return fastMessageId(id);
    const dash = id.indexOf('-');
    const ms = id.slice(0, dash);
    if (ms !== msText) {
      msText = ms;
      msShifted = BigInt(Number(ms)) << 64n;
    }
    return msShifted | BigInt(Number(id.slice(dash + 1)));
  };
}

/** `z.array(messageId).min(1).max(maxBatch)`: the IDs of an ack list. */
export function fastIdList(value: unknown, maxBatch: number): StreamId[] | Defer {
  if (!Array.isArray(value) || value.length < 1 || value.length > maxBatch) return DEFER;
  const ids: StreamId[] = new Array(value.length);
  const parseId = messageIdParser();
  for (let i = 0; i < value.length; i++) {
    const id = parseId(value[i]);
    if (id === DEFER) return DEFER;
    ids[i] = id;
  }
  return ids;
}

/** `bodyInteger` of numbers.ts. */
export function fastInteger(value: unknown, min: number, max: number): number | Defer {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max ? value : DEFER;
}

import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';

/**
 * A body refused after it was read whole: the connection stays usable, so
 * the error handler answers without `connection: close` (fastify closes on
 * every parser error, as a body it stopped reading leaves bytes behind).
 */
export class BodyError extends Error {
  readonly statusCode = 400;
  readonly bodyReadWhole = true;
  override readonly name = 'BodyError';
}

/** Whether JSON.parse's result can hold a `__proto__` or `constructor` key: only texts naming one (literally or with \u escapes). */
function cannotBePoisoned(text: string): boolean {
  return !text.includes('\\u') && !text.includes('__proto__') && !text.includes('constructor');
}

/**
 * The key that makes a parsed value unsafe to copy into plain objects: a
 * `__proto__` key, or a `constructor` whose value has a `prototype` (what
 * secure-json-parse refuses). JSON.parse makes them own properties, harmless
 * until some copy assigns them.
 */
function poisonedKey(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = poisonedKey(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    if (key === '__proto__') return key;
    if (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) return key;
    const found = poisonedKey(child);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * JSON.parse with prototype-poisoning keys refused: the value, or why `what`
 * (`the body`, `the line`) is refused, in words.
 */
export function parseJsonText(text: string, what: string): { value: unknown } | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `${what} is not valid JSON: ${(error as Error).message}`;
  }
  if (!cannotBePoisoned(text)) {
    const key = poisonedKey(value);
    if (key !== undefined) {
      return (
        `${what} has an object key "${key}"${key === 'constructor' ? ' holding a "prototype"' : ''}, which JSON objects may not use here (prototype poisoning); ` +
        'to store a field of that name, send fields as [name, value] pairs'
      );
    }
  }
  return { value };
}

/**
 * JSON bodies: UTF-8 only (a body that is not valid UTF-8 is refused, not
 * stored with U+FFFD), a leading byte-order mark dropped, prototype-poisoning
 * keys refused with words saying so, and an empty body counted as no body:
 * clients that always send `content-type: application/json` can still PUT,
 * DELETE or read without one.
 */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) return done(new BodyError('the body is not valid UTF-8'), undefined);
    let text = bytes.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') return done(null, undefined);
    const parsed = parseJsonText(text, 'the body');
    if (typeof parsed === 'string') return done(new BodyError(parsed), undefined);
    const value = parsed.value;
    return done(null, value);
  });
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, errorMessage, inBatch, notSupportedByBackend, streamError, StreamError, type ErrorCode } from '../../src/domain/errors.js';

const root = new URL('../../', import.meta.url);
const CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

/** The rows of README.md's "Errors" table, as code -> status. */
function readmeErrorRows(): Map<string, number> {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Errors\n'));
  expect(section, 'README.md has an "## Errors" section').toBeDefined();
  const rows = new Map<string, number>();
  for (const line of section!.split('\n')) {
    const row = /^\| `([A-Z_]+)` \| (\d{3}) \|/.exec(line);
    if (row === null) continue;
    expect(rows.has(row[1]!), `README lists ${row[1]} once`).toBe(false);
    rows.set(row[1]!, Number(row[2]));
  }
  return rows;
}

function openapi() {
  return JSON.parse(readFileSync(new URL('openapi/openapi.json', root), 'utf8'));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the error catalogue', () => {
  it('fixes the HTTP status of every code', () => {
    const statuses = Object.fromEntries(CODES.map((code) => [code, ERROR_CATALOGUE[code].status]));
    expect(statuses).toEqual({
      NOGROUP: 404,
      BUSYGROUP: 409,
      NO_STREAM: 404,
      NO_CONSUMER: 404,
      NO_MESSAGE: 404,
      NOT_FOUND: 404,
      INVALID_ID: 400,
      ID_NOT_GREATER: 400,
      ID_EXHAUSTED: 400,
      SEQ_EXHAUSTED: 400,
      SETID_TOO_SMALL: 400,
      SETID_ENTRIES_ADDED_TOO_SMALL: 400,
      SETID_MAXDELETED_TOO_BIG: 400,
      IDEMPOTENCY_KEY_REUSED: 422,
      MAX_STREAMS_REACHED: 409,
      MAX_CONSUMERS_REACHED: 409,
      OUT_OF_MEMORY: 507,
      VALIDATION: 400,
      PAYLOAD_TOO_LARGE: 413,
      STORAGE_UNAVAILABLE: 503,
      NOT_SUPPORTED_BY_BACKEND: 501,
      NO_DELIVERY_POLICY: 409,
      SHUTTING_DOWN: 503,
      UNAUTHORIZED: 401,
      FORBIDDEN: 403,
      RATE_LIMITED: 429,
      TOO_MANY_STREAMS: 429,
      TOO_MANY_WAITERS: 429,
      OVERLOADED: 503,
      HOST_NOT_ALLOWED: 403,
      ORIGIN_NOT_ALLOWED: 403,
      REQUEST_TIMEOUT: 408,
      URI_TOO_LONG: 414,
      HEADERS_TOO_LARGE: 431,
      INTERNAL: 500,
    });
  });

  it('makes only bugs, storage faults, overload, memory and missing server features 5xx', () => {
    expect(CODES.filter((code) => ERROR_CATALOGUE[code].status >= 500).sort()).toEqual(['INTERNAL', 'NOT_SUPPORTED_BY_BACKEND', 'OUT_OF_MEMORY', 'OVERLOADED', 'SHUTTING_DOWN', 'STORAGE_UNAVAILABLE']);
  });

  it('gives every code a title and at least one message template', () => {
    for (const code of CODES) {
      expect(ERROR_CATALOGUE[code].title, code).toMatch(/^[A-Z]/);
      expect(Object.keys(ERROR_CATALOGUE[code].messages).length, code).toBeGreaterThan(0);
    }
  });

  it("has README.md's Errors table list exactly its codes, each with its status", () => {
    const rows = readmeErrorRows();
    expect([...rows.keys()].sort()).toEqual([...CODES].sort());
    for (const code of CODES) expect(rows.get(code), code).toBe(ERROR_CATALOGUE[code].status);
  });

  it("is the OpenAPI document's problem code enum, in order", () => {
    expect(openapi().components.schemas.Problem.properties.code.enum).toEqual(CODES);
  });

  it('names, in each OpenAPI problem response, only codes of that status (VALIDATION is also the 415)', () => {
    type Response = { description: string; content?: Record<string, unknown> };
    const paths = openapi().paths as Record<string, Record<string, { responses: Record<string, Response> }>>;
    let named = 0;
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (response.content?.['application/problem+json'] === undefined) continue;
          for (const [, code] of response.description.matchAll(/`([A-Z_]+)`/g)) {
            named++;
            const where = `${method.toUpperCase()} ${path} ${status}: ${code}`;
            expect(CODES, where).toContain(code);
            const allowed = code === 'VALIDATION' && status === '415' ? 415 : ERROR_CATALOGUE[code as ErrorCode].status;
            expect(Number(status), where).toBe(allowed);
          }
        }
      }
    }
    expect(named).toBeGreaterThan(0);
  });
});

describe('messages', () => {
  it("keeps Redis's wording for each case Redis words differently", () => {
    expect(errorMessage('NOGROUP', 'readGroup', 's', 'g')).toBe("NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option");
    expect(errorMessage('NOGROUP', 'keyOrGroup', 's', 'g')).toBe("NOGROUP No such key 's' or consumer group 'g'");
    expect(errorMessage('NOGROUP', 'groupForKey', 's', 'g')).toBe("NOGROUP No such consumer group 'g' for key name 's'");
  });

  it('gives a missing key the text Redis gives for a missing group where Redis does not tell them apart', () => {
    expect(errorMessage('NO_STREAM', 'readGroup', 's', 'g')).toBe(errorMessage('NOGROUP', 'readGroup', 's', 'g'));
    expect(errorMessage('NO_STREAM', 'keyOrGroup', 's', 'g')).toBe(errorMessage('NOGROUP', 'keyOrGroup', 's', 'g'));
  });

  it("words XSETID's three refusals apart, in Redis's words", () => {
    expect(errorMessage('SETID_TOO_SMALL', 'belowTop')).toBe('ERR The ID specified in XSETID is smaller than the target stream top item');
    expect(errorMessage('SETID_ENTRIES_ADDED_TOO_SMALL', 'belowLength')).toBe(
      'ERR The entries_added specified in XSETID is smaller than the target stream length',
    );
    expect(errorMessage('SETID_MAXDELETED_TOO_BIG', 'aboveLastId')).toBe(
      'ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id',
    );
  });

  it('names the command and the Redis version a backend lacks', () => {
    expect(notSupportedByBackend('XNACK', '8.8', 'Redis 7.0.15')).toMatchObject({
      code: 'NOT_SUPPORTED_BY_BACKEND',
      message: "XNACK needs Redis 8.8 or later; the backend's server is Redis 7.0.15",
    });
    expect(ERROR_CATALOGUE.NOT_SUPPORTED_BY_BACKEND.status).toBe(501);
  });

  it('builds StreamErrors with the code and the template text', () => {
    const error = streamError('NO_CONSUMER', 'missing', 'g', 'alice');
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({ name: 'StreamError', code: 'NO_CONSUMER', message: "no consumer 'alice' in group 'g'" });
    expect(inBatch(streamError('ID_NOT_GREATER', 'zero'), 2)).toMatchObject({
      code: 'ID_NOT_GREATER',
      message: 'ERR The ID specified in XADD must be greater than 0-0 (message 2)',
    });
  });

  it('checks template names and arguments at compile time', () => {
    // @ts-expect-error: NOGROUP's templates need the key and the group
    expect(() => streamError('NOGROUP', 'readGroup', 's')).not.toThrow();
    // @ts-expect-error: BUSYGROUP has no such template
    expect(() => streamError('BUSYGROUP', 'readGroup')).toThrow(TypeError);
  });

  it('is the only place a StreamError is given its words: no module under src constructs one', () => {
    const catalogue = join(new URL('src/domain/errors.ts', root).pathname);
    const offenders = sourceFiles(new URL('src', root).pathname)
      .filter((file) => file !== catalogue)
      .filter((file) => /new StreamError\(/.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

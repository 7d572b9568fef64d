import createFetchClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type Problem = components['schemas']['Problem'];
export type ProblemCode = Problem['code'];
/** The `fieldsFormat` query value: `object` (the default) or `pairs`. */
export type FieldsFormat = 'object' | 'pairs';
/** A message's fields in the given format: `{name: value}` or `[name, value]` pairs in order. */
export type Fields<F extends FieldsFormat = 'object'> = F extends 'pairs' ? [string, string][] : { [name: string]: string };
/**
 * A message read with `fieldsFormat` F (the default `object` is what `consume` and `subscribe`
 * read). The OpenAPI document cannot tie a response schema to a query value, so the generated
 * types list both forms; `messagesOf` narrows an answer to the format the call asked for.
 * `fields` is null for a deleted entry in a group history read.
 */
export type Message<F extends FieldsFormat = 'object'> = Omit<components['schemas']['Message'], 'fields'> & { fields: Fields<F> | null };

/** A message as openapi-fetch's answer types have it (they widen `[name, value]` pairs to `string[][]`). */
type WireMessage = Omit<components['schemas']['Message'], 'fields'> & { fields: object | null };

/**
 * The messages of a read, range or claim answer, typed for the `fieldsFormat` the call sent:
 * `messagesOf('pairs', unwrap(await api.GET(..., { params: { query: { fieldsFormat: 'pairs' } } })))`.
 */
export function messagesOf<F extends FieldsFormat>(_format: F, answer: { messages: readonly WireMessage[] }): Message<F>[] {
  return answer.messages as Message<F>[];
}
export type StreamgateClient = Client<paths>;

export interface ClientOptions {
  /** The server's origin, e.g. `http://127.0.0.1:8080` (paths start with `/v1`). */
  baseUrl: string;
  /** A bearer token, sent as `Authorization: Bearer <token>` on every request. */
  token?: string;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

/** A problem answer (RFC 9457) from the server, as a thrown error: `code` is the server's stable code. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly code: ProblemCode;
  readonly status: number;
  /** Seconds from a `Retry-After` header, when the server sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly problem: Problem,
    response?: Response,
  ) {
    super(`${problem.code}: ${problem.detail}`);
    this.code = problem.code;
    this.status = problem.status;
    this.retryAfterSeconds = parseRetryAfter(response?.headers.get('retry-after') ?? null);
  }

  /** Worth trying again later: rate limits, overload, storage or the server going away. */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

/** The typed client: every operation of the OpenAPI document, through openapi-fetch. */
export function createClient(options: ClientOptions): StreamgateClient {
  const client = createFetchClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    headers: { ...options.headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
  });
  return client;
}

/** An openapi-fetch answer: its data, or a ProblemError for a problem answer. */
export interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful call; a problem answer is thrown as ProblemError, anything else as Error. */
export function unwrap<T>(result: FetchResult<T>): T {
  if (result.error === undefined) return result.data as T;
  throw toProblemError(result.error, result.response);
}

export function toProblemError(error: unknown, response: Response): ProblemError {
  if (isProblem(error)) return new ProblemError(error, response);
  const detail = typeof error === 'string' && error !== '' ? error : `HTTP ${response.status}`;
  return new ProblemError({ type: 'about:blank', title: response.statusText || 'Error', status: response.status, detail, code: response.status >= 500 ? 'INTERNAL' : 'VALIDATION' }, response);
}

function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.status === 'number' && typeof v.detail === 'string';
}

/** Retry-After as seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

export type { Middleware };

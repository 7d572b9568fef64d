import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOGUE, errorMessage, StreamError, type ErrorCode } from '../domain/errors.js';
import { makeProblem, PROBLEM_CONTENT_TYPE, redisDetail, type Problem } from './problem.js';

type Path = (string | number)[];

/** A zod issue as it reaches us: directly (inside a union) or re-shaped by fastify-type-provider-zod. */
interface RawIssue {
  code: string;
  path: Path;
  message: string;
  errors?: RawIssue[][];
  params?: { code?: string };
}

interface Finding {
  path: Path;
  message: string;
  invalidId: boolean;
}

interface FastifyValidationEntry {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function fromFastify(entry: FastifyValidationEntry): RawIssue {
  const instancePath = entry.instancePath ?? '';
  const path = instancePath === '' || instancePath === '/' ? [] : instancePath.slice(1).split('/');
  return { ...(entry.params as object), code: entry.keyword ?? 'invalid', path, message: entry.message ?? 'is invalid' };
}

/** A union failed: report the branch that matched the value's type, or the types that would have. */
function flatten(issue: RawIssue, prefix: Path): Finding[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors && issue.errors.length > 0) {
    const typeOnly = (branch: RawIssue[]) => branch.every((i) => i.code === 'invalid_type' && i.path.length === 0);
    const matched = issue.errors.find((branch) => !typeOnly(branch));
    if (matched) return matched.flatMap((i) => flatten(i, path));
    const expected = issue.errors.flatMap((branch) => branch.map((i) => (i as { expected?: string }).expected ?? 'another type'));
    return [{ path, message: `Invalid input: expected ${expected.join(' or ')}`, invalidId: false }];
  }
  return [{ path, message: issue.message, invalidId: issue.params?.code === 'INVALID_ID' }];
}

function describePath(context: string, path: Path): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' || /^[0-9]+$/.test(key) ? `${text}[${key}]` : `${text}.${key}`), context);
}

const CONTEXT_NAMES: Record<string, string> = { querystring: 'query', params: 'path', body: 'body', headers: 'headers' };

/** What a validator found, in words, paths starting at `where`; INVALID_ID when every finding is an ID's. */
export function describeValidation(entries: readonly object[], where: string): { code: ErrorCode; detail: string } {
  const findings = (entries as FastifyValidationEntry[]).flatMap((entry) => flatten(fromFastify(entry), []));
  const detail = findings.map((f) => `${describePath(where, f.path)}: ${f.message}`).join('; ');
  const code: ErrorCode = findings.length > 0 && findings.every((f) => f.invalidId) ? 'INVALID_ID' : 'VALIDATION';
  return { code, detail };
}

function validationProblem(entries: FastifyValidationEntry[], context: string | undefined): Problem {
  const { code, detail } = describeValidation(entries, CONTEXT_NAMES[context ?? ''] ?? context ?? 'request');
  return makeProblem(code, errorMessage('VALIDATION', 'invalid', detail));
}

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
};

/** Every error becomes a problem; `internal` marks the ones that are our fault and need a stack in the log. */
export function toProblem(error: unknown, request: FastifyRequest): { problem: Problem; internal: boolean } {
  if (error instanceof StreamError) {
    const problem = makeProblem(error.code, redisDetail(error.message));
    return { problem, internal: problem.status >= 500 && error.code !== 'SHUTTING_DOWN' };
  }
  const e = (error ?? {}) as Partial<FastifyError> & { validationContext?: string };
  if (Array.isArray(e.validation) && e.validation.length > 0) {
    return { problem: validationProblem(e.validation as FastifyValidationEntry[], e.validationContext), internal: false };
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { problem: makeProblem('PAYLOAD_TOO_LARGE', errorMessage('PAYLOAD_TOO_LARGE', 'body')), internal: false };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        problem: makeProblem('VALIDATION', errorMessage('VALIDATION', 'mediaType', request.headers['content-type'] ?? ''), 415),
        internal: false,
      };
    case 'FST_ERR_BAD_URL':
      return { problem: makeProblem('VALIDATION', errorMessage('VALIDATION', 'badUrl')), internal: false };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { problem: makeProblem('VALIDATION', errorMessage('VALIDATION', 'paramTooLong')), internal: false };
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = CODE_BY_STATUS[status] ?? 'VALIDATION';
    // A plugin's or fastify's own rejection: its message is the detail.
    return { problem: makeProblem(code, e.message || ERROR_CATALOGUE[code].title, code === 'VALIDATION' ? status : ERROR_CATALOGUE[code].status), internal: false };
  }
  return { problem: makeProblem('INTERNAL', errorMessage('INTERNAL', 'seeLog', String(request.id))), internal: true };
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).serializer(JSON.stringify).send(problem);
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { problem, internal } = toProblem(error, request);
  // A body refused after it was read whole leaves nothing unread: pipelined requests behind it still get answers.
  if ((error as { bodyReadWhole?: boolean } | null)?.bodyReadWhole === true) reply.removeHeader('connection');
  if (internal) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: problem.code, status: problem.status, detail: problem.detail }, 'request rejected');
  return sendProblem(reply, problem);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0];
  return sendProblem(reply, makeProblem('NOT_FOUND', errorMessage('NOT_FOUND', 'noRoute', request.method, path ?? '')));
}

import { ERROR_CATALOGUE, type ErrorCode } from '../domain/errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An RFC 9457 problem document; `code` is one of the error catalogue. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
}

export function problemType(code: ErrorCode): string {
  return `https://streamgate.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`;
}

/** `status` overrides the catalogue's (415 for a VALIDATION about the media type). */
export function makeProblem(code: ErrorCode, detail: string, status: number = ERROR_CATALOGUE[code].status): Problem {
  return { type: problemType(code), title: ERROR_CATALOGUE[code].title, status, detail, code };
}

const REDIS_ERROR_TOKEN = /^(ERR|NOGROUP|BUSYGROUP|WRONGTYPE) /;

/** Redis's words without the leading error token (`ERR `, `NOGROUP `, ...). */
export function redisDetail(message: string): string {
  return message.replace(REDIS_ERROR_TOKEN, '');
}

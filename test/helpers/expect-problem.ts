import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { ERROR_CATALOGUE, type ErrorCode } from '../../src/domain/errors.js';

/** Asserts an RFC 9457 answer with this status and code, and returns its detail. */
export function expectProblem(response: LightMyRequestResponse, status: number, code: ErrorCode): string {
  expect({ status: response.statusCode, body: response.body }).toMatchObject({ status });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = response.json();
  expect(problem).toEqual({
    type: `https://streamgate.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: ERROR_CATALOGUE[code].title,
    status,
    detail: expect.any(String),
    code,
  });
  expect(problem.detail.length).toBeGreaterThan(0);
  return problem.detail as string;
}

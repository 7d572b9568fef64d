import { z } from 'zod';
import { ERROR_CATALOGUE, type ErrorCode } from '../../domain/errors.js';
import { PROBLEM_CONTENT_TYPE } from '../problem.js';
import { integerOutput } from './numbers.js';

const CODES = Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]];

export const problemSchema = z
  .object({
    type: z.string().meta({ description: 'URI naming the problem type, one per code.' }),
    title: z.string().meta({ description: 'Short summary of the problem type.' }),
    status: integerOutput().meta({ description: 'The HTTP status.' }),
    detail: z.string().meta({ description: 'What went wrong, in words (for stream errors, what Redis would say).' }),
    code: z.enum(CODES).meta({ description: 'Stable error code.' }),
  })
  .meta({ id: 'Problem', description: 'An RFC 9457 problem document.' });

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (`VALIDATION`, `INVALID_ID`, or a Redis ID rule)',
  404: 'Not found (`NO_STREAM`, `NOGROUP`, `NO_CONSUMER`, `NO_MESSAGE`)',
  409: 'Conflict (`BUSYGROUP`, `NO_DELIVERY_POLICY`), or a cap reached (`MAX_STREAMS_REACHED`, `MAX_CONSUMERS_REACHED`)',
  413: 'Body too large (`PAYLOAD_TOO_LARGE`)',
  415: 'Unsupported media type (`VALIDATION`)',
  507: 'Out of memory (`OUT_OF_MEMORY`): the embedded streams hold more than MAX_MEMORY_BYTES, or Redis refused the write at its maxmemory; writes that add data are refused until deletes or trims make room',
  500: 'Internal error (`INTERNAL`): a bug',
  503: 'Unavailable (`STORAGE_UNAVAILABLE`, `SHUTTING_DOWN`)',
};

type ProblemResponse = { description: string; content: { [PROBLEM_CONTENT_TYPE]: { schema: typeof problemSchema } } };

/** Problem responses for the given statuses, plus the 500 and 503 every route can give. */
export function problemResponses<const S extends number>(...statuses: S[]): Record<S | 500 | 503, ProblemResponse> {
  const responses = {} as Record<number, ProblemResponse>;
  for (const status of [...statuses, 500, 503]) {
    responses[status] = { description: DESCRIPTIONS[status] ?? 'Error', content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } };
  }
  return responses as Record<S | 500 | 503, ProblemResponse>;
}

/** Statuses of routes that read a JSON body. */
export const BODY_ERRORS = [400, 413, 415] as const;

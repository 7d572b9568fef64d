import { z } from 'zod';
import { IDMP_MAX_DURATION_S, IDMP_MAX_MAX_SIZE } from '../../domain/defaults.js';
import { streamError } from '../../domain/errors.js';
import type { IdempotencySpec } from '../../domain/types.js';
import { DEFER, isRecord, withFastCheck, type Defer } from './fast-check.js';

/** The producer of an `Idempotency-Key` without `Idempotency-Producer`, when no token authenticated the request. */
export const DEFAULT_IDEMPOTENCY_PRODUCER = 'default';

interface IdempotencyHeaders {
  'idempotency-key'?: string | undefined;
  'idempotency-producer'?: string | undefined;
}

const optionalHeader = (value: unknown): boolean => value === undefined || (typeof value === 'string' && value.length > 0);

/** Both headers absent or non-empty: the headers as they are (zod's loose parse copies every header, per request). */
function fastHeaders(headers: unknown): (IdempotencyHeaders & Record<string, unknown>) | Defer {
  if (!isRecord(headers)) return DEFER;
  return optionalHeader(headers['idempotency-key']) && optionalHeader(headers['idempotency-producer']) ? headers : DEFER;
}

export const idempotencyHeaders = withFastCheck(
  z.looseObject({
    'idempotency-key': z
      .string()
      .min(1)
      .optional()
      .meta({
        description:
          'Idempotent append (IETF Idempotency-Key draft): the key names the request. Its retry with the same body answers 200 with the first ' +
          'ID(s) and `duplicate`, appending nothing; the same key with another body is 422 `IDEMPOTENCY_KEY_REUSED`. On a batch the key ' +
          'covers the whole batch as one unit. Not together with `idempotency` in the body (400).',
      }),
    'idempotency-producer': z
      .string()
      .min(1)
      .optional()
      .meta({ description: `The producer the key belongs to; default: the token's name (tokens file name, JWT \`sub\`), else \`${DEFAULT_IDEMPOTENCY_PRODUCER}\`.` }),
  }),
  fastHeaders,
);

/**
 * The idempotency of a single append: the body's `idempotency` (Redis's rule), else the `Idempotency-Key` header
 * (strict) with producer `Idempotency-Producer`, else `principal` (the token's name), else "default". Both: VALIDATION.
 */
export function idempotencyOf(
  body: { producer: string; key?: string | undefined } | undefined,
  headers: IdempotencyHeaders,
  principal: string | undefined,
): IdempotencySpec | undefined {
  const key = headers['idempotency-key'];
  if (body !== undefined) {
    if (key !== undefined) throw streamError('VALIDATION', 'idempotencyTwice');
    return body.key === undefined ? { producer: body.producer } : { producer: body.producer, key: body.key };
  }
  return key === undefined ? undefined : headerIdempotency(key, headers, principal);
}

/** The `Idempotency-Key` header's spec (strict); see idempotencyOf for the producer. */
export function headerIdempotency(key: string, headers: IdempotencyHeaders, principal: string | undefined): IdempotencySpec {
  return { producer: headers['idempotency-producer'] ?? principal ?? DEFAULT_IDEMPOTENCY_PRODUCER, key, strict: true };
}

/** `{idempotencyDurationS?, idempotencyMaxSize?}`: XCFGSET. */
export const streamConfigBody = z
  .strictObject({
    idempotencyDurationS: z.number().int().min(1).max(IDMP_MAX_DURATION_S).optional().meta({ description: 'IDMP-DURATION: seconds a key is remembered (default 100).' }),
    idempotencyMaxSize: z.number().int().min(1).max(IDMP_MAX_MAX_SIZE).optional().meta({ description: 'IDMP-MAXSIZE: keys remembered per producer (default 100).' }),
  })
  .refine((body) => body.idempotencyDurationS !== undefined || body.idempotencyMaxSize !== undefined, {
    message: 'give idempotencyDurationS, idempotencyMaxSize or both',
  });

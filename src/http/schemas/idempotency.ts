import { z } from 'zod';
import { IDMP_MAX_DURATION_S, IDMP_MAX_MAX_SIZE } from '../../domain/defaults.js';
import type { IdempotencySpec } from '../../domain/types.js';

/** The producer of an `Idempotency-Key` without `Idempotency-Producer`. */
export const DEFAULT_IDEMPOTENCY_PRODUCER = 'default';

export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'Idempotent append (IETF draft): the same key with the same fields answers the first ID; with other fields, 422.' }),
  'idempotency-producer': z.string().min(1).optional().meta({ description: `The producer the key belongs to; default \`${DEFAULT_IDEMPOTENCY_PRODUCER}\`.` }),
});

/** The idempotency of an append: the body's `idempotency` (Redis's rule), else the `Idempotency-Key` header (strict). */
export function idempotencyOf(
  body: { producer: string; key?: string | undefined } | undefined,
  headers: { 'idempotency-key'?: string | undefined; 'idempotency-producer'?: string | undefined },
): IdempotencySpec | undefined {
  if (body !== undefined) return body.key === undefined ? { producer: body.producer } : { producer: body.producer, key: body.key };
  const key = headers['idempotency-key'];
  if (key === undefined) return undefined;
  return { producer: headers['idempotency-producer'] ?? DEFAULT_IDEMPOTENCY_PRODUCER, key, strict: true };
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

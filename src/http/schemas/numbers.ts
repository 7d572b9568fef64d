import { z } from 'zod';

/** Query strings carry digits; anything else is left as a string so that the number check reports it. */
function digitsToNumber(value: unknown): unknown {
  return typeof value === 'string' && /^[0-9]{1,16}$/.test(value) ? Number(value) : value;
}

export function queryInteger(min: number, max: number, description: string) {
  const message = `expected an integer from ${min} to ${max}`;
  return z.preprocess(digitsToNumber, z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message })).meta({ description });
}

export function bodyInteger(min: number, max: number, description: string) {
  return z.number().int().min(min).max(max).meta({ description });
}

/** `count` for reads and ranges: 1..maxCount, omitted meaning `fallback`. */
export function countQuery(maxCount: number, fallback: number) {
  return queryInteger(1, maxCount, `Most entries returned, 1 to ${maxCount}; default ${fallback}.`).optional();
}

export function countBody(maxCount: number, fallback: number) {
  return bodyInteger(1, maxCount, `Most entries returned, 1 to ${maxCount}; default ${fallback}.`).optional();
}

const WAIT_NOTE = 'Block up to this many ms for new entries (0 = answer at once). A timeout answers 200 with no messages.';

/**
 * `waitMs`: any larger value is accepted and clamped to the server's cap (`MAX_WAIT_MS`), so the
 * schema's `maximum` documents the cap, which is what a client gets, rather than refusing above it.
 */
function waitMaximum(maxWaitMs: number, description: string) {
  return { maximum: maxWaitMs, description: `${description} Values above this server's cap, ${maxWaitMs}, are clamped to it.` };
}

export const waitMsQuery = (maxWaitMs: number, description = WAIT_NOTE) =>
  queryInteger(0, Number.MAX_SAFE_INTEGER, description).meta(waitMaximum(maxWaitMs, description)).optional();
export const waitMsBody = (maxWaitMs: number, description = WAIT_NOTE) =>
  bodyInteger(0, Number.MAX_SAFE_INTEGER, description).meta(waitMaximum(maxWaitMs, description)).optional();

export const millisecondsBody = (description: string) => bodyInteger(0, Number.MAX_SAFE_INTEGER, description);
export const millisecondsQuery = (description: string) => queryInteger(0, Number.MAX_SAFE_INTEGER, description);

/** Redis's 64-bit counters (entries-added, entries-read): inputs above 2^53-1 are refused rather than rounded. */
export function counterBody(description: string) {
  return z
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER, { message: 'must be at most 9007199254740991 (2^53-1): larger counters are not accepted over JSON' })
    .meta({ description: `${description} At most 2^53-1, a deliberate limit of JSON numbers.` })
    .transform((value) => BigInt(value));
}

/**
 * Integers on output are documented, not enforced: a value the core produced
 * after a write must never turn into a 500 at serialization.
 */
export const integerOutput = () => z.number().meta({ type: 'integer' });

/** A count, size or delivery counter on output. */
export const nonNegative = () => z.number().meta({ type: 'integer', minimum: 0 });

export const counterOutput = (description: string) => nonNegative().meta({ description });

/** Booleans in a query string: `true` or `false` (typed as a boolean in the OpenAPI document and the SDK). */
function booleanText(value: unknown): unknown {
  return value === 'true' ? true : value === 'false' ? false : value;
}

export const booleanQuery = (description: string) =>
  z
    .preprocess(booleanText, z.boolean({ error: 'expected true or false' }))
    .optional()
    .meta({ description });

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

const WAIT_NOTE = "Block up to this many ms for new entries (0 = answer at once); clamped to the server's cap. A timeout answers 200 with no messages.";

export const waitMsQuery = queryInteger(0, Number.MAX_SAFE_INTEGER, WAIT_NOTE).optional();
export const waitMsBody = bodyInteger(0, Number.MAX_SAFE_INTEGER, WAIT_NOTE).optional();

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

export const booleanQuery = (description: string) =>
  z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .meta({ description });

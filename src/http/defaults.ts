import type { FieldsFormat } from './wire/fields.js';

/**
 * Defaults of the HTTP API where Redis has none, each defined once: the
 * schemas document them and the routes apply them. Redis's own defaults
 * (XAUTOCLAIM COUNT, XINFO STREAM FULL COUNT, the `~` trim LIMIT) are in
 * src/domain/defaults.ts. Counts that default to the server's MAX_COUNT come
 * from the config.
 */

/** GET /streams `limit`: streams per page. */
export const STREAM_PAGE_DEFAULT_LIMIT = 100;

/** GET /streams `limit`: the largest page. */
export const STREAM_PAGE_MAX_LIMIT = 1000;

/** SSE `count`: the most entries taken in one read of the loop. */
export const SSE_DEFAULT_COUNT = 100;

/** Group SSE `maxInFlight` (ack=manual): the most unacknowledged entries held at once. */
export const SSE_DEFAULT_MAX_IN_FLIGHT = 100;

/** `fieldsFormat`: fields as an object. */
export const DEFAULT_FIELDS_FORMAT: FieldsFormat = 'object';

/** `waitMs` of long-polls: answer at once. */
export const DEFAULT_WAIT_MS = 0;

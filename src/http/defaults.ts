import type { FieldsFormat } from './wire/fields.js';

/**
 * Defaults of the HTTP API where Redis has none, each defined once: the
 * schemas document them (the OpenAPI `default`, or the description) and
 * apply them or the routes do. Redis's own defaults (XAUTOCLAIM COUNT,
 * XINFO STREAM FULL COUNT, the `~` trim LIMIT) are in src/domain/defaults.ts;
 * counts that default to the server's MAX_COUNT come from the config.
 */

/** `fieldsFormat` of every answer with messages. */
export const DEFAULT_FIELDS_FORMAT: FieldsFormat = 'object';

/** `waitMs` of long-polls: answer at once. */
export const DEFAULT_WAIT_MS = 0;

/** Append `id` (XADD's ID argument, which Redis requires): generated. */
export const DEFAULT_APPEND_ID = '*';

/** Group read `after` (XREADGROUP's ID): entries never delivered to the group. */
export const DEFAULT_GROUP_READ_FROM = '>';

/** Group create `startId` (XGROUP CREATE's ID): the stream's last ID. */
export const DEFAULT_GROUP_START = '$';

/** XPENDING's extended form `start` and `end`: the whole pending list. */
export const DEFAULT_PENDING_START = '-';
export const DEFAULT_PENDING_END = '+';

/** XAUTOCLAIM `start`: the beginning of the pending list. */
export const DEFAULT_AUTOCLAIM_START = '0-0';

/** GET /streams `limit`: streams per page, and the largest page. */
export const DEFAULT_STREAM_PAGE_LIMIT = 100;
export const MAX_STREAM_PAGE_LIMIT = 1000;

/** Stream tail SSE `after`: only entries added from now on. */
export const DEFAULT_SSE_AFTER = '$';

/** SSE `count`: the most entries taken in one read of the loop. */
export const DEFAULT_SSE_COUNT = 100;

/** Group SSE `maxInFlight` (ack=manual): the most unacknowledged entries held at once. */
export const DEFAULT_SSE_MAX_IN_FLIGHT = 100;

/** Group SSE `ack`: acknowledged by the client. */
export const DEFAULT_SSE_ACK = 'manual';

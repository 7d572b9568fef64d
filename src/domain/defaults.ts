/**
 * Redis's own defaults: what a command does when an option is left out. The
 * core applies them and the HTTP schemas document them; defaults that only
 * the HTTP API has are in src/http/defaults.ts.
 */

/** XAUTOCLAIM key group consumer min-idle-time start [COUNT count]: COUNT 100. */
export const XAUTOCLAIM_DEFAULT_COUNT = 100;

/** XINFO STREAM key FULL [COUNT count]: COUNT 10 entries, and 10 PEL entries per group and consumer. */
export const XINFO_STREAM_FULL_DEFAULT_COUNT = 10;

/** XADD / XTRIM with `~` and no LIMIT: 100 * stream-node-max-entries (100). */
export const APPROX_TRIM_DEFAULT_LIMIT = 10_000;

/** XNACK FAIL: the mode when none is given over HTTP (Redis requires one). */
export const XNACK_DEFAULT_MODE = 'fail';

/** XNACK FATAL sets the delivery count to the maximum; ours is the largest exact JS integer. */
export const XNACK_FATAL_DELIVERY_COUNT = Number.MAX_SAFE_INTEGER;

/** XADD IDMP / IDMPAUTO windows (server config stream-idmp-duration and stream-idmp-maxsize): 100 s, 100 iids a producer. */
export const IDMP_DEFAULT_DURATION_S = 100;
export const IDMP_DEFAULT_MAX_SIZE = 100;
/** XCFGSET's bounds. */
export const IDMP_MAX_DURATION_S = 86_400;
export const IDMP_MAX_MAX_SIZE = 10_000;

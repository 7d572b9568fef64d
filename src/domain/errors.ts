/**
 * The one error catalogue. Each code is stable and upper-case; the HTTP layer
 * maps codes to statuses in one table (src/http/error-status.ts) and the docs
 * list every row. `redis` is the message redis-server gives for the same case,
 * which the differential test compares against.
 */
export const ERROR_CATALOGUE = {
  NOGROUP: { title: 'No such consumer group' },
  BUSYGROUP: { title: 'Consumer group already exists' },
  NO_STREAM: { title: 'No such stream' },
  NO_CONSUMER: { title: 'No such consumer' },
  NO_MESSAGE: { title: 'No such message' },
  NOT_FOUND: { title: 'Not found' },
  INVALID_ID: { title: 'Invalid stream ID' },
  ID_NOT_GREATER: { title: 'ID not greater than the stream top' },
  ID_EXHAUSTED: { title: 'Stream IDs exhausted' },
  SEQ_EXHAUSTED: { title: 'Sequence numbers exhausted for this millisecond' },
  SETID_TOO_SMALL: { title: 'XSETID argument too small' },
  VALIDATION: { title: 'Invalid request' },
  PAYLOAD_TOO_LARGE: { title: 'Payload too large' },
  STORAGE_UNAVAILABLE: { title: 'Storage unavailable' },
  SHUTTING_DOWN: { title: 'Server shutting down' },
  UNAUTHORIZED: { title: 'Unauthorized' },
  FORBIDDEN: { title: 'Forbidden' },
  RATE_LIMITED: { title: 'Rate limited' },
  TOO_MANY_STREAMS: { title: 'Too many open event streams' },
  TOO_MANY_WAITERS: { title: 'Too many waiting reads' },
  OVERLOADED: { title: 'Server overloaded' },
  HOST_NOT_ALLOWED: { title: 'Host not allowed' },
  ORIGIN_NOT_ALLOWED: { title: 'Origin not allowed' },
  REQUEST_TIMEOUT: { title: 'Request timeout' },
  URI_TOO_LONG: { title: 'URI too long' },
  HEADERS_TOO_LARGE: { title: 'Request headers too large' },
  INTERNAL: { title: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class StreamError extends Error {
  override readonly name = 'StreamError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const RedisMessages = {
  invalidId: 'ERR Invalid stream ID specified as stream command argument',
  addNotGreater: 'ERR The ID specified in XADD is equal or smaller than the target stream top item',
  addZero: 'ERR The ID specified in XADD must be greater than 0-0',
  exhausted: 'ERR The stream has exhausted the last possible ID, unable to add more items',
  seqExhausted: 'ERR Elements are too large to be stored',
  busyGroup: 'BUSYGROUP Consumer Group name already exists',
  groupNeedsKey:
    'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
  noSuchKey: 'ERR no such key',
  invalidStartInterval: 'ERR invalid start ID for the interval',
  invalidEndInterval: 'ERR invalid end ID for the interval',
  setIdSmaller: 'ERR The ID specified in XSETID is smaller than the target stream top item',
  setIdEntriesAdded: 'ERR The entries_added specified in XSETID is smaller than the target stream length',
  setIdMaxDeleted: 'ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id',
} as const;

export function noGroupError(key: string, group: string, command = 'XREADGROUP'): StreamError {
  return new StreamError(
    'NOGROUP',
    command === 'XREADGROUP'
      ? `NOGROUP No such key '${key}' or consumer group '${group}' in XREADGROUP with GROUP option`
      : `NOGROUP No such key '${key}' or consumer group '${group}'`,
  );
}

export function invalidIdError(): StreamError {
  return new StreamError('INVALID_ID', RedisMessages.invalidId);
}

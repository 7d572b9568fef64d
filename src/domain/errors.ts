/**
 * The one error catalogue. Each code is stable and upper-case and holds its
 * HTTP status, the problem title, and its message templates by name. A
 * template is Redis's exact reply line (leading token included: `ERR `,
 * `NOGROUP `) where Redis has one for the case, which the differential tests
 * compare byte for byte; where Redis words one code several ways (NOGROUP in
 * XREADGROUP, in XPENDING/XCLAIM, in XGROUP/XINFO CONSUMERS), each wording is
 * its own named template. Modules throw `streamError(code, template, ...args)`,
 * never a message of their own; README.md's "Errors" table and the OpenAPI
 * problem `code` enum list exactly these codes (test/domain/errors.test.ts).
 */

interface ErrorSpec {
  readonly status: number;
  readonly title: string;
  readonly messages: Readonly<Record<string, (...args: never[]) => string>>;
}

// Redis words a missing key the same way as a missing group in these commands;
// NOGROUP and NO_STREAM (our split of the case) share the text.
const noKeyOrGroupInXreadgroup = (key: string, group: string): string =>
  `NOGROUP No such key '${key}' or consumer group '${group}' in XREADGROUP with GROUP option`;
const noKeyOrGroup = (key: string, group: string): string => `NOGROUP No such key '${key}' or consumer group '${group}'`;

/** The catalogue's order is the OpenAPI enum's order. */
export const ERROR_CATALOGUE = {
  NOGROUP: {
    status: 404,
    title: 'No such consumer group',
    messages: {
      /** XREADGROUP */
      readGroup: noKeyOrGroupInXreadgroup,
      /** XPENDING, XCLAIM, XAUTOCLAIM */
      keyOrGroup: noKeyOrGroup,
      /** XGROUP SETID / CREATECONSUMER / DELCONSUMER, XINFO CONSUMERS */
      groupForKey: (key: string, group: string) => `NOGROUP No such consumer group '${group}' for key name '${key}'`,
      /** A blocked group read whose group went (Redis 7.0 has no such reply: it keeps the client blocked). */
      destroyed: (key: string, group: string) => `NOGROUP The consumer group '${group}' of '${key}' was destroyed`,
    },
  },
  BUSYGROUP: {
    status: 409,
    title: 'Consumer group already exists',
    messages: { exists: () => 'BUSYGROUP Consumer Group name already exists' },
  },
  NO_STREAM: {
    status: 404,
    title: 'No such stream',
    messages: {
      noSuchKey: () => 'ERR no such key',
      /** XGROUP on a missing key (CREATE without MKSTREAM included) */
      groupNeedsKey: () =>
        'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
      /** XREADGROUP on a missing key: Redis's NOGROUP text */
      readGroup: noKeyOrGroupInXreadgroup,
      /** XPENDING, XCLAIM, XAUTOCLAIM on a missing key: Redis's NOGROUP text */
      keyOrGroup: noKeyOrGroup,
      /** A blocked read whose stream went */
      deleted: (key: string) => `The stream '${key}' was deleted`,
    },
  },
  NO_CONSUMER: {
    status: 404,
    title: 'No such consumer',
    messages: { missing: (group: string, consumer: string) => `no consumer '${consumer}' in group '${group}'` },
  },
  NO_MESSAGE: {
    status: 404,
    title: 'No such message',
    /** `id` as formatId writes it */
    messages: { missing: (id: string) => `no message with ID ${id}` },
  },
  NOT_FOUND: {
    status: 404,
    title: 'Not found',
    messages: { noRoute: (method: string, path: string) => `no route for ${method} ${path}` },
  },
  INVALID_ID: {
    status: 400,
    title: 'Invalid stream ID',
    messages: {
      malformed: () => 'ERR Invalid stream ID specified as stream command argument',
      /** An exclusive start at the last possible ID */
      startInterval: () => 'ERR invalid start ID for the interval',
      /** An exclusive end at 0-0 */
      endInterval: () => 'ERR invalid end ID for the interval',
      /** A Last-Event-ID header or lastEventId query parameter that an event stream never sent */
      lastEventId: (value: string) => `Last-Event-ID '${value}' is not an event ID of this event stream`,
    },
  },
  ID_NOT_GREATER: {
    status: 400,
    title: 'ID not greater than the stream top',
    messages: {
      notGreater: () => 'ERR The ID specified in XADD is equal or smaller than the target stream top item',
      zero: () => 'ERR The ID specified in XADD must be greater than 0-0',
    },
  },
  ID_EXHAUSTED: {
    status: 400,
    title: 'Stream IDs exhausted',
    messages: { exhausted: () => 'ERR The stream has exhausted the last possible ID, unable to add more items' },
  },
  SEQ_EXHAUSTED: {
    status: 400,
    title: 'Sequence numbers exhausted for this millisecond',
    messages: { exhausted: () => 'ERR Elements are too large to be stored' },
  },
  SETID_TOO_SMALL: {
    status: 400,
    title: 'XSETID argument too small',
    messages: {
      belowTop: () => 'ERR The ID specified in XSETID is smaller than the target stream top item',
    },
  },
  SETID_ENTRIES_ADDED_TOO_SMALL: {
    status: 400,
    title: 'XSETID entries-added below the stream length',
    messages: {
      belowLength: () => 'ERR The entries_added specified in XSETID is smaller than the target stream length',
    },
  },
  SETID_MAXDELETED_TOO_BIG: {
    status: 400,
    title: 'XSETID max-deleted-id above the new last ID',
    messages: {
      aboveLastId: () => 'ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id',
    },
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: 'Idempotency key reused with another request',
    messages: {
      reused: (producer: string, key: string) => `the idempotency key '${key}' of producer '${producer}' was used for a different message`,
    },
  },
  MAX_STREAMS_REACHED: {
    status: 409,
    title: 'Stream limit reached',
    messages: {
      /** `limit`: MAX_STREAMS */
      wouldCreate: (key: string, limit: number) =>
        `creating stream '${key}' would pass the server's limit of ${limit} streams (MAX_STREAMS); delete a stream first`,
    },
  },
  MAX_CONSUMERS_REACHED: {
    status: 409,
    title: 'Consumer limit reached',
    messages: {
      /** `limit`: MAX_CONSUMERS_PER_GROUP */
      wouldCreate: (key: string, group: string, consumer: string, limit: number) =>
        `creating consumer '${consumer}' would pass the limit of ${limit} consumers in group '${group}' of '${key}' (MAX_CONSUMERS_PER_GROUP); delete an idle consumer first`,
    },
  },
  OUT_OF_MEMORY: {
    status: 507,
    title: 'Out of memory',
    messages: {
      /** Redis's own reply with maxmemory and noeviction */
      redis: () => "OOM command not allowed when used memory > 'maxmemory'.",
      /** `used`, `limit`: bytes of entries the embedded backend holds, and MAX_MEMORY_BYTES */
      embedded: (used: number, limit: number) =>
        `OOM command not allowed: the streams hold ${used} bytes of entries and MAX_MEMORY_BYTES is ${limit}; reads, acks, deletes and trims still work`,
    },
  },
  VALIDATION: {
    status: 400,
    title: 'Invalid request',
    messages: {
      /** What the request validators found, in their words */
      invalid: (detail: string) => detail || 'the request is invalid',
      emptyBatch: () => 'A batch needs at least one message',
      /** XACKDEL / XDELEX / XNACK: IDS numids with numids >= 1 */
      noIds: () => 'ERR Number of IDs must be a positive integer',
      negativeRetryCount: () => 'ERR Invalid RETRYCOUNT value: must be >= 0',
      negativeClaimMinIdle: () => 'ERR min-idle-time for CLAIM must be a non-negative integer',
      maxCountPositive: () => 'ERR MAXCOUNT must be positive',
      maxBytesPositive: () => 'ERR MAXSIZE must be positive',
      maxCountBelowCount: () => 'ERR MAXCOUNT must be greater than or equal to COUNT',
      idempotencyNeedsAutoId: () => 'ERR IDMP and IDMPAUTO can be used only with an automatically generated ID (*)',
      emptyIdempotency: () => 'ERR IDMP producer and idempotent ID must be non-empty',
      /** The Idempotency-Key header and a body's `idempotency` on one append */
      idempotencyTwice: () => 'give the Idempotency-Key header or `idempotency` in the body, not both: the header covers the whole request',
      configNeedsOption: () => 'ERR XCFGSET needs at least one of IDMP-DURATION and IDMP-MAXSIZE',
      idmpDurationRange: () => 'ERR IDMP-DURATION must be between 1 and 86400',
      idmpMaxSizeRange: () => 'ERR IDMP-MAXSIZE must be between 1 and 10000',
      xaddArity: () => "ERR wrong number of arguments for 'xadd' command",
      limitWithoutApprox: () => 'ERR syntax error, LIMIT cannot be used without the special ~ option',
      negativeLimit: () => 'ERR The LIMIT argument must be >= 0.',
      negativeMaxLen: () => 'ERR The MAXLEN argument must be >= 0.',
      negativeEntriesAdded: () => 'ERR entries_added must be positive',
      negativeEntriesRead: () => 'ERR value for ENTRIESREAD must be positive or -1',
      /** Delivery policies (streamgate's): times in ms, 0..DELIVERY_POLICY_MAX_MS (or from 1 where 0 means nothing) */
      policyTime: (name: string, min: number, max: number) => `${name} must be an integer from ${min} to ${max} (ms)`,
      maxDeliveriesPositive: (max: number) => `maxDeliveries must be an integer from 1 to ${max}`,
      deadLetterPair: () => 'maxDeliveries and deadLetterStream go together: give both or neither',
      deadLetterIsStream: (stream: string) => `deadLetterStream must not be the group's own stream '${stream}'`,
      deadLetterName: () => 'deadLetterStream must be a non-empty stream name',
      backoffSteps: (max: number) => `retryBackoffMs must be a list of at most ${max} delays`,
      groupUpdateEmpty: () => 'A group update needs lastDeliveredId or policy',
      reservedConsumer: (name: string) => `the consumer name '${name}' is reserved on the Redis backend for entries a delivery policy took back`,
      claimWithPolicy: () => 'claimMinIdleMs cannot be used in a group with a delivery policy: the policy decides which pending entries are due',
      mediaType: (contentType: string) => `unsupported content type ${JSON.stringify(contentType)}: send application/json`,
      badUrl: () => 'the URL path is not valid percent-encoded UTF-8',
      paramTooLong: () => 'a path segment is too long (names are at most 512 bytes)',
      noHost: () => 'the request has no Host header (HTTP/1.1 requires one)',
      postWithoutJson: () => 'a POST must carry content-type: application/json, even with an empty body',
      notJson: (contentType: string) => `unsupported content type ${JSON.stringify(contentType)}: send application/json (UTF-8)`,
      /** `why`: Node's parser, in words */
      notHttp: (why: string) => why,
      /** NDJSON ingest: line numbers count from 1, empty lines included */
      lineNotUtf8: (line: number) => `line ${line}: not valid UTF-8`,
      lineInvalid: (line: number, why: string) => `line ${line}: ${why}`,
      idempotencyKeyNdjson: () =>
        'the Idempotency-Key header covers a whole request, which an NDJSON batch is not (it appends in chunks): give `idempotency` per line',
    },
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    title: 'Payload too large',
    messages: {
      body: () => 'the request body is larger than the server accepts',
      /** NDJSON ingest: one line longer than the per-line cap (BODY_LIMIT_BYTES) */
      line: (line: number, cap: number) => `line ${line} is longer than ${cap} bytes, the most one line may hold`,
    },
  },
  STORAGE_UNAVAILABLE: {
    status: 503,
    title: 'Storage unavailable',
    messages: {
      loading: () => 'storage is not ready (still loading, or unreachable); retry shortly',
      recovering: () => 'storage is recovering from a failed write; retry shortly',
      /** `code`: the errno name (EIO, ENOSPC, ...) */
      writeFailed: (code: string) => `Storage unavailable: writing the log failed (${code})`,
      redisUnavailable: (detail: string) => `Redis is unavailable${detail ? `: ${detail}` : ''}; retry shortly`,
      /** REDIS_WAIT_REPLICAS not met within REDIS_WAIT_TIMEOUT_MS */
      waitShortfall: (acked: number, wanted: number, timeoutMs: number) =>
        `the write was applied on the primary but only ${acked} of ${wanted} replicas acknowledged it within ${timeoutMs} ms (WAIT); it may be lost in a failover`,
      /** `lockFile`: the path of the DATA_DIR's LOCK */
      locked: (dir: string, why: string, lockFile: string) =>
        `DATA_DIR ${dir} is in use by another streamgate server (${why}). Only one server may use a data directory; ` +
        `stop the other one, or if none is running, delete ${lockFile}.`,
      /** `missing`: the log files' names, then `is` or `are` */
      snapshotWithoutLogs: (dir: string, snapshot: string, missing: string) =>
        `${dir}: snapshot ${snapshot} is complete but ${missing} missing; refusing to start without them`,
      partialHistory: (dir: string, found: string) =>
        `${dir}: no complete snapshot, and the logs do not reach back to generation 0 (found ${found}); refusing to start on a partial history`,
      nodesBeforeCreation: (file: string, key: string, offset: number) =>
        `${file}: nodes of stream ${key} before its creation at byte offset ${offset}`,
      snapshotDamaged: (file: string, offset: number, reason: string) =>
        `${file}: the snapshot is damaged at byte offset ${offset} (${reason}). ` +
        `A snapshot cannot be repaired: restore the data directory from a backup.`,
      snapshotRecordInLog: (file: string, offset: number) => `${file}: unexpected snapshot record at byte offset ${offset}`,
      wrongGeneration: (file: string, generation: number) => `${file}: its header says generation ${generation}`,
      /** `what`: the damage, in words; `repair`: the command that cuts the log */
      logDamaged: (file: string, what: string, offset: number, reason: string, repair: string, bytes: number) =>
        `${file}: ${what} at byte offset ${offset} (${reason}). Startup refuses to skip data. ` +
        `Run \`${repair}\` to cut the log at byte ${offset}, dropping ${bytes} bytes (it saves them to a side file first).`,
    },
  },
  NOT_SUPPORTED_BY_BACKEND: {
    status: 501,
    title: 'Not supported by this backend',
    messages: {
      /** `command`: the Redis command (and option) the request needs; `version`: the first Redis version that has it */
      needsVersion: (command: string, version: string, found: string) =>
        `${command} needs Redis ${version} or later; the backend's server is ${found}`,
      /** The server has the command, but this backend does not send it yet (it cannot be tested against such a server here). */
      notYetSent: (command: string, found: string) =>
        `${command} is not sent by streamgate's Redis backend yet (the server, ${found}, has it); use the embedded backend for it`,
      /** A streamgate feature (no Redis command) the Redis backend does not keep yet. */
      notYetImplemented: (feature: string) => `${feature} are not kept by streamgate's Redis backend yet; use the embedded backend for them`,
    },
  },
  NO_DELIVERY_POLICY: {
    status: 409,
    title: 'The group has no delivery policy',
    messages: {
      /** nack delayMs in a group without a policy */
      noPolicy: (key: string, group: string) => `The consumer group '${group}' of '${key}' has no delivery policy`,
      /** extend in a group whose policy has no ackDeadlineMs */
      noAckDeadline: (key: string, group: string) => `The consumer group '${group}' of '${key}' has no ackDeadlineMs in its policy`,
    },
  },
  SHUTTING_DOWN: {
    status: 503,
    title: 'Server shutting down',
    messages: { draining: () => 'the server is shutting down; retry on another instance' },
  },
  UNAUTHORIZED: {
    status: 401,
    title: 'Unauthorized',
    messages: { rejected: (reason: string) => reason },
  },
  FORBIDDEN: {
    status: 403,
    title: 'Forbidden',
    messages: { rejected: (reason: string) => reason },
  },
  RATE_LIMITED: {
    status: 429,
    title: 'Rate limited',
    messages: { rejected: (reason: string) => reason },
  },
  TOO_MANY_STREAMS: {
    status: 429,
    title: 'Too many open event streams',
    messages: {
      /** `setting`: the variable that sets the cap */
      perClient: (held: number, setting: string) => `this client already holds ${held} open event streams (${setting}); close one first`,
    },
  },
  TOO_MANY_WAITERS: {
    status: 429,
    title: 'Too many waiting reads',
    messages: {
      perClient: (held: number, setting: string) => `this client already holds ${held} waiting reads (${setting}); close one first`,
    },
  },
  OVERLOADED: {
    status: 503,
    title: 'Server overloaded',
    messages: {
      /** `what`: "open event streams" or "waiting reads" */
      atCapacity: (what: string, setting: string) => `the server holds its most ${what} (${setting}); retry later or on another instance`,
      /** `pressure`: what is over its threshold, e.g. "event-loop delay 1200 ms" */
      pressure: (pressure: string, retryAfterSeconds: number) => `the server is overloaded (${pressure}); retry after ${retryAfterSeconds} s`,
    },
  },
  HOST_NOT_ALLOWED: {
    status: 403,
    title: 'Host not allowed',
    messages: { notServed: (host: string) => `Host ${JSON.stringify(host)} is not served here: add it to ALLOWED_HOSTS` },
  },
  ORIGIN_NOT_ALLOWED: {
    status: 403,
    title: 'Origin not allowed',
    messages: { writesRefused: (origin: string) => `writes from Origin ${JSON.stringify(origin)} are refused: add it to CORS_ORIGINS` },
  },
  REQUEST_TIMEOUT: {
    status: 408,
    title: 'Request timeout',
    messages: { tooSlow: () => 'the request headers or body did not arrive in time (HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS)' },
  },
  URI_TOO_LONG: {
    status: 414,
    title: 'URI too long',
    messages: { tooLong: () => 'the request URL is longer than the server accepts' },
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    title: 'Request headers too large',
    messages: { tooLarge: () => 'the request headers are larger than the server accepts' },
  },
  INTERNAL: {
    status: 500,
    title: 'Internal error',
    messages: {
      /** What a request sees: the details go to the log only */
      seeLog: (requestId: string) => `internal error; see the server log for request ${requestId}`,
      unexpected: (error: unknown) => String(error),
    },
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

type Templates<C extends ErrorCode> = (typeof ERROR_CATALOGUE)[C]['messages'];
/** The names of a code's message templates. */
export type MessageName<C extends ErrorCode> = keyof Templates<C> & string;
type TemplateArgs<C extends ErrorCode, N extends MessageName<C>> = Templates<C>[N] extends (...args: infer A) => string ? A : never;

export class StreamError extends Error {
  override readonly name = 'StreamError';
  /** Use `streamError`: the message comes from the catalogue. */
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The text of one of `code`'s templates. */
export function errorMessage<C extends ErrorCode, N extends MessageName<C>>(code: C, name: N, ...args: TemplateArgs<C, N>): string {
  const templates = ERROR_CATALOGUE[code].messages as unknown as Record<string, (...args: TemplateArgs<C, N>) => string>;
  return templates[name]!(...args);
}

/** The error every module throws: `streamError('NOGROUP', 'readGroup', key, group)`. */
export function streamError<C extends ErrorCode, N extends MessageName<C>>(code: C, name: N, ...args: TemplateArgs<C, N>): StreamError {
  return new StreamError(code, errorMessage(code, name, ...args));
}

/**
 * An error reply that Redis itself gave (the Redis backend), its line kept as
 * Redis wrote it, under the catalogue code that names the case.
 */
export function redisReplyError(code: ErrorCode, line: string): StreamError {
  return new StreamError(code, line);
}

/** What a backend throws for an operation its server lacks: `notSupportedByBackend('XACKDEL', '8.2', 'Redis 7.0.15')`. */
export function notSupportedByBackend(command: string, version: string, found: string): StreamError {
  return streamError('NOT_SUPPORTED_BY_BACKEND', 'needsVersion', command, version, found);
}

/** The same error, naming the message of a batch it is about. */
export function inBatch(error: StreamError, index: number): StreamError {
  return new StreamError(error.code, `${error.message} (message ${index})`);
}

import { z } from 'zod';
import { DEFAULT_FSYNC, DEFAULT_SNAPSHOT_LOG_BYTES } from './storage/log-store.js';

export type FsyncPolicy = 'always' | 'everysec' | 'no';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export type BackendKind = 'embedded' | 'redis';

/** Where a Redis backend connects: one server, or the seed nodes of a Cluster. */
export interface RedisConnectionConfig {
  /** From `REDIS_URL`; with `REDIS_CLUSTER_NODES` only its credentials, TLS and nothing else count. */
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** `rediss://`. */
  tls: boolean;
  /** The `/db` of `REDIS_URL` (standalone only: a Cluster has database 0 alone). */
  db: number;
  /** `REDIS_CLUSTER_NODES`: seed nodes; empty for a standalone server. */
  clusterNodes: { host: string; port: number }[];
  /**
   * `REDIS_COMMAND_TIMEOUT_MS`: how long a command waits for its reply before
   * its request answers 503 STORAGE_UNAVAILABLE (a stalled server holds its
   * sockets open, so no connection error would ever come). 0 or absent: no limit.
   */
  commandTimeoutMs?: number;
}

/** The server's settings, read once from the environment by `loadConfig`. */
export interface Config {
  /**
   * Interface to listen on (`HOST`).
   * @defaultValue `'127.0.0.1'`
   */
  host: string;
  /**
   * TCP port (`PORT`); 0 picks a free one.
   * @defaultValue `8080`
   */
  port: number;
  /**
   * Pino log level (`LOG_LEVEL`).
   * @defaultValue `'info'`
   */
  logLevel: LogLevel;
  /**
   * Where the embedded backend keeps its log and snapshots (`DATA_DIR`).
   * @defaultValue `'./data'`
   */
  dataDir: string;
  /**
   * When a write is acknowledged (`FSYNC`): after fsync, after the write with
   * a background fsync each second, or after the write alone.
   * @defaultValue `'always'`
   */
  fsync: FsyncPolicy;
  /**
   * Largest `count` a read, range or claim accepts, and the count used when
   * it is omitted (`MAX_COUNT`).
   * @defaultValue `10000`
   */
  maxCount: number;
  /**
   * Cap on `waitMs` for blocking reads; larger values are clamped (`MAX_WAIT_MS`).
   * @defaultValue `60000`
   */
  maxWaitMs: number;
  /**
   * Largest request body in bytes; a larger one is a 413 (`BODY_LIMIT_BYTES`).
   * @defaultValue `1048576`
   */
  bodyLimitBytes: number;
  /**
   * Most messages in one `messages/batch` request (`MAX_BATCH`).
   * @defaultValue `10000`
   */
  maxBatch: number;
  /**
   * Origins allowed by CORS, from the comma list `CORS_ORIGINS`; `*` allows
   * any origin. Empty disables CORS.
   * @defaultValue `[]`
   */
  corsOrigins: string[];
  /**
   * Size of the effect log that triggers a snapshot (`SNAPSHOT_LOG_BYTES`).
   * @defaultValue `67108864` (64 MiB)
   */
  snapshotLogBytes: number;
  /**
   * How often SSE streams get a `: keep-alive` comment, ms (`SSE_HEARTBEAT_MS`).
   * @defaultValue `15000`
   */
  sseHeartbeatMs: number;
  /**
   * The `retry:` hint sent to SSE clients on connect, ms (`SSE_RETRY_MS`).
   * @defaultValue `2000`
   */
  sseRetryMs: number;
  /**
   * How many streams (the first by name) get per-stream and per-group series
   * on /metrics (`METRICS_STREAMS`); 0 turns them off.
   * @defaultValue `100`
   */
  metricsStreams: number;
  /**
   * `none` turns authentication off even where it would be required
   * (`AUTH`); unset, it is on when a tokens file or a JWT key is configured.
   * @defaultValue `'auto'`
   */
  auth: 'auto' | 'none';
  /**
   * JSON file of scoped API tokens, by SHA-256 (`AUTH_TOKENS_FILE`); re-read on SIGHUP.
   * @defaultValue `undefined`
   */
  authTokensFile: string | undefined;
  /**
   * HS256 secret for JWTs, at least 32 characters (`AUTH_JWT_SECRET`).
   * @defaultValue `undefined`
   */
  authJwtSecret: string | undefined;
  /**
   * PEM public key for RS256 or ES256 JWTs (`AUTH_JWT_PUBLIC_KEY_FILE`); re-read on SIGHUP.
   * @defaultValue `undefined`
   */
  authJwtPublicKeyFile: string | undefined;
  /**
   * Serve `/metrics` without a token when authentication is on (`METRICS_PUBLIC`).
   * @defaultValue `false`
   */
  metricsPublic: boolean;
  /**
   * Requests per second per token, or per client address without
   * authentication (`RATE_LIMIT_PER_SECOND`); 0 turns rate limiting off.
   * A token's `rateLimitPerSecond` overrides it.
   * @defaultValue `0`
   */
  rateLimitPerSecond: number;
  /**
   * `Host` header values accepted, from the comma list `ALLOWED_HOSTS` (names
   * without port; `*` accepts any). Empty: the loopback names and `HOST`.
   * @defaultValue `[]`
   */
  allowedHosts: string[];
  /**
   * Most open SSE streams in total (`MAX_SSE_STREAMS`); over it a 503.
   * @defaultValue `10000`
   */
  maxSseStreams: number;
  /**
   * Most open SSE streams per token or client address (`MAX_SSE_STREAMS_PER_CLIENT`); over it a 429.
   * @defaultValue `100`
   */
  maxSseStreamsPerClient: number;
  /**
   * Most parked long-polls (reads with `waitMs`) in total (`MAX_WAITERS`); over it a 503.
   * @defaultValue `10000`
   */
  maxWaiters: number;
  /**
   * Most parked long-polls per token or client address (`MAX_WAITERS_PER_CLIENT`); over it a 429.
   * @defaultValue `1000`
   */
  maxWaitersPerClient: number;
  /**
   * Time a client has to send the request headers, ms (`HEADERS_TIMEOUT_MS`).
   * @defaultValue `10000`
   */
  headersTimeoutMs: number;
  /**
   * Time a client has to send the whole request, body included, ms
   * (`REQUEST_TIMEOUT_MS`); streaming answers (SSE, long-polls) are not cut by it.
   * @defaultValue `30000`
   */
  requestTimeoutMs: number;
  /**
   * How long an idle keep-alive connection stays open, ms (`KEEP_ALIVE_TIMEOUT_MS`).
   * @defaultValue `5000`
   */
  keepAliveTimeoutMs: number;
  /**
   * Bytes of field names and values in one reply that carries entries (`MAX_RESPONSE_BYTES`):
   * reads, ranges, claims and XINFO FULL stop before the entry that would pass it (always
   * returning one), and the next read continues there. Also caps a request's `maxBytes`.
   * @defaultValue `4194304`
   */
  maxResponseBytes: number;
  /**
   * Most streams (`MAX_STREAMS`): a write that would create one more is a 409; 0: no cap.
   * @defaultValue `0`
   */
  maxStreams: number;
  /**
   * Most consumers in one group (`MAX_CONSUMERS_PER_GROUP`): creating one more, explicitly or by
   * a group read or claim, is a 409; 0: no cap.
   * @defaultValue `10000`
   */
  maxConsumersPerGroup: number;
  /**
   * Bytes of entries the embedded backend may hold (`MAX_MEMORY_BYTES`, Redis's maxmemory with
   * noeviction): while more are held, appends, group and consumer creation, XSETID and redrive
   * answer 507 OUT_OF_MEMORY; reads, acks, deletes and trims still work; 0: no cap.
   * @defaultValue `0`
   */
  maxMemoryBytes: number;
  /**
   * Most open connections; more are refused at accept (`MAX_CONNECTIONS`); 0: no cap.
   * @defaultValue `20000`
   */
  maxConnections: number;
  /**
   * Event-loop delay above which requests are shed with 503 OVERLOADED, ms
   * (`MAX_EVENT_LOOP_DELAY_MS`); 0 turns the check off.
   * @defaultValue `1000`
   */
  maxEventLoopDelayMs: number;
  /**
   * Heap in use above which requests are shed with 503 OVERLOADED, bytes
   * (`MAX_HEAP_USED_BYTES`); 0 turns the check off.
   * @defaultValue `0`
   */
  maxHeapUsedBytes: number;
  /**
   * PEM certificate chain and key for HTTPS with HTTP/2 (`TLS_CERT_FILE`,
   * `TLS_KEY_FILE`); both or neither.
   * @defaultValue `undefined`
   */
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  /**
   * Where the streams live (`BACKEND`): the embedded engine in `DATA_DIR`, or
   * a Redis / Valkey server or Cluster (`REDIS_URL`, `REDIS_CLUSTER_NODES`).
   * @defaultValue `'embedded'`
   */
  backend: BackendKind;
  /**
   * The Redis server or Cluster (`REDIS_URL`, `REDIS_CLUSTER_NODES`).
   * @defaultValue `redis://127.0.0.1:6379`, no cluster nodes
   */
  redis: RedisConnectionConfig;
  /**
   * Prepended to every stream name to make its Redis key (`REDIS_KEY_PREFIX`).
   * @defaultValue `''` (existing streams are served under their own names)
   */
  redisKeyPrefix: string;
  /**
   * Replicas that must acknowledge each write (`WAIT n timeout`) before it is
   * answered 2xx (`REDIS_WAIT_REPLICAS`); 0 sends no WAIT.
   * @defaultValue `0`
   */
  redisWaitReplicas: number;
  /**
   * How long a write waits for `REDIS_WAIT_REPLICAS` acknowledgements, ms
   * (`REDIS_WAIT_TIMEOUT_MS`); fewer in time is a 503 STORAGE_UNAVAILABLE.
   * @defaultValue `1000`
   */
  redisWaitTimeoutMs: number;
}

/**
 * Why MAX_STREAMS is refused with BACKEND=redis: Redis keeps no count of keys by type, so an exact cap
 * would walk the keyspace (SCAN) on every write that may create a stream.
 */
export const MAX_STREAMS_ON_REDIS =
  "is enforced by the embedded backend only: Redis cannot count its streams without walking the whole keyspace on every write; with BACKEND=redis leave it 0 and cap memory with Redis's maxmemory (maxmemory-policy noeviction: writes over it answer 507 OUT_OF_MEMORY)";

/** Why MAX_MEMORY_BYTES is refused with BACKEND=redis: the memory is Redis's, and Redis caps it itself. */
export const MAX_MEMORY_BYTES_ON_REDIS =
  "caps the embedded backend's memory only: with BACKEND=redis leave it 0 and set Redis's maxmemory with maxmemory-policy noeviction (writes over it answer 507 OUT_OF_MEMORY)";

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid environment:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
  }
}

function integer(min: number, max: number, fallback: number) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text.trim() === '') return fallback;
      const value = /^\s*[0-9]+\s*$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isSafeInteger(value) || value < min || value > max) {
        ctx.addIssue({ code: 'custom', message: `expected an integer from ${min} to ${max}, got ${JSON.stringify(text)}` });
        return z.NEVER;
      }
      return value;
    });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) {
  return z
    .string()
    .optional()
    .transform((text, ctx): T[number] => {
      const value = text === undefined || text.trim() === '' ? fallback : text.trim().toLowerCase();
      if (!values.includes(value)) {
        ctx.addIssue({ code: 'custom', message: `expected one of ${values.join(', ')}, got ${JSON.stringify(text)}` });
        return z.NEVER;
      }
      return value;
    });
}

function text(fallback: string) {
  return z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? fallback : value.trim()));
}

const ORIGIN = /^https?:\/\/[^/\s?#]+$/;

const corsOrigins = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const origins = (value ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== '');
    const bad = origins.filter((origin) => origin !== '*' && !ORIGIN.test(origin));
    if (bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `expected "*" or origins like https://example.com, got ${bad.map((b) => JSON.stringify(b)).join(', ')}` });
      return z.NEVER;
    }
    return origins;
  });

function optionalText() {
  return z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));
}

function flag(fallback: boolean) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      const value = text?.trim().toLowerCase() ?? '';
      if (value === '') return fallback;
      if (['true', '1', 'yes'].includes(value)) return true;
      if (['false', '0', 'no'].includes(value)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false, got ${JSON.stringify(text)}` });
      return z.NEVER;
    });
}

const HOST_NAME = /^(\*|\[[0-9a-fA-F:.]+\]|[^\s:/,]+|[0-9a-fA-F:]+)$/;

const allowedHosts = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const hosts = (value ?? '')
      .split(',')
      .map((host) => host.trim().toLowerCase())
      .filter((host) => host !== '');
    const bad = hosts.filter((host) => !HOST_NAME.test(host));
    if (bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `expected "*" or host names without a port, got ${bad.map((b) => JSON.stringify(b)).join(', ')}` });
      return z.NEVER;
    }
    return hosts;
  });

/** `redis://[user:password@]host[:port][/db]` or `rediss://...`. */
const redisUrl = z
  .string()
  .optional()
  .transform((value, ctx): Omit<RedisConnectionConfig, 'clusterNodes'> => {
    const textValue = value === undefined || value.trim() === '' ? 'redis://127.0.0.1:6379' : value.trim();
    let url: URL;
    try {
      url = new URL(textValue);
    } catch {
      url = new URL('invalid:');
    }
    const path = url.pathname.replace(/^\//, '');
    const db = path === '' ? 0 : /^[0-9]{1,5}$/.test(path) ? Number(path) : Number.NaN;
    const port = url.port === '' ? 6379 : Number(url.port);
    if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '' || !Number.isSafeInteger(db) || url.search !== '') {
      ctx.addIssue({
        code: 'custom',
        message: `expected redis://[user:password@]host[:port][/db] or rediss://..., got ${JSON.stringify(redactPassword(textValue))}`,
      });
      return z.NEVER;
    }
    return {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port,
      ...(url.username !== '' ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password !== '' ? { password: decodeURIComponent(url.password) } : {}),
      tls: url.protocol === 'rediss:',
      db,
    };
  });

function redactPassword(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

/** `host:port,host:port,...`. */
const clusterNodes = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const items = (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    const nodes: { host: string; port: number }[] = [];
    const bad: string[] = [];
    for (const item of items) {
      const match = /^(\[[^\]]+\]|[^:\s]+):([0-9]{1,5})$/.exec(item);
      const port = match ? Number(match[2]) : 0;
      if (match === null || port < 1 || port > 65535) bad.push(item);
      else nodes.push({ host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port });
    }
    if (bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `expected host:port,host:port,..., got ${bad.map((b) => JSON.stringify(b)).join(', ')}` });
      return z.NEVER;
    }
    return nodes;
  });

/** Any text: glob characters are escaped where the prefix is matched (SCAN MATCH). */
const keyPrefix = z
  .string()
  .optional()
  .transform((value) => value ?? '');

const MIB = 1024 * 1024;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const environment = z.object({
  HOST: text('127.0.0.1'),
  PORT: integer(0, 65535, 8080),
  LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
  DATA_DIR: text('./data'),
  FSYNC: oneOf(['always', 'everysec', 'no'] as const, DEFAULT_FSYNC),
  MAX_COUNT: integer(1, 1_000_000, 10_000),
  MAX_WAIT_MS: integer(0, 2_147_483_647, 60_000),
  BODY_LIMIT_BYTES: integer(1024, 1024 * MIB, MIB),
  MAX_BATCH: integer(1, 1_000_000, 10_000),
  CORS_ORIGINS: corsOrigins,
  SNAPSHOT_LOG_BYTES: integer(1024, Number.MAX_SAFE_INTEGER, DEFAULT_SNAPSHOT_LOG_BYTES),
  SSE_HEARTBEAT_MS: integer(10, 3_600_000, 15_000),
  SSE_RETRY_MS: integer(0, 3_600_000, 2_000),
  METRICS_STREAMS: integer(0, 10_000, 100),
  AUTH: oneOf(['auto', 'none'] as const, 'auto'),
  AUTH_TOKENS_FILE: optionalText(),
  AUTH_JWT_SECRET: z
    .string()
    .optional()
    .transform((value) => (value === undefined || value === '' ? undefined : value))
    .refine((value) => value === undefined || value.length >= 32, { message: 'must be at least 32 characters (HS256 needs a 256-bit secret)' }),
  AUTH_JWT_PUBLIC_KEY_FILE: optionalText(),
  METRICS_PUBLIC: flag(false),
  RATE_LIMIT_PER_SECOND: integer(0, 1_000_000, 0),
  ALLOWED_HOSTS: allowedHosts,
  MAX_SSE_STREAMS: integer(1, 10_000_000, 10_000),
  MAX_SSE_STREAMS_PER_CLIENT: integer(1, 10_000_000, 100),
  MAX_WAITERS: integer(1, 10_000_000, 10_000),
  MAX_WAITERS_PER_CLIENT: integer(1, 10_000_000, 1_000),
  HEADERS_TIMEOUT_MS: integer(100, 3_600_000, 10_000),
  REQUEST_TIMEOUT_MS: integer(100, 3_600_000, 30_000),
  KEEP_ALIVE_TIMEOUT_MS: integer(100, 3_600_000, 5_000),
  MAX_CONNECTIONS: integer(0, 10_000_000, 20_000),
  MAX_RESPONSE_BYTES: integer(1024, 256 * 1024 * 1024, 4 * 1024 * 1024),
  MAX_STREAMS: integer(0, Number.MAX_SAFE_INTEGER, 0),
  MAX_CONSUMERS_PER_GROUP: integer(0, Number.MAX_SAFE_INTEGER, 10_000),
  MAX_MEMORY_BYTES: integer(0, Number.MAX_SAFE_INTEGER, 0),
  MAX_EVENT_LOOP_DELAY_MS: integer(0, 3_600_000, 1_000),
  MAX_HEAP_USED_BYTES: integer(0, Number.MAX_SAFE_INTEGER, 0),
  TLS_CERT_FILE: optionalText(),
  TLS_KEY_FILE: optionalText(),
  BACKEND: oneOf(['embedded', 'redis'] as const, 'embedded'),
  REDIS_URL: redisUrl,
  REDIS_CLUSTER_NODES: clusterNodes,
  REDIS_KEY_PREFIX: keyPrefix,
  REDIS_WAIT_REPLICAS: integer(0, 1000, 0),
  REDIS_WAIT_TIMEOUT_MS: integer(1, 3_600_000, 1_000),
  REDIS_COMMAND_TIMEOUT_MS: integer(0, 3_600_000, 5_000),
});

/** Settings that only make sense together, checked after each variable parsed on its own. */
function crossChecks(e: z.output<typeof environment>): { variable: string; message: string }[] {
  const problems: { variable: string; message: string }[] = [];
  if (e.AUTH_JWT_SECRET !== undefined && e.AUTH_JWT_PUBLIC_KEY_FILE !== undefined) {
    problems.push({ variable: 'AUTH_JWT_SECRET', message: 'set AUTH_JWT_SECRET (HS256) or AUTH_JWT_PUBLIC_KEY_FILE (RS256/ES256), not both' });
  }
  if (e.AUTH === 'none' && (e.AUTH_TOKENS_FILE !== undefined || e.AUTH_JWT_SECRET !== undefined || e.AUTH_JWT_PUBLIC_KEY_FILE !== undefined)) {
    problems.push({ variable: 'AUTH', message: 'AUTH=none contradicts the configured tokens or JWT key: remove one' });
  }
  if ((e.TLS_CERT_FILE === undefined) !== (e.TLS_KEY_FILE === undefined)) {
    problems.push({ variable: e.TLS_CERT_FILE === undefined ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE', message: 'TLS_CERT_FILE and TLS_KEY_FILE go together' });
  }
  if (e.BACKEND === 'redis' && e.MAX_STREAMS > 0) {
    problems.push({ variable: 'MAX_STREAMS', message: MAX_STREAMS_ON_REDIS });
  }
  if (e.REDIS_WAIT_REPLICAS > 0 && e.REDIS_COMMAND_TIMEOUT_MS > 0 && e.REDIS_COMMAND_TIMEOUT_MS <= e.REDIS_WAIT_TIMEOUT_MS) {
    problems.push({
      variable: 'REDIS_COMMAND_TIMEOUT_MS',
      message: `must be above REDIS_WAIT_TIMEOUT_MS (${e.REDIS_WAIT_TIMEOUT_MS}): WAIT itself takes up to that long`,
    });
  }
  if (e.BACKEND === 'redis' && e.MAX_MEMORY_BYTES > 0) {
    problems.push({ variable: 'MAX_MEMORY_BYTES', message: MAX_MEMORY_BYTES_ON_REDIS });
  }
  if (e.REQUEST_TIMEOUT_MS < e.HEADERS_TIMEOUT_MS) {
    problems.push({ variable: 'REQUEST_TIMEOUT_MS', message: `must be at least HEADERS_TIMEOUT_MS (${e.HEADERS_TIMEOUT_MS})` });
  }
  return problems;
}

/** Reads the settings from `env`; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = environment.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => ({ variable: String(issue.path[0]), message: issue.message })));
  }
  const e = result.data;
  const problems = crossChecks(e);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    fsync: e.FSYNC,
    maxCount: e.MAX_COUNT,
    maxWaitMs: e.MAX_WAIT_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    maxBatch: e.MAX_BATCH,
    corsOrigins: e.CORS_ORIGINS,
    snapshotLogBytes: e.SNAPSHOT_LOG_BYTES,
    sseHeartbeatMs: e.SSE_HEARTBEAT_MS,
    sseRetryMs: e.SSE_RETRY_MS,
    metricsStreams: e.METRICS_STREAMS,
    auth: e.AUTH,
    authTokensFile: e.AUTH_TOKENS_FILE,
    authJwtSecret: e.AUTH_JWT_SECRET,
    authJwtPublicKeyFile: e.AUTH_JWT_PUBLIC_KEY_FILE,
    metricsPublic: e.METRICS_PUBLIC,
    rateLimitPerSecond: e.RATE_LIMIT_PER_SECOND,
    allowedHosts: e.ALLOWED_HOSTS,
    maxSseStreams: e.MAX_SSE_STREAMS,
    maxSseStreamsPerClient: e.MAX_SSE_STREAMS_PER_CLIENT,
    maxWaiters: e.MAX_WAITERS,
    maxWaitersPerClient: e.MAX_WAITERS_PER_CLIENT,
    headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: e.MAX_CONNECTIONS,
    maxResponseBytes: e.MAX_RESPONSE_BYTES,
    maxStreams: e.MAX_STREAMS,
    maxConsumersPerGroup: e.MAX_CONSUMERS_PER_GROUP,
    maxMemoryBytes: e.MAX_MEMORY_BYTES,
    maxEventLoopDelayMs: e.MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: e.MAX_HEAP_USED_BYTES,
    tlsCertFile: e.TLS_CERT_FILE,
    tlsKeyFile: e.TLS_KEY_FILE,
    backend: e.BACKEND,
    redis: { ...e.REDIS_URL, clusterNodes: e.REDIS_CLUSTER_NODES, commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS },
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    redisWaitReplicas: e.REDIS_WAIT_REPLICAS,
    redisWaitTimeoutMs: e.REDIS_WAIT_TIMEOUT_MS,
  };
}

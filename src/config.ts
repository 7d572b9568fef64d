import { z } from 'zod';

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
  FSYNC: oneOf(['always', 'everysec', 'no'] as const, 'always'),
  MAX_COUNT: integer(1, 1_000_000, 10_000),
  MAX_WAIT_MS: integer(0, 2_147_483_647, 60_000),
  BODY_LIMIT_BYTES: integer(1024, 1024 * MIB, MIB),
  MAX_BATCH: integer(1, 1_000_000, 10_000),
  CORS_ORIGINS: corsOrigins,
  SNAPSHOT_LOG_BYTES: integer(1024, Number.MAX_SAFE_INTEGER, 64 * MIB),
  SSE_HEARTBEAT_MS: integer(10, 3_600_000, 15_000),
  SSE_RETRY_MS: integer(0, 3_600_000, 2_000),
  BACKEND: oneOf(['embedded', 'redis'] as const, 'embedded'),
  REDIS_URL: redisUrl,
  REDIS_CLUSTER_NODES: clusterNodes,
  REDIS_KEY_PREFIX: keyPrefix,
  REDIS_WAIT_REPLICAS: integer(0, 1000, 0),
  REDIS_WAIT_TIMEOUT_MS: integer(1, 3_600_000, 1_000),
});

/** Reads the settings from `env`; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = environment.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => ({ variable: String(issue.path[0]), message: issue.message })));
  }
  const e = result.data;
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
    backend: e.BACKEND,
    redis: { ...e.REDIS_URL, clusterNodes: e.REDIS_CLUSTER_NODES },
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    redisWaitReplicas: e.REDIS_WAIT_REPLICAS,
    redisWaitTimeoutMs: e.REDIS_WAIT_TIMEOUT_MS,
  };
}

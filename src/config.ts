import { z } from 'zod';
import { DEFAULT_FSYNC, DEFAULT_SNAPSHOT_LOG_BYTES } from './storage/log-store.js';

export type FsyncPolicy = 'always' | 'everysec' | 'no';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

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
    metricsStreams: e.METRICS_STREAMS,
  };
}

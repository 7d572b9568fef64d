import type { Config } from '../config.js';
import type { BackendLimits } from '../domain/types.js';
import { StreamCore } from '../core/stream-core.js';
import { MemoryEffectStore } from '../storage/effect-store.js';
import { openLogStore, type LogStore } from '../storage/log-store.js';
import { consoleLogger, type StorageLogger } from '../storage/storage-fs.js';
import type { StorageTimings } from '../storage/timings.js';
import type { StreamBackend } from './contract.js';
import { createEmbeddedBackend, type EmbeddedBackend } from './embedded/embedded-backend.js';
import type { RedisBackend } from './redis/redis-backend.js';

/** `DATA_DIR=:memory:` runs without persistence: everything is lost at exit. */
export const MEMORY_DATA_DIR = ':memory:';

export type BackendConfig = Pick<Config, 'dataDir' | 'fsync' | 'snapshotLogBytes'> &
  Partial<
    Pick<Config, 'backend' | 'redis' | 'redisKeyPrefix' | 'redisWaitReplicas' | 'redisWaitTimeoutMs' | 'maxResponseBytes' | 'maxStreams' | 'maxConsumersPerGroup' | 'maxMemoryBytes'>
  >;

/** The backend's caps from the settings (0: no cap). */
export function backendLimits(config: BackendConfig): BackendLimits {
  const cap = (n: number | undefined) => (n === undefined || n === 0 ? Number.POSITIVE_INFINITY : n);
  return {
    replyBytes: cap(config.maxResponseBytes),
    maxStreams: cap(config.maxStreams),
    maxConsumersPerGroup: cap(config.maxConsumersPerGroup),
    maxMemoryBytes: cap(config.maxMemoryBytes),
  };
}

export interface CreateBackendOptions {
  /** @defaultValue a console logger */
  logger?: StorageLogger;
  /** The core's clock. @defaultValue Date.now */
  clock?: () => number;
  /** Told how long log writes, fdatasyncs and snapshots take (for /metrics). @defaultValue none */
  storageTimings?: StorageTimings;
}

/**
 * The backend `config.backend` names: Redis (connecting in the background: an
 * unreachable Redis leaves the server up and not ready), or the embedded one.
 */
export async function openBackend(config: BackendConfig, options: CreateBackendOptions = {}): Promise<StreamBackend> {
  if (config.backend === 'redis') return createRedisBackendFrom(config);
  return createBackend(config, options);
}

/** Loaded on demand: an embedded server (and a bundle of this module) never loads ioredis. */
export async function createRedisBackendFrom(config: BackendConfig): Promise<RedisBackend> {
  if (config.redis === undefined) throw new Error('BACKEND=redis needs the redis settings');
  const { createRedisBackend } = await import('./redis/redis-backend.js');
  return createRedisBackend({
    connection: config.redis,
    keyPrefix: config.redisKeyPrefix ?? '',
    waitReplicas: config.redisWaitReplicas ?? 0,
    waitTimeoutMs: config.redisWaitTimeoutMs ?? 1000,
    limits: backendLimits(config),
  });
}

/**
 * The embedded backend over a durable store in `config.dataDir`: takes the
 * directory's lock, loads the stored state, then answers each write once it
 * is stored per `config.fsync`.
 */
export async function createBackend(config: BackendConfig, options: CreateBackendOptions = {}): Promise<EmbeddedBackend> {
  const core = new StreamCore({ limits: backendLimits(config), ...(options.clock ? { clock: options.clock } : {}) });
  if (config.dataDir === MEMORY_DATA_DIR) return createEmbeddedBackend({ core, store: new MemoryEffectStore() });
  const store: LogStore = await openLogStore(
    { dir: config.dataDir, fsync: config.fsync, snapshotLogBytes: config.snapshotLogBytes, logger: options.logger ?? consoleLogger, timings: options.storageTimings },
    core,
  );
  return createEmbeddedBackend({ core, store });
}

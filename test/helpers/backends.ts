/**
 * The backend matrix: each row a factory that starts its own server(s) once
 * per test file (`useBackend` in a describe) and makes backends over them.
 *
 *   describe.each(backendMatrix())('$name', (row) => {
 *     const env = useBackend(row);
 *     it('...', async () => { await env.backend.append(...) });
 *   });
 *
 * Rows whose servers are missing are skipped loudly (failed under REQUIRE_REDIS=1).
 */
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { StreamBackend } from '../../src/backends/contract.js';
import { createEmbeddedBackend } from '../../src/backends/embedded/embedded-backend.js';
import { RedisBackend, type RedisBackendOptions } from '../../src/backends/redis/redis-backend.js';
import { backendLimits } from '../../src/backends/create-backend.js';
import { loadConfig, type RedisConnectionConfig } from '../../src/config.js';
import { StreamCore } from '../../src/core/stream-core.js';
import { redisKind, serverKindAvailable, startCluster, valkeyKind, type ServerKind } from './redis-cluster.js';
import { startRedisServer } from './redis-server.js';

/** Servers started for one test file, and how to make backends (and plain clients) over them. */
export interface BackendServers {
  /** A new backend over the same data (another replica, for Redis). */
  makeBackend(options?: Partial<RedisBackendOptions>): Promise<StreamBackend>;
  /** A plain ioredis client on the same data (a "foreign" writer); null for embedded. */
  rawClient(): Redis | Cluster | null;
  /** The connection settings (Redis rows). */
  connection?: RedisConnectionConfig;
  stop(): Promise<void>;
}

export interface BackendRow {
  name: string;
  kind: 'embedded' | 'redis';
  cluster: boolean;
  /** False when the servers are missing (reported loudly once). */
  available: boolean;
  start(): Promise<BackendServers>;
}

/** The caps a server has with default settings (MAX_RESPONSE_BYTES, MAX_CONSUMERS_PER_GROUP): for suites that run with them. */
export const DEFAULT_LIMITS = backendLimits(loadConfig({}));

function connection(port: number, clusterPorts: number[] = []): RedisConnectionConfig {
  return { host: '127.0.0.1', port, tls: false, db: 0, clusterNodes: clusterPorts.map((p) => ({ host: '127.0.0.1', port: p })) };
}

async function redisBackend(options: RedisBackendOptions): Promise<RedisBackend> {
  const backend = new RedisBackend(options);
  await backend.connected();
  return backend;
}

function redisServers(conn: RedisConnectionConfig, stop: () => Promise<void>): BackendServers {
  const raws: (Redis | Cluster)[] = [];
  const backends: StreamBackend[] = [];
  return {
    connection: conn,
    async makeBackend(options = {}) {
      const backend = await redisBackend({ connection: conn, ...options });
      backends.push(backend);
      return backend;
    },
    rawClient() {
      const raw =
        conn.clusterNodes.length > 0
          ? new Cluster(conn.clusterNodes)
          : new Redis({ host: conn.host, port: conn.port, lazyConnect: false });
      raws.push(raw);
      return raw;
    },
    async stop() {
      await Promise.all(backends.map((b) => b.close()));
      raws.forEach((r) => r.disconnect());
      await stop();
    },
  };
}

function standaloneRow(name: string, kind: () => ServerKind | null, serverName: 'redis' | 'valkey'): BackendRow {
  return {
    name,
    kind: 'redis',
    cluster: false,
    get available() {
      return serverKindAvailable(serverName);
    },
    async start() {
      const server = await startRedisServer({ bin: kind()!.server });
      return redisServers(connection(server.port), () => server.stop());
    },
  };
}

function clusterRow(name: string, kind: () => ServerKind | null, serverName: 'redis' | 'valkey'): BackendRow {
  return {
    name,
    kind: 'redis',
    cluster: true,
    get available() {
      return serverKindAvailable(serverName);
    },
    async start() {
      const cluster = await startCluster(kind()!);
      return redisServers(connection(cluster.ports[0]!, cluster.ports), () => cluster.stop());
    },
  };
}

export const embeddedRow: BackendRow = {
  name: 'embedded',
  kind: 'embedded',
  cluster: false,
  available: true,
  async start() {
    const backends: StreamBackend[] = [];
    return {
      async makeBackend(options = {}) {
        const backend = createEmbeddedBackend({ core: new StreamCore(options.limits ? { limits: options.limits } : {}) });
        backends.push(backend);
        return backend;
      },
      rawClient: () => null,
      async stop() {
        await Promise.all(backends.map((b) => b.close()));
      },
    };
  },
};

export const redisStandaloneRow = standaloneRow('redis', redisKind, 'redis');
export const redisClusterRow = clusterRow('redis cluster', redisKind, 'redis');
export const valkeyStandaloneRow = standaloneRow('valkey', valkeyKind, 'valkey');
export const valkeyClusterRow = clusterRow('valkey cluster', valkeyKind, 'valkey');

/** Every row: embedded, Redis standalone and Cluster, Valkey standalone and Cluster. */
export function backendMatrix(): BackendRow[] {
  return [embeddedRow, redisStandaloneRow, redisClusterRow, valkeyStandaloneRow, valkeyClusterRow];
}

/**
 * The rows the HTTP route, long-poll and SSE tests run over: every row of backendMatrix (the
 * HTTP layer is the same code on every Redis row, but Valkey Cluster answers with Valkey 7.2
 * stream semantics through slot redirections, which only these suites drive through routes).
 * Rows whose servers are missing are left out (reported loudly once; failed under REQUIRE_REDIS=1).
 */
export function httpBackendMatrix(): BackendRow[] {
  return backendMatrix().filter((row) => row.available);
}

/**
 * The rows that keep delivery policies (issue 14): the policy suites (test/http/routes/policies.test.ts,
 * the README's policy walk-through) run on these and check the 501 on the others: every row now
 * (the Redis side: src/backends/redis/policy-*.ts).
 */
export const POLICY_BACKENDS: readonly string[] = ['embedded', 'redis', 'redis cluster', 'valkey', 'valkey cluster'];

/** useBackend for the HTTP suites: Cluster rows also run under a key prefix (REDIS_KEY_PREFIX). */
export function useHttpBackend(row: BackendRow): BackendEnv {
  return useBackend(row, row.cluster ? { keyPrefix: 'sg:' } : {});
}

export interface BackendEnv {
  servers: BackendServers;
  /** One backend made in beforeAll. */
  backend: StreamBackend;
  row: BackendRow;
}

/** Starts the row's servers and one backend before the file's tests; stops them after. */
export function useBackend(row: BackendRow, options: Partial<RedisBackendOptions> = {}): BackendEnv {
  const env = { row } as BackendEnv;
  beforeAll(async () => {
    env.servers = await row.start();
    env.backend = await env.servers.makeBackend(options);
  }, 60_000);
  afterAll(async () => {
    await env.servers?.stop();
  }, 30_000);
  return env;
}

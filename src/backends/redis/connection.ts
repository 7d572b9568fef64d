/**
 * The ioredis client for the Redis backend.
 *
 * ioredis over node-redis v5: its Cluster client routes by slot, follows
 * MOVED/ASK and refreshes the slot map by itself, and keeps Pub/Sub on a
 * connection of its own (sharded Pub/Sub included), loads scripts by EVALSHA
 * (defineCommand) in standalone and Cluster alike, reconnects with a
 * pluggable backoff, and is actively maintained (bullmq builds on it).
 *
 * Settings that make Redis outages fail fast: no offline queue (a command
 * while disconnected is rejected at once, so the request answers 503
 * STORAGE_UNAVAILABLE), no retry of a command whose connection dropped (an
 * XADD must not be applied twice), and reconnection forever with a short
 * backoff, so the service recovers by itself. A command without a reply
 * within `commandTimeoutMs` is rejected (503) while its connection stays: a
 * stopped or frozen server keeps its sockets open, and nothing else would end
 * the request; its reply, if it ever comes, is read and dropped, so the
 * replies of later commands stay matched. Each command connection (the
 * standalone one, each Cluster node's) sends the commands of one event-loop
 * turn in one write (writesPerTurn).
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisConnectionConfig } from '../../config.js';
import { POLICY_SCRIPTS, REDRIVE_SCRIPT } from './policy-scripts.js';
import { SCRIPTS } from './scripts.js';

export type RedisClient = Redis | Cluster;

/** What the server says it is (INFO server), for features newer than Redis 7.0. */
export interface ServerVersion {
  /** `redis` or `valkey`. */
  server: string;
  /** The server's own version (valkey_version on Valkey). */
  version: string;
  /** The Redis version it is compatible with (redis_version; Valkey 8 says 7.2.4). */
  redisVersion: string;
}

const RECONNECT_MAX_DELAY_MS = 500;

function redisOptions(config: RedisConnectionConfig, connectionName: string): RedisOptions {
  return {
    connectionName,
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    ...(config.tls ? { tls: {} } : {}),
    stringNumbers: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    ...(config.commandTimeoutMs ? { commandTimeout: config.commandTimeoutMs } : {}),
    retryStrategy: (times: number) => Math.min(times * 50, RECONNECT_MAX_DELAY_MS),
  };
}

/** One client: standalone on `config.host:port/db`, or a Cluster from `config.clusterNodes`. */
export function createRedisClient(config: RedisConnectionConfig, connectionName = 'streamgate'): RedisClient {
  const client: RedisClient =
    config.clusterNodes.length > 0
      ? clusterWithNumericSlots(config.clusterNodes, {
          redisOptions: redisOptions(config, connectionName),
          enableOfflineQueue: false,
          // ioredis's Cluster auto-pipelining throws (TypeError in autoPipelining.js) for a slot its map lacks, and
          // groups by the first argument it takes for a key; each node's connection batches its writes instead (writesPerTurn).
          enableAutoPipelining: false,
          clusterRetryStrategy: (times: number) => Math.min(times * 100, RECONNECT_MAX_DELAY_MS * 2),
          slotsRefreshTimeout: 2_000,
          lazyConnect: true,
        } satisfies ClusterOptions)
      : writesPerTurn(new Redis({ ...redisOptions(config, connectionName), host: config.host, port: config.port, db: config.db }));
  for (const [name, definition] of Object.entries(SCRIPTS)) client.defineCommand(name, definition);
  for (const [name, definition] of Object.entries(POLICY_SCRIPTS)) client.defineCommand(name, definition);
  client.defineCommand('sgRedrive', REDRIVE_SCRIPT);
  // Errors are answered per command (503); the 'error' event only reports what the reconnection loop is doing.
  client.on('error', () => {});
  return client;
}

/**
 * The commands sent in one event-loop turn leave in one socket write: the
 * socket is corked at the turn's first command and uncorked in its check
 * phase (setImmediate), after the turn's I/O callbacks. Commands keep the
 * order they were sent in. Unlike ioredis's autopipelining, a batch does not
 * wait for the replies of the one before it, so no command waits a round trip
 * behind another.
 */
function writesPerTurn(client: Redis): Redis {
  const send = client.sendCommand.bind(client);
  let corked: Redis['stream'] | undefined;
  const uncork = (): void => {
    const socket = corked;
    corked = undefined;
    socket?.uncork();
  };
  client.sendCommand = (command, stream) => {
    if (corked === undefined && stream === undefined && client.status === 'ready' && client.stream?.writable) {
      corked = client.stream;
      corked.cork();
      setImmediate(uncork);
    }
    return send(command, stream);
  };
  return client;
}

/**
 * A Cluster whose slot refreshes read CLUSTER SLOTS with numbers as numbers.
 * The backend needs `stringNumbers` (entries-added and lag are 64-bit), but
 * ioredis reads the slot map over a duplicate of a node connection, options
 * and all, and walks `for (slot = start; slot <= end; ...)`: with "5461" and
 * "10922" as strings that range is skipped, leaving a hole in the slot map.
 * So each node's duplicate() (used only for that refresh) turns it off.
 */
function clusterWithNumericSlots(nodes: ConstructorParameters<typeof Cluster>[0], options: ClusterOptions): Cluster {
  const cluster = new Cluster(nodes, options);
  cluster.on('+node', (node: Redis) => {
    writesPerTurn(node);
    const duplicate = node.duplicate.bind(node);
    node.duplicate = (override?: Partial<RedisOptions>) => duplicate({ ...override, stringNumbers: false });
  });
  cluster.connect().catch(() => {});
  return cluster;
}

/** A connection for SUBSCRIBE alone: standalone gets its own; a Cluster keeps one inside the client. */
export function createSubscriber(client: RedisClient): RedisClient {
  if (client instanceof Cluster) return client;
  // SUBSCRIBE has no deadline: the subscription is restored by ioredis on every reconnection.
  const subscriber = client.duplicate({ enableOfflineQueue: true, enableAutoPipelining: false, commandTimeout: undefined });
  subscriber.on('error', () => {});
  return subscriber;
}

/** The connections to every master (SCAN must visit each one in a Cluster). */
export function masters(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

export function parseServerVersion(info: string): ServerVersion {
  const value = (name: string): string | undefined => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  const redisVersion = value('redis_version') ?? 'unknown';
  const valkeyVersion = value('valkey_version');
  const server = value('server_name') ?? (valkeyVersion !== undefined ? 'valkey' : 'redis');
  return { server, version: valkeyVersion ?? redisVersion, redisVersion };
}

/** Whether the server has Redis `major.minor` semantics or newer (Valkey by its redis_version). */
export function atLeast(version: ServerVersion | undefined, major: number, minor: number): boolean {
  if (version === undefined) return false;
  const [a = 0, b = 0] = version.redisVersion.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

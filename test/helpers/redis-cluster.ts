/**
 * A private 3-master Redis (or Valkey) Cluster for one test file: three
 * servers with `--cluster-enabled yes` on loopback ephemeral ports, joined by
 * `redis-cli --cluster create`, ready once every node says cluster_state:ok.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { findRedisServer, startRedisServer, type RedisServerHandle } from './redis-server.js';

const run = promisify(execFile);

export interface ServerKind {
  name: 'redis' | 'valkey';
  server: string;
  cli: string;
}

export interface ClusterHandle {
  ports: number[];
  nodes: RedisServerHandle[];
  stop(): Promise<void>;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) if (executable(join(dir, name))) return join(dir, name);
  return null;
}

/** redis-server and redis-cli, or null when either is missing. */
export function redisKind(): ServerKind | null {
  const server = findRedisServer();
  const cli = process.env.REDIS_CLI_BIN ?? onPath('redis-cli');
  return server && cli && executable(cli) ? { name: 'redis', server, cli } : null;
}

/** Valkey 8.0.1 from ../shared/oracles (see its README), or null where ../shared is absent. */
export function valkeyKind(): ServerKind | null {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/oracles/valkey-8.0.1');
  const server = join(root, 'valkey-server');
  const cli = join(root, 'valkey-cli');
  return executable(server) && executable(cli) ? { name: 'valkey', server, cli } : null;
}

/**
 * Whether suites needing `kind` can run: throws under REQUIRE_REDIS=1 when
 * it is missing; otherwise warns loudly and answers false.
 */
export function serverKindAvailable(name: 'redis' | 'valkey'): boolean {
  if ((name === 'redis' ? redisKind() : valkeyKind()) !== null) return true;
  const message =
    name === 'redis'
      ? 'redis-server or redis-cli was not found on PATH: the Redis backend suites cannot run.'
      : 'valkey-server 8.0.1 was not found in ../shared/oracles/valkey-8.0.1: the Valkey backend suites cannot run.';
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`${message} REQUIRE_REDIS=1 makes this a failure.`);
  const bar = '!'.repeat(78);
  console.warn(`\n${bar}\n!! SKIPPED: ${message}\n${bar}\n`);
  return false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `args`: more server arguments for every node (e.g. `--cluster-require-full-coverage no`). */
export async function startCluster(kind: ServerKind, masters = 3, args: string[] = []): Promise<ClusterHandle> {
  const nodes: RedisServerHandle[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(
        await startRedisServer({
          bin: kind.server,
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', '{dir}/nodes.conf', '--cluster-node-timeout', '2000', ...args],
        }),
      );
    }
    const ports = nodes.map((n) => n.port);
    await run(kind.cli, ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], { timeout: 20_000 });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const states = await Promise.all(
        ports.map((p) => run(kind.cli, ['-p', String(p), 'cluster', 'info']).then((r) => r.stdout, () => '')),
      );
      if (states.every((s) => /cluster_state:ok/.test(s)) && (await everyNodeMapsEverySlot(ports))) break;
      if (Date.now() > deadline) throw new Error(`cluster on ${ports.join(',')} did not reach cluster_state:ok`);
      await sleep(100);
    }
    return { ports, nodes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Whether CLUSTER SLOTS on every node covers all 16384 slots with an address
 * for each: cluster_state:ok comes before gossip has told every node where
 * the others are, and a client that reads the slot map from such a node
 * starts with a hole in it.
 */
async function everyNodeMapsEverySlot(ports: number[]): Promise<boolean> {
  const maps = await Promise.all(
    ports.map(async (port) => {
      const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await client.connect();
        const ranges = (await client.cluster('SLOTS')) as unknown as [number, number, [string, number, ...unknown[]]][];
        return ranges.filter(([, , master]) => master[0] !== '' && master[0] !== '?').reduce((n, [from, to]) => n + (to - from + 1), 0);
      } catch {
        return 0;
      } finally {
        client.disconnect();
      }
    }),
  );
  return maps.every((covered) => covered === 16384);
}

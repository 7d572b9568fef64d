import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { LOOPBACK, freePort } from './net.js';
import { MissingFeature } from './rows.js';
import { makeTempDir, removeTempDir, sleep, spawnChild, type Child } from './proc.js';

export interface RedisHandle {
  port: number;
  pid: number;
  /** A new ioredis client on this server (the caller quits it). */
  client(): Redis;
  /** INFO memory's used_memory, bytes. */
  usedMemory(): Promise<number>;
  stop(): Promise<void>;
}

export interface RedisOptions {
  /** AOF with appendfsync always (for durability comparisons); default: no persistence at all. */
  aofAlways?: boolean;
}

export function redisServerVersion(): string {
  try {
    const line = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
    return /v=([0-9.]+)/.exec(line)?.[1] ?? line.trim();
  } catch {
    return 'not installed';
  }
}

/**
 * A missing redis-server makes the scenario "skipped" (the anchor cannot run),
 * unless REQUIRE_REDIS=1 (as in CI), where it is a failure.
 */
function requireRedisServer(): void {
  if (redisServerVersion() !== 'not installed') return;
  const message = 'redis-server is not installed (the anchor needs it)';
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`${message}; REQUIRE_REDIS=1 makes this a failure`);
  throw new MissingFeature(message);
}

/** A private redis-server on a free loopback port, in a temp dir; `--save ''` and no AOF unless asked. */
export async function startRedis(options: RedisOptions = {}): Promise<RedisHandle> {
  requireRedisServer();
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const dir = makeTempDir('redis');
    const persistence = options.aofAlways ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    const child = spawnChild('redis-server', 'redis-server', ['--port', String(port), '--bind', LOOPBACK, '--save', '', ...persistence, '--dir', dir]);
    try {
      await waitForPing(port, child);
    } catch (err) {
      await child.stop(2_000);
      removeTempDir(dir);
      lastError = err;
      continue;
    }
    const admin = new Redis({ port, host: LOOPBACK, lazyConnect: false });
    return {
      port,
      pid: child.pid,
      client: () => new Redis({ port, host: LOOPBACK }),
      async usedMemory() {
        const info = await admin.info('memory');
        return Number(/used_memory:(\d+)/.exec(info)![1]);
      },
      async stop() {
        admin.disconnect();
        await child.stop(5_000);
        removeTempDir(dir);
      },
    };
  }
  throw lastError;
}

async function waitForPing(port: number, child: Child): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.proc.exitCode !== null) throw new Error(`redis-server exited:\n${child.output()}`);
    const probe = new Redis({ port, host: LOOPBACK, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      // not yet
    } finally {
      probe.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on ${port}:\n${child.output()}`);
    await sleep(30);
  }
}

export interface RedisBenchmarkOptions {
  port: number;
  clients: number;
  pipeline: number;
  requests: number;
  /** The command and its arguments (`__rand_int__` is replaced, with -r). */
  command: string[];
  timeoutMs: number;
}

/** Runs redis-benchmark (its own process) and answers its requests/s. */
export async function redisBenchmark(options: RedisBenchmarkOptions): Promise<number> {
  const args = [
    '-h', LOOPBACK,
    '-p', String(options.port),
    '-c', String(options.clients),
    '-P', String(options.pipeline),
    '-n', String(options.requests),
    '-r', '1000000',
    '--csv',
    ...options.command,
  ];
  const child = spawnChild('redis-benchmark', 'redis-benchmark', args);
  const timer = setTimeout(() => void child.stop(2_000), options.timeoutMs);
  const { code } = await child.exited;
  clearTimeout(timer);
  const lines = child.output().trim().split('\n');
  const row = lines.find((l) => l.startsWith('"') && !l.startsWith('"test"'));
  const rps = row === undefined ? Number.NaN : Number(row.split('","')[1]);
  if (code !== 0 || !Number.isFinite(rps)) throw new Error(`redis-benchmark failed (exit ${code}):\n${child.output().slice(-2000)}`);
  return rps;
}

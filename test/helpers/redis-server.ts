/**
 * A private, throw-away redis-server for one test file: its own ephemeral
 * port, bound to 127.0.0.1, no RDB, no AOF, its own temporary directory.
 *
 * When redis-server is not installed the suites that need it skip (with a
 * loud notice), unless REQUIRE_REDIS=1, where a missing server is a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface RedisServerHandle {
  port: number;
  /** The server's own `redis-server --version` line. */
  version: string;
  /** Its working directory (a Cluster node's nodes.conf is there), removed by stop(). */
  dir: string;
  stop(): Promise<void>;
  /** A crash without data: SIGKILL (as SHUTDOWN NOSAVE, with --save ''), keeping `dir` for restart(). */
  kill(): Promise<void>;
  /** Starts the server again, same port, arguments and directory (a Cluster node rejoins from its nodes.conf). */
  restart(): Promise<void>;
  /** SIGSTOP: the process holds its sockets open and answers nothing, until resume() (SIGCONT). */
  pause(): void;
  resume(): void;
}

const START_TIMEOUT_MS = 10_000;

/** The redis-server executable: REDIS_SERVER_BIN, else the first on PATH, else null. */
export function findRedisServer(): string | null {
  const candidates = process.env.REDIS_SERVER_BIN
    ? [process.env.REDIS_SERVER_BIN]
    : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'redis-server'));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Whether suites needing redis-server can run. Throws when it is missing and
 * REQUIRE_REDIS=1; otherwise warns loudly and answers false (use with
 * `describe.skipIf(!redisServerAvailable())`).
 */
export function redisServerAvailable(): boolean {
  if (findRedisServer() !== null) return true;
  const message = 'redis-server was not found (PATH or REDIS_SERVER_BIN): the differential tests against Redis cannot run.';
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`${message} REQUIRE_REDIS=1 makes this a failure.`);
  const bar = '!'.repeat(78);
  console.warn(`\n${bar}\n!! SKIPPED: ${message}\n!! Install redis-server, or set REQUIRE_REDIS=1 to fail instead of skipping.\n${bar}\n`);
  return false;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One raw RESP PING; resolves true on +PONG. */
export async function ping(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export interface StartServerOptions {
  /** The server executable. @defaultValue findRedisServer() */
  bin?: string;
  /** More arguments (e.g. `--cluster-enabled yes`); `{dir}` is replaced by the server's temporary directory. */
  args?: string[];
  /** A port to use (a restart on the same port); @defaultValue a free one */
  port?: number;
}

interface Running {
  child: ChildProcess;
  output: () => string;
}

/** Spawns the server and waits for PONG; kills it and throws when it does not come up. */
async function spawnServer(bin: string, args: string[], port: number): Promise<Running> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await ping(port))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited(child);
      throw new Error(`redis-server did not start on port ${port}:\n${output.slice(-2000)}`);
    }
    await sleep(20);
  }
  return { child, output: () => output };
}

async function startOnce(bin: string, extraArgs: string[] = [], fixedPort?: number): Promise<RedisServerHandle> {
  const port = fixedPort ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'streamgate-redis-'));
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
    ...extraArgs.map((arg) => arg.replaceAll('{dir}', dir)),
  ];
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  let running: Running;
  try {
    running = await spawnServer(bin, args, port);
  } catch (error) {
    cleanup();
    throw error;
  }
  const version = /version=([0-9.]+)/.exec(running.output())?.[1] ?? 'unknown';

  let stopped: Promise<void> | undefined;
  const halt = async (signal: NodeJS.Signals) => {
    const { child } = running;
    child.kill('SIGCONT');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited(child);
    clearTimeout(timer);
  };
  const stop = () => {
    stopped ??= (async () => {
      await halt('SIGTERM');
      cleanup();
    })();
    return stopped;
  };
  return {
    port,
    version,
    dir,
    stop,
    kill: () => halt('SIGKILL'),
    async restart() {
      if (running.child.exitCode === null && running.child.signalCode === null) throw new Error(`redis-server on ${port} is still running`);
      running = await spawnServer(bin, args, port);
    },
    pause: () => void running.child.kill('SIGSTOP'),
    resume: () => void running.child.kill('SIGCONT'),
  };
}

/** Starts a private redis-server and waits until it answers PING. Retries a few times on a port race. */
export async function startRedisServer(options: StartServerOptions = {}): Promise<RedisServerHandle> {
  const bin = options.bin ?? findRedisServer();
  if (bin === null) throw new Error('redis-server not found');
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(bin, options.args, options.port);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

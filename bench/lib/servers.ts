import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from './types.js';
import { LOOPBACK, freePort, waitFor200 } from './net.js';
import { makeTempDir, removeTempDir, rssBytes, spawnChild, type Child } from './proc.js';

/** A server under test (or an anchor), in its own child process on 127.0.0.1. */
export interface ServerHandle {
  name: string;
  url: string;
  port: number;
  pid: number;
  child: Child;
  rss(): Promise<number>;
  stop(): Promise<void>;
}

export interface StreamgateHandle extends ServerHandle {
  dataDir: string;
  /** Bytes of files in DATA_DIR now: 0 means the server keeps nothing there (no durable storage wired). */
  dataDirBytes(): number;
}

export interface StreamgateOptions {
  fsync?: 'always' | 'everysec' | 'no';
  /** An existing data directory (kept after stop); default: a fresh temp dir, removed after. */
  dataDir?: string;
  logLevel?: string;
  env?: Record<string, string>;
  /** Profile this server with --cpu-prof (when the run has --profile). */
  profileName?: string;
  readyTimeoutMs?: number;
  /** How often /readyz is polled while starting. @defaultValue 20 */
  readyPollMs?: number;
}

const START_ATTEMPTS = 3;

export async function startStreamgate(ctx: BenchContext, options: StreamgateOptions = {}): Promise<StreamgateHandle> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? makeTempDir('data');
  const execArgv: string[] = [];
  if (ctx.profileDir !== undefined && options.profileName !== undefined) {
    const dir = join(ctx.profileDir, options.profileName);
    mkdirSync(dir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort();
    const env = {
      HOST: LOOPBACK,
      PORT: String(port),
      DATA_DIR: dataDir,
      FSYNC: options.fsync ?? 'always',
      LOG_LEVEL: options.logLevel ?? 'warn',
      // One load generator on one address stands for many clients, and saturating the server is the point:
      // the per-client caps and overload shedding would measure themselves instead.
      MAX_SSE_STREAMS_PER_CLIENT: '1000000',
      MAX_WAITERS_PER_CLIENT: '1000000',
      MAX_SSE_STREAMS: '1000000',
      MAX_WAITERS: '1000000',
      MAX_EVENT_LOOP_DELAY_MS: '0',
      ...options.env,
    };
    const child = spawnChild('streamgate', process.execPath, [...execArgv, ...ctx.build.serverArgs], { cwd: ctx.root, env });
    const url = `http://${LOOPBACK}:${port}`;
    try {
      await waitFor200(url, '/readyz', options.readyTimeoutMs ?? 60_000, () => child.proc.exitCode === null && child.proc.signalCode === null, options.readyPollMs);
    } catch (err) {
      await child.stop(2_000);
      lastError = new Error(`streamgate did not become ready: ${(err as Error).message}\n${child.output().slice(-2000)}`);
      continue;
    }
    return {
      name: 'streamgate',
      url,
      port,
      pid: child.pid,
      child,
      dataDir,
      rss: () => rssBytes(child.pid),
      dataDirBytes: () => dirBytes(dataDir),
      async stop() {
        await child.stop();
        if (ownDir) removeTempDir(dataDir);
      },
    };
  }
  if (ownDir) removeTempDir(dataDir);
  throw lastError;
}

function dirBytes(dir: string): number {
  let total = 0;
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) total += statSync(join(entry.parentPath ?? entry.path, entry.name)).size;
    }
  } catch {
    return 0;
  }
  return total;
}

/** bench/anchors/bare-fastify.ts in its own process: `mode` picks the POST route or the SSE broadcast. */
export async function startBareFastify(ctx: BenchContext, mode: 'post' | 'sse'): Promise<ServerHandle> {
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort();
    const child = spawnChild(`bare-fastify-${mode}`, process.execPath, ctx.build.anchorArgs, {
      cwd: ctx.root,
      env: { HOST: LOOPBACK, PORT: String(port), MODE: mode },
    });
    const url = `http://${LOOPBACK}:${port}`;
    try {
      await waitFor200(url, '/healthz', 30_000, () => child.proc.exitCode === null && child.proc.signalCode === null);
    } catch (err) {
      await child.stop(2_000);
      lastError = new Error(`bare fastify did not start: ${(err as Error).message}\n${child.output().slice(-2000)}`);
      continue;
    }
    return { name: 'bare fastify', url, port, pid: child.pid, child, rss: () => rssBytes(child.pid), stop: () => child.stop() };
  }
  throw lastError;
}

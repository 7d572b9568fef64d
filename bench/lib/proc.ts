import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A child process started by the benchmarks: output kept (tail), stopped by pid. */
export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** The last 64 KB of stdout + stderr. */
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const children = new Set<Child>();
const tempDirs = new Set<string>();
const OUTPUT_KEEP = 64 * 1024;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  ipc?: boolean;
  /** Called with each stdout chunk (for workers that stream results). */
  onStdout?: (chunk: string) => void;
}

export function spawnChild(name: string, command: string, args: string[], options: SpawnOptions = {}): Child {
  const stdio: StdioOptions = options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'];
  const proc = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio });
  let out = '';
  const keep = (chunk: Buffer | string): void => {
    out += chunk.toString();
    if (out.length > 2 * OUTPUT_KEEP) out = out.slice(-OUTPUT_KEEP);
  };
  proc.stdout?.on('data', (chunk: Buffer) => {
    keep(chunk);
    options.onStdout?.(chunk.toString());
  });
  proc.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
    proc.once('error', (err) => {
      keep(`spawn error: ${err.message}\n`);
      resolve({ code: -1, signal: null });
    });
  });
  let stopping: Promise<void> | undefined;
  const child: Child = {
    name,
    proc,
    pid: proc.pid ?? -1,
    output: () => out.slice(-OUTPUT_KEEP),
    exited,
    stop(graceMs = 15_000) {
      stopping ??= (async () => {
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill('SIGTERM');
          const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
        children.delete(child);
      })();
      return stopping;
    },
  };
  children.add(child);
  void exited.then(() => {
    if (stopping === undefined) children.delete(child);
  });
  return child;
}

/** A Node process running a TypeScript file of bench/ (through tsx). */
export function spawnNode(name: string, script: string, options: SpawnOptions & { execArgv?: string[] } = {}): Child {
  return spawnChild(name, process.execPath, [...(options.execArgv ?? []), '--import', 'tsx', script], options);
}

export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `streamgate-bench-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Stops every child still running (by its pid) and removes temp dirs: on exit, error or Ctrl-C. */
export async function cleanupAll(): Promise<void> {
  await Promise.all([...children].map((c) => c.stop(5_000)));
  for (const dir of [...tempDirs]) removeTempDir(dir);
}

function cleanupSync(): void {
  for (const c of children) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

process.once('exit', cleanupSync);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the benchmark's child processes`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

/** Reads VmRSS of a process, in bytes (Linux). */
export async function rssBytes(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

export const RESULT_PREFIX = '@@RESULT ';

/**
 * Runs a worker script (bench/workers/*.ts) in its own Node process with
 * `input` (JSON, in BENCH_INPUT), and answers the JSON it prints on its
 * `@@RESULT ` line. Killed after `timeoutMs`.
 */
export async function runWorker<T>(
  name: string,
  script: string,
  input: unknown,
  options: { timeoutMs: number; execArgv?: string[] },
): Promise<T> {
  const child = spawnNode(name, script, { env: { BENCH_INPUT: JSON.stringify(input) }, execArgv: options.execArgv });
  const timer = setTimeout(() => void child.stop(2_000), options.timeoutMs);
  const { code, signal } = await child.exited;
  clearTimeout(timer);
  await child.stop();
  const line = child
    .output()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined) {
    const why = signal !== null ? `killed by ${signal}${signal === 'SIGTERM' ? ` (time limit ${options.timeoutMs} ms?)` : ''}` : `exit code ${code}`;
    throw new Error(`${name}: no result (${why}):\n${child.output().slice(-3000)}`);
  }
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as T;
}

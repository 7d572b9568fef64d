/** The crash tests' child server (fixtures/crash-server.ts): started as its own process, killed with SIGKILL. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../fixtures/crash-server.ts', import.meta.url));

export interface Server {
  child: ChildProcess;
  base: string;
  stderr: string[];
}

/**
 * The fixture bundled into one file, so that each restart costs a plain `node` start rather than
 * tsx's; esbuild comes with tsx. Falls back to `node --import tsx` when it is not there.
 */
export async function fixtureCommand(dir: string): Promise<string[]> {
  try {
    const esbuild = (await import('esbuild' as string)) as { build(options: object): Promise<unknown> };
    const outfile = join(dir, 'crash-server.bundle.mjs');
    await esbuild.build({ entryPoints: [FIXTURE], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'silent' });
    return [outfile];
  } catch {
    return ['--import', 'tsx', FIXTURE];
  }
}

export async function startServer(command: string[], dir: string, fsync: 'always' | 'no'): Promise<Server> {
  const child = spawn(process.execPath, command, {
    env: { ...process.env, DATA_DIR: dir, FSYNC: fsync, SNAPSHOT_LOG_BYTES: String(16 * 1024) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${stderr.join('\n')}`)));
  });
  return { child, base: `http://127.0.0.1:${port}`, stderr };
}

export async function kill(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGKILL');
  await exited;
}

/** POST; the parsed body on a 2xx, undefined when the outcome is unknown (error status or connection lost). */
export async function post<T>(server: Server, path: string, body: unknown): Promise<T | undefined> {
  try {
    const res = await fetch(server.base + path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const text = await res.text();
    return res.ok ? (JSON.parse(text) as T) : undefined;
  } catch {
    return undefined;
  }
}


import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openSse } from './helpers/sse.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Server {
  child: ChildProcess;
  base: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let dir: string | undefined;
let running: Server | undefined;

async function startServer(dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const base = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = output.match(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', () => reject(new Error(`server exited:\n${output}`)));
  });
  return { child, base, exited };
}

afterEach(async () => {
  if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
  running = undefined;
  dir = undefined;
});

async function post(base: string, path: string, body: unknown) {
  const response = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

describe('graceful shutdown on SIGTERM', () => {
  it('answers waiting long-polls with no messages, sends SSE clients event: shutdown, keeps every write, and exits promptly', async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamgate-shutdown-'));
    running = await startServer(dir);
    const { base } = running;
    const group = '/v1/streams/jobs/groups/g';
    expect((await post(base, '/v1/streams/jobs/groups', { name: 'g', startId: '$', mkStream: true })).status).toBe(201);
    const written = (await post(base, '/v1/streams/jobs/messages', { fields: { job: 'kept' } })).body.id;
    await post(base, `${group}/consumers/a/read`, {});

    const longPoll = post(base, `${group}/consumers/waiting/read`, { waitMs: 60_000 });
    const sse = await openSse(`${base}${group}/consumers/subscriber/events`);
    await new Promise((r) => setTimeout(r, 100));

    const started = Date.now();
    running.child.kill('SIGTERM');
    const answered = await longPoll;
    expect(answered).toEqual({ status: 200, body: { messages: [] } });
    await sse.closed;
    expect(sse.events.at(-1)?.event).toBe('shutdown');
    const exit = await running.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);

    running = await startServer(dir);
    const restarted = await fetch(`${running.base}/v1/streams/jobs/messages/${written}`);
    expect(await restarted.json()).toEqual({ id: written, fields: { job: 'kept' } });
    const pending = await fetch(`${running.base}${group}/pending`);
    expect(((await pending.json()) as any).count).toBe(1);
    running.child.kill('SIGTERM');
    await running.exited;
  }, 60_000);
});

import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { StreamCore } from '../../src/core/stream-core.js';
import { logName } from '../../src/storage/data-dir.js';
import { openLogStore } from '../../src/storage/log-store.js';
import { silentLogger } from '../../src/storage/storage-fs.js';
import { useTempDirs } from './helpers/temp-dir.js';

/** What a real second process and the repair command see. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const tempDir = useTempDirs();

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function storeWith(dir: string, n: number): Promise<number[]> {
  const core = new StreamCore();
  const store = await openLogStore({ dir, fsync: 'no', logger: silentLogger }, core);
  core.setSink((b) => store.append(b));
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    core.xadd('s', { id: { kind: 'auto' }, fields: ['i', String(i)] });
    await store.sync();
    sizes.push((await readFile(join(dir, logName(0)))).length);
  }
  await store.close();
  return sizes;
}

describe('across processes', () => {
  it('a second server process on a locked directory refuses to start with a clear message', { timeout: 30_000 }, async () => {
    const dir = await tempDir();
    const core = new StreamCore();
    const store = await openLogStore({ dir, logger: silentLogger }, core);
    const second = await run([fileURLToPath(new URL('./fixtures/crash-server.ts', import.meta.url))], { DATA_DIR: dir });
    await store.close();
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`DATA_DIR ${dir} is in use by another streamgate server (held by pid ${process.pid}`);
  });

  it('npm run repair-log -- <DATA_DIR> prints what it drops, cuts the log, and the store opens again', { timeout: 30_000 }, async () => {
    const dir = await tempDir();
    const sizes = await storeWith(dir, 5);
    const path = join(dir, logName(0));
    const buf = await readFile(path);
    buf[sizes[1]! + 10]! ^= 0x20; // inside the third record
    await writeFile(path, buf);
    await expect(openLogStore({ dir, logger: silentLogger }, new StreamCore())).rejects.toThrow(`byte offset ${sizes[1]}`);

    const dry = await run(['src/storage/repair-cli.ts', dir, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`will drop ${buf.length - sizes[1]!} bytes from offset ${sizes[1]}`);
    expect(dry.stdout).toContain('dry run: nothing changed');
    expect(await readFile(path)).toEqual(buf);

    const repair = await run(['src/storage/repair-cli.ts', dir]);
    expect(repair.code).toBe(0);
    expect(repair.stdout).toContain(`2 valid records, then a bad one at byte offset ${sizes[1]}`);
    expect((await readFile(path)).length).toBe(sizes[1]);

    const core = new StreamCore();
    const store = await openLogStore({ dir, logger: silentLogger }, core);
    expect(core.xlen('s')).toBe(2);
    await store.close();

    const usage = await run(['src/storage/repair-cli.ts']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: npm run repair-log -- <DATA_DIR>');
  });
});

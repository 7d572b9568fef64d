import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StreamError } from '../../src/domain/errors.js';
import { LOCK_FILE } from '../../src/storage/data-dir.js';
import { DirLock } from '../../src/storage/lock.js';
import { recordingLogger, useTempDirs } from './helpers/temp-dir.js';

const tempDir = useTempDirs();
const HAS_PROC = existsSync('/proc/self/stat') && existsSync('/proc/sys/kernel/random/boot_id');

/** Field 22 of /proc/<pid>/stat, as lock.ts records it. */
function startTimeOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

/** The pid of a process that has exited. */
async function goneProcessPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

async function writeLock(dir: string, owner: object): Promise<void> {
  await writeFile(join(dir, LOCK_FILE), `${JSON.stringify(owner)}\n`);
}

async function expectLocked(dir: string, why: RegExp): Promise<void> {
  const err = await DirLock.acquire(dir, recordingLogger()).then(
    async (lock) => (await lock.release(), undefined),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StreamError);
  expect((err as StreamError).code).toBe('STORAGE_UNAVAILABLE');
  expect((err as StreamError).message).toMatch(/is in use by another streamgate server/);
  expect((err as StreamError).message).toMatch(why);
  expect((err as StreamError).message).toContain(join(dir, LOCK_FILE));
}

/** Acquires over a stale lock and returns the warning it logged. */
async function takeOver(dir: string): Promise<string> {
  const logger = recordingLogger();
  const lock = await DirLock.acquire(dir, logger);
  expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
  await lock.release();
  const warnings = logger.lines.filter((l) => l.level === 'warn');
  expect(warnings).toHaveLength(1);
  expect(warnings[0]!.msg).toMatch(/^taking over a stale lock/);
  return warnings[0]!.msg;
}

describe('DirLock', () => {
  it('writes LOCK naming this process, and removes it on release', async () => {
    const dir = await tempDir();
    const lock = await DirLock.acquire(dir, recordingLogger());
    const owner = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, hostname: hostname(), createdAt: expect.any(String) });
    if (HAS_PROC) expect(owner).toMatchObject({ startTime: startTimeOf(process.pid), bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() });
    await lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    await lock.release();
    const again = await DirLock.acquire(dir, recordingLogger());
    await again.release();
  });

  it('refuses a second holder in the same process, also through another path to the directory', async () => {
    const dir = await tempDir();
    const lock = await DirLock.acquire(dir, recordingLogger());
    await expectLocked(dir, new RegExp(`this process \\(pid ${process.pid}\\) already has it open`));
    const link = join(await tempDir(), 'link');
    await symlink(dir, link);
    await expectLocked(link, /already has it open/);
    await lock.release();
  });

  it('refuses a lock held by a live process on this host', async () => {
    const dir = await tempDir();
    await writeLock(dir, { pid: process.ppid, hostname: hostname(), createdAt: 'then' });
    await expectLocked(dir, new RegExp(`held by pid ${process.ppid} on ${hostname()}, since then`));
  });

  it('never takes over a lock from another host written by a version that did not refresh it', async () => {
    const dir = await tempDir();
    await writeLock(dir, { pid: await goneProcessPid(), hostname: `not-${hostname()}`, createdAt: 'then' });
    await expectLocked(dir, /another host, so it cannot be checked/);
  });

  it('refreshes the mtime of its LOCK while it holds it, and names how often', async () => {
    const dir = await tempDir();
    const lock = await DirLock.acquire(dir, recordingLogger(), { refreshMs: 30 });
    const path = join(dir, LOCK_FILE);
    expect(JSON.parse(await readFile(path, 'utf8')).refreshMs).toBe(30);
    const past = new Date(Date.now() - 60_000);
    await utimes(path, past, past);
    await sleep(200);
    expect((await stat(path)).mtimeMs).toBeGreaterThan(Date.now() - 5_000);
    await lock.release();
  });

  it("takes over at once another host's lock not refreshed for longer than the stale time: a container recreated after an unclean stop", async () => {
    const dir = await tempDir();
    await writeLock(dir, { pid: 1, hostname: `old-container-${hostname()}`, createdAt: 'then', refreshMs: 5_000 });
    const past = new Date(Date.now() - 31_000);
    await utimes(join(dir, LOCK_FILE), past, past);
    const started = Date.now();
    expect(await takeOver(dir)).toMatch(/another host's lock, not refreshed for 3\d s/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("waits for a recent lock from another host that stops being refreshed, then takes it over", async () => {
    const dir = await tempDir();
    await writeLock(dir, { pid: 1, hostname: `old-container-${hostname()}`, createdAt: 'then', refreshMs: 50 });
    const started = Date.now();
    const logger = recordingLogger();
    const lock = await DirLock.acquire(dir, logger, { staleAfterMs: 400 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([expect.stringMatching(/^taking over a stale lock \(another host's lock/)]);
    await lock.release();
  });

  it('refuses a lock from another host whose holder keeps refreshing it', async () => {
    const dir = await tempDir();
    const path = join(dir, LOCK_FILE);
    await writeLock(dir, { pid: 1, hostname: `other-${hostname()}`, createdAt: 'then', refreshMs: 50 });
    const holder = setInterval(() => void utimes(path, new Date(), new Date()).catch(() => {}), 50);
    try {
      await expectLocked(dir, new RegExp(`held by pid 1 on other-${hostname()}, since then; it refreshes the lock`));
    } finally {
      clearInterval(holder);
    }
  });

  it('says so, once, when another server has taken its LOCK over', async () => {
    const dir = await tempDir();
    const logger = recordingLogger();
    const lock = await DirLock.acquire(dir, logger, { refreshMs: 20 });
    await writeFile(join(dir, LOCK_FILE), `${JSON.stringify({ pid: 1, hostname: 'elsewhere', createdAt: 'now', refreshMs: 20 })}\n`);
    await sleep(150);
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/is no longer this server's: another server may be writing/);
    await lock.release();
  });

  it('takes over a lock whose process is gone, with a warning', async () => {
    const dir = await tempDir();
    const pid = await goneProcessPid();
    await writeLock(dir, { pid, hostname: hostname(), createdAt: 'then' });
    expect(await takeOver(dir)).toContain(`pid ${pid} is gone`);
  });

  it('takes over an unreadable lock', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, LOCK_FILE), 'not json');
    expect(await takeOver(dir)).toContain('unreadable');
  });

  it.skipIf(!HAS_PROC)('takes over a lock from an earlier boot, or from another process behind the same pid', async () => {
    const dir = await tempDir();
    await writeLock(dir, { pid: process.pid, bootId: 'an-earlier-boot', hostname: hostname(), createdAt: 'then' });
    expect(await takeOver(dir)).toContain('taken before a reboot');
    await writeLock(dir, { pid: process.pid, startTime: '1', hostname: hostname(), createdAt: 'then' });
    expect(await takeOver(dir)).toContain(`pid ${process.pid} is another process now`);
  });

  it('takes over a lock this very process wrote but no longer holds', async () => {
    const dir = await tempDir();
    await writeLock(dir, { pid: process.pid, ...(HAS_PROC && { startTime: startTimeOf(process.pid) }), hostname: hostname(), createdAt: 'then' });
    expect(await takeOver(dir)).toContain('taken earlier by this process');
  });

  it('on release, leaves a LOCK that is no longer its own', async () => {
    const dir = await tempDir();
    const lock = await DirLock.acquire(dir, recordingLogger());
    const other = `${JSON.stringify({ pid: process.ppid, hostname: hostname(), createdAt: 'later' })}\n`;
    await writeFile(join(dir, LOCK_FILE), other);
    await lock.release();
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe(other);
  });

  it('fails on a directory that does not exist, creating nothing and holding nothing', async () => {
    const parent = await tempDir();
    const dir = join(parent, 'missing');
    await expect(DirLock.acquire(dir, recordingLogger())).rejects.toMatchObject({ code: 'ENOENT' });
    expect(existsSync(dir)).toBe(false);
    await mkdir(dir);
    const lock = await DirLock.acquire(dir, recordingLogger());
    await lock.release();
  });
});

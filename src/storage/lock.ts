import { readFileSync } from 'node:fs';
import { open, readFile, realpath, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { streamError, type StreamError } from '../domain/errors.js';
import { LOCK_FILE } from './data-dir.js';
import type { StorageLogger } from './storage-fs.js';

/**
 * One writer per DATA_DIR. `LOCK` is created with O_EXCL and names its holder:
 * pid, the process's start time and the boot ID (from /proc, on Linux) and
 * the host name. A lock whose holder is gone (no such pid, another pid behind
 * the same number, or an earlier boot) is stale and taken over with a
 * warning; a lock held from another host (a shared volume) cannot be checked
 * and is never taken over.
 */
interface LockOwner {
  pid: number;
  startTime?: string;
  bootId?: string;
  hostname: string;
  createdAt: string;
}

/** Directories this process holds, by real path: a second store in the same process is refused too. */
const held = new Set<string>();

export class DirLock {
  private released = false;

  private constructor(
    readonly dir: string,
    private readonly realDir: string,
    private readonly content: string,
  ) {}

  static async acquire(dir: string, logger: StorageLogger): Promise<DirLock> {
    const realDir = await realpath(dir);
    const path = join(dir, LOCK_FILE);
    if (held.has(realDir)) throw lockedError(dir, `this process (pid ${process.pid}) already has it open`);
    const me = currentOwner();
    const content = `${JSON.stringify(me)}\n`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const handle = await open(path, 'wx', 0o644);
        try {
          await handle.writeFile(content);
          await handle.sync();
        } finally {
          await handle.close();
        }
        if ((await readFile(path, 'utf8')) !== content) continue;
        held.add(realDir);
        return new DirLock(dir, realDir, content);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = await readOwner(path);
      const verdict = owner === undefined ? 'stale: unreadable' : judge(owner, me);
      if (!verdict.startsWith('stale')) throw lockedError(dir, verdict);
      logger.warn({ dir, lock: owner ?? null }, `taking over a stale lock (${verdict.slice(7)})`);
      await unlink(path).catch(() => {});
    }
    throw lockedError(dir, 'another process keeps taking it');
  }

  /** Removes LOCK if it is still ours. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    held.delete(this.realDir);
    const path = join(this.dir, LOCK_FILE);
    const now = await readFile(path, 'utf8').catch(() => undefined);
    if (now === this.content) await unlink(path).catch(() => {});
  }
}

function lockedError(dir: string, why: string): StreamError {
  return streamError('STORAGE_UNAVAILABLE', 'locked', dir, why, join(dir, LOCK_FILE));
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const text = await readFile(path, 'utf8').catch(() => '');
    try {
      const owner = JSON.parse(text) as LockOwner;
      if (typeof owner.pid === 'number') return owner;
    } catch {
      // Being written by its creator right now, or garbage: look once more.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}

/** 'stale: <why>' or why the lock is live. */
function judge(owner: LockOwner, me: LockOwner): string {
  const who = `pid ${owner.pid} on ${owner.hostname}, since ${owner.createdAt}`;
  if (owner.hostname !== me.hostname) return `held by ${who}; another host, so it cannot be checked`;
  if (owner.bootId !== undefined && me.bootId !== undefined && owner.bootId !== me.bootId) return 'stale: taken before a reboot';
  if (!processExists(owner.pid)) return `stale: pid ${owner.pid} is gone`;
  const startTime = processStartTime(owner.pid);
  if (owner.startTime !== undefined && startTime !== undefined && owner.startTime !== startTime) {
    return `stale: pid ${owner.pid} is another process now`;
  }
  if (owner.pid === process.pid) return 'stale: taken earlier by this process, which no longer holds it';
  return `held by ${who}`;
}

function currentOwner(): LockOwner {
  return {
    pid: process.pid,
    ...optional('startTime', processStartTime(process.pid)),
    ...optional('bootId', bootId()),
    hostname: hostname(),
    createdAt: new Date().toISOString(),
  };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat: clock ticks from boot to the process's start. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

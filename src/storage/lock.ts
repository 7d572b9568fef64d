import { readFileSync } from 'node:fs';
import { open, readFile, realpath, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { streamError, type StreamError } from '../domain/errors.js';
import { LOCK_FILE } from './data-dir.js';
import type { StorageLogger } from './storage-fs.js';

/**
 * One writer per DATA_DIR. `LOCK` is created with O_EXCL and names its holder:
 * pid, the process's start time and the boot ID (from /proc, on Linux), the
 * host name, and how often the holder refreshes the file's mtime.
 *
 * On the holder's host, a lock whose process is gone (no such pid, another
 * pid behind the same number, or an earlier boot) is stale and taken over at
 * once, with a warning. From another host the pid cannot be checked: a
 * container recreated after an unclean stop has a new host name and pid
 * namespace, and the old lock would otherwise keep it from ever starting
 * (a crash loop under `restart: unless-stopped`). So the holder touches LOCK
 * every `refreshMs` (5 s), and a lock from another host is live while its
 * mtime moves: one not refreshed for `staleAfterMs` (30 s, six missed
 * refreshes) is stale. A start that finds a fresh one watches it until it
 * either moves (live: refused) or goes stale (taken over), so a recreated
 * container starts within 30 s of the old one's death instead of failing.
 * Node has no flock(2), and an OS lock would not cross a shared volume's hosts
 * anyway; mtimes do. A lock from another host that names no `refreshMs` was
 * written by a version that never refreshed it, so it cannot be judged and
 * is refused, as before.
 */
interface LockOwner {
  pid: number;
  startTime?: string;
  bootId?: string;
  hostname: string;
  createdAt: string;
  /** The holder touches LOCK this often (ms); absent in locks written before refreshing existed. */
  refreshMs?: number;
}

export interface LockTiming {
  /** @defaultValue 5000 */
  refreshMs?: number;
  /** A lock from another host not refreshed for this long is stale. @defaultValue 6 × refreshMs */
  staleAfterMs?: number;
}

export const DEFAULT_LOCK_REFRESH_MS = 5_000;
const MISSED_REFRESHES = 6;

/** Directories this process holds, by real path: a second store in the same process is refused too. */
const held = new Set<string>();

export class DirLock {
  private released = false;
  private readonly refresher: NodeJS.Timeout;

  private constructor(
    readonly dir: string,
    private readonly realDir: string,
    private readonly content: string,
    refreshMs: number,
    private readonly logger: StorageLogger,
  ) {
    this.refresher = setInterval(() => void this.refresh(), refreshMs);
    this.refresher.unref();
  }

  static async acquire(dir: string, logger: StorageLogger, timing: LockTiming = {}): Promise<DirLock> {
    const refreshMs = timing.refreshMs ?? DEFAULT_LOCK_REFRESH_MS;
    const realDir = await realpath(dir);
    const path = join(dir, LOCK_FILE);
    if (held.has(realDir)) throw lockedError(dir, `this process (pid ${process.pid}) already has it open`);
    const me = currentOwner(refreshMs);
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
        return new DirLock(dir, realDir, content, refreshMs, logger);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = await readOwner(path);
      const verdict = owner === undefined ? 'stale: unreadable' : await judge(path, owner, me, timing);
      if (verdict === GONE) continue;
      if (!verdict.startsWith('stale')) throw lockedError(dir, verdict);
      logger.warn({ dir, lock: owner ?? null }, `taking over a stale lock (${verdict.slice(7)})`);
      await unlink(path).catch(() => {});
    }
    throw lockedError(dir, 'another process keeps taking it');
  }

  /** Touches LOCK while it is ours; says so, loudly and once, when another server has taken it over. */
  private async refresh(): Promise<void> {
    const path = join(this.dir, LOCK_FILE);
    const now = await readFile(path, 'utf8').catch(() => undefined);
    if (this.released) return;
    if (now === this.content) {
      const time = new Date();
      await utimes(path, time, time).catch(() => {});
      return;
    }
    clearInterval(this.refresher);
    this.logger.error({ dir: this.dir, lock: now ?? null }, `${path} is no longer this server's: another server may be writing to ${this.dir}`);
  }

  /** Removes LOCK if it is still ours. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.refresher);
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

/** The lock went while it was judged: try to create it again rather than remove what may be a newcomer's. */
const GONE = 'gone';

/** 'stale: <why>', GONE, or why the lock is live. */
async function judge(path: string, owner: LockOwner, me: LockOwner, timing: LockTiming): Promise<string> {
  const who = `pid ${owner.pid} on ${owner.hostname}, since ${owner.createdAt}`;
  if (owner.hostname !== me.hostname) return judgeByRefreshes(path, owner, who, timing);
  if (owner.bootId !== undefined && me.bootId !== undefined && owner.bootId !== me.bootId) return 'stale: taken before a reboot';
  if (!processExists(owner.pid)) return `stale: pid ${owner.pid} is gone`;
  const startTime = processStartTime(owner.pid);
  if (owner.startTime !== undefined && startTime !== undefined && owner.startTime !== startTime) {
    return `stale: pid ${owner.pid} is another process now`;
  }
  if (owner.pid === process.pid) return 'stale: taken earlier by this process, which no longer holds it';
  return `held by ${who}`;
}

/** Another host's lock: live while its mtime moves; watched for up to `staleAfterMs` when it is recent. */
async function judgeByRefreshes(path: string, owner: LockOwner, who: string, timing: LockTiming): Promise<string> {
  if (typeof owner.refreshMs !== 'number' || owner.refreshMs <= 0) return `held by ${who}; another host, so it cannot be checked`;
  const staleAfterMs = timing.staleAfterMs ?? owner.refreshMs * MISSED_REFRESHES;
  const first = await mtimeOf(path);
  if (first === undefined) return 'stale: removed meanwhile';
  for (;;) {
    // A clock ahead of ours (a shared volume's other host) counts as just refreshed.
    const age = Math.max(0, Date.now() - first);
    if (age >= staleAfterMs) return `stale: another host's lock, not refreshed for ${Math.round(age / 1000)} s`;
    await new Promise((resolve) => setTimeout(resolve, Math.min(owner.refreshMs!, staleAfterMs - age, 1_000)));
    const now = await mtimeOf(path);
    if (now === undefined) return GONE;
    if (now !== first) return `held by ${who}; it refreshes the lock`;
  }
}

async function mtimeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
}

function currentOwner(refreshMs: number): LockOwner {
  return {
    pid: process.pid,
    ...optional('startTime', processStartTime(process.pid)),
    ...optional('bootId', bootId()),
    hostname: hostname(),
    createdAt: new Date().toISOString(),
    refreshMs,
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

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOOPBACK, freePort, waitFor200 } from './net.js';
import { makeTempDir, removeTempDir, rssBytes, spawnChild } from './proc.js';
import { MissingFeature } from './rows.js';
import type { ServerHandle } from './servers.js';

function webdisInstalled(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v webdis'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * webdis (Debian's HTTP gateway for Redis, in C) over the redis-server on `redisPort`, on a free
 * loopback port; threads and pool size as in its sample webdis.json. A missing webdis makes the
 * row "skipped", unless REQUIRE_REDIS=1 (as in CI), where it is a failure.
 */
export async function startWebdis(redisPort: number): Promise<ServerHandle> {
  if (!webdisInstalled()) {
    const message = 'webdis is not installed (apt-get install webdis)';
    if (process.env.REQUIRE_REDIS === '1') throw new Error(`${message}; REQUIRE_REDIS=1 makes this a failure`);
    throw new MissingFeature(message);
  }
  const port = await freePort();
  const dir = makeTempDir('webdis');
  const configPath = join(dir, 'webdis.json');
  const config = {
    redis_host: LOOPBACK,
    redis_port: redisPort,
    http_host: LOOPBACK,
    http_port: port,
    threads: 5,
    pool_size: 20,
    daemonize: false,
    database: 0,
    verbosity: 1,
    logfile: join(dir, 'webdis.log'),
  };
  writeFileSync(configPath, JSON.stringify(config));
  const child = spawnChild('webdis', 'webdis', [configPath]);
  const url = `http://${LOOPBACK}:${port}`;
  try {
    await waitFor200(url, '/PING', 10_000, () => child.proc.exitCode === null && child.proc.signalCode === null);
  } catch (err) {
    await child.stop(2_000);
    removeTempDir(dir);
    throw new Error(`webdis did not start: ${(err as Error).message}\n${child.output().slice(-2000)}`);
  }
  return {
    name: 'webdis',
    url,
    port,
    pid: child.pid,
    child,
    rss: () => rssBytes(child.pid),
    async stop() {
      await child.stop();
      removeTempDir(dir);
    },
  };
}

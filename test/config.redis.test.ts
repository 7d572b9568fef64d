import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

function problems(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig: the Redis backend', () => {
  it('defaults to the embedded backend and a local Redis', () => {
    expect(loadConfig({})).toMatchObject({
      backend: 'embedded',
      redis: { host: '127.0.0.1', port: 6379, tls: false, db: 0, clusterNodes: [] },
      redisKeyPrefix: '',
      redisWaitReplicas: 0,
      redisWaitTimeoutMs: 1000,
    });
  });

  it('reads REDIS_URL: credentials, TLS, port, database', () => {
    const config = loadConfig({ BACKEND: 'redis', REDIS_URL: 'rediss://app:s%40cret@cache.example:6380/3' });
    expect(config.backend).toBe('redis');
    expect(config.redis).toEqual({ host: 'cache.example', port: 6380, username: 'app', password: 's@cret', tls: true, db: 3, clusterNodes: [], commandTimeoutMs: 5000 });
    expect(loadConfig({ REDIS_URL: 'redis://:pw@[::1]' }).redis).toMatchObject({ host: '::1', port: 6379, password: 'pw', db: 0 });
  });

  it('reads REDIS_CLUSTER_NODES, the prefix and WAIT settings', () => {
    const config = loadConfig({
      BACKEND: 'REDIS',
      REDIS_URL: 'rediss://user:pw@ignored:1',
      REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001,[fe80::1]:7002',
      REDIS_KEY_PREFIX: 'sg:',
      REDIS_WAIT_REPLICAS: '1',
      REDIS_WAIT_TIMEOUT_MS: '250',
    });
    expect(config.redis.clusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: 'fe80::1', port: 7002 },
    ]);
    expect(config.redis).toMatchObject({ username: 'user', password: 'pw', tls: true });
    expect(config).toMatchObject({ backend: 'redis', redisKeyPrefix: 'sg:', redisWaitReplicas: 1, redisWaitTimeoutMs: 250 });
  });

  it('names every bad Redis variable, without echoing a password', () => {
    const found = problems({
      BACKEND: 'memcached',
      REDIS_URL: 'http://user:hunter2@host/0',
      REDIS_CLUSTER_NODES: 'a:1,b,c:99999',
      REDIS_WAIT_REPLICAS: '-1',
      REDIS_WAIT_TIMEOUT_MS: '0',
    });
    expect(found.map((p) => p.variable).sort()).toEqual(['BACKEND', 'REDIS_CLUSTER_NODES', 'REDIS_URL', 'REDIS_WAIT_REPLICAS', 'REDIS_WAIT_TIMEOUT_MS']);
    const url = found.find((p) => p.variable === 'REDIS_URL')!.message;
    expect(url).toContain('expected redis://[user:password@]host[:port][/db]');
    expect(url).not.toContain('hunter2');
    expect(found.find((p) => p.variable === 'REDIS_CLUSTER_NODES')!.message).toBe('expected host:port,host:port,..., got "b", "c:99999"');
    expect(problems({ REDIS_URL: 'redis://host/db1' }).map((p) => p.variable)).toEqual(['REDIS_URL']);
    expect(problems({ REDIS_URL: 'not a url' }).map((p) => p.variable)).toEqual(['REDIS_URL']);
  });

  it('refuses MAX_STREAMS with BACKEND=redis, naming maxmemory as the alternative', () => {
    const [problem] = problems({ BACKEND: 'redis', MAX_STREAMS: '10' });
    expect(problem!.variable).toBe('MAX_STREAMS');
    expect(problem!.message).toContain('maxmemory');
    expect(loadConfig({ BACKEND: 'redis', MAX_STREAMS: '0' }).maxStreams).toBe(0);
    expect(loadConfig({ MAX_STREAMS: '10' }).maxStreams).toBe(10);
  });

  it("refuses MAX_MEMORY_BYTES with BACKEND=redis, naming Redis's maxmemory instead", () => {
    const [problem] = problems({ BACKEND: 'redis', MAX_MEMORY_BYTES: '1000000' });
    expect(problem!.variable).toBe('MAX_MEMORY_BYTES');
    expect(problem!.message).toContain('maxmemory-policy noeviction');
    expect(loadConfig({ BACKEND: 'redis', MAX_MEMORY_BYTES: '0' }).maxMemoryBytes).toBe(0);
    expect(loadConfig({ MAX_MEMORY_BYTES: '1000000' }).maxMemoryBytes).toBe(1000000);
  });

  it('reads REDIS_COMMAND_TIMEOUT_MS (default 5000, 0 for none) and wants it above REDIS_WAIT_TIMEOUT_MS when WAIT is on', () => {
    expect(loadConfig({ BACKEND: 'redis' }).redis.commandTimeoutMs).toBe(5000);
    expect(loadConfig({ BACKEND: 'redis', REDIS_COMMAND_TIMEOUT_MS: '0' }).redis.commandTimeoutMs).toBe(0);
    const [problem] = problems({ BACKEND: 'redis', REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '2000', REDIS_COMMAND_TIMEOUT_MS: '2000' });
    expect(problem!.variable).toBe('REDIS_COMMAND_TIMEOUT_MS');
    expect(problem!.message).toContain('REDIS_WAIT_TIMEOUT_MS (2000)');
    expect(loadConfig({ BACKEND: 'redis', REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '2000', REDIS_COMMAND_TIMEOUT_MS: '0' }).redis.commandTimeoutMs).toBe(0);
    expect(problems({ BACKEND: 'redis', REDIS_COMMAND_TIMEOUT_MS: '-1' }).map((p) => p.variable)).toEqual(['REDIS_COMMAND_TIMEOUT_MS']);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      logLevel: 'info',
      dataDir: './data',
      fsync: 'always',
      maxCount: 10_000,
      maxWaitMs: 60_000,
      bodyLimitBytes: 1_048_576,
      maxBatch: 10_000,
      corsOrigins: [],
      snapshotLogBytes: 64 * 1024 * 1024,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      HOST: '0.0.0.0',
      PORT: '9000',
      LOG_LEVEL: 'debug',
      DATA_DIR: '/var/lib/streamgate',
      FSYNC: 'everysec',
      MAX_COUNT: '500',
      MAX_WAIT_MS: '1000',
      BODY_LIMIT_BYTES: '2048',
      MAX_BATCH: '10',
      CORS_ORIGINS: 'https://a.example, http://localhost:3000',
      SNAPSHOT_LOG_BYTES: '4096',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      logLevel: 'debug',
      dataDir: '/var/lib/streamgate',
      fsync: 'everysec',
      maxCount: 500,
      maxWaitMs: 1000,
      bodyLimitBytes: 2048,
      maxBatch: 10,
      corsOrigins: ['https://a.example', 'http://localhost:3000'],
      snapshotLogBytes: 4096,
    });
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    expect(loadConfig({ PORT: '' }).port).toBe(8080);
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: '70000', FSYNC: 'sometimes', MAX_COUNT: '0', MAX_WAIT_MS: 'soon', CORS_ORIGINS: 'example.com', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.variable).sort();
    expect(problems).toEqual(['CORS_ORIGINS', 'FSYNC', 'LOG_LEVEL', 'MAX_COUNT', 'MAX_WAIT_MS', 'PORT']);
    expect((error as ConfigError).message).toContain('PORT: expected an integer from 0 to 65535, got "70000"');
  });
});

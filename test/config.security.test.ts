import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => `${p.variable}: ${p.message}`);
  }
  return [];
}

describe('security settings', () => {
  it('have the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      auth: 'auto',
      authTokensFile: undefined,
      authJwtSecret: undefined,
      authJwtPublicKeyFile: undefined,
      metricsPublic: false,
      rateLimitPerSecond: 0,
      allowedHosts: [],
      maxSseStreams: 10_000,
      maxSseStreamsPerClient: 100,
      maxWaiters: 10_000,
      maxWaitersPerClient: 1_000,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 20_000,
      maxEventLoopDelayMs: 1_000,
      maxHeapUsedBytes: 0,
      tlsCertFile: undefined,
      tlsKeyFile: undefined,
    });
  });

  it('reads every variable', () => {
    expect(
      loadConfig({
        AUTH_TOKENS_FILE: ' /etc/streamgate/tokens.json ',
        METRICS_PUBLIC: 'true',
        RATE_LIMIT_PER_SECOND: '50',
        ALLOWED_HOSTS: 'api.example.com, [::1],10.0.0.5',
        MAX_SSE_STREAMS: '5',
        MAX_SSE_STREAMS_PER_CLIENT: '2',
        MAX_WAITERS: '6',
        MAX_WAITERS_PER_CLIENT: '3',
        HEADERS_TIMEOUT_MS: '1000',
        REQUEST_TIMEOUT_MS: '2000',
        KEEP_ALIVE_TIMEOUT_MS: '300',
        MAX_CONNECTIONS: '0',
        MAX_EVENT_LOOP_DELAY_MS: '0',
        MAX_HEAP_USED_BYTES: '1000000',
        TLS_CERT_FILE: 'cert.pem',
        TLS_KEY_FILE: 'key.pem',
      }),
    ).toMatchObject({
      authTokensFile: '/etc/streamgate/tokens.json',
      metricsPublic: true,
      rateLimitPerSecond: 50,
      allowedHosts: ['api.example.com', '[::1]', '10.0.0.5'],
      maxSseStreams: 5,
      maxSseStreamsPerClient: 2,
      maxWaiters: 6,
      maxWaitersPerClient: 3,
      headersTimeoutMs: 1000,
      requestTimeoutMs: 2000,
      keepAliveTimeoutMs: 300,
      maxConnections: 0,
      maxEventLoopDelayMs: 0,
      maxHeapUsedBytes: 1_000_000,
      tlsCertFile: 'cert.pem',
      tlsKeyFile: 'key.pem',
    });
    expect(loadConfig({ AUTH: 'NONE' }).auth).toBe('none');
    expect(loadConfig({ AUTH_JWT_SECRET: 's'.repeat(32) }).authJwtSecret).toBe('s'.repeat(32));
    expect(loadConfig({ AUTH_JWT_PUBLIC_KEY_FILE: 'k.pem' }).authJwtPublicKeyFile).toBe('k.pem');
  });

  it('names each bad or contradictory setting', () => {
    expect(problemsOf({ AUTH_JWT_SECRET: 'short' })).toEqual(['AUTH_JWT_SECRET: must be at least 32 characters (HS256 needs a 256-bit secret)']);
    expect(problemsOf({ AUTH: 'sometimes' })[0]).toMatch(/^AUTH: expected one of auto, none/);
    expect(problemsOf({ METRICS_PUBLIC: 'maybe' })).toEqual(['METRICS_PUBLIC: expected true or false, got "maybe"']);
    expect(problemsOf({ ALLOWED_HOSTS: 'example.com:8080' })[0]).toMatch(/^ALLOWED_HOSTS: expected "\*" or host names without a port/);
    expect(problemsOf({ AUTH_JWT_SECRET: 's'.repeat(32), AUTH_JWT_PUBLIC_KEY_FILE: 'k.pem' })[0]).toMatch(/^AUTH_JWT_SECRET: set AUTH_JWT_SECRET \(HS256\) or/);
    expect(problemsOf({ AUTH: 'none', AUTH_TOKENS_FILE: 't.json' })).toEqual(['AUTH: AUTH=none contradicts the configured tokens or JWT key: remove one']);
    expect(problemsOf({ TLS_CERT_FILE: 'c.pem' })).toEqual(['TLS_KEY_FILE: TLS_CERT_FILE and TLS_KEY_FILE go together']);
    expect(problemsOf({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '1000' })).toEqual(['REQUEST_TIMEOUT_MS: must be at least HEADERS_TIMEOUT_MS (5000)']);
    expect(problemsOf({ MAX_SSE_STREAMS: '0' })[0]).toMatch(/^MAX_SSE_STREAMS: expected an integer from 1/);
  });
});

import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedBackend } from '../../../src/backends/embedded/embedded-backend.js';
import { loadConfig } from '../../../src/config.js';
import { buildApp } from '../../../src/http/app.js';
import { LOGGER_OPTIONS, redactUrl } from '../../../src/http/request-logger.js';
import { bearer, makeToken, writeTokensFile } from '../../helpers/auth.js';

const reader = makeToken('reader', [{ streams: '*', actions: ['read'] }]);
const file = writeTokensFile([reader]);
const lines: string[] = [];
const backend = createEmbeddedBackend();
const logger = pino(
  { level: 'trace', ...LOGGER_OPTIONS },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  }),
);
const app = buildApp({ backend, config: { ...loadConfig({}), authTokensFile: file.path }, logger });

beforeAll(async () => {
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await backend.close();
  file.remove();
});

describe('tokens in logs', () => {
  it('never appear: neither the header nor ?access_token=, valid or not', async () => {
    const requests = [
      { method: 'GET' as const, url: '/v1/streams/s', headers: bearer(reader) },
      { method: 'GET' as const, url: '/v1/streams/s', headers: bearer('sg_wrong-secret-1') },
      { method: 'POST' as const, url: '/v1/streams/s/messages', headers: bearer(reader), payload: { fields: { a: '1' } } },
      { method: 'GET' as const, url: `/v1/streams/s/events?after=0&access_token=${reader.token}` },
      { method: 'GET' as const, url: '/v1/streams/s/events?access_token=sg_wrong-secret-2&after=0' },
      { method: 'GET' as const, url: `/v1/streams/s/messages?access_token=${reader.token}` },
      { method: 'GET' as const, url: '/no/such/route?access_token=sg_wrong-secret-3', headers: bearer('sg_wrong-secret-4') },
    ];
    for (const request of requests) {
      const response = await app.inject(request);
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.body).not.toMatch(/sg_/);
    }
    const log = lines.join('');
    expect(log).toContain('incoming request');
    expect(log).toContain('access_token=[redacted]');
    expect(log).not.toContain(reader.token);
    expect(log).not.toMatch(/sg_wrong/);
  });

  it('redactUrl replaces every access_token value and nothing else', () => {
    expect(redactUrl('/a?x=1&access_token=abc&y=2')).toBe('/a?x=1&access_token=[redacted]&y=2');
    expect(redactUrl('/a?ACCESS_TOKEN=abc')).toBe('/a?ACCESS_TOKEN=[redacted]');
    expect(redactUrl('/a?access%5Ftoken=abc')).toBe('/a?access%5Ftoken=[redacted]');
    expect(redactUrl('/a?b=access_token')).toBe('/a?b=access_token');
  });
});

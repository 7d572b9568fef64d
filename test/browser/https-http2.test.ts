/// <reference lib="dom" />
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeToken, writeTokensFile } from '../helpers/auth.js';
import { buildTestApp, streamName, streamPath, type TestApp } from '../helpers/app.js';
import { makeTestCertificate } from '../helpers/tls.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.REQUIRE_CHROMIUM === '1') throw new Error(`REQUIRE_CHROMIUM=1 but there is no Chromium at ${CHROMIUM}`);
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING the HTTPS + HTTP/2 browser test: no Chromium at ${CHROMIUM}\n${'!'.repeat(72)}\n`);
}

// Over HTTP/1.1 a page gets six connections per origin: 20 subscriptions need HTTP/2.
const STREAMS = 20;

/** A page on another origin opening one EventSource per stream, the token in the query. */
function page(api: string, streams: string[], token: string): string {
  const urls = streams.map((s) => `${api}${streamPath(s, 'events')}?access_token=${encodeURIComponent(token)}`);
  return `<!doctype html><meta charset="utf-8"><title>ten streams</title>
<script>
  window.opened = 0;
  window.received = {};
  for (const url of ${JSON.stringify(urls)}) {
    const source = new EventSource(url);
    source.addEventListener('open', () => { window.opened++; });
    source.addEventListener('message', (event) => {
      window.received[url] = (window.received[url] || 0) + 1;
    });
  }
</script>`;
}

describe.skipIf(!haveChromium)('20 EventSources on one page over HTTPS and HTTP/2, with ?access_token=, across origins', () => {
  let dir: string;
  let api: TestApp;
  let site: http.Server;
  let browser: Browser;
  let apiOrigin: string;
  let siteOrigin: string;
  const versions: string[] = [];
  const reader = makeToken('browser', [{ streams: 'test-*', actions: ['read'] }]);
  const writer = makeToken('writer', [{ streams: '*', actions: ['append'] }]);
  const tokens = writeTokensFile([reader, writer]);
  const streams = Array.from({ length: STREAMS }, () => streamName());

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'streamgate-tls-'));
    const { cert, key } = makeTestCertificate(dir);

    site = http.createServer();
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
    api = await buildTestApp({ corsOrigins: [siteOrigin], tlsCertFile: cert, tlsKeyFile: key, authTokensFile: tokens.path });
    api.app.server.on('request', (request: http.IncomingMessage) => {
      if (request.url?.includes('/events')) versions.push(request.httpVersion);
    });
    for (const s of streams) {
      const created = await api.app.inject({ method: 'POST', url: streamPath(s, 'messages'), headers: { ...bearer(writer), 'content-type': 'application/json' }, payload: { fields: { n: '0' } } });
      expect(created.statusCode).toBe(201);
    }
    const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
    expect(address).toMatch(/^https:/);
    apiOrigin = address;
    site.on('request', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(apiOrigin, streams, reader.token));
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await new Promise((resolve) => site?.close(resolve));
    tokens.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('all open, all receive, all over HTTP/2', async () => {
    // The test's own certificate is trusted for this context only.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const tab = await context.newPage();
    await tab.goto(siteOrigin);
    await tab.waitForFunction((n) => (window as unknown as { opened: number }).opened === n, STREAMS, { timeout: 20_000 });
    for (const s of streams) {
      const appended = await api.app.inject({ method: 'POST', url: streamPath(s, 'messages'), headers: { ...bearer(writer), 'content-type': 'application/json' }, payload: { fields: { n: '1' } } });
      expect(appended.statusCode).toBe(201);
    }
    await tab.waitForFunction((n) => Object.keys((window as unknown as { received: object }).received).length === n, STREAMS, { timeout: 20_000 });
    const received = await tab.evaluate(() => (window as unknown as { received: Record<string, number> }).received);
    expect(Object.values(received)).toEqual(Array(STREAMS).fill(1));
    expect(versions.filter((v) => v === '2.0').length).toBeGreaterThanOrEqual(STREAMS);
    expect(versions.every((v) => v === '2.0')).toBe(true);
    await context.close();
  }, 60_000);

  it('HTTP/1.1 is still served through ALPN, and SSE answers tell proxies not to buffer', async () => {
    const { request } = await import('node:https');
    const answer = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; version: string }>((resolve, reject) => {
      const req = request(`${apiOrigin}${streamPath(streams[0]!, 'events')}`, { rejectUnauthorized: false, headers: bearer(reader) }, (res) => {
        resolve({ status: res.statusCode!, headers: res.headers, version: res.httpVersion });
        res.destroy();
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer).toMatchObject({ status: 200, version: '1.1' });
    expect(answer.headers['x-accel-buffering']).toBe('no');
    expect(answer.headers['cache-control']).toMatch(/no-cache/);
  });
});

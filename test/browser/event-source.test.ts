/// <reference lib="dom" />
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, streamName, streamPath, type TestApp } from '../helpers/app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.REQUIRE_CHROMIUM === '1') throw new Error(`REQUIRE_CHROMIUM=1 but there is no Chromium at ${CHROMIUM}`);
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium)\n${'!'.repeat(72)}\n`);
}

/** The page a user serves from their own origin: subscribe with EventSource, acknowledge with fetch. */
function page(api: string, stream: string): string {
  const events = `${api}${streamPath(stream, 'groups', 'g', 'consumers', 'browser', 'events')}`;
  const acks = `${api}${streamPath(stream, 'groups', 'g', 'acks')}`;
  return `<!doctype html><meta charset="utf-8"><title>streamgate subscriber</title>
<pre id="log"></pre>
<script>
  window.received = [];
  window.acked = 0;
  const source = new EventSource(${JSON.stringify(events)});
  source.addEventListener('open', () => { window.opened = true; });
  source.addEventListener('message', async (event) => {
    const message = JSON.parse(event.data);
    window.received.push({ id: event.lastEventId, fields: message.fields });
    document.getElementById('log').textContent += event.lastEventId + ' ' + JSON.stringify(message.fields) + '\\n';
    const response = await fetch(${JSON.stringify(acks)}, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [message.id] }),
    });
    const body = await response.json();
    window.acked += body.acknowledged;
  });
</script>`;
}

describe.skipIf(!haveChromium)('a browser on another origin', () => {
  let api: TestApp;
  let site: http.Server;
  let browser: Browser;
  let userDataDir: string;
  let apiOrigin: string;
  let siteOrigin: string;
  const stream = streamName();

  beforeAll(async () => {
    site = http.createServer();
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
    api = await buildTestApp({ corsOrigins: [siteOrigin] });
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    apiOrigin = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
    site.on('request', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(apiOrigin, stream));
    });
    userDataDir = mkdtempSync(join(tmpdir(), 'streamgate-chromium-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    const closing = api?.close();
    api?.app.server.closeAllConnections();
    await closing;
    await new Promise((resolve) => site?.close(resolve));
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('subscribes with EventSource, receives what is published, acknowledges with fetch, and leaves nothing pending', async () => {
    const created = await api.app.inject({ method: 'POST', url: streamPath(stream, 'groups'), payload: { name: 'g', startId: '$', mkStream: true } });
    expect(created.statusCode).toBe(201);
    const tab = await browser.newPage();
    const consoleErrors: string[] = [];
    tab.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    await tab.goto(siteOrigin);
    await tab.waitForFunction(() => (window as unknown as { opened?: boolean }).opened === true, undefined, { timeout: 10_000 });

    const ids: string[] = [];
    for (let n = 0; n < 5; n++) {
      const res = await api.app.inject({ method: 'POST', url: streamPath(stream, 'messages'), payload: { fields: { order: String(n), product: 'laptop' } } });
      ids.push(res.json().id);
    }
    await tab.waitForFunction(() => (window as unknown as { acked: number }).acked === 5, undefined, { timeout: 10_000 });
    const received = await tab.evaluate(() => (window as unknown as { received: { id: string }[] }).received.map((m) => m.id));
    expect(received).toEqual(ids);
    expect(await tab.textContent('#log')).toContain('"product":"laptop"');

    const pending = await api.app.inject({ method: 'GET', url: streamPath(stream, 'groups', 'g', 'pending') });
    expect(pending.json()).toEqual({ count: 0, minId: null, maxId: null, consumers: [] });
    expect(consoleErrors).toEqual([]);
    await tab.screenshot({ path: join(userDataDir, 'subscriber.png') });
    if (process.env.SCREENSHOT_TO) await tab.screenshot({ path: process.env.SCREENSHOT_TO });
  }, 60_000);
});

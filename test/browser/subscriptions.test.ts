/// <reference lib="dom" />
/**
 * Browser-grade subscriptions in real Chromium, through the README's own
 * `follow` (extracted from between its browser-example markers, as a user
 * copies it): a reload at the maxInFlight limit, a server restart mid-stream,
 * a missing group's reason reaching page code, and ten streams over one
 * connection.
 */
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedBackend } from '../../src/backends/embedded/embedded-backend.js';
import { loadConfig, type Config } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { streamName, streamPath } from '../helpers/app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.REQUIRE_CHROMIUM === '1') throw new Error(`REQUIRE_CHROMIUM=1 but there is no Chromium at ${CHROMIUM}`);
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium)\n${'!'.repeat(72)}\n`);
}

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

/** The README's browser example, exactly as a user copies it. */
function readmeBrowserExample(): string {
  const block = /<!-- browser-example:start -->\n```js\n([\s\S]*?)```\n<!-- browser-example:end -->/.exec(readFileSync(README, 'utf8'));
  if (!block) throw new Error('README.md has no browser-example block');
  return block[1]!;
}

interface PageState {
  received: { stream: string; id: string; deliveryCount?: number }[];
  gaveUp: { code: string; status?: number; detail?: string }[];
  opens: number;
  consumer: string;
}

/**
 * The page: the README's code, then a start() the test calls with the API,
 * group and streams. With `hold`, handlers never finish, so nothing is acked
 * (a tab closed while it holds messages).
 */
function page(): string {
  return `<!doctype html><meta charset="utf-8"><title>streamgate follow</title>
<script>
${readmeBrowserExample()}
window.state = { received: [], gaveUp: [], opens: 0, consumer };
window.start = (api, group, streams, hold, maxInFlight) => {
  const events = follow(api, group, consumer, streams, {
    maxInFlight,
    onMessage: (message) => {
      window.state.received.push({ stream: message.stream, id: message.id, deliveryCount: message.deliveryCount });
      return hold ? new Promise(() => {}) : undefined;
    },
    onGaveUp: (problem) => window.state.gaveUp.push(problem),
  });
  events.addEventListener('open', () => window.state.opens++);
};
</script>`;
}

describe.skipIf(!haveChromium)('browser subscriptions, with the README code', () => {
  const backend = createEmbeddedBackend();
  let config: Config;
  let app: FastifyInstance;
  let port = 0;
  let api = '';
  let site: http.Server;
  let siteOrigin = '';
  let browser: Browser;

  async function startApi(): Promise<void> {
    app = buildApp({ backend, config });
    await app.listen({ host: '127.0.0.1', port });
    port = (app.server.address() as AddressInfo).port;
    api = `http://127.0.0.1:${port}/v1`;
  }

  async function stopApi(): Promise<void> {
    const closing = app.close();
    await new Promise((r) => setTimeout(r, 50));
    app.server.closeAllConnections();
    await closing;
  }

  beforeAll(async () => {
    site = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page());
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
    config = { ...loadConfig({}), corsOrigins: [siteOrigin], sseRetryMs: 200 };
    await startApi();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stopApi();
    await backend.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  const inject = (method: 'POST' | 'GET', url: string, payload?: object) => app.inject({ method, url, ...(payload ? { payload } : {}) });
  async function groupOn(stream: string): Promise<void> {
    expect((await inject('POST', streamPath(stream, 'groups'), { name: 'g', startId: '$', mkStream: true })).statusCode).toBe(201);
  }
  async function append(stream: string, n: number): Promise<string> {
    return (await inject('POST', streamPath(stream, 'messages'), { fields: { n: String(n) } })).json().id;
  }
  const state = (tab: Page) => tab.evaluate(() => (window as unknown as { state: PageState }).state);
  async function until(tab: Page, predicate: (s: PageState) => boolean, timeoutMs = 15_000): Promise<PageState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await state(tab);
      if (predicate(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out; page state: ${JSON.stringify(s).slice(0, 800)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async function pendingCount(stream: string): Promise<number> {
    return (await inject('GET', streamPath(stream, 'groups', 'g', 'pending'))).json().count;
  }
  async function open(): Promise<{ tab: Page; errors: string[] }> {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(siteOrigin);
    return { tab, errors };
  }

  it('a reload at the maxInFlight limit gets what the closed page held first, then drains the rest', async () => {
    const stream = streamName();
    await groupOn(stream);
    const ids: string[] = [];
    for (let n = 0; n < 6; n++) ids.push(await append(stream, n));
    const { tab, errors } = await open();
    await tab.evaluate(([a, s]) => (window as any).start(a, 'g', [s], true, 3), [api, stream] as const);
    const held = await until(tab, (s) => s.received.length === 3);
    await new Promise((r) => setTimeout(r, 200));
    expect((await state(tab)).received.length).toBe(3);
    expect(await pendingCount(stream)).toBe(3);

    await tab.reload();
    // The same consumer name from localStorage: it connects, gets the three it held, acks, and drains.
    await tab.evaluate(([a, s]) => (window as any).start(a, 'g', [s], false, 3), [api, stream] as const);
    const after = await until(tab, (s) => s.received.length >= 6);
    expect(after.consumer).toBe(held.consumer);
    expect(after.received.map((m) => m.id)).toEqual(ids);
    expect(after.received.slice(0, 3).map((m) => m.deliveryCount)).toEqual([2, 2, 2]);
    await expect.poll(() => pendingCount(stream), { timeout: 10_000 }).toBe(0);
    expect(errors).toEqual([]);
    await tab.close();
  }, 60_000);

  it('a server restart mid-stream resumes with no loss and no duplicate beyond at-least-once', async () => {
    const stream = streamName();
    await groupOn(stream);
    const { tab, errors } = await open();
    await tab.evaluate(([a, s]) => (window as any).start(a, 'g', [s], false, 50), [api, stream] as const);
    await until(tab, (s) => s.opens === 1);
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push(await append(stream, n));
    await until(tab, (s) => s.received.length >= 5);
    await stopApi();
    await startApi();
    for (let n = 5; n < 10; n++) ids.push(await append(stream, n));
    const s = await until(tab, (x) => new Set(x.received.map((m) => m.id)).size === 10);
    expect(s.opens).toBeGreaterThanOrEqual(2);
    expect(s.gaveUp).toEqual([]);
    // In order, each at least once; a repeat only of what was delivered and not yet acknowledged at the restart.
    expect([...new Set(s.received.map((m) => m.id))]).toEqual(ids);
    for (const m of s.received.filter((m, i) => s.received.findIndex((x) => x.id === m.id) !== i)) expect(m.deliveryCount).toBeGreaterThan(1);
    await expect.poll(() => pendingCount(stream), { timeout: 10_000 }).toBe(0);
    expect(errors).toEqual([]);
    await tab.close();
  }, 60_000);

  it('a missing group shows its reason to page code: the problem event, and the page stops', async () => {
    const stream = streamName();
    await append(stream, 0);
    const { tab, errors } = await open();
    await tab.evaluate(([a, s]) => (window as any).start(a, 'nope', [s], false, 50), [api, stream] as const);
    const s = await until(tab, (x) => x.gaveUp.length >= 1);
    expect(s.gaveUp[0]).toMatchObject({ code: 'NOGROUP', status: 404 });
    await new Promise((r) => setTimeout(r, 600));
    // It closed for good on the reason: no reconnect after the retry hint.
    expect((await state(tab)).gaveUp.length).toBe(1);
    expect(errors).toEqual([]);
    await tab.close();
  }, 60_000);

  it('ten streams over one connection, with names a separator could not carry', async () => {
    const streams = Array.from({ length: 10 }, (_, i) => `${streamName()},${i}/é`);
    for (const stream of streams) await groupOn(stream);
    const { tab, errors } = await open();
    await tab.evaluate(([a, s]) => (window as any).start(a, 'g', s, false, 50), [api, streams] as const);
    await until(tab, (s) => s.opens === 1);
    const expected: [string, string][] = [];
    for (let round = 0; round < 2; round++) for (const stream of streams) expected.push([stream, await append(stream, round)]);
    const s = await until(tab, (x) => x.received.length >= 20);
    expect(s.received.map((m) => [m.stream, m.id]).sort()).toEqual(expected.sort());
    // One event stream open on the server for all ten.
    expect(app.sseHub.size).toBe(1);
    for (const stream of streams) await expect.poll(() => pendingCount(stream), { timeout: 10_000 }).toBe(0);
    expect(errors).toEqual([]);
    await tab.close();
  }, 60_000);
});

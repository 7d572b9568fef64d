/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../scripts/build-console.js';
import { createClient, unwrap, type StreamgateClient } from '../../sdk/src/index.js';
import { startServer, type RunningServer } from '../sdk/server.js';
import { chromiumAvailable, collectErrors, enforceStrictCsp, launchChromium, seed, STRICT_CSP, unlabelledControls, type SeededData } from './console-setup.js';

const haveChromium = chromiumAvailable();
/** Chromium logs every non-2xx fetch as a console error; tests that provoke one allow exactly that line. */
const FAILED_RESOURCE = /^Failed to load resource: the server responded with a status of (401|403|404)/;

describe.skipIf(!haveChromium)('the web console in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let api: StreamgateClient;
  let data: SeededData;
  let prefix: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // The app serves dist/console: build it here so the test does not depend on an earlier `npm run build`.
    await buildConsole();
    server = await startServer();
    api = createClient({ baseUrl: server.baseUrl });
    prefix = `console-${randomUUID().slice(0, 8)}-`;
    data = await seed(server.baseUrl, prefix);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  async function open(path: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    await enforceStrictCsp(context);
    const page = await context.newPage();
    const errors = collectErrors(page);
    const response = await page.goto(`${server.baseUrl}${path}`);
    expect(response?.headers()['content-security-policy']).toBe(STRICT_CSP);
    return { page, errors };
  }

  const streamUrl = (stream: string) => `/ui/streams/${encodeURIComponent(stream)}`;
  const groupUrl = (stream: string, group: string) => `${streamUrl(stream)}/groups/${encodeURIComponent(group)}`;

  async function append(stream: string, fields: Record<string, string>): Promise<string> {
    return unwrap(await api.POST('/v1/streams/{stream}/messages', { params: { path: { stream } }, body: { fields } })).id;
  }

  it('lists streams with length, groups and last ID, searches by prefix and pages with the cursor', async () => {
    for (let n = 0; n < 27; n++) await append(`${prefix}page-${String(n).padStart(2, '0')}`, { n: String(n) });
    const { page, errors } = await open('/ui/');
    await page.getByLabel('Name prefix').fill(prefix);
    await page.getByRole('button', { name: 'Search' }).click();
    const orders = page.locator(`tr[data-stream="${data.orders}"]`);
    await expect.poll(() => orders.locator('td').allTextContents()).toEqual([data.orders, '40', '2', data.orderIds[39], 'Delete']);

    // 30 streams under the prefix, 25 a page.
    await page.getByLabel('Per page').selectOption('25');
    const rows = page.getByRole('table', { name: 'Streams' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(25);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => rows.count()).toBe(5);
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => rows.count()).toBe(25);

    await page.getByLabel('Name prefix').fill(`${prefix}pay`);
    await page.getByLabel('Name prefix').press('Enter');
    await expect.poll(() => rows.allTextContents()).toEqual([expect.stringContaining(data.payments)]);
    expect(await unlabelledControls(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('creates a stream with a first message or with a group, and deletes one', async () => {
    const first = `${prefix}created-${randomUUID().slice(0, 6)}`;
    const { page, errors } = await open('/ui/');
    await page.getByLabel('Stream name').fill(first);
    await page.getByLabel('Field 1 name').fill('greeting');
    await page.getByLabel('Field 1 value').fill('hello');
    await page.getByRole('button', { name: 'Create stream' }).click();
    await page.waitForURL(`**${streamUrl(first)}`);
    await expect.poll(() => page.locator('[data-fact="length"]').textContent()).toBe('1');
    await expect.poll(() => page.getByRole('table', { name: 'Messages' }).textContent()).toContain('hello');

    const second = `${prefix}created-${randomUUID().slice(0, 6)}`;
    await page.getByRole('link', { name: 'Streams', exact: true }).click();
    await page.getByLabel('Stream name').fill(second);
    await page.getByLabel('an empty stream and a consumer group').check();
    await page.getByLabel('Group name').fill('workers');
    await page.getByRole('button', { name: 'Create stream' }).click();
    await page.waitForURL(`**${streamUrl(second)}`);
    await page.locator('tr[data-group="workers"]').waitFor();

    await page.getByRole('link', { name: 'Streams', exact: true }).click();
    await page.getByLabel('Name prefix').fill(first);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: `Delete stream ${first}` }).click();
    await page.getByRole('button', { name: `Delete ${first}` }).click();
    await expect.poll(() => page.locator(`tr[data-stream="${first}"]`).count()).toBe(0);
    const gone = await api.GET('/v1/streams/{stream}', { params: { path: { stream: first } } });
    expect(gone.response.status).toBe(404);
    expect(errors).toEqual([]);
  });

  it('browses messages both ways from an ID or a time, fields as a table', async () => {
    const { page, errors } = await open(streamUrl(data.orders));
    const table = page.getByRole('table', { name: 'Messages' });
    const firstId = () => table.locator('tbody tr').first().getAttribute('data-id');
    // Newest first, 10 a page, from `+`.
    await expect.poll(firstId).toBe(data.orderIds[39]);
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(firstId).toBe(data.orderIds[29]);
    await page.getByRole('button', { name: 'Newer' }).click();
    await expect.poll(firstId).toBe(data.orderIds[39]);

    await page.getByLabel('Order').selectOption('forward');
    await page.getByLabel('From ID').fill(data.orderIds[5]!);
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(firstId).toBe(data.orderIds[5]);
    await page.getByRole('button', { name: 'Newer' }).click();
    await expect.poll(firstId).toBe(data.orderIds[15]);
    const row = table.locator(`tr[data-id="${data.orderIds[15]}"]`);
    expect(await row.locator('table.fields th').allTextContents()).toEqual(['order', 'product', 'quantity', 'customer']);
    expect(await row.locator('table.fields td').first().textContent()).toBe('1015');

    // A time becomes the first ID of its millisecond: an hour before the data, forward, starts at the oldest.
    const ms = Number(data.orderIds[0]!.split('-')[0]);
    const local = await page.evaluate((at) => {
      const d = new Date(at - 3_600_000);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    }, ms);
    await page.getByLabel('or time').fill(local);
    const expectedId = await page.evaluate((text) => `${Date.parse(text)}-0`, local);
    expect(await page.getByLabel('From ID').inputValue()).toBe(expectedId);
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(firstId).toBe(data.orderIds[0]);

    // A date-time typed where an ID goes works the same; newest first from a time after the data ends at the newest.
    await page.getByLabel('Order').selectOption('backward');
    await page.getByLabel('From ID').fill('2999-01-01 00:00');
    await page.getByRole('button', { name: 'Show' }).click();
    expect(await page.getByLabel('From ID').inputValue()).toBe(await page.evaluate(() => `${Date.parse('2999-01-01 00:00')}-0`));
    await expect.poll(firstId).toBe(data.orderIds[39]);
    await page.getByLabel('From ID').fill('yesterday-ish');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('a date-time such as');
    expect(errors).toEqual([]);
  });

  it('tails the stream live: a message appended through the API shows within a second; pause and resume', async () => {
    const stream = `${prefix}tail`;
    await append(stream, { boot: '1' });
    const { page, errors } = await open(streamUrl(stream));
    await page.locator('[data-tail-state="live"]').waitFor();
    const tail = page.getByRole('table', { name: 'Live tail messages' });

    const appendedAt = Date.now();
    const id = await append(stream, { product: 'laptop', order: '7' });
    await tail.locator(`tr[data-id="${id}"]`).waitFor({ timeout: 1000 });
    expect(Date.now() - appendedAt).toBeLessThan(1000);
    expect(await tail.locator(`tr[data-id="${id}"]`).textContent()).toContain('laptop');

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('[data-tail-state="paused"]').waitFor();
    const whilePaused = await append(stream, { product: 'phone' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await tail.locator(`tr[data-id="${whilePaused}"]`).count()).toBe(0);
    // Resuming picks up after the last message seen: what came meanwhile is not lost.
    await page.getByRole('button', { name: 'Resume' }).click();
    await tail.locator(`tr[data-id="${whilePaused}"]`).waitFor({ timeout: 2000 });

    // The append form: field/value rows.
    await page.getByLabel('Field 1 name').fill('customer');
    await page.getByLabel('Field 1 value').fill('ada');
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.getByLabel('Field 2 name').fill('total');
    await page.getByLabel('Field 2 value').fill('12.50');
    await page.getByRole('button', { name: 'Append', exact: true }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Appended' }).textContent()).toMatch(/Appended \d+-\d+/);
    const appended = (await page.getByRole('status').filter({ hasText: 'Appended' }).textContent())!.replace(/.*Appended /, '').trim();
    await tail.locator(`tr[data-id="${appended}"]`).waitFor({ timeout: 2000 });
    expect(await tail.locator(`tr[data-id="${appended}"] table.fields`).textContent()).toBe('customeradatotal12.50');
    await expect.poll(() => page.locator('[data-fact="length"]').textContent()).toBe('4');
    expect(await unlabelledControls(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('manages a group: consumers and pending; ack drops the count, claim moves an entry, delete consumer drops its entries', async () => {
    const own = await seed(server.baseUrl, `${prefix}group-`);
    const { page, errors } = await open(streamUrl(own.orders));
    const billing = page.locator('tr[data-group="billing"]');
    await expect.poll(() => billing.locator('td').allTextContents()).toEqual(['billing', '2', '7', '33', '7', own.orderIds[6]]);
    await page.getByLabel('New group').fill('audit');
    await page.getByLabel('Start ID', { exact: true }).fill('0');
    await page.getByRole('button', { name: 'Create group' }).click();
    await expect.poll(() => page.locator('tr[data-group="audit"] td').allTextContents()).toEqual(['audit', '0', '0', '40', 'unknown', '0-0']);

    await billing.getByRole('link', { name: 'billing' }).click();
    await page.waitForURL(`**${groupUrl(own.orders, 'billing')}`);
    const pendingFact = page.locator('[data-fact="pending"]');
    await expect.poll(() => pendingFact.textContent()).toBe('7');
    const consumers = page.getByRole('table', { name: 'Consumers' });
    expect(await consumers.locator('tr[data-consumer="alice"] td').nth(1).textContent()).toBe('4');
    expect(await consumers.locator('tr[data-consumer="bob"] td').nth(1).textContent()).toBe('3');
    expect(await consumers.locator('tr[data-consumer="alice"] td').nth(2).textContent()).toMatch(/ms|s|min/);
    const pending = page.getByRole('table', { name: 'Pending entries' });
    expect(await pending.locator('tbody tr').count()).toBe(7);
    expect(await pending.locator(`tr[data-id="${own.orderIds[0]}"] td`).allTextContents()).toEqual(['', own.orderIds[0], 'alice', expect.stringMatching(/ms|s/), '1']);

    // Ack one, with the keyboard: Space checks, Enter presses.
    await page.getByRole('checkbox', { name: `Select ${own.orderIds[0]}` }).focus();
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: 'Acknowledge selected' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => pendingFact.textContent()).toBe('6');
    await expect.poll(() => pending.locator(`tr[data-id="${own.orderIds[0]}"]`).count()).toBe(0);

    await page.getByRole('checkbox', { name: `Select ${own.orderIds[1]}` }).check();
    await page.getByLabel('Claim to consumer').fill('carol');
    await page.getByRole('button', { name: 'Claim selected' }).click();
    await expect.poll(() => pending.locator(`tr[data-id="${own.orderIds[1]}"] td`).nth(2).textContent()).toBe('carol');
    await expect.poll(() => consumers.locator('tr[data-consumer="carol"] td').nth(1).textContent()).toBe('1');

    await page.getByRole('button', { name: 'Delete consumer bob' }).click();
    await page.getByRole('button', { name: 'Delete bob and drop its 3 pending' }).click();
    await expect.poll(() => consumers.locator('tr[data-consumer="bob"]').count()).toBe(0);
    await expect.poll(() => pendingFact.textContent()).toBe('3');
    const summary = unwrap(await api.GET('/v1/streams/{stream}/groups/{group}/pending', { params: { path: { stream: own.orders, group: 'billing' } } }));
    expect(summary.count).toBe(3);

    await page.getByLabel('Last delivered ID', { exact: true }).fill('0');
    await page.getByLabel('Entries read (optional)').fill('0');
    await page.getByRole('button', { name: 'Set ID' }).click();
    await expect.poll(() => page.locator('dl.facts').textContent()).toContain('Last delivered ID0-0');
    expect(await unlabelledControls(page)).toEqual([]);

    await page.getByRole('button', { name: 'Destroy group' }).click();
    await page.getByRole('button', { name: 'Destroy billing and its pending entries' }).click();
    await page.waitForURL(`**${streamUrl(own.orders)}`);
    await page.locator('tr[data-group="audit"]').waitFor();
    expect(await page.locator('tr[data-group="billing"]').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('shows the problem detail of a missing stream or group', async () => {
    const { page, errors } = await open(streamUrl(`${prefix}missing`));
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('404 NO_STREAM: no such key');
    const group = await open(groupUrl(data.orders, 'nobody'));
    await expect.poll(() => group.page.getByRole('alert').textContent()).toContain(`404 NOGROUP: No such key '${data.orders}' or consumer group 'nobody'`);
    expect([...errors, ...group.errors].filter((e) => !FAILED_RESOURCE.test(e))).toEqual([]);
  });

  it('shows 401 and 403 problems with their detail, and sends the token as a bearer and as access_token on SSE', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    await enforceStrictCsp(context);
    const problem = (status: number, code: string, detail: string) => ({
      status,
      contentType: 'application/problem+json',
      body: JSON.stringify({ type: `https://streamgate.dev/problems/${code.toLowerCase()}`, title: code, status, detail, code }),
    });
    // Access control is another module's: the API's answers are played here as it will give them.
    await context.route(/\/v1\/streams(\?|\/|$)/, async (route) => {
      const auth = route.request().headers().authorization;
      if (auth !== 'Bearer s3cret') return route.fulfill(problem(401, 'UNAUTHORIZED', 'a bearer token is required'));
      if (route.request().url().includes('/groups')) return route.fulfill(problem(403, 'FORBIDDEN', "token 'reader' may not read groups of this stream"));
      return route.continue();
    });
    const page = await context.newPage();
    const errors = collectErrors(page);
    const eventUrls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/events')) eventUrls.push(r.url());
    });
    await page.goto(`${server.baseUrl}/ui/`);
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('401 UNAUTHORIZED: a bearer token is required');
    expect(await page.getByRole('alert').first().textContent()).toContain('enter one in the Token field');

    await page.getByLabel('Token', { exact: true }).fill('s3cret');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator(`tr[data-stream="${data.audit}"]`).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('streamgate.token'))).toBe('s3cret');

    await page.getByRole('link', { name: data.orders, exact: true }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain("403 FORBIDDEN: token 'reader' may not read groups of this stream");
    await expect.poll(() => eventUrls.length).toBeGreaterThan(0);
    expect(new URL(eventUrls[0]!).searchParams.get('access_token')).toBe('s3cret');

    // The token stays for the tab's session: a reload still uses it.
    await page.reload();
    await page.locator('[data-fact="length"]').waitFor();
    expect(errors.filter((e) => !FAILED_RESOURCE.test(e))).toEqual([]);
  });

  it('works at a phone width: no page-wide horizontal scrolling, actions reachable', async () => {
    const own = await seed(server.baseUrl, `${prefix}phone-`);
    const phone = { width: 390, height: 844 };
    const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    const list = await open('/ui/', phone);
    await list.page.getByLabel('Name prefix').fill(`${prefix}phone-`);
    await list.page.getByRole('button', { name: 'Search' }).click();
    await list.page.locator(`tr[data-stream="${own.orders}"]`).waitFor();
    expect(await overflow(list.page)).toBeLessThanOrEqual(0);

    const stream = await open(streamUrl(own.orders), phone);
    await stream.page.locator('[data-tail-state="live"]').waitFor();
    const id = await append(own.orders, { from: 'phone test' });
    await stream.page.getByRole('table', { name: 'Live tail messages' }).locator(`tr[data-id="${id}"]`).waitFor({ timeout: 1000 });
    expect(await overflow(stream.page)).toBeLessThanOrEqual(0);

    const group = await open(groupUrl(own.orders, own.group), phone);
    await group.page.getByRole('checkbox', { name: `Select ${own.orderIds[3]}` }).check();
    await group.page.getByRole('button', { name: 'Acknowledge selected' }).click();
    await expect.poll(() => group.page.locator('[data-fact="pending"]').textContent()).toBe('6');
    expect(await overflow(group.page)).toBeLessThanOrEqual(0);
    expect([...list.errors, ...stream.errors, ...group.errors]).toEqual([]);
  });
});

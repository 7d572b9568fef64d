/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createClient, unwrap, type StreamgateClient } from '../../sdk/src/index.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** True when Chromium is there; without it a loud notice, or a failure under REQUIRE_CHROMIUM=1. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.REQUIRE_CHROMIUM === '1') throw new Error(`REQUIRE_CHROMIUM=1 but there is no Chromium at ${CHROMIUM}`);
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING console browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium)\n${'!'.repeat(72)}\n`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The policy the console must work under: its own scripts and styles only, no inline code, no eval. */
export const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** Serves the console's own files with a strict Content-Security-Policy added (the server's headers are another module's). */
export async function enforceStrictCsp(context: BrowserContext): Promise<void> {
  await context.route(/\/ui(\/|$)/, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': STRICT_CSP } });
  });
}

/** Console errors and uncaught exceptions on a page, as text. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}

export interface SeededData {
  orders: string;
  payments: string;
  audit: string;
  group: string;
  /** IDs of the orders stream, oldest first. */
  orderIds: string[];
}

/**
 * Realistic data through the API: an orders stream with 40 messages and a `billing` group whose
 * consumers alice and bob hold pending entries, a payments stream with a second group, and an
 * audit stream. `prefix` keeps one test's names apart from another's.
 */
export async function seed(baseUrl: string, prefix: string): Promise<SeededData> {
  const api: StreamgateClient = createClient({ baseUrl });
  const orders = `${prefix}orders`;
  const payments = `${prefix}payments`;
  const audit = `${prefix}audit:2026`;
  const products = ['laptop', 'phone', 'monitor', 'keyboard', 'headset'];
  const { ids: orderIds } = unwrap(
    await api.POST('/v1/streams/{stream}/messages/batch', {
      params: { path: { stream: orders } },
      body: {
        messages: Array.from({ length: 40 }, (_, n) => ({
          fields: [
            ['order', String(1000 + n)],
            ['product', products[n % products.length]!],
            ['quantity', String(1 + (n % 3))],
            ['customer', `customer-${(n * 7) % 13}`],
          ] as [string, string][],
        })),
      },
    }),
  );
  const group = 'billing';
  unwrap(await api.POST('/v1/streams/{stream}/groups', { params: { path: { stream: orders } }, body: { name: group, startId: '0' } }));
  unwrap(await api.POST('/v1/streams/{stream}/groups', { params: { path: { stream: orders } }, body: { name: 'shipping', startId: '$' } }));
  for (const [consumer, count] of [['alice', 4], ['bob', 3]] as const) {
    unwrap(
      await api.POST('/v1/streams/{stream}/groups/{group}/consumers/{consumer}/read', {
        params: { path: { stream: orders, group, consumer } },
        body: { count, after: '>' },
      }),
    );
  }
  unwrap(
    await api.POST('/v1/streams/{stream}/messages/batch', {
      params: { path: { stream: payments } },
      body: { messages: Array.from({ length: 12 }, (_, n) => ({ fields: { payment: `pay-${n}`, amount: `${(n + 1) * 25}.00`, currency: 'EUR' } })) },
    }),
  );
  unwrap(await api.POST('/v1/streams/{stream}/groups', { params: { path: { stream: payments } }, body: { name: 'ledger', startId: '0' } }));
  unwrap(await api.POST('/v1/streams/{stream}/messages', { params: { path: { stream: audit } }, body: { fields: { actor: 'admin', action: 'login' } } }));
  return { orders, payments, audit, group, orderIds };
}

/** Every input, select and button on the page has an accessible name: a label, aria-label or text. */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button')]
      .filter((el) => {
        const control = el as HTMLInputElement;
        if (el.getAttribute('aria-label') || (control.labels && control.labels.length > 0)) return false;
        return el.tagName !== 'BUTTON' || (el.textContent ?? '').trim() === '';
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

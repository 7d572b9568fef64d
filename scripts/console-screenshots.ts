/**
 * `npm run screenshots`: builds the console, starts streamgate on a loopback port with sample data,
 * and writes docs/console-*.png (the streams list, a stream with its live tail, a group's pending list,
 * and the group page at a phone's width). Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium).
 */
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, unwrap } from '../sdk/src/index.js';
import { launchChromium, seed } from '../test/browser/console-setup.js';
import { buildTestApp } from '../test/helpers/app.js';
import { buildConsole } from './build-console.js';

const docs = fileURLToPath(new URL('../docs/', import.meta.url));
await mkdir(docs, { recursive: true });
await buildConsole();
const server = await buildTestApp();
await server.app.listen({ host: '127.0.0.1', port: 0 });
const baseUrl = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
const browser = await launchChromium();
try {
  const data = await seed(baseUrl, '');
  const api = createClient({ baseUrl });
  const laptop = await browser.newPage({ viewport: { width: 1280, height: 900 } });

  await laptop.goto(`${baseUrl}/ui/`);
  await laptop.getByRole('link', { name: data.orders, exact: true }).waitFor();
  await laptop.screenshot({ path: join(docs, 'console-streams.png') });

  await laptop.goto(`${baseUrl}/ui/streams/${encodeURIComponent(data.orders)}`);
  await laptop.locator('[data-tail-state="live"]').waitFor();
  for (const [n, product] of ['laptop', 'monitor', 'phone'].entries()) {
    unwrap(await api.POST('/v1/streams/{stream}/messages', { params: { path: { stream: data.orders } }, body: { fields: { order: String(2000 + n), product, quantity: '1' } } }));
    await new Promise((resolve) => setTimeout(resolve, 120));
  }
  await laptop.getByRole('table', { name: 'Live tail messages' }).locator('tbody tr').nth(2).waitFor();
  await laptop.screenshot({ path: join(docs, 'console-stream.png'), fullPage: true });

  await laptop.goto(`${baseUrl}/ui/streams/${encodeURIComponent(data.orders)}/groups/${data.group}`);
  await laptop.getByRole('table', { name: 'Pending entries' }).waitFor();
  await laptop.getByRole('checkbox', { name: `Select ${data.orderIds[1]}` }).check();
  await laptop.screenshot({ path: join(docs, 'console-group.png'), fullPage: true });

  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  await phone.goto(`${baseUrl}/ui/streams/${encodeURIComponent(data.orders)}/groups/${data.group}`);
  await phone.getByRole('table', { name: 'Pending entries' }).waitFor();
  await phone.getByRole('checkbox', { name: `Select ${data.orderIds[4]}` }).check();
  await phone.getByRole('heading', { name: 'Consumers' }).evaluate((heading) => heading.scrollIntoView());
  await phone.screenshot({ path: join(docs, 'console-group-phone.png') });
  console.log(`screenshots written to ${docs}`);
} finally {
  await browser.close();
  server.app.server.closeAllConnections();
  await server.close();
}

/// <reference lib="dom" />
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { chromiumAvailable, collectErrors, launchChromium } from './console-setup.js';

const haveChromium = chromiumAvailable();

/** What a new user sees on pressing "Try it out" in Swagger UI at /docs. */
describe.skipIf(!haveChromium)("Swagger UI's Try it out, in a browser", () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    t = await buildTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('pre-fills a group read that waits a second and keeps what it reads pending, an append that trims nothing, and a range read', async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${base}/docs/`);
    const tryOut = async (tag: string, operationId: string) => {
      const block = page.locator(`#operations-${tag}-${operationId}`);
      await block.locator('.opblock-summary').click();
      await block.locator('button.try-out__btn').click();
      const body = block.locator('textarea.body-param__text');
      const inputs = await block.locator('.parameters input').evaluateAll((els) => els.map((e) => [(e as HTMLInputElement).placeholder, (e as HTMLInputElement).value]));
      return { body: (await body.count()) > 0 ? JSON.parse(await body.first().inputValue()) : undefined, inputs: Object.fromEntries(inputs) };
    };
    const read = await tryOut('consumers', 'readGroup');
    expect(read.body).toEqual({ after: '>', count: 10, waitMs: 1000 });
    expect(read.inputs).toMatchObject({ stream: 'orders', group: 'billing', consumer: 'alice' });
    const append = await tryOut('messages', 'appendMessage');
    expect(append.body).toEqual({ fields: { item: 'book', quantity: '1' } });
    const range = await tryOut('messages', 'listMessages');
    expect(range.inputs).toMatchObject({ start: '-', end: '+', count: '10', after: '', waitMs: '' });
    expect(errors).toEqual([]);
    await page.close();
  });
});

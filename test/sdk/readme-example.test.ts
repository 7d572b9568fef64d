import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startServer, type RunningServer } from './server.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const WORK_DIR = fileURLToPath(new URL('./.generated/', import.meta.url));

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  await rm(WORK_DIR, { recursive: true, force: true });
});

/** The README's SDK example, exactly as a user copies it. */
async function readmeExample(): Promise<string> {
  const text = await readFile(README, 'utf8');
  const block = /<!-- sdk-example:start -->\n```ts\n([\s\S]*?)```\n<!-- sdk-example:end -->/.exec(text);
  if (!block) throw new Error('README.md has no sdk-example block');
  return block[1]!;
}

it('runs the README SDK example verbatim against a real server, twice', async () => {
  const code = await readmeExample();
  expect(code.split('\n').filter((line) => line.trim() !== '').length).toBeLessThanOrEqual(16);
  await mkdir(WORK_DIR, { recursive: true });
  process.env.STREAMGATE_URL = server.baseUrl;
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    for (const run of [1, 2]) {
      const file = `${WORK_DIR}example-${run}.ts`;
      await writeFile(file, code);
      log.mockClear();
      await import(pathToFileURL(file).href);
      const lines = log.mock.calls.map((args) => args.map(String).join(' '));
      const appended = lines.find((l) => l.startsWith('appended '))!.slice('appended '.length);
      expect(lines).toContain(`handled ${appended} [object Object]`);
    }
  } finally {
    log.mockRestore();
    delete process.env.STREAMGATE_URL;
  }
  const pending = await fetch(`${server.baseUrl}/v1/streams/orders/groups/workers/pending`).then((r) => r.json());
  expect(pending.count).toBe(0);
});

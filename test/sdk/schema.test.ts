import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

it('sdk/src/schema.ts is what openapi-typescript generates from the committed OpenAPI document', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['sdk/scripts/generate.mjs', '--check'], { cwd: ROOT });
  expect(stdout).toContain('up to date');
});

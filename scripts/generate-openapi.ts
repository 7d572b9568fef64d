/**
 * Writes openapi/openapi.json from the routes' schemas; `--check` fails when
 * the committed copy differs from what the code generates.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmbeddedBackend } from '../src/backends/embedded/embedded-backend.js';
import { loadConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';

export const OPENAPI_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../openapi/openapi.json');

/** The document for the default settings, as committed: pretty, with a trailing newline. */
export async function generateOpenApi(): Promise<string> {
  const backend = createEmbeddedBackend();
  const app = buildApp({ backend, config: loadConfig({}) });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await backend.close();
  }
}

async function main(check: boolean): Promise<number> {
  const generated = await generateOpenApi();
  if (!check) {
    await mkdir(dirname(OPENAPI_PATH), { recursive: true });
    await writeFile(OPENAPI_PATH, generated);
    console.log(`wrote ${OPENAPI_PATH}`);
    return 0;
  }
  const committed = await readFile(OPENAPI_PATH, 'utf8').catch(() => '');
  if (committed === generated) {
    console.log('openapi/openapi.json is up to date');
    return 0;
  }
  console.error('openapi/openapi.json is out of date with the route schemas: run `npm run openapi` and commit the result.');
  return 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.includes('--check'));
}

/**
 * Builds the web console (console/) into dist/console: one ES module bundle, its CSS, the page and
 * the icon. `npm run build:console`; the browser tests call `buildConsole` on a directory of their own.
 *
 * Stack: Preact with JSX, bundled by esbuild. Preact is a small (about 4 kB), long-maintained React-like
 * view library with typed JSX, so every page is type-checked against the SDK's generated types
 * (console/tsconfig.json) and needs no runtime template compiler; esbuild compiles the TSX and the SDK
 * from source in a fraction of a second without a plugin. The output is a file served by streamgate
 * itself: nothing comes from a CDN, and nothing needs `eval` or an inline script, so the console runs
 * under a strict `script-src 'self'` Content-Security-Policy.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const sources = join(root, 'console');
export const defaultConsoleDir = join(root, 'dist', 'console');

/** Writes index.html and assets/ (console.js, console.css, favicon.svg) into `outDir`, replacing what was there. */
export async function buildConsole(outDir: string = defaultConsoleDir, options: { minify?: boolean } = {}): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, 'assets'), { recursive: true });
  await build({
    entryPoints: [join(sources, 'src', 'main.tsx')],
    outfile: join(outDir, 'assets', 'console.js'),
    tsconfig: join(sources, 'tsconfig.json'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: options.minify ?? true,
    sourcemap: true,
    legalComments: 'linked',
    // The SDK falls back to the `eventsource` package outside browsers; the console passes the browser's EventSource.
    external: ['eventsource'],
    logLevel: 'warning',
  });
  await copyFile(join(sources, 'console.css'), join(outDir, 'assets', 'console.css'));
  await copyFile(join(sources, 'favicon.svg'), join(outDir, 'assets', 'favicon.svg'));
  await copyFile(join(sources, 'index.html'), join(outDir, 'index.html'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = process.argv[2] ?? defaultConsoleDir;
  await buildConsole(outDir);
  console.log(`console built into ${outDir}`);
}

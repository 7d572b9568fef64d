import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildInfo } from './types.js';

/**
 * Compiles src/ into bench/.build (the project's tsconfig, its own outDir, so
 * that `dist/` and other engineers' builds are left alone). tsc emits even
 * with type errors in work in progress; when nothing is emitted at all the
 * benchmarks fall back to running src/ through tsx.
 */
export function buildServer(root: string, log: (message: string) => void): BuildInfo {
  const outDir = join(root, 'bench/.build');
  rmSync(outDir, { recursive: true, force: true });
  const started = Date.now();
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--outDir', outDir], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const errors = (tsc.stdout ?? '').split('\n').filter((line) => /error TS\d+/.test(line));
  const anchorArgs = buildAnchor(root, outDir, log);
  const server = join(outDir, 'src/server.js');
  if (existsSync(server)) {
    const note =
      errors.length === 0
        ? `compiled src/ with tsc into bench/.build (${Date.now() - started} ms)`
        : `compiled src/ with tsc into bench/.build; tsc reported ${errors.length} type error(s) in work in progress (emitted anyway): ${errors[0]}`;
    log(note);
    return { serverArgs: [server], modulesRoot: outDir, compiled: true, anchorArgs, note };
  }
  const note = `tsc emitted nothing (exit ${tsc.status}); running src/ through tsx instead. ${(tsc.stderr ?? '').slice(0, 300)}`;
  log(note);
  return { serverArgs: ['--import', 'tsx', join(root, 'src/server.ts')], modulesRoot: root, compiled: false, anchorArgs, note };
}

/** The anchor server, compiled the same way, so that both sides run plain JS under plain node. */
function buildAnchor(root: string, outDir: string, log: (message: string) => void): string[] {
  const source = join(root, 'bench/anchors/bare-fastify.ts');
  const tsc = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      source,
      '--ignoreConfig',
      '--outDir', join(outDir, 'anchors'),
      '--module', 'nodenext',
      '--moduleResolution', 'nodenext',
      '--target', 'es2022',
      '--types', 'node',
      '--skipLibCheck',
    ],
    { cwd: root, encoding: 'utf8', timeout: 120_000 },
  );
  const compiled = join(outDir, 'anchors/bare-fastify.js');
  if (existsSync(compiled)) return [compiled];
  log(`could not compile the anchor (exit ${tsc.status}); running it through tsx`);
  return ['--import', 'tsx', source];
}

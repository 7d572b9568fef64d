/**
 * `npm run bench [-- --quick] [--only=1,3] [--rounds=N] [--profile] [--out=path]`
 *
 * Runs the scenarios of bench/scenarios/ one after the other, each with its
 * anchor in the same run, prints a table of medians and ratios, and writes the
 * full results (machine, versions, per-round figures) to bench/RESULTS.md
 * (full run of every scenario; README.md's Performance table is copied from it)
 * or bench/.out/ (quick or partial runs).
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, UsageError } from './lib/args.js';
import { buildServer } from './lib/build.js';
import { machineInfo } from './lib/machine.js';
import { cleanupAll } from './lib/proc.js';
import { formatProfile, summarizeProfiles } from './lib/profile.js';
import { syncReadme } from './lib/readme.js';
import { consoleTable, writeResults, type ScenarioResult } from './lib/report.js';
import { failedRow, MissingFeature } from './lib/rows.js';
import type { BenchContext, Row, Scenario } from './lib/types.js';
import { SCENARIOS } from './scenarios/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function log(message: string): void {
  const time = new Date().toISOString().slice(11, 19);
  console.log(`[${time}] ${message}`);
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) console.error(err.message);
    console.error(err.usage);
    return 2;
  }
  const unknown = args.only?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
  if (unknown.length > 0) {
    console.error(`no scenario ${unknown.join(', ')}; there are ${SCENARIOS.map((s) => s.id).join(', ')}`);
    return 2;
  }
  const selected = SCENARIOS.filter((s) => args.only === undefined || args.only.includes(s.id));
  const startedAt = new Date();
  const started = process.hrtime.bigint();
  const outDir = join(root, 'bench/.out');
  mkdirSync(outDir, { recursive: true });

  const machine = machineInfo(root);
  const loadAtStart = loadavg()[0]!;
  log(`streamgate benchmarks, ${args.quick ? 'quick' : 'full'} mode: ${selected.map((s) => s.id).join(', ')}`);
  log(`${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB; ${Object.entries(machine.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const build = buildServer(root, log);
  const profileDir = args.profile ? join(outDir, `profiles-${startedAt.toISOString().replace(/[:.]/g, '-')}`) : undefined;
  const ctx: BenchContext = {
    quick: args.quick,
    rounds: args.rounds ?? (args.quick ? 1 : 3),
    root,
    build,
    profileDir,
    log,
  };

  const results: ScenarioResult[] = [];
  let crashed = 0;
  for (const scenario of selected) {
    results.push(await runScenario(ctx, scenario, () => crashed++));
    const last = results[results.length - 1]!;
    console.log(`\n${consoleTable([last])}\n`);
    if (profileDir !== undefined) printProfiles(profileDir, scenario.id);
  }

  const totalSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`\n${consoleTable(results)}\n`);
  const fullRun = !args.quick && args.only === undefined && args.rounds === undefined;
  const path = args.out !== undefined ? resolve(args.out) : fullRun ? join(root, 'bench/RESULTS.md') : join(outDir, args.quick ? 'RESULTS-quick.md' : 'RESULTS-partial.md');
  writeResults(
    path,
    { quick: args.quick, rounds: ctx.rounds, only: args.only, startedAt, totalSeconds, machine, buildNote: build.note, loadAtStart, command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}` },
    results,
  );
  log(`results written to ${relative(root, path)} (${Math.round(totalSeconds)} s in all)`);
  if (path === join(root, 'bench/RESULTS.md')) {
    syncReadme(join(root, 'README.md'), path);
    log('README.md: Performance table updated from it');
  }
  if (crashed > 0) log(`${crashed} scenario(s) failed (see above); exit code 1`);
  return crashed > 0 ? 1 : 0;
}

async function runScenario(ctx: BenchContext, scenario: Scenario, onCrash: () => void): Promise<ScenarioResult> {
  log(`scenario ${scenario.id}: ${scenario.title} (load average ${loadavg()[0]!.toFixed(1)})`);
  const started = process.hrtime.bigint();
  const loadBefore = loadavg()[0]!;
  const done = (rows: Row[]): ScenarioResult => ({ scenario, rows, seconds: Number(process.hrtime.bigint() - started) / 1e9, load: [loadBefore, loadavg()[0]!] });
  let rows;
  try {
    rows = await scenario.run(ctx);
    for (const row of rows) if (row.skipped !== undefined) log(`  ${row.measure}: skipped: ${row.skipped}`);
  } catch (err) {
    if (err instanceof MissingFeature) {
      log(`  skipped: ${err.message}`);
      return done([{ measure: 'scenario', value: null, unit: '', met: null, skipped: err.message }]);
    }
    onCrash();
    log(`  scenario ${scenario.id} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    rows = [failedRow(err)];
  }
  return done(rows);
}

function printProfiles(profileDir: string, id: number): void {
  if (!existsSync(profileDir)) return;
  for (const name of readdirSync(profileDir).filter((d) => d.startsWith(`${id}-`))) {
    const dir = join(profileDir, name);
    try {
      // The cold-start scenario is about startup; elsewhere the first 1.5 s (loading, schema compilation) are left out.
      const skipMs = id === 9 ? 0 : 1500;
      console.log(`${formatProfile(`${name} (${relative(root, dir)}; first ${skipMs} ms left out)`, summarizeProfiles(dir, root, 30, skipMs))}\n`);
    } catch (err) {
      log(`no profile in ${dir}: ${(err as Error).message}`);
    }
  }
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(err);
} finally {
  await cleanupAll();
}
process.exit(code);

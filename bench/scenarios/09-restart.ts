import { join } from 'node:path';
import { enc } from '../lib/fixtures.js';
import { httpJson, keepAliveAgent } from '../lib/net.js';
import { makeTempDir, removeTempDir, runWorker } from '../lib/proc.js';
import { compareRow, skippedRow } from '../lib/rows.js';
import { startStreamgate } from '../lib/servers.js';
import { median } from '../lib/stats.js';
import type { BenchContext, Row, Scenario } from '../lib/types.js';
import type { RestartInput, RestartResult } from '../workers/restart.js';

const TARGET = 1_000_000;
const STREAM = 'bench-restart';
const GROUP = 'g';

interface ColdStart {
  ms: number;
  loadMs: number | null;
  length: number | null;
  pending: number | null;
}

/** Starts the server on `dir` and times spawn -> /readyz 200; then checks what it recovered. */
async function coldStart(ctx: BenchContext, dir: string): Promise<ColdStart> {
  const started = process.hrtime.bigint();
  const server = await startStreamgate(ctx, { dataDir: dir, logLevel: 'info', fsync: 'always', readyTimeoutMs: 300_000, readyPollMs: 5, profileName: '9-restart' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  try {
    const agent = keepAliveAgent(1);
    const info = await httpJson<{ length: number }>(agent, server.url, 'GET', `/v1/streams/${enc(STREAM)}`);
    const pel = await httpJson<{ count: number }>(agent, server.url, 'GET', `/v1/streams/${enc(STREAM)}/groups/${GROUP}/pending`);
    agent.destroy();
    const loaded = /"ms":(\d+)[^\n]*stored state loaded|stored state loaded[^\n]*"ms":(\d+)/.exec(server.child.output());
    return {
      ms,
      loadMs: loaded ? Number(loaded[1] ?? loaded[2]) : null,
      length: info.status === 200 ? info.body.length : null,
      pending: pel.status === 200 ? pel.body.count : null,
    };
  } finally {
    await server.stop();
  }
}

export const scenario: Scenario = {
  id: 9,
  title: 'restart: cold start to ready on a filled data directory',
  anchor: 'none (absolute target)',
  target: `>= ${TARGET.toLocaleString('en-US')} entries/s recovered (entries / time from spawn to /readyz 200)`,
  async run(ctx) {
    const entries = ctx.quick ? 100_000 : 1_000_000;
    const pending = entries / 10;
    const dir = makeTempDir('restart');
    try {
      const input: RestartInput = { action: 'fill', dir, stream: STREAM, group: GROUP, entries, pending, modulesRoot: ctx.build.modulesRoot, compiled: ctx.build.compiled };
      const worker = join(ctx.root, 'bench/workers/restart.ts');
      const filled = await runWorker<RestartResult>('restart-fill', worker, input, { timeoutMs: 600_000 });
      if (filled.length !== entries) throw new Error(`the fill left ${filled.length} entries, expected ${entries}`);
      ctx.log(`  filled ${entries.toLocaleString('en-US')} entries, ${pending.toLocaleString('en-US')} pending via ${filled.via} in ${Math.round(filled.ms)} ms`);

      const server: ColdStart[] = [];
      const core: RestartResult[] = [];
      for (let round = 0; round < ctx.rounds; round++) {
        core.push(await runWorker<RestartResult>('restart-load', worker, { ...input, action: 'load' }, { timeoutMs: 600_000 }));
        server.push(await coldStart(ctx, dir));
      }
      const rows: Row[] = [];
      const recovered = server.every((s) => s.length === entries && s.pending === pending);
      const sizeLabel = `${(entries / 1e6).toLocaleString('en-US')}M entries, ${(pending / 1e3).toLocaleString('en-US')}k pending`;
      if (recovered) {
        const rates = server.map((s) => entries / (s.ms / 1000));
        const loads = server.map((s) => s.loadMs);
        const row = compareRow(`server cold start to /readyz (${sizeLabel})`, 'entries/s', rates, [], 1);
        rows.push({
          ...row,
          anchor: undefined,
          ratio: null,
          target: `>= ${TARGET.toLocaleString('en-US')} entries/s`,
          met: row.value === null ? null : row.value >= TARGET,
          note:
            `spawn -> /readyz 200: ${Math.round(median(server.map((s) => s.ms)) ?? 0)} ms` +
            (loads.every((l) => l !== null) ? `, of which the storage load logged ${Math.round(median(loads) ?? 0)} ms` : '') +
            '; the rest is node startup, module loading and listen',
        });
      } else {
        const seen = server.map((s) => `length ${s.length}, pending ${s.pending}`).join('; ');
        rows.push(skippedRow(`server cold start to /readyz (${sizeLabel})`, 'entries/s', `the server did not recover the data directory (${seen}): is storage wired into src/server.ts?`, undefined, `>= ${TARGET.toLocaleString('en-US')} entries/s`));
      }
      const coreOk = core.every((c) => c.length === entries && c.pending === pending);
      const coreRates = core.map((c) => entries / (c.ms / 1000));
      rows.push({
        measure: `openLogStore load into a StreamCore, in-process (${sizeLabel})`,
        value: median(coreRates),
        unit: 'entries/s',
        target: `>= ${TARGET.toLocaleString('en-US')} entries/s`,
        met: coreOk ? (median(coreRates) ?? 0) >= TARGET : false,
        rounds: coreRates,
        note: `${Math.round(median(core.map((c) => c.ms)) ?? 0)} ms; no process startup; the storage part of the cold start` + (coreOk ? '' : `; WRONG STATE: ${core.map((c) => `${c.length}/${c.pending}`).join(', ')}`),
      });
      return rows;
    } finally {
      removeTempDir(dir);
    }
  },
};

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

export interface ProfileLine {
  name: string;
  selfMs: number;
  selfPct: number;
}

/** Self time by function and by file of the `.cpuprofile` files in `dir` (node --cpu-prof). */
/** Samples that are not work: excluded from the percentages, reported apart. */
const IDLE = new Set(['(idle)', '(program)']);

/**
 * `skipMs`: samples of the first milliseconds of each profile are left out
 * (the server's startup: module loading, compiling schemas), so that the
 * shares are those of the load.
 */
export function summarizeProfiles(dir: string, root: string, top = 25, skipMs = 0): { functions: ProfileLine[]; files: ProfileLine[]; totalMs: number; idleMs: number } {
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, name), 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    let at = 0;
    profile.samples.forEach((id, i) => {
      const us = profile.timeDeltas[i] ?? 0;
      at += us;
      if (at < skipMs * 1000) return;
      const frame = nodes.get(id)?.callFrame;
      if (frame === undefined) return;
      if (IDLE.has(frame.functionName) && frame.url === '') {
        idle += us;
        return;
      }
      const file = shortUrl(frame.url, root);
      const fn = `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
      const fileKey = file || frame.functionName || '(native)';
      byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
      total += us;
    });
  }
  const lines = (map: Map<string, number>): ProfileLine[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: us / 1000, selfPct: total > 0 ? (100 * us) / total : 0 }));
  return { functions: lines(byFunction), files: lines(byFile), totalMs: total / 1000, idleMs: idle / 1000 };
}

function shortUrl(url: string, root: string): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  if (path.startsWith(root)) {
    const rel = relative(root, path);
    return rel.replace(/^bench\/\.build\//, '').replace(/^node_modules\//, 'nm/');
  }
  return path;
}

export function formatProfile(title: string, summary: ReturnType<typeof summarizeProfiles>): string {
  const out = [
    `CPU profile: ${title}: ${Math.round(summary.totalMs)} ms busy, ${Math.round(summary.idleMs)} ms idle; shares are of the busy time`,
    '  top functions by self time:',
  ];
  for (const l of summary.functions) out.push(`    ${l.selfPct.toFixed(1).padStart(5)}%  ${l.selfMs.toFixed(0).padStart(7)} ms  ${l.name}`);
  out.push('  by file:');
  for (const l of summary.files.slice(0, 15)) out.push(`    ${l.selfPct.toFixed(1).padStart(5)}%  ${l.selfMs.toFixed(0).padStart(7)} ms  ${l.name}`);
  return out.join('\n');
}

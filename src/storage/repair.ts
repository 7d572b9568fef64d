import { open, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { logName } from './data-dir.js';
import { DirLock } from './lock.js';
import { scanRecordFile, type ScanProblem } from './record-scanner.js';
import { planRecovery } from './recovery.js';
import { silentLogger } from './storage-fs.js';

export interface RepairAction {
  file: string;
  problem: ScanProblem;
  /** Where the dropped bytes were saved (absent on a dry run). */
  savedTo?: string;
}

/**
 * Cuts each log of the current generations back to its last good record,
 * after saving the bytes it drops to `<log>.dropped-<time>` beside it. Takes
 * the directory lock, so it refuses to run beside a live server.
 */
export async function repairDataDir(
  dir: string,
  options: { dryRun?: boolean; print?: (line: string) => void } = {},
): Promise<RepairAction[]> {
  const print = options.print ?? ((line: string) => console.log(line));
  const lock = await DirLock.acquire(dir, silentLogger);
  try {
    const plan = await planRecovery(dir, silentLogger);
    const actions: RepairAction[] = [];
    for (const [i, generation] of plan.logs.entries()) {
      const path = join(dir, logName(generation));
      const scan = await scanRecordFile(path, 'log', () => {});
      const problem = scan.problem;
      if (problem === undefined) {
        print(`${path}: ${scan.records} records, all valid`);
        continue;
      }
      print(`${path}: ${scan.records} valid records, then a bad one at byte offset ${problem.offset} (${problem.reason}).`);
      print(
        problem.kind === 'corrupt'
          ? `  will drop ${problem.bytes} bytes from offset ${problem.offset}: the bad record and ${problem.recordsAfter} valid-looking record(s) after it`
          : `  will drop ${problem.bytes} bytes from offset ${problem.offset}: a torn record`,
      );
      if (i < plan.logs.length - 1) print(`  (later logs are kept: ${plan.logs.slice(i + 1).map(logName).join(', ')})`);
      const action: RepairAction = { file: path, problem };
      if (!options.dryRun) {
        const savedTo = `${path}.dropped-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        await saveRange(path, problem.offset, savedTo);
        await truncate(path, problem.offset);
        const handle = await open(path, 'r+');
        await handle.datasync();
        await handle.close();
        action.savedTo = savedTo;
        print(`  cut ${path} to ${problem.offset} bytes; the dropped bytes are in ${savedTo}`);
      }
      actions.push(action);
    }
    if (actions.length === 0) print(`${dir}: nothing to repair`);
    else if (options.dryRun) print('dry run: nothing changed');
    return actions;
  } finally {
    await lock.release();
  }
}

async function saveRange(path: string, from: number, to: string): Promise<void> {
  const src = await open(path, 'r');
  const dst = await open(to, 'w');
  try {
    const size = (await src.stat()).size;
    const buf = Buffer.allocUnsafe(Math.min(8 * 1024 * 1024, Math.max(1, size - from)));
    for (let pos = from; pos < size; ) {
      const { bytesRead } = await src.read(buf, 0, Math.min(buf.length, size - pos), pos);
      if (bytesRead === 0) break;
      await dst.write(buf, 0, bytesRead);
      pos += bytesRead;
    }
    await dst.sync();
  } finally {
    await src.close();
    await dst.close();
  }
}

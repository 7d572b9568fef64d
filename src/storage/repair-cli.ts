import { StreamError } from '../domain/errors.js';
import { repairDataDir } from './repair.js';

/**
 * npm run repair-log -- <DATA_DIR> [--dry-run]
 *
 * Cuts each damaged log back to its last good record, printing what it drops
 * and saving those bytes beside the log. Refuses to run while a server holds
 * the directory.
 */
const args = process.argv.slice(2);
const dryRun = args.includes('--dry-run');
const dirs = args.filter((a) => a !== '--dry-run');
if (dirs.length !== 1) {
  console.error('usage: npm run repair-log -- <DATA_DIR> [--dry-run]');
  process.exit(2);
}
try {
  await repairDataDir(dirs[0]!, { dryRun });
} catch (err) {
  console.error(err instanceof StreamError || err instanceof Error ? err.message : String(err));
  process.exit(1);
}

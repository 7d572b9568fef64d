export interface BenchArgs {
  quick: boolean;
  only: number[] | undefined;
  rounds: number | undefined;
  profile: boolean;
  /** Where to write the results; default bench/RESULTS.md (full run of every scenario) or bench/.out/. */
  out: string | undefined;
}

const USAGE = `usage: npm run bench -- [--quick] [--only=1,3] [--rounds=N] [--profile] [--out=path]
  --quick      every scenario briefly (well under 2 minutes), to prove the benchmarks work
  --only=LIST  only these scenario numbers
  --rounds=N   rounds per figure (default 3; quick 1)
  --profile    run the streamgate server under node --cpu-prof; print its top functions per scenario
  --out=PATH   results file (default: bench/RESULTS.md for a full run of every scenario, else bench/.out/)`;

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = { quick: false, only: undefined, rounds: undefined, profile: false, out: undefined };
  for (const arg of argv) {
    const [name, value] = arg.split('=', 2) as [string, string | undefined];
    switch (name) {
      case '--quick':
        args.quick = true;
        break;
      case '--profile':
        args.profile = true;
        break;
      case '--only': {
        const ids = (value ?? '').split(',').map((s) => Number(s.trim()));
        if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n < 1)) throw new UsageError(`--only takes scenario numbers, as --only=1,3 (got ${arg})`);
        args.only = ids;
        break;
      }
      case '--rounds': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 20) throw new UsageError(`--rounds takes 1..20 (got ${arg})`);
        args.rounds = n;
        break;
      }
      case '--out':
        if (!value) throw new UsageError('--out needs a path');
        args.out = value;
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown argument ${arg}`);
    }
  }
  return args;
}

export class UsageError extends Error {
  readonly usage = USAGE;
}

import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

/** What a worker (bench/workers/*.ts) was asked to do: BENCH_INPUT, as JSON. */
export function workerInput<T>(): T {
  const text = process.env.BENCH_INPUT;
  if (text === undefined) throw new Error('BENCH_INPUT is not set: this file is run by bench/run.ts');
  return JSON.parse(text) as T;
}

/** Runs `main`, prints its result on the `@@RESULT ` line the parent looks for, and exits; errors go to stderr (exit 1). */
export function runWorkerMain(main: () => Promise<unknown>): void {
  main().then(
    (result) => {
      process.stdout.write(`@@RESULT ${JSON.stringify(result)}\n`, () => process.exit(0));
    },
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}

/** Imports `src/<path>` from the build the parent chose (compiled JS, or the TS sources under tsx). */
export async function importSrc<T>(modulesRoot: string, compiled: boolean, path: string): Promise<T> {
  const file = join(modulesRoot, 'src', compiled ? path : path.replace(/\.js$/, '.ts'));
  return (await import(pathToFileURL(file).href)) as T;
}

/** Monotonic ns since an arbitrary point; the same clock in every process of the machine (CLOCK_MONOTONIC). */
export function nowNs(): bigint {
  return process.hrtime.bigint();
}

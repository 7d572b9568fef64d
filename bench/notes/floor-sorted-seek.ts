/**
 * The floor under row 7's seeks: a bare binary search over N sorted IDs held
 * flat (four u32 words a key, as id-tree.ts and stream.ts keep them, with a
 * parallel f64 per key as a PEL's delivery time), from a random key, then a
 * read of the next 10 keys and values. No objects, no allocation: what any
 * layout of an ordered index pays for the cache misses of a larger one.
 * Best of 60 slices of 20,000 seeks, each size in its own process.
 *
 *   npx tsx bench/notes/floor-sorted-seek.ts            # all sizes
 *   npx tsx bench/notes/floor-sorted-seek.ts 100000     # one size
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SIZES = [1_000, 10_000, 100_000, 1_000_000];

function measure(n: number): number {
  const keys = new Uint32Array(n * 4);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // IDs ms = i + 1, seq 0, as row 7's workers make them.
    const ms = i + 1;
    keys[i * 4] = Math.floor(ms / 4294967296);
    keys[i * 4 + 1] = ms >>> 0;
    times[i] = 1_700_000_000_000 + i;
  }
  let x = 0x5eed;
  const random = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
  let sink = 0;
  const seek = (): void => {
    const ms = Math.floor(random() * n) + 1;
    const k0 = Math.floor(ms / 4294967296);
    const k1 = ms >>> 0;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = mid * 4;
      if ((keys[at]! - k0 || keys[at + 1]! - k1 || keys[at + 2]! || keys[at + 3]!) < 0) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < Math.min(n, lo + 10); i++) sink += keys[i * 4 + 1]! + times[i]!;
  };
  let best = 0;
  for (let slice = 0; slice < 60; slice++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 20_000; i++) seek();
    best = Math.max(best, 20_000 / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  if (sink === 0) throw new Error('nothing read');
  return best;
}

const only = process.argv[2];
if (only !== undefined) {
  process.stdout.write(String(measure(Number(only))));
} else {
  const self = fileURLToPath(import.meta.url);
  const rates = SIZES.map((n) => Number(execFileSync(process.execPath, [...process.execArgv, self, String(n)], { encoding: 'utf8' })));
  const base = rates[0]!;
  SIZES.forEach((n, i) => {
    const rate = rates[i]!;
    console.log(`${String(n).padStart(8)} keys: ${Math.round(rate)} seeks/s, cost vs ${SIZES[0]}: ${(base / rate).toFixed(2)}x`);
  });
  console.log(`10k -> 1M keys (row 7's stream sizes): ${(rates[1]! / rates[3]!).toFixed(2)}x; 1k -> 100k (its PEL sizes): ${(rates[0]! / rates[2]!).toFixed(2)}x`);
}

/**
 * The differential harness: sends each command to redis-server and to our
 * core (through the adapter), normalises what legitimately differs, and
 * compares the replies.
 *
 * What is normalised, and why (nothing else is):
 *
 * 1. `XADD ... *`. Both sides use the wall clock, but not at the same
 *    instant. Our core's clock is pinned, for that one call, to Redis's clock
 *    at the moment Redis ran the XADD: the harness brackets the XADD with two
 *    TIME calls; when both read the same millisecond, that is Redis's "now".
 *    When a millisecond tick falls in between, Redis's now is the reply's ms
 *    if the reply has seq 0 and an ms inside the bracket (the ID came from
 *    the clock), and otherwise the earlier reading (the ID came from the
 *    stream's top, which was at or above Redis's now, so any reading up to
 *    now gives the same ID). The core only gets Redis's *input* (its clock),
 *    never its answer: max(now, top), sequence increments and the roll-over
 *    into the next ms are all computed by our core and compared exactly.
 *    Every other call runs on the real Date.now().
 * 2. Idle and delivery times. PEL entries' `idle` (XPENDING) and
 *    `delivery-time` (XINFO STREAM FULL) must agree within PEL_TOLERANCE_MS:
 *    the two sides stamp the same command a few ms apart, and the generator
 *    only uses IDLE/TIME/min-idle values far from that (0, minutes, years).
 *    Consumers' `idle` and `seen-time` agree within CONSUMER_TOLERANCE_MS:
 *    Redis 7.0 refreshes seen-time on fewer commands than 7.2+, which we
 *    follow, and those times are never set from arguments, so they can only
 *    differ by the length of a run.
 * 3. Consumer creation (7.2+ rule). After every XREADGROUP, XCLAIM and
 *    XAUTOCLAIM that Redis answered without an error, the harness sends
 *    `XGROUP CREATECONSUMER key group consumer` to Redis only (for each
 *    stream of an XREADGROUP), so that Redis 7.0 has the consumer our core
 *    created. Nothing else about consumers is touched.
 * 4. Fields Redis 7.0 lacks: `inactive` (XINFO CONSUMERS) and `active-time`
 *    (XINFO STREAM FULL) are dropped from our reply after checking that they
 *    are consistent with `idle` / `seen-time` (-1, or not more recent).
 *
 * Errors compare by their whole message (first word included), except the
 * pairs listed in KNOWN_ERROR_WORDING.
 *
 * Replies are compared in ioredis's RESP2 shape. ioredis turns integer
 * replies into JS numbers, inexactly from 2^53 on (it reads
 * 9007199254740991 as 9007199254740992), so the generator keeps counters
 * small; redis-notes.test.ts compares the 64-bit counters exactly.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js';
import type { StreamCommands } from '../../src/core/commands.js';
import { CommandError, execute, type Reply } from './adapter.js';
import { triageSelection } from './triage.js';

export const PEL_TOLERANCE_MS = 1_000;
export const CONSUMER_TOLERANCE_MS = 10_000;

/**
 * Error messages that legitimately differ: Redis's text, ours, and why.
 * Keep this short; every row is a difference we chose.
 */
export const KNOWN_ERROR_WORDING: readonly { redis: string; ours: string; why: string }[] = [
  {
    redis: 'ERR The ID specified in XADD is equal or smaller than the target stream top item',
    ours: 'ERR Elements are too large to be stored',
    why:
      'XADD <ms>-* when <ms> is already at sequence 2^64-1: 7.0.15 returns C_ERR from streamAppendItem ' +
      'without setting errno, so its reply depends on the errno a previous syscall left behind: "Elements ' +
      'are too large to be stored" usually, "equal or smaller" when a failed XADD just before left EDOM. ' +
      'We always give the former (REDIS-NOTES.md). No other command of ours produces that text.',
  },
];

export type Outcome =
  | { kind: 'reply'; value: Reply }
  | { kind: 'error'; message: string }
  | { kind: 'crash'; message: string };

export interface CoreHandle {
  core: StreamCommands;
  /** Pins the core's clock to `ms`, or back to Date.now() with null. */
  pin(ms: number | null): void;
}

export type CoreFactory = () => CoreHandle;

/** The oracle a differential suite runs against: a private redis-server, a RESP2 client to it, and a core factory. */
export interface Oracle {
  server: RedisServerHandle;
  redis: Redis;
  makeCore: CoreFactory;
  /** The oracle has Redis 7.2's fields (`inactive`, `active-time`: Valkey 8), compared as times instead of dropped. */
  redis72: boolean;
}

/** `bin`: another server than redis-server (Valkey, for the Redis backend over Valkey). */
export async function openOracle(clientOptions: RedisOptions = {}, bin?: string): Promise<Oracle> {
  const server = await startRedisServer(bin === undefined ? {} : { bin });
  const redis = new Redis({ port: server.port, host: '127.0.0.1', protocol: 2, maxRetriesPerRequest: 1, ...clientOptions });
  const [major = 0, minor = 0] = (/^redis_version:(\d+)\.(\d+)/m.exec(await redis.info('server')) ?? []).slice(1).map(Number);
  return { server, redis, makeCore: await loadCoreFactory(), redis72: major > 7 || (major === 7 && minor >= 2) };
}

export async function closeOracle(oracle: Partial<Oracle>): Promise<void> {
  oracle.redis?.disconnect();
  await oracle.server?.stop();
}

/** The suite's oracle: opened before its tests, closed after them; its fields are set once `beforeAll` ran. */
export function useOracle(clientOptions: RedisOptions = {}, bin?: string): Oracle {
  const oracle = {} as Oracle;
  beforeAll(async () => {
    Object.assign(oracle, await openOracle(clientOptions, bin));
  }, 30_000);
  afterAll(() => closeOracle(oracle));
  return oracle;
}

/** Loads src/core/stream-core.ts (written separately; imported lazily so the harness loads without it). */
export async function loadCoreFactory(): Promise<CoreFactory> {
  const path = '../../src/core/stream-core.js';
  const mod = (await import(/* @vite-ignore */ path)) as {
    StreamCore: new (options: { clock?: () => number }) => StreamCommands;
  };
  return () => {
    let pinned: number | null = null;
    const core = new mod.StreamCore({ clock: () => pinned ?? Date.now() });
    return { core, pin: (ms) => void (pinned = ms) };
  };
}

export async function callRedis(redis: Redis, argv: string[]): Promise<Outcome> {
  try {
    return { kind: 'reply', value: (await redis.call(argv[0]!, ...argv.slice(1))) as Reply };
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
}

export function callOurs(core: StreamCommands, argv: string[]): Outcome {
  try {
    return { kind: 'reply', value: execute(core, argv) };
  } catch (error) {
    if (error instanceof CommandError) return { kind: 'error', message: error.message };
    const e = error as Error;
    return { kind: 'crash', message: `${e?.name}: ${e?.message}\n${e?.stack?.split('\n').slice(1, 6).join('\n')}` };
  }
}

async function redisTimeMs(redis: Redis): Promise<number> {
  const [sec, usec] = (await redis.call('TIME')) as [string, string];
  return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
}

/** Redis's clock at the XADD, from the TIME bracket and the reply (see the header). */
export function redisClockAt(before: number, after: number, reply: Outcome): number {
  if (before === after) return before;
  if (reply.kind === 'reply' && typeof reply.value === 'string') {
    const m = /^(\d+)-0$/.exec(reply.value);
    if (m) {
      const ms = Number(m[1]);
      if (ms >= before && ms <= after) return ms;
    }
  }
  return before;
}

const isAutoIdXadd = (argv: string[]) => argv[0]!.toUpperCase() === 'XADD' && argv.includes('*');

/** (key, group, consumer) triples a successful command creates a consumer for under the 7.2+ rule. */
function consumersCreatedBy(argv: string[]): [string, string, string][] {
  const cmd = argv[0]!.toUpperCase();
  if (cmd === 'XCLAIM' || cmd === 'XAUTOCLAIM') return [[argv[1]!, argv[2]!, argv[3]!]];
  if (cmd !== 'XREADGROUP') return [];
  const at = argv.findIndex((a) => a.toUpperCase() === 'STREAMS');
  const n = (argv.length - at - 1) / 2;
  return argv.slice(at + 1, at + 1 + n).map((key) => [key, argv[2]!, argv[3]!]);
}

/**
 * What a sequence runs on beside Redis: our core (coreSubject), or a backend
 * through the contract (backend-bridge.ts).
 */
export interface Subject {
  /** Runs `argv`; for an XADD with `*`, `auto` is Redis's clock at its XADD (normalisation 1) and Redis's reply. */
  run(argv: string[], auto?: { clockMs: number; redis: Outcome }): Promise<Outcome>;
}

/** The core as a Subject: its clock pinned to Redis's for an auto-ID XADD. */
export function coreSubject(handle: CoreHandle): Subject {
  return {
    async run(argv, auto) {
      if (auto === undefined) return callOurs(handle.core, argv);
      handle.pin(auto.clockMs);
      try {
        return callOurs(handle.core, argv);
      } finally {
        handle.pin(null);
      }
    },
  };
}

/** Runs one command on both sides, applying normalisations 1 and 3. */
export async function runBoth(redis: Redis, handle: CoreHandle, argv: string[]): Promise<[Outcome, Outcome]> {
  return await runBothOn(redis, coreSubject(handle), argv);
}

/** runBoth on any Subject. */
export async function runBothOn(redis: Redis, subject: Subject, argv: string[]): Promise<[Outcome, Outcome]> {
  let redisOutcome: Outcome;
  let ourOutcome: Outcome;
  if (isAutoIdXadd(argv)) {
    const before = await redisTimeMs(redis);
    redisOutcome = await callRedis(redis, argv);
    const after = await redisTimeMs(redis);
    ourOutcome = await subject.run(argv, { clockMs: redisClockAt(before, after, redisOutcome), redis: redisOutcome });
  } else {
    redisOutcome = await callRedis(redis, argv);
    ourOutcome = await subject.run(argv);
  }
  if (redisOutcome.kind === 'reply') {
    for (const [key, group, consumer] of consumersCreatedBy(argv)) {
      await redis.call('XGROUP', 'CREATECONSUMER', key, group, consumer);
    }
  }
  return [redisOutcome, ourOutcome];
}

// ---------------------------------------------------------------- comparing

class Timed {
  constructor(
    readonly value: number,
    readonly tolerance: number,
  ) {}
  toJSON() {
    return `~${this.value}`;
  }
}

type Norm = string | number | null | Timed | Norm[];

const isList = (x: Reply | undefined): x is Reply[] => Array.isArray(x);

/** Applies `fn` to the value after `name` in a flat [name, value, ...] list. */
function mapField(flat: Norm[], name: string, fn: (value: Norm) => Norm): void {
  for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i] === name) flat[i + 1] = fn(flat[i + 1]!);
}

function dropField(flat: Norm[], name: string): Norm | undefined {
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (flat[i] === name) return flat.splice(i, 2)[1];
  }
  return undefined;
}

function fieldOf(flat: Norm[], name: string): Norm | undefined {
  for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i] === name) return flat[i + 1];
  return undefined;
}

/** Triage only (DIFF_TRIAGE, see triage.ts): fields blanked on both sides. */
const TRIAGE = triageSelection();
/** radix-tree-nodes is not modelled (see NOT_MODELLED in adapter.ts); triage may blank more. */
const TRIAGE_IGNORED_FIELDS = ['radix-tree-nodes', ...TRIAGE.flatMap((d) => d.fields ?? [])];

function ignoreFields(node: Norm): void {
  if (!Array.isArray(node)) return;
  for (let i = 0; i < node.length; i++) {
    if (i + 1 < node.length && typeof node[i] === 'string' && TRIAGE_IGNORED_FIELDS.includes(node[i] as string)) {
      node[i + 1] = '(ignored)';
      i++;
    } else {
      ignoreFields(node[i]!);
    }
  }
}

const timed = (tolerance: number) => (value: Norm) => (typeof value === 'number' ? new Timed(value, tolerance) : value);

/**
 * The comparable form of a reply: time values become Timed, 7.2-only fields
 * are dropped from ours after an invariant check (problems go to `issues`),
 * or compared as times when the oracle has them too (`redis72`).
 */
export function normalise(argv: string[], reply: Reply, side: 'redis' | 'ours', issues: string[], redis72 = false): Norm {
  const copy = structuredClone(reply) as Norm;
  if (TRIAGE_IGNORED_FIELDS.length > 0) ignoreFields(copy);
  const cmd = argv[0]!.toUpperCase();
  const sub = argv[1]?.toUpperCase();
  if (cmd === 'XPENDING' && argv.length > 3 && Array.isArray(copy)) {
    for (const row of copy) if (Array.isArray(row)) row[2] = timed(PEL_TOLERANCE_MS)(row[2]!);
  }
  if (cmd === 'XINFO' && sub === 'CONSUMERS' && Array.isArray(copy)) {
    for (const c of copy) {
      if (!Array.isArray(c)) continue;
      if (side === 'ours') {
        const inactive = redis72 ? fieldOf(c, 'inactive') : dropField(c, 'inactive');
        const idle = fieldOf(c, 'idle');
        if (typeof inactive !== 'number' || typeof idle !== 'number' || (inactive !== -1 && inactive < idle)) {
          issues.push(`consumer ${String(fieldOf(c, 'name'))}: inactive ${String(inactive)} vs idle ${String(idle)} (inactive must be -1 or >= idle)`);
        }
      }
      mapField(c, 'idle', timed(CONSUMER_TOLERANCE_MS));
      if (redis72) mapField(c, 'inactive', timed(CONSUMER_TOLERANCE_MS));
    }
  }
  if (cmd === 'XINFO' && sub === 'STREAM' && argv.length > 3 && Array.isArray(copy)) {
    const groups = fieldOf(copy, 'groups');
    for (const g of Array.isArray(groups) ? groups : []) {
      if (!Array.isArray(g)) continue;
      const pending = fieldOf(g, 'pending');
      for (const p of Array.isArray(pending) ? pending : []) if (Array.isArray(p)) p[2] = timed(PEL_TOLERANCE_MS)(p[2]!);
      const consumers = fieldOf(g, 'consumers');
      for (const c of Array.isArray(consumers) ? consumers : []) {
        if (!Array.isArray(c)) continue;
        if (side === 'ours') {
          const active = redis72 ? fieldOf(c, 'active-time') : dropField(c, 'active-time');
          const seen = fieldOf(c, 'seen-time');
          if (typeof active !== 'number' || typeof seen !== 'number' || (active !== -1 && active > seen)) {
            issues.push(`consumer ${String(fieldOf(c, 'name'))}: active-time ${String(active)} vs seen-time ${String(seen)} (must be -1 or <= seen-time)`);
          }
        }
        mapField(c, 'seen-time', timed(CONSUMER_TOLERANCE_MS));
        if (redis72) mapField(c, 'active-time', timed(CONSUMER_TOLERANCE_MS));
        const cp = fieldOf(c, 'pending');
        for (const p of Array.isArray(cp) ? cp : []) if (Array.isArray(p)) p[1] = timed(PEL_TOLERANCE_MS)(p[1]!);
      }
    }
  }
  return copy;
}

/** The first difference between two normalised replies, as a path and a description; null when equal. */
export function difference(a: Norm, b: Norm, path = ''): string | null {
  if (a instanceof Timed || b instanceof Timed) {
    if (!(a instanceof Timed && b instanceof Timed)) return `${path || '.'}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
    if ((a.value < 0) !== (b.value < 0) || Math.abs(a.value - b.value) > a.tolerance) {
      return `${path || '.'}: time ${a.value} vs ${b.value} (tolerance ${a.tolerance} ms)`;
    }
    return null;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b))) return `${path || '.'}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
    if (a.length !== b.length) return `${path || '.'}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = difference(a[i]!, b[i]!, `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a !== b) return `${path || '.'}: ${JSON.stringify(a)} (${typeof a}) vs ${JSON.stringify(b)} (${typeof b})`;
  return null;
}

function knownWording(redis: string, ours: string): boolean {
  return KNOWN_ERROR_WORDING.some((row) => row.redis === redis && row.ours === ours);
}

/** Compares two outcomes; null when they agree, else what differs. */
export function compareOutcomes(argv: string[], redis: Outcome, ours: Outcome, redis72 = false): string | null {
  if (ours.kind === 'crash') return `our core crashed: ${ours.message}`;
  if (redis.kind === 'crash') return `redis crashed?! ${redis.message}`;
  if (redis.kind === 'error' || ours.kind === 'error') {
    if (redis.kind !== ours.kind) return `one side failed: redis ${redis.kind}, ours ${ours.kind}`;
    const r = (redis as { message: string }).message;
    const o = (ours as { message: string }).message;
    if (r === o || knownWording(r, o)) return null;
    if (r.split(' ')[0] !== o.split(' ')[0]) return `error kind: ${r.split(' ')[0]} vs ${o.split(' ')[0]}`;
    return 'error message differs';
  }
  const issues: string[] = [];
  const a = normalise(argv, redis.value, 'redis', issues, redis72);
  const b = normalise(argv, ours.value, 'ours', issues, redis72);
  if (issues.length > 0) return `invariant: ${issues.join('; ')}`;
  return difference(a, b);
}

// ---------------------------------------------------------------- reporting

export const show = (o: Outcome): string =>
  o.kind === 'reply' ? JSON.stringify(o.value) : o.kind === 'error' ? `(error) ${o.message}` : `(crash) ${o.message}`;

export const argvText = (argv: string[]): string =>
  argv.map((a) => (a === '' || /[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ');

export interface HistoryRow {
  index: number;
  argv: string[];
  redis: Outcome;
}

export function mismatchReport(opts: {
  title: string;
  index: number;
  argv: string[];
  redis: Outcome;
  ours: Outcome;
  difference: string;
  history: HistoryRow[];
}): string {
  const lines = [
    opts.title,
    `op #${opts.index}: ${argvText(opts.argv)}`,
    `  redis: ${show(opts.redis)}`,
    `  ours:  ${show(opts.ours)}`,
    `  first difference: ${opts.difference}`,
    `last ${opts.history.length} commands before it (with Redis's replies):`,
    ...opts.history.map((h) => `  #${h.index} ${argvText(h.argv)}  ->  ${show(h.redis).slice(0, 300)}`),
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------- one seed

export interface SeedResult {
  seed: number;
  /** Commands compared (generated ones and audits). */
  ops: number;
  mismatch?: string;
}

/** Commands that compare the whole state of every key (run every AUDIT_EVERY ops and at the end). */
export const auditCommands = (keys: readonly string[]): string[][] =>
  keys.map((key) => ['XINFO', 'STREAM', key, 'FULL', 'COUNT', '0']);

export const AUDIT_EVERY = 100;

/** Triage only: whether a selected known difference would be hit by `argv`. */
async function triageSkips(redis: Redis, argv: string[]): Promise<boolean> {
  for (const d of TRIAGE) if (d.hits && (await d.hits(argv, redis))) return true;
  return false;
}

/**
 * Runs `ops` generated commands from `seed` on a flushed Redis and a new
 * core, stopping at the first mismatch.
 */
export async function runSeed(
  redis: Redis,
  makeCore: CoreFactory,
  seed: number,
  ops: number,
  generator: { next(): string[]; observe(argv: string[], reply: Reply | Error): void },
  keys: readonly string[],
): Promise<SeedResult> {
  return await runSeedOn(redis, async () => coreSubject(makeCore()), seed, ops, generator, keys);
}

/** runSeed on any Subject; `makeSubject` starts it empty (after Redis's FLUSHALL). */
export async function runSeedOn(
  redis: Redis,
  makeSubject: () => Promise<Subject>,
  seed: number,
  ops: number,
  generator: { next(): string[]; observe(argv: string[], reply: Reply | Error): void },
  keys: readonly string[],
  redis72 = false,
): Promise<SeedResult> {
  await redis.call('FLUSHALL');
  const subject = await makeSubject();
  const history: HistoryRow[] = [];
  let compared = 0;
  const check = async (index: number, argv: string[], audit: boolean): Promise<string | undefined> => {
    const [r, o] = await runBothOn(redis, subject, argv);
    compared++;
    const diff = compareOutcomes(argv, r, o, redis72);
    if (diff !== null) {
      return mismatchReport({
        title: `Differential mismatch: seed ${seed}${audit ? ' (state audit)' : ''} (reproduce: DIFF_SEED=${seed} DIFF_OPS=${ops})`,
        index,
        argv,
        redis: r,
        ours: o,
        difference: diff,
        history: history.slice(-20),
      });
    }
    if (!audit) {
      generator.observe(argv, r.kind === 'reply' ? r.value : new Error(r.message));
      history.push({ index, argv, redis: r });
      if (history.length > 40) history.splice(0, history.length - 40);
    }
    return undefined;
  };
  for (let i = 0; i < ops; i++) {
    const argv = generator.next();
    if (await triageSkips(redis, argv)) continue;
    const mismatch = await check(i, argv, false);
    if (mismatch) return { seed, ops: compared, mismatch };
    if ((i + 1) % AUDIT_EVERY === 0 || i === ops - 1) {
      for (const argv of auditCommands(keys)) {
        const auditMismatch = await check(i, argv, true);
        if (auditMismatch) return { seed, ops: compared, mismatch: auditMismatch };
      }
    }
  }
  return { seed, ops: compared };
}

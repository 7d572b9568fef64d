/**
 * Seeded random command sequences for the differential test. The generator
 * keeps a rough model of the state (learned from Redis's replies, which it
 * is shown after each command) only to bias toward commands that do
 * something: IDs that exist or are pending, groups that exist, IDs just above
 * the top. It never needs to be right; both servers get the same argv.
 *
 * Time: every minimum-idle threshold and every IDLE / TIME value is either 0
 * or far (minutes to decades) from any idle time a run can produce, so that
 * "is this entry idle enough" has the same answer on both servers. `*` IDs
 * are handled by the harness (see harness.ts).
 */
import type { Reply } from './adapter.js';

const U64_MAX = (1n << 64n) - 1n;
const MAX_ID = `${U64_MAX}-${U64_MAX}`;

/** mulberry32, seeded through a 32-bit integer hash of the seed. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    let h = (seed ^ 0x9e3779b9) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    this.state = (h ^ (h >>> 16)) >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** `[weight, value]` pairs. */
  weighted<T>(table: readonly (readonly [number, T])[]): T {
    const total = table.reduce((sum, [w]) => sum + w, 0);
    let x = this.next() * total;
    for (const [w, value] of table) {
      if ((x -= w) < 0) return value;
    }
    return table[table.length - 1]![1];
  }
}

interface Id {
  ms: bigint;
  seq: bigint;
}

function parseIdText(text: string): Id | null {
  const m = /^(\d+)-(\d+)$/.exec(text);
  return m ? { ms: BigInt(m[1]!), seq: BigInt(m[2]!) } : null;
}
const fmt = (id: Id) => `${id.ms}-${id.seq}`;

interface KeyModel {
  /** IDs ever added (deleted and trimmed ones too), oldest first. */
  ids: string[];
  idSet: Set<string>;
  top: Id | null;
  groups: Set<string>;
  /** Group -> IDs believed pending. */
  pending: Map<string, Set<string>>;
}

export const KEYS = ['s0', 's1', 's2', 's3'] as const;
export const GROUPS = ['g0', 'g1', 'g2'] as const;
export const CONSUMERS = ['c0', 'c1', 'c2', 'c3'] as const;

const FIELD_SETS: string[][] = [
  ['f', 'v'],
  ['f', 'v2'],
  ['a', '1', 'b', '2'],
  ['f', 'x', 'f', 'y'],
  ['k', ''],
  ['n', '42'],
];

// Idle thresholds and IDLE/TIME values: 0, or far from anything a run produces.
const MIN_IDLE = [[40, '0'], [15, '3600000'], [10, '1000000000000'], [5, '10000000000000'], [3, '-5']] as const;
const CLAIM_IDLE = ['0', '5000000000', '10000000000000', '-5'] as const;

interface Profile {
  name: 'mixed' | 'big-streams' | 'groups';
  /** Weight multipliers by command family. */
  weight: Partial<Record<'add' | 'burst' | 'delete' | 'trim' | 'group' | 'read' | 'pel' | 'info' | 'del', number>>;
  burstLength: [number, number];
  /** Chance that a burst XADD also trims. */
  burstTrim: number;
  maxLens: readonly (readonly [number, number])[];
}

const PROFILES: readonly Profile[] = [
  {
    name: 'mixed',
    weight: {},
    burstLength: [20, 80],
    burstTrim: 0.1,
    maxLens: [[1, 0], [1, 1], [2, 5], [5, 20], [10, 60], [15, 100], [15, 150], [15, 250], [1, -1]],
  },
  {
    // Streams of hundreds of entries over several listpack nodes, holes from
    // XDEL inside nodes, and `~` trims that remove whole nodes.
    name: 'big-streams',
    weight: { burst: 1.5, delete: 2, trim: 1.5, del: 0.2 },
    burstLength: [50, 200],
    burstTrim: 0.015,
    maxLens: [[1, 0], [3, 50], [10, 100], [15, 150], [15, 200], [15, 300], [10, 450]],
  },
  {
    name: 'groups',
    weight: { pel: 2, group: 1.5, read: 1.5, add: 0.7 },
    burstLength: [20, 60],
    burstTrim: 0.1,
    maxLens: [[1, 0], [2, 5], [5, 20], [10, 60], [15, 100], [15, 150], [15, 250]],
  },
];

export class CommandGenerator {
  readonly rng: Rng;
  private readonly model = new Map<string, KeyModel>();
  /** Remaining XADDs of a burst (to grow one stream past listpack node size). */
  private burst: { key: string; left: number } | null = null;
  /** Seeds rotate through profiles, so that some runs grow big streams and some stress the groups. */
  readonly profile: Profile;

  constructor(seed: number) {
    this.rng = new Rng(seed);
    this.profile = PROFILES[Math.abs(seed) % PROFILES.length]!;
  }

  private key(name: string): KeyModel {
    let m = this.model.get(name);
    if (!m) {
      m = { ids: [], idSet: new Set(), top: null, groups: new Set(), pending: new Map() };
      this.model.set(name, m);
    }
    return m;
  }

  private pickKey(): string {
    return this.rng.weighted([
      [50, 's0'],
      [25, 's1'],
      [17, 's2'],
      [8, 's3'],
    ]);
  }

  /** A key, preferring those with a group. */
  private pickGroupKey(): string {
    const withGroups = KEYS.filter((k) => this.key(k).groups.size > 0);
    return withGroups.length > 0 && this.rng.chance(0.8) ? this.rng.pick(withGroups) : this.pickKey();
  }

  private pickGroup(key: string): string {
    const known = [...this.key(key).groups];
    return known.length > 0 && this.rng.chance(0.85) ? this.rng.pick(known) : this.rng.pick(GROUPS);
  }

  private pickConsumer(): string {
    return this.rng.pick(CONSUMERS);
  }

  /** An ID this key has had, recent ones more likely; null when there is none. */
  private poolId(key: string): string | null {
    const { ids } = this.key(key);
    if (ids.length === 0) return null;
    if (this.rng.chance(0.5)) return ids[ids.length - 1 - this.rng.int(0, Math.min(9, ids.length - 1))]!;
    return this.rng.pick(ids);
  }

  private top(key: string): Id {
    return this.key(key).top ?? { ms: 0n, seq: 0n };
  }

  /** An ID for reads, deletes, acks and claims: mostly known ones. */
  private someId(key: string): string {
    const known = this.poolId(key);
    const top = this.top(key);
    return this.rng.weighted<() => string>([
      [70, () => known ?? '0-1'],
      [8, () => fmt(top)],
      [8, () => `${top.ms + 1n}-0`],
      [6, () => `${this.rng.int(0, 30)}-${this.rng.int(0, 3)}`],
      [4, () => '0-0'],
      [2, () => MAX_ID],
      [2, () => `${this.rng.int(1, 30)}`],
    ])();
  }

  private pendingId(key: string, group: string): string {
    const pending = [...(this.key(key).pending.get(group) ?? [])];
    return pending.length > 0 && this.rng.chance(0.75) ? this.rng.pick(pending) : this.someId(key);
  }

  private malformedId(): string {
    return this.rng.pick(['abc', '1-2-3', '-1', '1-', '', '5-x', '$', '+', '-', '18446744073709551616-0']);
  }

  /** A range bound: `-`, `+`, IDs, incomplete and exclusive IDs. */
  private bound(key: string, side: 'start' | 'end'): string {
    const id = this.someId(key);
    const ms = id.split('-')[0]!;
    return this.rng.weighted<() => string>([
      [30, () => (side === 'start' ? '-' : '+')],
      [25, () => id],
      [12, () => ms],
      [15, () => `(${id}`],
      [4, () => `(${ms}`],
      [3, () => (side === 'start' ? '+' : '-')],
      [3, () => (side === 'start' ? `(${MAX_ID}` : '(0-0')],
      [2, () => this.rng.pick(['(-', '(+'])],
      [1, () => this.malformedId()],
    ])();
  }

  private fields(): string[] {
    return this.rng.pick(FIELD_SETS);
  }

  /** The smallest ID above `id`, as text. */
  private nextId(id: Id): string {
    if (id.seq < U64_MAX) return `${id.ms}-${id.seq + 1n}`;
    return id.ms < U64_MAX ? `${id.ms + 1n}-0` : MAX_ID;
  }

  private addId(key: string): string {
    const top = this.top(key);
    const r = this.rng;
    return r.weighted<() => string>([
      [18, () => '*'],
      [10, () => `${top.ms}-*`],
      [5, () => `${top.ms + BigInt(r.pick([1, 2, 10]))}-*`],
      [3, () => `${r.int(0, 40)}-*`],
      [22, () => this.nextId(top)],
      [12, () => `${top.ms + BigInt(r.int(1, 3))}-${r.int(0, 3)}`],
      [4, () => `${top.ms + BigInt(r.int(1, 3))}`],
      [5, () => fmt(top)],
      [4, () => this.poolId(key) ?? '1-1'],
      [2, () => `${r.int(1, 40)}-${r.int(0, 5)}`],
      [2, () => r.pick(['0-0', '0', '0-*'])],
      [0.6, () => `${top.ms}-${U64_MAX}`],
      [1, () => `${1000000000000000n + BigInt(r.int(0, 2))}-${r.int(0, 5)}`],
      [0.25, () => r.pick([MAX_ID, `${U64_MAX}-*`, `${U64_MAX}-${U64_MAX - 1n}`, `${U64_MAX}`])],
      [0.5, () => `00${top.ms + 1n}-01`],
      [0.8, () => this.malformedId()],
    ])();
  }

  /** MAXLEN / MINID with `=`, `~`, LIMIT. */
  private trimArgs(key: string): string[] {
    const r = this.rng;
    const strategy = r.chance(0.65) ? 'MAXLEN' : 'MINID';
    const mode = r.weighted([
      [35, [] as string[]],
      [20, ['=']],
      [45, ['~']],
    ]);
    const threshold =
      strategy === 'MAXLEN'
        ? String(r.weighted(this.profile.maxLens))
        : r.chance(0.9)
          ? this.someId(key)
          : this.malformedId();
    const limit =
      mode[0] === '~' && r.chance(0.35)
        ? ['LIMIT', String(r.pick([0, 1, 10, 50, 100, 150, 1000]))]
        : r.chance(0.02)
          ? ['LIMIT', '10']
          : [];
    return [strategy, ...mode, threshold, ...limit];
  }

  /** The next command, as argv. */
  next(): string[] {
    if (this.burst) {
      const { key } = this.burst;
      if (--this.burst.left <= 0) this.burst = null;
      const top = this.top(key);
      const id = this.rng.chance(0.3) ? '*' : this.nextId(top);
      const trim = this.rng.chance(this.profile.burstTrim) ? this.trimArgs(key) : [];
      return ['XADD', key, ...trim, id, ...this.fields()];
    }
    const r = this.rng;
    const w = (family: keyof Profile['weight'], weight: number) => weight * (this.profile.weight[family] ?? 1);
    const op = r.weighted<() => string[]>([
      [w('add', 30), () => this.xadd()],
      [w('burst', 3), () => this.startBurst()],
      [w('read', 6), () => this.xrange()],
      [w('info', 1), () => ['XLEN', this.pickKey()]],
      [w('delete', 4), () => this.xdel()],
      [w('trim', 3), () => this.xtrim()],
      [w('read', 3), () => this.xread()],
      [w('add', 2), () => this.xsetid()],
      [w('group', 4), () => this.xgroupCreate()],
      [w('group', 2), () => this.xgroupSetId()],
      [w('group', 0.8), () => { const k = this.pickKey(); return ['XGROUP', 'DESTROY', k, this.pickGroup(k)]; }],
      [w('group', 1.5), () => { const k = this.pickGroupKey(); return ['XGROUP', 'CREATECONSUMER', k, this.pickGroup(k), this.pickConsumer()]; }],
      [w('group', 1.5), () => { const k = this.pickGroupKey(); return ['XGROUP', 'DELCONSUMER', k, this.pickGroup(k), this.pickConsumer()]; }],
      [w('read', 13), () => this.xreadgroup()],
      [w('pel', 5), () => this.xack()],
      [w('pel', 5), () => this.xpending()],
      [w('pel', 5), () => this.xclaim()],
      [w('pel', 4), () => this.xautoclaim()],
      [w('info', 4), () => this.xinfoStream()],
      [w('info', 2), () => ['XINFO', 'GROUPS', this.pickKey()]],
      [w('info', 2), () => { const k = this.pickGroupKey(); return ['XINFO', 'CONSUMERS', k, this.pickGroup(k)]; }],
      [w('del', 0.5), () => ['DEL', this.pickKey()]],
    ]);
    return op();
  }

  private startBurst(): string[] {
    const key = this.rng.chance(0.7) ? 's0' : this.pickKey();
    this.burst = { key, left: this.rng.int(...this.profile.burstLength) };
    return this.next();
  }

  private xadd(): string[] {
    const key = this.pickKey();
    const r = this.rng;
    // A stream at the last possible ID refuses every XADD: usually start it over.
    if (this.top(key).ms === U64_MAX && r.chance(0.3)) return ['DEL', key];
    const opts: string[] = [];
    if (r.chance(0.08)) opts.push('NOMKSTREAM');
    if (r.chance(0.12)) opts.push(...this.trimArgs(key));
    return ['XADD', key, ...opts, this.addId(key), ...this.fields()];
  }

  private xrange(): string[] {
    const key = this.pickKey();
    const reverse = this.rng.chance(0.35);
    const start = this.bound(key, 'start');
    const end = this.bound(key, 'end');
    const count = this.rng.chance(0.35) ? ['COUNT', String(this.rng.pick([1, 2, 5, 10, 0, -1]))] : [];
    return reverse ? ['XREVRANGE', key, end, start, ...count] : ['XRANGE', key, start, end, ...count];
  }

  private xdel(): string[] {
    const key = this.pickKey();
    const n = this.rng.int(1, 3);
    const ids = Array.from({ length: n }, () => this.someId(key));
    if (this.rng.chance(0.03)) ids.push(this.malformedId());
    return ['XDEL', key, ...ids];
  }

  private xtrim(): string[] {
    const key = this.pickKey();
    if (this.rng.chance(0.03)) return ['XTRIM', key, this.rng.pick(['FOO', 'LIMIT']), '1'];
    return ['XTRIM', key, ...this.trimArgs(key)];
  }

  private xread(): string[] {
    const keys = this.rng.chance(0.7) ? [this.pickKey()] : [this.pickKey(), this.pickKey()];
    const ids = keys.map((k) => (this.rng.chance(0.25) ? this.rng.pick(['0', '0-0']) : this.someId(k)));
    if (this.rng.chance(0.02)) ids[0] = this.rng.pick(['>', 'abc', '+']);
    const count = this.rng.chance(0.4) ? ['COUNT', String(this.rng.pick([1, 2, 5, 0, -1]))] : [];
    return ['XREAD', ...count, 'STREAMS', ...keys, ...ids];
  }

  private xsetid(): string[] {
    const key = this.pickKey();
    const top = this.top(key);
    const r = this.rng;
    const id = r.weighted<() => string>([
      [35, () => fmt(top)],
      [25, () => `${top.ms + 1n}-0`],
      [15, () => this.someId(key)],
      [10, () => '0-0'],
      [5, () => `${top.ms + 5n}`],
      [2, () => MAX_ID],
      [2, () => this.malformedId()],
    ])();
    const opts: string[] = [];
    if (r.chance(0.3)) opts.push('ENTRIESADDED', String(r.pick([0, 1, 5, 50, 300, 100000, -1])));
    if (r.chance(0.25)) opts.push('MAXDELETEDID', r.chance(0.85) ? this.someId(key) : `${top.ms + 100n}-0`);
    return ['XSETID', key, id, ...opts];
  }

  private xgroupCreate(): string[] {
    const key = this.pickKey();
    const r = this.rng;
    const group = r.chance(0.8) ? r.pick(GROUPS) : this.pickGroup(key);
    const id = r.weighted<() => string>([
      [35, () => '$'],
      [35, () => '0'],
      [20, () => this.someId(key)],
      [4, () => r.pick(['-', '+'])],
      [2, () => this.malformedId()],
    ])();
    const opts: string[] = [];
    if (r.chance(0.35)) opts.push('MKSTREAM');
    if (r.chance(0.15)) opts.push('ENTRIESREAD', String(r.pick([0, 1, 3, 10, 100, 1000, -1, -2])));
    return ['XGROUP', 'CREATE', key, group, id, ...opts];
  }

  private xgroupSetId(): string[] {
    const key = this.pickKey();
    const r = this.rng;
    const id = r.weighted<() => string>([
      [20, () => '$'],
      [20, () => '0'],
      [35, () => this.someId(key)],
      [8, () => r.pick(['-', '+', '0-0'])],
      [2, () => this.malformedId()],
    ])();
    const opts = r.chance(0.25) ? ['ENTRIESREAD', String(r.pick([0, 1, 3, 10, 100, -1, -3]))] : [];
    return ['XGROUP', 'SETID', key, this.pickGroup(key), id, ...opts];
  }

  private xreadgroup(): string[] {
    const r = this.rng;
    const keys = r.chance(0.8) ? [this.pickGroupKey()] : [this.pickGroupKey(), this.pickGroupKey()];
    const group = this.pickGroup(keys[0]!);
    const ids = keys.map((k) =>
      r.weighted<() => string>([
        [72, () => '>'],
        [14, () => r.pick(['0', '0-0'])],
        [10, () => this.pendingId(k, group)],
        [1.5, () => MAX_ID],
        [1.5, () => this.malformedId()],
      ])(),
    );
    const opts: string[] = [];
    if (r.chance(0.6)) opts.push('COUNT', String(r.pick([1, 2, 3, 5, 10, 0])));
    if (r.chance(0.12)) opts.push('NOACK');
    return ['XREADGROUP', 'GROUP', group, this.pickConsumer(), ...opts, 'STREAMS', ...keys, ...ids];
  }

  private xack(): string[] {
    const key = this.pickGroupKey();
    const group = this.pickGroup(key);
    const ids = Array.from({ length: this.rng.int(1, 4) }, () => this.pendingId(key, group));
    if (this.rng.chance(0.04)) ids.splice(this.rng.int(0, ids.length), 0, this.malformedId());
    return ['XACK', key, group, ...ids];
  }

  private xpending(): string[] {
    const key = this.pickGroupKey();
    const group = this.pickGroup(key);
    const r = this.rng;
    if (r.chance(0.4)) return ['XPENDING', key, group];
    const idle = r.chance(0.3) ? ['IDLE', r.weighted(MIN_IDLE)] : [];
    const start = r.chance(0.6) ? '-' : this.bound(key, 'start');
    const end = r.chance(0.6) ? '+' : this.bound(key, 'end');
    const count = String(r.pick([1, 3, 10, 100, 0]));
    const consumer = r.chance(0.35) ? [this.pickConsumer()] : [];
    return ['XPENDING', key, group, ...idle, start, end, count, ...consumer];
  }

  private xclaim(): string[] {
    const key = this.pickGroupKey();
    const group = this.pickGroup(key);
    const r = this.rng;
    const ids = Array.from({ length: r.int(1, 3) }, () => this.pendingId(key, group));
    const opts: string[] = [];
    if (r.chance(0.2)) opts.push('IDLE', r.pick(CLAIM_IDLE));
    if (r.chance(0.15)) {
      // 99999999999999 is in the year 5138: Redis clamps a future TIME to now.
      opts.push('TIME', r.pick(['0', '1000000000000', '99999999999999', '-5']));
    }
    if (r.chance(0.2)) opts.push('RETRYCOUNT', r.pick(['0', '1', '5', '-3']));
    if (r.chance(0.2)) opts.push('FORCE');
    if (r.chance(0.25)) opts.push('JUSTID');
    if (r.chance(0.12)) opts.push('LASTID', this.someId(key));
    if (r.chance(0.02)) opts.push(r.pick(['BOGUS', 'IDLE']));
    const minIdle = r.chance(0.02) ? 'x' : r.weighted(MIN_IDLE);
    return ['XCLAIM', key, group, this.pickConsumer(), minIdle, ...ids, ...opts];
  }

  private xautoclaim(): string[] {
    const key = this.pickGroupKey();
    const r = this.rng;
    const start = r.weighted<() => string>([
      [50, () => '0'],
      [10, () => '-'],
      [25, () => this.someId(key)],
      [10, () => `(${this.someId(key)}`],
      [2, () => `(${MAX_ID}`],
      [1, () => this.malformedId()],
    ])();
    const opts: string[] = [];
    if (r.chance(0.5)) opts.push('COUNT', r.pick(['1', '2', '3', '5', '10', '0']));
    if (r.chance(0.3)) opts.push('JUSTID');
    return ['XAUTOCLAIM', key, this.pickGroup(key), this.pickConsumer(), r.weighted(MIN_IDLE), start, ...opts];
  }

  private xinfoStream(): string[] {
    const key = this.pickKey();
    const r = this.rng;
    if (r.chance(0.5)) return ['XINFO', 'STREAM', key];
    if (r.chance(0.5)) return ['XINFO', 'STREAM', key, 'FULL'];
    return ['XINFO', 'STREAM', key, 'FULL', 'COUNT', String(r.pick([1, 5, 10, 0, 500]))];
  }

  /** Learns from Redis's reply to `argv` (an Error for an error reply). */
  observe(argv: string[], reply: Reply | Error): void {
    if (reply instanceof Error) return;
    const cmd = argv[0]!.toUpperCase();
    const learnId = (key: string, id: string) => {
      const m = this.key(key);
      if (!m.idSet.has(id) && parseIdText(id)) {
        m.idSet.add(id);
        m.ids.push(id);
      }
    };
    switch (cmd) {
      case 'XADD': {
        if (typeof reply === 'string') {
          learnId(argv[1]!, reply);
          this.key(argv[1]!).top = parseIdText(reply);
        }
        break;
      }
      case 'XSETID':
        this.key(argv[1]!).top = parseIdText(argv[2]!) ?? { ms: BigInt(argv[2]!.split('-')[0]!), seq: 0n };
        break;
      case 'DEL':
        for (const key of argv.slice(1)) this.model.delete(key);
        break;
      case 'XGROUP': {
        const sub = argv[1]!.toUpperCase();
        const m = this.key(argv[2]!);
        if (sub === 'CREATE') m.groups.add(argv[3]!);
        if (sub === 'DESTROY' && reply === 1) {
          m.groups.delete(argv[3]!);
          m.pending.delete(argv[3]!);
        }
        break;
      }
      case 'XREADGROUP': {
        if (!Array.isArray(reply)) break;
        const group = argv[2]!;
        const noAck = argv.some((a) => a.toUpperCase() === 'NOACK');
        for (const stream of reply as [string, [string, unknown][]][]) {
          const m = this.key(stream[0]);
          let set = m.pending.get(group);
          if (!set) m.pending.set(group, (set = new Set()));
          for (const [id] of stream[1]) if (!noAck) set.add(id);
        }
        break;
      }
      case 'XACK': {
        const set = this.key(argv[1]!).pending.get(argv[2]!);
        for (const id of argv.slice(3)) set?.delete(id);
        break;
      }
      case 'XRANGE':
      case 'XREVRANGE':
        if (Array.isArray(reply)) for (const e of reply as [string][]) learnId(argv[1]!, e[0]);
        break;
    }
  }
}

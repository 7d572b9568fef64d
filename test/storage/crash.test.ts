import { describe, expect, it } from 'vitest';
import { fixtureCommand, kill, post, startServer, type Server } from './helpers/child-server.js';
import { useTempDirs } from './helpers/temp-dir.js';

/**
 * Crash test: a child server (the embedded backend over a durable store, FSYNC=always) takes
 * concurrent XADDs, group reads and acks and is SIGKILLed at a random moment, round after round.
 * After each restart, every write that got a 2xx is there exactly once, and the group state
 * agrees with every 2xx answer the clients had.
 */
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 20);
const KEYS = ['orders', 'payments'];
const GROUP = 'workers';

const tempDir = useTempDirs();

/** What clients were told, across all rounds. */
interface Told {
  /** `${client}/${seq}` -> key and ID of an acknowledged XADD. */
  added: Map<string, { key: string; id: string }>;
  /** `${key} ${id}` -> consumer, for every 2xx group read. */
  delivered: Map<string, string>;
  /** `${key} ${id}` acknowledged by a 2xx XACK. */
  acked: Set<string>;
  /** `${key} ${id}` for which an XACK was sent, whatever came back. */
  ackSent: Set<string>;
}

interface StreamState {
  lastId: string;
  entries: [string, string[]][];
  groups: { name: string; lastId: string; pel: [string, string, number, number][] }[];
}

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

/** debugState prints IDs as the 128-bit number; back to `ms-seq`. */
function formatRaw(raw: string): string {
  const v = BigInt(raw);
  return `${v >> 64n}-${v & ((1n << 64n) - 1n)}`;
}

function verify(state: Record<string, StreamState>, told: Told): void {
  const seen = new Map<string, { key: string; id: string }>();
  for (const [key, s] of Object.entries(state)) {
    let previous: string | undefined;
    for (const [rawId, fields] of s.entries) {
      const id = formatRaw(rawId);
      if (previous !== undefined) expect(compareIds(previous, id), `${key}: IDs out of order`).toBeLessThan(0);
      previous = id;
      const name = `${fields[1]}/${fields[3]}`;
      expect(seen.has(name), `${name} stored twice`).toBe(false);
      seen.set(name, { key, id });
    }
  }
  for (const [name, where] of told.added) expect(seen.get(name), `acknowledged XADD ${name}`).toEqual(where);

  for (const key of KEYS) {
    const group = state[key]?.groups.find((g) => g.name === GROUP);
    if (group === undefined) continue;
    const pel = new Map(group.pel.map(([rawId, consumer, , count]) => [`${key} ${formatRaw(rawId)}`, { consumer, count }]));
    for (const [entry, consumer] of told.delivered) {
      if (!entry.startsWith(`${key} `)) continue;
      expect(compareIds(entry.slice(key.length + 1), formatRaw(group.lastId)), `group ${key} moved past ${entry}`).toBeLessThanOrEqual(0);
      if (told.acked.has(entry)) expect(pel.has(entry), `acknowledged XACK of ${entry} undone`).toBe(false);
      else if (!told.ackSent.has(entry)) expect(pel.get(entry), `delivered ${entry} pending for ${consumer}`).toEqual({ consumer, count: 1 });
    }
  }
}

async function load(server: Server, told: Told, rounds: { stop: boolean }): Promise<void> {
  const writers = Array.from({ length: 6 }, async (_, w) => {
    for (let seq = 0; !rounds.stop; seq++) {
      const client = `w${w}-${Math.random().toString(36).slice(2, 8)}`;
      const key = KEYS[(w + seq) % KEYS.length]!;
      const res = await post<{ id: string }>(server, '/add', { key, client, seq });
      if (res) told.added.set(`${client}/${seq}`, { key, id: res.id });
      else if (rounds.stop) return;
    }
  });
  const readers = Array.from({ length: 4 }, async (_, r) => {
    const consumer = `c${r}`;
    while (!rounds.stop) {
      const key = KEYS[r % KEYS.length]!;
      const res = await post<{ entries: { id: string; deliveryCount: number }[] }>(server, '/read', { key, group: GROUP, consumer, count: 5 });
      if (!res) continue;
      for (const e of res.entries) told.delivered.set(`${key} ${e.id}`, consumer);
      const toAck = res.entries.filter(() => Math.random() < 0.7).map((e) => e.id);
      if (toAck.length === 0) continue;
      for (const id of toAck) told.ackSent.add(`${key} ${id}`);
      const acked = await post<{ acked: number }>(server, '/ack', { key, group: GROUP, ids: toAck });
      if (acked) for (const id of toAck) told.acked.add(`${key} ${id}`);
    }
  });
  await Promise.all([...writers, ...readers]);
}

describe('crash recovery', () => {
  it(`keeps every acknowledged write across ${ROUNDS} SIGKILLs under load`, { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const command = await fixtureCommand(await tempDir());
    const told: Told = { added: new Map(), delivered: new Map(), acked: new Set(), ackSent: new Set() };
    const started = Date.now();
    const logLines: string[] = [];
    // FSYNC alternates: `always` is the default path; `no` is as safe against a process kill and
    // fast enough to cross many snapshots.
    let server = await startServer(command, dir, 'always');
    try {
      for (const key of KEYS) expect(await post(server, '/group', { key, group: GROUP })).toEqual({});
      for (let round = 0; round < ROUNDS; round++) {
        const rounds = { stop: false };
        const running = load(server, told, rounds);
        await new Promise((r) => setTimeout(r, 150 + Math.random() * 700));
        await kill(server);
        rounds.stop = true;
        await running;
        logLines.push(...server.stderr);
        server = await startServer(command, dir, round % 2 ? 'always' : 'no');
        const state = await fetch(`${server.base}/state`, { method: 'POST' }).then((r) => r.json() as Promise<Record<string, StreamState>>);
        verify(state, told);
        expect(server.stderr.filter((l) => l.startsWith('ERROR'))).toEqual([]);
      }
    } finally {
      await kill(server);
    }
    expect(told.added.size).toBeGreaterThan(ROUNDS * 10);
    expect(told.acked.size).toBeGreaterThan(0);
    const snapshots = logLines.filter((l) => l.includes('snapshot written')).length;
    const torn = logLines.filter((l) => l.includes('torn record')).length;
    console.info(
      `crash test: ${ROUNDS} rounds in ${Date.now() - started} ms; ${told.added.size} acknowledged XADDs, ` +
        `${told.delivered.size} deliveries, ${told.acked.size} acknowledged XACKs; ${snapshots} snapshots, ${torn} torn tails cut`,
    );
  });
});

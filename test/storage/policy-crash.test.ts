import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_FIELDS } from '../../src/domain/types.js';
import { fixtureCommand, kill, post, startServer, type Server } from './helpers/child-server.js';
import { useTempDirs } from './helpers/temp-dir.js';

/**
 * Crash test with delivery policies active: a child server takes appends, group reads, nacks and
 * acks on a group whose short ack deadline and maxDeliveries make its timers take entries back and
 * dead-letter them all the time, and is SIGKILLed at random moments. After each restart every
 * entry the group was given is in exactly one place: pending (with a due time that fits its
 * owner), dead-lettered once, or acknowledged; and every pending entry has the policy's due state.
 */
const ROUNDS = Number(process.env.POLICY_CRASH_ROUNDS ?? 8);
const KEY = 'jobs';
const DLQ = 'jobs-dlq';
const GROUP = 'workers';
const POLICY = { ackDeadlineMs: 40, maxDeliveries: 3, deadLetterStream: DLQ, retryBackoffMs: [5, 20] };

const tempDir = useTempDirs();

type Due = { queue: string; due: number } | null;

interface DebugStream {
  entries: [string, string[]][];
  groups: { name: string; lastId: string; pel: [string, string | null, number, number][]; policy: unknown; dues: [string, Due][] }[];
}

/** debugState prints IDs as the 128-bit number; back to `ms-seq`. */
function formatRaw(raw: string): string {
  const v = BigInt(raw);
  return `${v >> 64n}-${v & ((1n << 64n) - 1n)}`;
}

interface Told {
  added: Set<string>;
  acked: Set<string>;
  ackSent: Set<string>;
}

function verify(state: Record<string, DebugStream>, told: Told): void {
  const jobs = state[KEY]!;
  const group = jobs.groups.find((g) => g.name === GROUP)!;
  expect(group.policy).toEqual(POLICY);
  const original = new Map(jobs.entries.map(([raw, fields]) => [formatRaw(raw), fields]));
  const ids = new Set(original.keys());
  for (const id of told.added) expect(ids.has(id), `acknowledged XADD ${id}`).toBe(true);

  const pending = new Map(group.pel.map(([raw, consumer, , count]) => [formatRaw(raw), { consumer, count }]));
  const dues = new Map(group.dues.map(([raw, due]) => [formatRaw(raw), due]));
  const lettered = new Map<string, number>();
  for (const [, fields] of state[DLQ]?.entries ?? []) {
    const n = fields.length;
    expect(fields.slice(n - 8, n).filter((_, i) => i % 2 === 0)).toEqual([DEAD_LETTER_FIELDS.stream, DEAD_LETTER_FIELDS.id, DEAD_LETTER_FIELDS.group, DEAD_LETTER_FIELDS.deliveries]);
    const origin = fields[n - 5]!;
    expect(lettered.has(origin), `${origin} dead-lettered twice`).toBe(false);
    lettered.set(origin, Number(fields[n - 1]));
    expect(fields.slice(0, n - 8), `${origin}'s fields intact`).toEqual(original.get(origin));
  }
  for (const [origin, deliveries] of lettered) {
    expect(pending.has(origin), `${origin} both pending and dead-lettered`).toBe(false);
    expect(deliveries).toBeGreaterThanOrEqual(POLICY.maxDeliveries);
    expect(ids.has(origin)).toBe(true);
  }
  for (const [id, { consumer, count }] of pending) {
    const due = dues.get(id) ?? null;
    if (consumer !== null) expect(due?.queue, `owned ${id} has a deadline`).toBe('deadline');
    else expect(['nacked', 'overdue', 'doomed'], `unowned ${id} is due (${JSON.stringify(due)})`).toContain(due?.queue);
    if (count >= POLICY.maxDeliveries && consumer === null) expect(due?.queue).toBe('doomed');
  }
  const lastId = formatRaw(group.lastId);
  for (const [raw] of jobs.entries) {
    const id = formatRaw(raw);
    if (compareIds(id, lastId) > 0) continue;
    // Delivered to the group: pending, dead-lettered or acknowledged; an ack whose answer was lost may have gone either way.
    const places = [pending.has(id), lettered.has(id), told.acked.has(id)].filter(Boolean).length;
    if (told.ackSent.has(id) && !told.acked.has(id)) expect(places, `${id}`).toBeLessThanOrEqual(1);
    else expect(places, `${id} is in exactly one place`).toBe(1);
  }
}

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

async function load(server: Server, told: Told, rounds: { stop: boolean }): Promise<void> {
  const writers = Array.from({ length: 2 }, async (_, w) => {
    for (let seq = 0; !rounds.stop; seq++) {
      const res = await post<{ id: string }>(server, '/add', { key: KEY, client: `w${w}`, seq });
      if (res) told.added.add(res.id);
      else if (rounds.stop) return;
      await new Promise((r) => setTimeout(r, 2));
    }
  });
  const readers = Array.from({ length: 3 }, async (_, r) => {
    while (!rounds.stop) {
      const res = await post<{ entries: { id: string }[] }>(server, '/read', { key: KEY, group: GROUP, consumer: `c${r}`, count: 4 });
      if (!res) continue;
      const ack: string[] = [];
      const nack: string[] = [];
      // Half are acknowledged, a fifth nacked, the rest left to their deadline: unlucky ones reach maxDeliveries.
      for (const e of res.entries) {
        const roll = Math.random();
        if (roll < 0.5) ack.push(e.id);
        else if (roll < 0.7) nack.push(e.id);
      }
      if (nack.length > 0) await post(server, '/nack', { key: KEY, group: GROUP, ids: nack });
      // One ID an XACK, so that its count says whether that ID was still pending (a deadline may have dead-lettered it first).
      for (const id of ack) {
        told.ackSent.add(id);
        const acked = await post<{ acked: number }>(server, '/ack', { key: KEY, group: GROUP, ids: [id] });
        if (acked?.acked === 1) told.acked.add(id);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  await Promise.all([...writers, ...readers]);
}

describe('crash recovery with delivery policies', () => {
  it(`keeps pending, dead-lettered and acknowledged entries apart across ${ROUNDS} SIGKILLs`, { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const command = await fixtureCommand(await tempDir());
    const told: Told = { added: new Set(), acked: new Set(), ackSent: new Set() };
    let server = await startServer(command, dir, 'always');
    let dead = 0;
    try {
      expect(await post(server, '/policy-group', { key: KEY, group: GROUP, policy: POLICY })).toEqual({});
      for (let round = 0; round < ROUNDS; round++) {
        const rounds = { stop: false };
        const running = load(server, told, rounds);
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 500));
        await kill(server);
        rounds.stop = true;
        await running;
        server = await startServer(command, dir, round % 2 ? 'always' : 'no');
        const state = await fetch(`${server.base}/state`, { method: 'POST' }).then((r) => r.json() as Promise<Record<string, DebugStream>>);
        verify(state, told);
        dead = state[DLQ]?.entries.length ?? 0;
        expect(server.stderr.filter((l) => l.startsWith('ERROR'))).toEqual([]);
      }
      // With nobody reading, the restarted timers still take back and dead-letter what falls due.
      await new Promise((r) => setTimeout(r, 200));
      const settled = await fetch(`${server.base}/state`, { method: 'POST' }).then((r) => r.json() as Promise<Record<string, DebugStream>>);
      verify(settled, told);
      const owned = settled[KEY]!.groups[0]!.pel.filter(([, consumer]) => consumer !== null);
      expect(owned, 'every deadline has passed and been acted on').toEqual([]);
    } finally {
      await kill(server);
    }
    expect(told.added.size).toBeGreaterThan(ROUNDS * 10);
    expect(dead, 'the timers dead-lettered something').toBeGreaterThan(0);
    console.info(`policy crash test: ${ROUNDS} rounds; ${told.added.size} acknowledged XADDs, ${told.acked.size} acknowledged XACKs, ${dead} dead letters`);
  });
});

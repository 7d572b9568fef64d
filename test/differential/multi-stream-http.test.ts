/**
 * The multi-stream reads over HTTP (POST /v1/read, POST
 * /v1/groups/{group}/consumers/{consumer}/read) against redis-server's
 * multi-key XREAD and XREADGROUP: the same writes on both sides (explicit
 * IDs), then seeded random reads, each answer compared entry by entry.
 *
 * The one difference by design: XREADGROUP answers a history read that finds
 * nothing with the key and an empty list; HTTP leaves that stream out, as it
 * leaves out every stream with nothing (so Redis's empty lists are dropped
 * before comparing).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { redisServerAvailable } from '../helpers/redis-server.js';
import { Rng } from './generator.js';
import { useOracle } from './harness.js';

type RedisEntry = [string, string[] | null];
type RedisRead = [string, RedisEntry[]][] | null;
type Normalised = [string, [string, string[] | null][]][];

const STREAMS = ['orders', 'a,b', 'é/日本'];
const SEEDS = [1, 2, 3, 4, 5];

function fromRedis(reply: RedisRead): Normalised {
  return (reply ?? []).filter(([, entries]) => entries.length > 0).map(([key, entries]) => [key, entries.map(([id, fields]) => [id, fields])]);
}

function fromHttp(body: { streams: { stream: string; messages: { id: string; fields: [string, string][] | null }[] }[] }): Normalised {
  return body.streams.map((s) => [s.stream, s.messages.map((m) => [m.id, m.fields === null ? null : m.fields.flat()])]);
}

describe.skipIf(!redisServerAvailable())('multi-stream reads over HTTP, against redis-server', () => {
  const oracle = useOracle();
  let t: TestApp;
  let app: FastifyInstance;

  beforeAll(async () => {
    t = await buildTestApp();
    app = t.app;
  });
  afterAll(() => t.close());

  async function http(url: string, body: unknown): Promise<Normalised> {
    const response = await app.inject({ method: 'POST', url: `${url}?fieldsFormat=pairs`, payload: body as object });
    expect(response.statusCode, response.body).toBe(200);
    return fromHttp(response.json());
  }

  for (const seed of SEEDS) {
    it(`seed ${seed}: XREAD and XREADGROUP of several keys answer the same entries`, async () => {
      const rng = new Rng(seed);
      await oracle.redis.call('FLUSHALL');
      const names = STREAMS.map((s) => `${s}-${seed}`);
      for (const name of names) await app.inject({ method: 'DELETE', url: `/v1/streams/${encodeURIComponent(name)}` });
      const ids: Record<string, string[]> = {};
      let ms = 1;
      for (const name of names) {
        ids[name] = [];
        await oracle.redis.call('XGROUP', 'CREATE', name, 'g', '0', 'MKSTREAM');
        const created = await app.inject({ method: 'POST', url: `/v1/streams/${encodeURIComponent(name)}/groups`, payload: { name: 'g', startId: '0', mkStream: true } });
        expect(created.statusCode).toBe(201);
      }
      const append = async (name: string) => {
        const id = `${ms++}-${rng.int(0, 3)}`;
        const fields = ['n', String(ms), 'k', String(rng.int(0, 9))];
        await oracle.redis.call('XADD', name, id, ...fields);
        const added = await app.inject({ method: 'POST', url: `/v1/streams/${encodeURIComponent(name)}/messages`, payload: { id, fields: [[fields[0], fields[1]], [fields[2], fields[3]]] } });
        expect(added.statusCode, added.body).toBe(201);
        ids[name]!.push(id);
      };
      for (let i = 0; i < 30; i++) await append(names[rng.int(0, names.length - 1)]!);

      let answered = 0;
      for (let step = 0; step < 40; step++) {
        const chosen = names.filter(() => rng.chance(0.7));
        if (chosen.length === 0) chosen.push(names[0]!);
        const count = rng.int(1, 6);
        const kind = rng.int(0, 4);
        if (kind === 0) {
          const after = chosen.map((name) => (rng.chance(0.2) ? '0' : (ids[name]![rng.int(0, Math.max(0, ids[name]!.length - 1))] ?? '0')));
          const redis = fromRedis((await oracle.redis.call('XREAD', 'COUNT', count, 'STREAMS', ...chosen, ...after)) as RedisRead);
          const ours = await http('/v1/read', { count, streams: chosen.map((stream, i) => ({ stream, after: after[i] })) });
          if (redis.length > 1) answered++;
          expect(ours, `XREAD COUNT ${count} STREAMS ${chosen.join(' ')} ${after.join(' ')}`).toEqual(redis);
        } else if (kind <= 2) {
          const consumer = `c${rng.int(1, 2)}`;
          const from = chosen.map(() => (kind === 2 && rng.chance(0.5) ? '0' : '>'));
          const noAck = rng.chance(0.15) && from.every((f) => f === '>');
          const redis = fromRedis((await oracle.redis.call('XREADGROUP', 'GROUP', 'g', consumer, 'COUNT', count, ...(noAck ? ['NOACK'] : []), 'STREAMS', ...chosen, ...from)) as RedisRead);
          const ours = await http(`/v1/groups/g/consumers/${consumer}/read`, { count, noAck, streams: chosen.map((stream, i) => ({ stream, after: from[i] })) });
          if (redis.length > 1) answered++;
          expect(ours, `XREADGROUP GROUP g ${consumer} COUNT ${count} STREAMS ${chosen.join(' ')} ${from.join(' ')}`).toEqual(redis);
        } else if (kind === 3) {
          const name = chosen[0]!;
          const some = ids[name]!.filter(() => rng.chance(0.3));
          if (some.length === 0) continue;
          await oracle.redis.call('XACK', name, 'g', ...some);
          await app.inject({ method: 'POST', url: `/v1/streams/${encodeURIComponent(name)}/groups/g/acks`, payload: { ids: some } });
        } else {
          if (rng.chance(0.5)) await append(chosen[0]!);
          else {
            const name = chosen[0]!;
            const victim = ids[name]![rng.int(0, Math.max(0, ids[name]!.length - 1))];
            if (victim === undefined) continue;
            await oracle.redis.call('XDEL', name, victim);
            await app.inject({ method: 'DELETE', url: `/v1/streams/${encodeURIComponent(name)}/messages/${victim}` });
          }
        }
      }
      // The comparison is not of empty answers: several reads found entries on more than one key.
      expect(answered).toBeGreaterThan(3);
    });
  }
});

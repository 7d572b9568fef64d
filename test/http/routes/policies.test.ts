import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_FIELDS } from '../../../src/domain/types.js';
import { buildTestAppOn, call, streamName, streamPath, type AnyTestApp } from '../../helpers/app.js';
import { httpBackendMatrix, POLICY_BACKENDS, useHttpBackend, type BackendRow } from '../../helpers/backends.js';
import { expectProblem } from '../../helpers/expect-problem.js';
import { openSse } from '../../helpers/sse.js';

/** Rows without delivery policies yet (see POLICY_BACKENDS) check that policies are refused with 501 (bad ones with 400), never ignored. */
const policyBackends = (): BackendRow[] => httpBackendMatrix().filter((row) => POLICY_BACKENDS.includes(row.name));
const otherBackends = (): BackendRow[] => httpBackendMatrix().filter((row) => !POLICY_BACKENDS.includes(row.name));

let t: AnyTestApp;
let base: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A new stream with `n` messages (fields `{n: "<i>"}`) and group `g` from its start with `policy`. */
async function policyStream(policy: object, n = 1): Promise<{ stream: string; ids: string[] }> {
  const stream = streamName();
  const created = await call(t.app, 'POST', streamPath(stream, 'groups'), { name: 'g', startId: '0', mkStream: true, policy });
  expect(created.statusCode, created.body).toBe(201);
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) ids.push((await call(t.app, 'POST', streamPath(stream, 'messages'), { fields: { n: String(i) } })).json().id);
  return { stream, ids };
}

const read = async (stream: string, consumer: string, body: object = {}) => {
  const r = await call(t.app, 'POST', streamPath(stream, 'groups', 'g', 'consumers', consumer, 'read'), body);
  expect(r.statusCode, r.body).toBe(200);
  return r.json().messages as { id: string; fields: Record<string, string>; deliveryCount: number; ackDeadline?: number }[];
};
const pending = async (stream: string) =>
  ((await call(t.app, 'GET', `${streamPath(stream, 'groups', 'g', 'pending', 'messages')}?start=-&end=%2B&count=100`)).json().messages as { id: string; consumer: string | null; deliveryCount: number }[]).map(
    (p) => [p.id, p.consumer, p.deliveryCount],
  );

describe.each(policyBackends())('delivery policies on $name', (row) => {
  const env = useHttpBackend(row);
  beforeAll(async () => {
    t = await buildTestAppOn(env.backend, { sseHeartbeatMs: 50, sseRetryMs: 20 });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    const closing = t.close();
    t.app.server.closeAllConnections();
    await closing;
  });

  describe('the policy of a group', () => {
    const POLICY = { ackDeadlineMs: 30000, maxDeliveries: 5, deadLetterStream: 'orders-dlq', retryBackoffMs: [1000, 5000, 30000], consumerIdleTimeoutMs: 3600000 };

    it('is given on creation and shown by GET and the list', async () => {
      const stream = streamName();
      const created = await call(t.app, 'POST', streamPath(stream, 'groups'), { name: 'g', mkStream: true, policy: POLICY });
      expect(created.statusCode).toBe(201);
      expect(created.json().policy).toEqual(POLICY);
      expect((await call(t.app, 'GET', streamPath(stream, 'groups', 'g'))).json().policy).toEqual(POLICY);
      expect((await call(t.app, 'GET', streamPath(stream, 'groups'))).json().groups.map((g: { policy: unknown }) => g.policy)).toEqual([POLICY]);
    });

    it('refuses invalid policies with 400 VALIDATION, creating nothing', async () => {
      const stream = streamName();
      const bad = [
        { maxDeliveries: 0, deadLetterStream: 'dlq' },
        { maxDeliveries: 3 },
        { deadLetterStream: 'dlq' },
        { maxDeliveries: 3, deadLetterStream: stream },
        { ackDeadlineMs: -1 },
        { ackDeadlineMs: 0 },
        { ackDeadlineMs: 10 ** 12 },
        { retryBackoffMs: [1, -1] },
        { consumerIdleTimeoutMs: 1e15 },
        { ackDeadlineMs: '5' },
        { unknown: 1 },
      ];
      for (const policy of bad) expectProblem(await call(t.app, 'POST', streamPath(stream, 'groups'), { name: 'g', mkStream: true, policy }), 400, 'VALIDATION');
      expectProblem(await call(t.app, 'GET', streamPath(stream, 'groups')), 404, 'NO_STREAM');
    });

    it('PATCH sets it alone or with lastDeliveredId in one step, null removes it; a failing PATCH changes nothing', async () => {
      const { stream } = await policyStream({ ackDeadlineMs: 1000 }, 2);
      const path = streamPath(stream, 'groups', 'g');
      const both = await call(t.app, 'PATCH', path, { lastDeliveredId: '$', policy: { ackDeadlineMs: 2000 } });
      expect(both.statusCode).toBe(200);
      expect(both.json()).toMatchObject({ lag: 0, policy: { ackDeadlineMs: 2000 } });
      expectProblem(await call(t.app, 'PATCH', path, { lastDeliveredId: '0', policy: { maxDeliveries: 0, deadLetterStream: 'd' } }), 400, 'VALIDATION');
      expect((await call(t.app, 'GET', path)).json()).toMatchObject({ lag: 0, policy: { ackDeadlineMs: 2000 } });
      expectProblem(await call(t.app, 'PATCH', path, {}), 400, 'VALIDATION');
      expectProblem(await call(t.app, 'PATCH', path, { entriesRead: 1, policy: null }), 400, 'VALIDATION');
      expect((await call(t.app, 'PATCH', path, { policy: null })).json().policy).toBeNull();
      expect((await call(t.app, 'PATCH', path, { lastDeliveredId: '0' })).json()).toMatchObject({ lag: 2, policy: null });
      expectProblem(await call(t.app, 'PATCH', streamPath(stream, 'groups', 'nope'), { policy: { ackDeadlineMs: 5 } }), 404, 'NOGROUP');
    });
  });

  describe('ack deadline', () => {
    it('stamps deliveries with their deadline and redelivers past it to a parked long-poll, first', async () => {
      const { stream, ids } = await policyStream({ ackDeadlineMs: 200 }, 1);
      const before = Date.now();
      const [first] = await read(stream, 'a');
      expect(first!.ackDeadline).toBeGreaterThanOrEqual(before + 200);
      expect(first!.ackDeadline).toBeLessThanOrEqual(Date.now() + 200);
      const started = Date.now();
      const again = await read(stream, 'b', { waitMs: 3000 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(again.map((m) => [m.id, m.deliveryCount])).toEqual([[ids[0], 2]]);
      expect(await pending(stream)).toEqual([[ids[0], 'b', 2]]);
    });

    it('extend keeps an entry with its consumer past the old deadline; 409 without ackDeadlineMs; 400 and 404', async () => {
      const { stream, ids } = await policyStream({ ackDeadlineMs: 150 }, 2);
      await read(stream, 'a');
      const extend = streamPath(stream, 'groups', 'g', 'extend');
      const r = await call(t.app, 'POST', extend, { ids: [ids[0], '9-9'], ms: 5000 });
      expect(r.statusCode).toBe(200);
      expect(r.json().extended).toBe(1);
      expect(r.json().ackDeadline).toBeGreaterThan(Date.now() + 4000);
      await sleep(400);
      expect(await pending(stream)).toEqual([
        [ids[0], 'a', 1],
        [ids[1], null, 1],
      ]);
      expectProblem(await call(t.app, 'POST', extend, { ids: [], ms: 10 }), 400, 'VALIDATION');
      expectProblem(await call(t.app, 'POST', extend, { ids: [ids[0]], ms: 0 }), 400, 'VALIDATION');
      expectProblem(await call(t.app, 'POST', streamPath(stream, 'groups', 'nope', 'extend'), { ids: [ids[0]], ms: 10 }), 404, 'NOGROUP');
      const other = await policyStream({ consumerIdleTimeoutMs: 60000 }, 1);
      expectProblem(await call(t.app, 'POST', streamPath(other.stream, 'groups', 'g', 'extend'), { ids: other.ids, ms: 10 }), 409, 'NO_DELIVERY_POLICY');
    });

    it("frees the SSE maxInFlight window when its entries are taken back, and redelivers them to it", async () => {
      const { stream, ids } = await policyStream({ ackDeadlineMs: 250 }, 3);
      const sse = await openSse(`${base}${streamPath(stream, 'groups', 'g', 'consumers', 'c', 'events')}?maxInFlight=2&count=2`);
      await sse.until((e) => e.length >= 2);
      const deliveries = () => sse.events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data) as { id: string; deliveryCount: number });
      expect(deliveries().map((m) => [m.id, m.deliveryCount])).toEqual([
        [ids[0], 1],
        [ids[1], 1],
      ]);
      await sse.until((e) => e.length >= 4, 3000);
      expect(deliveries().slice(2).map((m) => [m.id, m.deliveryCount])).toEqual([
        [ids[0], 2],
        [ids[1], 2],
      ]);
      await call(t.app, 'POST', streamPath(stream, 'groups', 'g', 'acks'), { ids: [ids[0], ids[1]] });
      await sse.until((e) => e.length >= 5, 3000);
      expect(deliveries()[4]!.id).toBe(ids[2]);
      sse.close();
    });
  });

  describe('dead letters', () => {
    it('sends a poison message to the dead-letter stream after maxDeliveries, fields intact, and redrive brings it back', async () => {
      const dlq = streamName();
      const { stream, ids } = await policyStream({ ackDeadlineMs: 100, maxDeliveries: 2, deadLetterStream: dlq }, 1);
      expect((await read(stream, 'a')).map((m) => m.deliveryCount)).toEqual([1]);
      expect((await read(stream, 'a', { waitMs: 2000 })).map((m) => m.deliveryCount)).toEqual([2]);
      // No reader: the timer moves it when its deadline passes.
      await sleep(300);
      expect(await pending(stream)).toEqual([]);
      const letters = (await call(t.app, 'GET', `${streamPath(dlq, 'messages')}?fieldsFormat=pairs`)).json().messages;
      expect(letters).toHaveLength(1);
      expect(letters[0].fields).toEqual([
        ['n', '1'],
        [DEAD_LETTER_FIELDS.stream, stream],
        [DEAD_LETTER_FIELDS.id, ids[0]],
        [DEAD_LETTER_FIELDS.group, 'g'],
        [DEAD_LETTER_FIELDS.deliveries, '2'],
      ]);
      const metrics = (await call(t.app, 'GET', '/metrics')).body;
      expect(metrics).toContain(`streamgate_policy_dead_lettered_total{stream="${stream}",group="g"} 1`);
      expect(metrics).toContain(`streamgate_policy_redelivered_total{stream="${stream}",group="g"} 1`);

      const redrive = await call(t.app, 'POST', streamPath(dlq, 'redrive'), {});
      expect(redrive.statusCode).toBe(200);
      expect(redrive.json()).toEqual({ redriven: 1 });
      expect((await call(t.app, 'GET', streamPath(dlq))).json().length).toBe(0);
      const back = await read(stream, 'b');
      expect(back.map((m) => [m.fields, m.deliveryCount])).toEqual([[{ n: '1' }, 1]]);
      expect(back[0]!.id).not.toBe(ids[0]);
      expect((await call(t.app, 'POST', streamPath(dlq, 'redrive'), { count: 5 })).json()).toEqual({ redriven: 0 });
      expectProblem(await call(t.app, 'POST', streamPath(dlq, 'redrive'), { count: 0 }), 400, 'VALIDATION');
      expect((await call(t.app, 'POST', streamPath(streamName(), 'redrive'), {})).json()).toEqual({ redriven: 0 });
    });
  });

  describe('nacks', () => {
    it('delayMs and the backoff list hold an entry back; a parked reader gets it when it falls due', async () => {
      const { stream, ids } = await policyStream({ retryBackoffMs: [300] }, 1);
      await read(stream, 'a');
      const nacks = streamPath(stream, 'groups', 'g', 'nacks');
      expect((await call(t.app, 'POST', nacks, { ids })).json()).toEqual({ released: 1 });
      expect(await read(stream, 'a')).toEqual([]);
      const started = Date.now();
      expect((await read(stream, 'a', { waitMs: 3000 })).map((m) => m.deliveryCount)).toEqual([2]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
      expect((await call(t.app, 'POST', nacks, { ids, delayMs: 0 })).json()).toEqual({ released: 1 });
      expect((await read(stream, 'a')).map((m) => m.deliveryCount)).toEqual([3]);
      expectProblem(await call(t.app, 'POST', nacks, { ids, delayMs: -1 }), 400, 'VALIDATION');
      expect((await call(t.app, 'GET', '/metrics')).body).toContain(`streamgate_policy_nacked_total{stream="${stream}",group="g"} 2`);
    });

    it('delayMs in a group without a policy is 409 NO_DELIVERY_POLICY', async () => {
      const stream = streamName();
      await call(t.app, 'POST', streamPath(stream, 'groups'), { name: 'g', startId: '0', mkStream: true });
      const id = (await call(t.app, 'POST', streamPath(stream, 'messages'), { fields: { a: '1' } })).json().id;
      await read(stream, 'a');
      expectProblem(await call(t.app, 'POST', streamPath(stream, 'groups', 'g', 'nacks'), { ids: [id], delayMs: 10 }), 409, 'NO_DELIVERY_POLICY');
      expect(await pending(stream)).toEqual([[id, 'a', 1]]);
    });
  });

  describe('idle consumers', () => {
    it('removes a consumer idle past the timeout; its entries go to the next reader, counts kept', async () => {
      const { stream, ids } = await policyStream({ consumerIdleTimeoutMs: 200 }, 2);
      await read(stream, 'a');
      await sleep(400);
      const consumers = (await call(t.app, 'GET', streamPath(stream, 'groups', 'g', 'consumers'))).json().consumers;
      expect(consumers).toEqual([]);
      expect(await pending(stream)).toEqual([
        [ids[0], null, 1],
        [ids[1], null, 1],
      ]);
      expect((await read(stream, 'b')).map((m) => [m.id, m.deliveryCount])).toEqual([
        [ids[0], 2],
        [ids[1], 2],
      ]);
      expect((await call(t.app, 'GET', '/metrics')).body).toContain(`streamgate_policy_consumers_expired_total{stream="${stream}",group="g"} 1`);
    });
  });
});

describe.each(otherBackends())('delivery policies on $name (not kept there yet)', (row) => {
  const env = useHttpBackend(row);
  beforeAll(async () => {
    t = await buildTestAppOn(env.backend);
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a policy with 501 NOT_SUPPORTED_BY_BACKEND (a bad one with 400), creating nothing', async () => {
    const stream = streamName();
    expectProblem(await call(t.app, 'POST', streamPath(stream, 'groups'), { name: 'g', mkStream: true, policy: { ackDeadlineMs: 1000 } }), 501, 'NOT_SUPPORTED_BY_BACKEND');
    expectProblem(await call(t.app, 'POST', streamPath(stream, 'groups'), { name: 'g', mkStream: true, policy: { maxDeliveries: 1 } }), 400, 'VALIDATION');
    expect((await call(t.app, 'POST', streamPath(stream, 'groups'), { name: 'g', mkStream: true })).json().policy).toBeNull();
    expectProblem(await call(t.app, 'PATCH', streamPath(stream, 'groups', 'g'), { policy: { ackDeadlineMs: 1000 } }), 501, 'NOT_SUPPORTED_BY_BACKEND');
    expectProblem(await call(t.app, 'POST', streamPath(stream, 'redrive'), {}), 501, 'NOT_SUPPORTED_BY_BACKEND');
  });
});

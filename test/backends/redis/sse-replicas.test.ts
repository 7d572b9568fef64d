/**
 * SSE across two streamgate replicas on one Redis (or Cluster): maxInFlight
 * room made by an ack through the other replica, and a subscriber resuming on
 * the other replica with Last-Event-ID.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamBackend } from '../../../src/backends/contract.js';
import { buildTestAppOn, streamName, streamPath, type TestAppOn } from '../../helpers/app.js';
import { redisClusterRow, redisStandaloneRow, useBackend } from '../../helpers/backends.js';
import { openSse } from '../../helpers/sse.js';

const rows = [redisStandaloneRow, redisClusterRow].filter((row) => row.available);

describe.each(rows)('SSE over two replicas on $name', (row) => {
  const env = useBackend(row);
  const apps: TestAppOn<StreamBackend>[] = [];
  const bases: string[] = [];

  beforeAll(async () => {
    for (const backend of [env.backend, await env.servers.makeBackend()]) {
      const t = await buildTestAppOn(backend);
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      apps.push(t);
      bases.push(`http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`);
    }
  });

  afterAll(async () => {
    await Promise.all(apps.map((t) => t.close()));
  });

  const post = (base: string, path: string, body: unknown) =>
    fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
      status: r.status,
      body: await r.json(),
    }));

  it('room made by an ack through B; resumed on B with Last-Event-ID', async () => {
    const [a, b] = bases as [string, string];
    const stream = streamName();
    expect((await post(a, streamPath(stream, 'groups'), { name: 'g', startId: '0', mkStream: true })).status).toBe(201);
    const events = streamPath(stream, 'groups', 'g', 'consumers', 'c', 'events');
    const onA = await openSse(`${a}${events}?maxInFlight=2`);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await post(b, streamPath(stream, 'messages'), { fields: { n: String(i) } })).body.id);
    await onA.until((e) => e.length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(onA.events.map((e) => e.id)).toEqual(ids.slice(0, 2));
    expect((await post(b, streamPath(stream, 'groups', 'g', 'acks'), { ids: [ids[0]] })).status).toBe(200);
    await onA.until((e) => e.length >= 3);
    expect(onA.events.map((e) => e.id)).toEqual(ids);
    onA.close();

    // The position is in the event ID, not in the replica: B sends again what c still holds after it.
    const onB = await openSse(`${b}${events}?maxInFlight=2`, { 'last-event-id': ids[0]! });
    await onB.until((e) => e.length >= 2);
    expect(onB.events.map((e) => e.id)).toEqual(ids.slice(1));
    expect(JSON.parse(onB.events[0]!.data)).toMatchObject({ id: ids[1], deliveryCount: 2 });
    onB.close();
  });
});

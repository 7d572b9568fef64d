import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, readGroup, streamPath, streamWithGroup, type TestApp } from '../../helpers/app.js';
import { expectProblem } from '../../helpers/expect-problem.js';
import { openSse } from '../../helpers/sse.js';

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await buildTestApp({ sseHeartbeatMs: 50, sseRetryMs: 20 });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  const closing = t.close();
  t.app.server.closeAllConnections();
  await closing;
});

describe('POST .../read with claimMinIdleMs (XREADGROUP CLAIM)', () => {
  it('claims idle pending entries first (with idleMs), then new ones, within count', async () => {
    const s = await streamWithGroup(t.app, 2);
    await readGroup(t.app, s, 'a', { count: 1 });
    await new Promise((r) => setTimeout(r, 30));
    const res = await readGroup(t.app, s, 'b', { claimMinIdleMs: 20, count: 2 });
    expect(res.statusCode).toBe(200);
    const messages = res.json().messages;
    expect(messages.map((m: { id: string; deliveryCount: number }) => [m.id, m.deliveryCount])).toEqual([
      ['1-0', 2],
      ['2-0', 1],
    ]);
    expect(messages[0].idleMs).toBeGreaterThanOrEqual(20);
    expect(messages[1]).not.toHaveProperty('idleMs');
  });

  it('takes released (nacked) entries first, and waits until an entry becomes claimable', async () => {
    const s = await streamWithGroup(t.app, 2);
    await readGroup(t.app, s, 'a', {});
    await call(t.app, 'POST', streamPath(s, 'groups', 'g', 'nacks'), { ids: ['2-0'] });
    const first = await readGroup(t.app, s, 'b', { claimMinIdleMs: 60_000, count: 1 });
    expect(first.json().messages.map((m: { id: string }) => m.id)).toEqual(['2-0']);
    const started = Date.now();
    const waited = await readGroup(t.app, s, 'b', { claimMinIdleMs: 100, count: 1, waitMs: 3000 });
    expect(waited.json().messages.map((m: { id: string }) => m.id)).toEqual(['1-0']);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('refuses claimMinIdleMs with a history read, and a negative one', async () => {
    const s = await streamWithGroup(t.app, 1);
    expectProblem(await readGroup(t.app, s, 'b', { after: '0', claimMinIdleMs: 0 }), 400, 'VALIDATION');
    expectProblem(await readGroup(t.app, s, 'b', { claimMinIdleMs: -1 }), 400, 'VALIDATION');
  });
});

describe('group SSE with claimMinIdleMs', () => {
  it('delivers entries claimed from another consumer once they are idle enough', async () => {
    const s = await streamWithGroup(t.app, 1);
    await readGroup(t.app, s, 'a', {});
    const sse = await openSse(`${base}${streamPath(s, 'groups', 'g', 'consumers', 'b', 'events')}?claimMinIdleMs=50`);
    expect(sse.status).toBe(200);
    const events = await sse.until((e) => e.some((x) => x.event === 'message'), 3000);
    const message = JSON.parse(events.find((x) => x.event === 'message')!.data);
    expect(message).toMatchObject({ id: '1-0', deliveryCount: 2 });
    expect(message.idleMs).toBeGreaterThanOrEqual(50);
    sse.close();
    const bad = await fetch(`${base}${streamPath(s, 'groups', 'g', 'consumers', 'b', 'events')}?claimMinIdleMs=-5`, { headers: { accept: 'text/event-stream' } });
    expect(bad.status).toBe(400);
  });
});

describe('POST .../read with maxCount / maxBytes (XREADGROUP MAXCOUNT / MAXSIZE)', () => {
  it('caps the reply; at least one message; maxCount below count is refused', async () => {
    const s = await streamWithGroup(t.app, 5);
    const capped = await readGroup(t.app, s, 'a', { maxCount: 2 });
    expect(capped.json().messages.map((m: { id: string }) => m.id)).toEqual(['1-0', '2-0']);
    // Each message is {i: "<n>"}: 2 bytes.
    const bytes = await readGroup(t.app, s, 'a', { maxBytes: 5 });
    expect(bytes.json().messages.map((m: { id: string }) => m.id)).toEqual(['3-0', '4-0']);
    const one = await readGroup(t.app, s, 'a', { maxBytes: 1 });
    expect(one.json().messages.map((m: { id: string }) => m.id)).toEqual(['5-0']);
    const pending = (await call(t.app, 'GET', streamPath(s, 'groups', 'g', 'pending'))).json();
    expect(pending.count).toBe(5);
    expectProblem(await readGroup(t.app, s, 'a', { count: 5, maxCount: 2 }), 400, 'VALIDATION');
    expectProblem(await readGroup(t.app, s, 'a', { maxBytes: 0 }), 400, 'VALIDATION');
  });
});

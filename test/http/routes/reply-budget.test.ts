import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendLimits } from '../../../src/backends/create-backend.js';
import { loadConfig, type Config } from '../../../src/config.js';
import { buildTestApp, buildTestAppOn, call, json, readGroup, streamPath, streamWithGroup, type AnyTestApp, type TestApp } from '../../helpers/app.js';
import { httpBackendMatrix, useBackend } from '../../helpers/backends.js';
import { expectProblem } from '../../helpers/expect-problem.js';

const MB = 1_000_000;

/** A backend of the row with the caps of `overrides` (as create-backend.ts sets them from the settings). */
function useCappedApp(row: Parameters<typeof useBackend>[0], overrides: Partial<Config>): { t: AnyTestApp } {
  const env = useBackend(row, { ...(row.cluster ? { keyPrefix: 'sg:' } : {}), limits: backendLimits({ ...loadConfig({}), ...overrides }) });
  const holder = {} as { t: AnyTestApp };
  beforeAll(async () => {
    holder.t = await buildTestAppOn(env.backend, overrides);
  });
  afterAll(() => holder.t?.close());
  return holder;
}

const pendingCount = async (t: AnyTestApp, stream: string): Promise<number> => json(await call(t.app, 'GET', streamPath(stream, 'groups', 'g', 'pending'))).count;

/** Issue 12's probe: a group read of count 10000 over entries of ~1 MB answered 500 after making them all pending. */
describe.each(httpBackendMatrix())('MAX_RESPONSE_BYTES ($name)', (row) => {
  const holder = useCappedApp(row, { bodyLimitBytes: 2 * MB, maxConsumersPerGroup: 2 });
  let stream: string;
  const value = 'x'.repeat(MB);

  beforeAll(async () => {
    const { t } = holder;
    stream = await streamWithGroup(t.app, 0);
    for (let i = 0; i < 14; i++) expect((await call(t.app, 'POST', streamPath(stream, 'messages'), { fields: { v: value } })).statusCode).toBe(201);
  }, 60_000);

  it('a group read stops at the 4 MiB budget; only the returned messages are pending; the next read continues', async () => {
    const { t } = holder;
    const first = await readGroup(t.app, stream, 'c', { count: 10_000 });
    expect(first.statusCode).toBe(200);
    expect(first.body.length).toBeLessThan(5 * MB);
    const delivered = json(first).messages as { id: string }[];
    expect(delivered).toHaveLength(4);
    expect(await pendingCount(t, stream)).toBe(4);
    const second = json(await readGroup(t.app, stream, 'c', { count: 10_000 })).messages as { id: string }[];
    expect(second).toHaveLength(4);
    expect(second[0]!.id > delivered[3]!.id).toBe(true);
    expect(await pendingCount(t, stream)).toBe(8);
  });

  it('a history read stops at the budget and bumps only what it returns', async () => {
    const { t } = holder;
    const history = await readGroup(t.app, stream, 'c', { after: '0', count: 10_000 });
    expect(history.statusCode).toBe(200);
    const messages = json(history).messages as { id: string; deliveryCount: number }[];
    expect(messages).toHaveLength(4);
    expect(messages.map((m) => m.deliveryCount)).toEqual([2, 2, 2, 2]);
    const pending = json(await call(t.app, 'GET', `${streamPath(stream, 'groups', 'g', 'pending', 'messages')}?count=100`)).messages as { deliveryCount: number }[];
    expect(pending.map((p) => p.deliveryCount)).toEqual([2, 2, 2, 2, 1, 1, 1, 1]);
  });

  it('XRANGE, XREVRANGE, XINFO FULL and XAUTOCLAIM answer 200 within the budget', async () => {
    const { t } = holder;
    const range = await call(t.app, 'GET', `${streamPath(stream, 'messages')}?count=10000`);
    expect(range.statusCode).toBe(200);
    expect(json(range).messages).toHaveLength(4);
    const reverse = await call(t.app, 'GET', `${streamPath(stream, 'messages')}?count=10000&reverse=true`);
    expect(reverse.statusCode).toBe(200);
    expect(json(reverse).messages).toHaveLength(4);
    const full = await call(t.app, 'GET', `${streamPath(stream)}?full=true&count=10000`);
    expect(full.statusCode).toBe(200);
    expect(json(full).entries).toHaveLength(4);
    const claimed = await call(t.app, 'POST', streamPath(stream, 'groups', 'g', 'autoclaim'), { consumer: 'd', minIdleMs: 0, count: 1000 });
    expect(claimed.statusCode).toBe(200);
    const messages = json(claimed).messages as { id: string }[];
    expect(messages).toHaveLength(4);
    expect(json(claimed).nextStart).toBe(json(await call(t.app, 'GET', `${streamPath(stream, 'groups', 'g', 'pending', 'messages')}?count=100`)).messages[4].id);
    const owners = json(await call(t.app, 'GET', `${streamPath(stream, 'groups', 'g', 'pending', 'messages')}?count=100`)).messages as { consumer: string }[];
    expect(owners.filter((p) => p.consumer === 'd')).toHaveLength(4);
    expect(await pendingCount(t, stream)).toBe(8);
  });

  it('XCLAIM claims the IDs that fit and leaves the rest', async () => {
    const { t } = holder;
    const ids = (json(await call(t.app, 'GET', `${streamPath(stream, 'groups', 'g', 'pending', 'messages')}?count=100`)).messages as { id: string }[]).map((p) => p.id);
    const claimed = await call(t.app, 'POST', streamPath(stream, 'groups', 'g', 'claims'), { consumer: 'c', minIdleMs: 0, ids });
    expect(claimed.statusCode).toBe(200);
    expect((json(claimed).messages as { id: string }[]).map((m) => m.id)).toEqual(ids.slice(0, 4));
    const owners = json(await call(t.app, 'GET', `${streamPath(stream, 'groups', 'g', 'pending', 'messages')}?count=100`)).messages as { consumer: string }[];
    expect(owners.map((p) => p.consumer)).toEqual(['c', 'c', 'c', 'c', 'c', 'c', 'c', 'c']);
  });

  it('maxBytes lowers the cap; maxCount below count is a 400', async () => {
    const { t } = holder;
    const small = json(await readGroup(t.app, stream, 'c', { maxBytes: 1 })).messages;
    expect(small).toHaveLength(1);
    expect(await pendingCount(t, stream)).toBe(9);
    expectProblem(await readGroup(t.app, stream, 'c', { count: 5, maxCount: 2 }), 400, 'VALIDATION');
  });

  it('MAX_CONSUMERS_PER_GROUP: a read, a claim or a create that would make one more consumer is a 409 and changes nothing', async () => {
    const { t } = holder;
    const before = await pendingCount(t, stream);
    expectProblem(await readGroup(t.app, stream, 'e', {}), 409, 'MAX_CONSUMERS_REACHED');
    expect(await pendingCount(t, stream)).toBe(before);
    expectProblem(await call(t.app, 'PUT', streamPath(stream, 'groups', 'g', 'consumers', 'f')), 409, 'MAX_CONSUMERS_REACHED');
    expectProblem(await call(t.app, 'POST', streamPath(stream, 'groups', 'g', 'autoclaim'), { consumer: 'h', minIdleMs: 0 }), 409, 'MAX_CONSUMERS_REACHED');
    const names = (json(await call(t.app, 'GET', streamPath(stream, 'groups', 'g', 'consumers'))).consumers as { name: string }[]).map((c) => c.name).sort();
    expect(names).toEqual(['c', 'd']);
    expect((await call(t.app, 'PUT', streamPath(stream, 'groups', 'g', 'consumers', 'c'))).statusCode).toBeLessThan(300);
  });
});

describe.each(httpBackendMatrix())('maxCount / maxBytes on the multi-stream reads ($name)', (row) => {
  const holder = useCappedApp(row, {});

  it('caps the whole multi-stream reply', async () => {
    const { t } = holder;
    const a = await streamWithGroup(t.app, 3);
    const b = await streamWithGroup(t.app, 3);
    const streams = [
      { stream: a, after: '0' },
      { stream: b, after: '0' },
    ];
    const read = json(await call(t.app, 'POST', '/v1/read', { streams, maxCount: 4 }));
    expect(read.streams.map((s: { messages: unknown[] }) => s.messages.length)).toEqual([3, 1]);
    const group = json(await call(t.app, 'POST', '/v1/groups/g/consumers/c/read', { streams: streams.map((s) => ({ stream: s.stream })), maxBytes: 2 }));
    expect(group.streams.map((s: { messages: unknown[] }) => s.messages.length)).toEqual([1]);
    expect(await pendingCount(t, a)).toBe(1);
    expect(await pendingCount(t, b)).toBe(0);
    const rest = json(await call(t.app, 'POST', '/v1/groups/g/consumers/c/read', { streams: streams.map((s) => ({ stream: s.stream })), maxCount: 3 }));
    expect(rest.streams.map((s: { messages: unknown[] }) => s.messages.length)).toEqual([2, 1]);
    expect((await pendingCount(t, a)) + (await pendingCount(t, b))).toBe(4);
    expectProblem(await call(t.app, 'POST', '/v1/read', { streams, count: 5, maxCount: 4 }), 400, 'VALIDATION');
  });
});

describe.each(httpBackendMatrix())('the budget on due entries of a delivery policy ($name)', (row) => {
  const holder = useCappedApp(row, {});

  it('due (nacked) entries past the budget stay due, pending as they were; the next reads take them, then new ones', async () => {
    const { t } = holder;
    const stream = await streamWithGroup(t.app, 0);
    expect((await call(t.app, 'PATCH', streamPath(stream, 'groups', 'g'), { policy: { ackDeadlineMs: 60_000 } })).statusCode).toBe(200);
    const messages = Array.from({ length: 5 }, (_, i) => ({ fields: { i: String(i), pad: 'p'.repeat(10) } }));
    expect((await call(t.app, 'POST', streamPath(stream, 'messages', 'batch'), { messages })).statusCode).toBe(201);
    const first = json(await readGroup(t.app, stream, 'a', { count: 3 })).messages as { id: string }[];
    expect(first).toHaveLength(3);
    expect(json(await call(t.app, 'POST', streamPath(stream, 'groups', 'g', 'nacks'), { ids: first.map((m) => m.id), delayMs: 0 })).released).toBe(3);
    // 15 bytes per entry ('i', a digit, 'pad', 10 x 'p'): a 40-byte cap takes two.
    const capped = json(await readGroup(t.app, stream, 'b', { maxBytes: 40 })).messages as { id: string; deliveryCount: number }[];
    expect(capped.map((m) => [m.id, m.deliveryCount])).toEqual([
      [first[0]!.id, 2],
      [first[1]!.id, 2],
    ]);
    expect(await pendingCount(t, stream)).toBe(3);
    const next = json(await readGroup(t.app, stream, 'b', { maxCount: 2 })).messages as { id: string; deliveryCount: number }[];
    expect(next.map((m) => m.deliveryCount)).toEqual([2, 1]);
    expect(next[0]!.id).toBe(first[2]!.id);
    expect(await pendingCount(t, stream)).toBe(4);
  });
});

describe('MAX_STREAMS (embedded)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ maxStreams: 3 });
  });
  afterAll(() => t?.close());

  it('over MAX_STREAMS a new stream is a 409', async () => {
    await streamWithGroup(t.app, 3);
    await streamWithGroup(t.app, 3);
    expect((await call(t.app, 'POST', streamPath('third', 'messages'), { fields: { k: 'v' } })).statusCode).toBe(201);
    expectProblem(await call(t.app, 'POST', streamPath('fourth', 'messages'), { fields: { k: 'v' } }), 409, 'MAX_STREAMS_REACHED');
    expect((await call(t.app, 'GET', streamPath('fourth'))).statusCode).toBe(404);
  });
});

describe('MAX_MEMORY_BYTES (embedded)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ maxMemoryBytes: 2000 });
  });
  afterAll(() => t?.close());

  const used = async () => {
    const metric = /^streamgate_memory_used_bytes (\d+)$/m.exec((await call(t.app, 'GET', '/metrics')).body);
    return Number(metric![1]);
  };

  it('over the limit a write is a 507 that changes nothing; reads and acks work; a trim or delete makes room', async () => {
    const stream = await streamWithGroup(t.app, 0);
    const big = 'x'.repeat(1500);
    expect((await call(t.app, 'POST', streamPath(stream, 'messages'), { fields: { v: big } })).statusCode).toBe(201);
    // Still under 2000: Redis admits the write that passes the limit.
    expect((await call(t.app, 'POST', streamPath(stream, 'messages'), { fields: { v: big } })).statusCode).toBe(201);
    const before = await used();
    expect(before).toBeGreaterThan(2000);
    expect(before).toBe(t.backend.usedMemoryBytes());

    const detail = expectProblem(await call(t.app, 'POST', streamPath(stream, 'messages'), { fields: { k: 'v' } }), 507, 'OUT_OF_MEMORY');
    expect(detail).toContain(`MAX_MEMORY_BYTES is 2000`);
    expectProblem(await call(t.app, 'POST', streamPath(stream, 'messages', 'batch'), { messages: [{ fields: { k: 'v' } }] }), 507, 'OUT_OF_MEMORY');
    expectProblem(await call(t.app, 'POST', streamPath('other', 'groups'), { name: 'g', startId: '$', mkStream: true }), 507, 'OUT_OF_MEMORY');
    expectProblem(await call(t.app, 'PUT', streamPath(stream, 'groups', 'g', 'consumers', 'new')), 507, 'OUT_OF_MEMORY');
    expect(await used()).toBe(before);
    expect((await call(t.app, 'GET', streamPath('other'))).statusCode).toBe(404);
    expect(json(await call(t.app, 'GET', streamPath(stream, 'messages'))).messages).toHaveLength(2);

    const read = json(await readGroup(t.app, stream, 'c', { count: 1 })).messages as { id: string }[];
    expect(read).toHaveLength(1);
    expect(json(await call(t.app, 'POST', streamPath(stream, 'groups', 'g', 'acks'), { ids: [read[0]!.id] })).acknowledged).toBe(1);

    expect((await call(t.app, 'POST', streamPath(stream, 'trim'), { maxLen: 1 })).statusCode).toBe(200);
    expect(await used()).toBeLessThan(2000);
    expect((await call(t.app, 'POST', streamPath(stream, 'messages'), { fields: { v: big } })).statusCode).toBe(201);
    expectProblem(await call(t.app, 'POST', streamPath(stream, 'messages'), { fields: { k: 'v' } }), 507, 'OUT_OF_MEMORY');
    expect((await call(t.app, 'DELETE', streamPath(stream))).statusCode).toBe(204);
    expect(await used()).toBe(0);
    expect((await call(t.app, 'POST', streamPath(stream, 'messages'), { fields: { k: 'v' } })).statusCode).toBe(201);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, json, readGroup, streamPath, streamWithGroup, type TestApp } from '../../helpers/app.js';
import { expectProblem } from '../../helpers/expect-problem.js';

const MB = 1_000_000;

/** Issue 12's probe: a group read of count 10000 over entries of ~1 MB answered 500 after making them all pending. */
describe('MAX_RESPONSE_BYTES (embedded)', () => {
  let t: TestApp;
  let stream: string;
  const value = 'x'.repeat(MB);

  beforeAll(async () => {
    t = await buildTestApp({ bodyLimitBytes: 2 * MB, maxConsumersPerGroup: 2 });
    stream = await streamWithGroup(t.app, 0);
    for (let i = 0; i < 14; i++) expect((await call(t.app, 'POST', streamPath(stream, 'messages'), { fields: { v: value } })).statusCode).toBe(201);
  });
  afterAll(() => t?.close());

  it('a group read stops at the 4 MiB budget; only the returned messages are pending; the next read continues', async () => {
    const first = await readGroup(t.app, stream, 'c', { count: 10_000 });
    expect(first.statusCode).toBe(200);
    expect(first.body.length).toBeLessThan(5 * MB);
    const delivered = json(first).messages as { id: string }[];
    expect(delivered).toHaveLength(4);
    expect(json(await call(t.app, 'GET', streamPath(stream, 'groups', 'g', 'pending'))).count).toBe(4);
    const second = json(await readGroup(t.app, stream, 'c', { count: 10_000 })).messages as { id: string }[];
    expect(second).toHaveLength(4);
    expect(second[0]!.id > delivered[3]!.id).toBe(true);
  });

  it('XRANGE, XINFO FULL and XAUTOCLAIM answer 200 within the budget', async () => {
    const range = await call(t.app, 'GET', `${streamPath(stream, 'messages')}?count=10000`);
    expect(range.statusCode).toBe(200);
    expect(json(range).messages).toHaveLength(4);
    const full = await call(t.app, 'GET', `${streamPath(stream)}?full=true&count=10000`);
    expect(full.statusCode).toBe(200);
    expect(json(full).entries).toHaveLength(4);
    const claimed = await call(t.app, 'POST', streamPath(stream, 'groups', 'g', 'autoclaim'), { consumer: 'd', minIdleMs: 0, count: 1000 });
    expect(claimed.statusCode).toBe(200);
    expect(json(claimed).messages).toHaveLength(4);
    expect(json(claimed).nextStart).not.toBe('0-0');
  });

  it('maxBytes lowers the cap; maxCount below count is a 400', async () => {
    const small = json(await readGroup(t.app, stream, 'c', { maxBytes: 1 })).messages;
    expect(small).toHaveLength(1);
    expectProblem(await readGroup(t.app, stream, 'c', { count: 5, maxCount: 2 }), 400, 'VALIDATION');
  });

  it('MAX_CONSUMERS_PER_GROUP: a read that would create one more consumer is a 409 and delivers nothing', async () => {
    const before = json(await call(t.app, 'GET', streamPath(stream, 'groups', 'g', 'pending'))).count;
    expectProblem(await readGroup(t.app, stream, 'e', {}), 409, 'MAX_CONSUMERS_REACHED');
    expect(json(await call(t.app, 'GET', streamPath(stream, 'groups', 'g', 'pending'))).count).toBe(before);
    expectProblem(await call(t.app, 'PUT', streamPath(stream, 'groups', 'g', 'consumers', 'f')), 409, 'MAX_CONSUMERS_REACHED');
  });
});

describe('maxCount / maxBytes on POST /v1/read and MAX_STREAMS (embedded)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ maxStreams: 3 });
  });
  afterAll(() => t?.close());

  it('caps the whole multi-stream reply; over MAX_STREAMS a new stream is a 409', async () => {
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
    expectProblem(await call(t.app, 'POST', '/v1/read', { streams, count: 5, maxCount: 4 }), 400, 'VALIDATION');
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

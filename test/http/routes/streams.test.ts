import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestAppOn, call, streamName, streamPath, type AnyTestApp } from '../../helpers/app.js';
import { httpBackendMatrix, useHttpBackend } from '../../helpers/backends.js';
import { expectProblem } from '../../helpers/expect-problem.js';

/** Set per backend row, in the row's beforeAll. */
let t: AnyTestApp;

describe.each(httpBackendMatrix())('on $name', (row) => {
  const env = useHttpBackend(row);
  beforeAll(async () => {
    t = await buildTestAppOn(env.backend);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('GET /v1/streams (listStreams)', () => {
  it('pages through streams with a prefix and a cursor', async () => {
    const prefix = `test-${randomUUID()}-`;
    const names = ['a', 'b', 'c', 'd', 'e'].map((n) => prefix + n);
    for (const name of names) await call(t.app, 'POST', streamPath(name, 'messages'), { fields: { x: '1' } });
    await call(t.app, 'POST', streamPath(names[0]!, 'groups'), { name: 'g' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `prefix=${encodeURIComponent(prefix)}&limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const page = (await call(t.app, 'GET', `/v1/streams?${query}`)).json();
      expect(page.streams.length).toBeLessThanOrEqual(2);
      seen.push(...page.streams.map((s: { name: string }) => s.name));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(names);
    const first = (await call(t.app, 'GET', `/v1/streams?prefix=${encodeURIComponent(names[0]!)}`)).json();
    expect(first.streams).toEqual([{ name: names[0], length: 1, lastGeneratedId: expect.stringMatching(/^\d+-0$/), groups: 1 }]);
    expect(first.nextCursor).toBeNull();
  });

  it('refuses a bad limit', async () => {
    expectProblem(await call(t.app, 'GET', '/v1/streams?limit=0'), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'GET', '/v1/streams?limit=1001'), 400, 'VALIDATION');
  });
  });

  describe('GET /v1/streams/{stream} (getStream)', () => {
  it('answers XINFO STREAM', async () => {
    const s = streamName();
    await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), { messages: [{ id: '1-1', fields: { a: '1' } }, { id: '2-2', fields: [['b', '2'], ['b', '3']] }] });
    await call(t.app, 'DELETE', streamPath(s, 'messages', '1-1'));
    await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'g', startId: '0' });
    const r = await call(t.app, 'GET', streamPath(s));
    expect(r.json()).toEqual({
      name: s,
      length: 1,
      lastGeneratedId: '2-2',
      maxDeletedEntryId: '1-1',
      entriesAdded: 2,
      recordedFirstEntryId: '2-2',
      groups: 1,
      idempotency: { durationS: 100, maxSize: 100, producersTracked: 0, keysTracked: 0, keysAdded: 0, duplicates: 0 },
      firstEntry: { id: '2-2', fields: { b: '3' } },
      lastEntry: { id: '2-2', fields: { b: '3' } },
    });
    const pairs = (await call(t.app, 'GET', `${streamPath(s)}?fieldsFormat=pairs`)).json();
    expect(pairs.firstEntry.fields).toEqual([['b', '2'], ['b', '3']]);
  });

  it('answers XINFO STREAM FULL with count', async () => {
    const s = streamName();
    const messages = [1, 2, 3].map((i) => ({ id: `${i}-0`, fields: { i: String(i) } }));
    await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), { messages });
    await call(t.app, 'POST', streamPath(s, 'groups'), { name: 'g', startId: '0' });
    await call(t.app, 'POST', streamPath(s, 'groups', 'g', 'consumers', 'c', 'read'), { count: 2 });
    const full = (await call(t.app, 'GET', `${streamPath(s)}?full=true&count=2`)).json();
    expect(full.entries.map((e: { id: string }) => e.id)).toEqual(['1-0', '2-0']);
    expect(full.groups).toEqual([
      {
        name: 'g',
        lastDeliveredId: '2-0',
        entriesRead: 2,
        lag: 1,
        pelCount: 2,
        nackedCount: 0,
        pending: [
          { id: '1-0', consumer: 'c', deliveryTime: expect.any(Number), deliveryCount: 1 },
          { id: '2-0', consumer: 'c', deliveryTime: expect.any(Number), deliveryCount: 1 },
        ],
        consumers: [
          {
            name: 'c',
            seenTime: expect.any(Number),
            activeTime: expect.any(Number),
            pelCount: 2,
            pending: [
              { id: '1-0', deliveryTime: expect.any(Number), deliveryCount: 1 },
              { id: '2-0', deliveryTime: expect.any(Number), deliveryCount: 1 },
            ],
          },
        ],
      },
    ]);
    const byDefault = (await call(t.app, 'GET', `${streamPath(s)}?full=true`)).json();
    expect(byDefault.entries).toHaveLength(3);
  });

  it('answers 404 NO_STREAM and refuses bad queries', async () => {
    expectProblem(await call(t.app, 'GET', streamPath(streamName())), 404, 'NO_STREAM');
    expectProblem(await call(t.app, 'GET', `${streamPath(streamName())}?full=true`), 404, 'NO_STREAM');
    expectProblem(await call(t.app, 'GET', `${streamPath(streamName())}?count=3`), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'GET', `${streamPath(streamName())}?full=true&count=0`), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'GET', `${streamPath(streamName())}?fieldsFormat=xml`), 400, 'VALIDATION');
  });
  });

  describe('PATCH /v1/streams/{stream} (XSETID)', () => {
  it('moves the last ID and counters and answers the new state', async () => {
    const s = streamName();
    await call(t.app, 'POST', streamPath(s, 'messages'), { id: '5-0', fields: { a: '1' } });
    const r = await call(t.app, 'PATCH', streamPath(s), { lastId: '10-0', entriesAdded: 7, maxDeletedId: '3-0' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ lastGeneratedId: '10-0', entriesAdded: 7, maxDeletedEntryId: '3-0', length: 1 });
  });

  it('refuses IDs below the top, and entriesAdded below the length', async () => {
    const s = streamName();
    await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), { messages: [{ id: '5-0', fields: { a: '1' } }, { id: '6-0', fields: { a: '1' } }] });
    const before = (await call(t.app, 'GET', streamPath(s))).json();
    expectProblem(await call(t.app, 'PATCH', streamPath(s), { lastId: '4-0' }), 400, 'SETID_TOO_SMALL');
    expectProblem(await call(t.app, 'PATCH', streamPath(s), { lastId: '10-0', entriesAdded: 1 }), 400, 'SETID_ENTRIES_ADDED_TOO_SMALL');
    expectProblem(await call(t.app, 'PATCH', streamPath(s), { lastId: '10-0', maxDeletedId: '11-0' }), 400, 'SETID_MAXDELETED_TOO_BIG');
    expectProblem(await call(t.app, 'PATCH', streamPath(s), { lastId: 'x' }), 400, 'INVALID_ID');
    expectProblem(await call(t.app, 'PATCH', streamPath(s), { lastId: '10-0', entriesAdded: -1 }), 400, 'VALIDATION');
    expectProblem(await call(t.app, 'PATCH', streamPath(s), { lastId: '10-0', entriesAdded: '7' }), 400, 'VALIDATION');
    const tooBig = expectProblem(await call(t.app, 'PATCH', streamPath(s), { lastId: '10-0', entriesAdded: 2 ** 53 }), 400, 'VALIDATION');
    expect(tooBig).toMatch(/2\^53-1/);
    expect((await call(t.app, 'GET', streamPath(s))).json()).toEqual(before);
    expectProblem(await call(t.app, 'PATCH', streamPath(streamName()), { lastId: '1-0' }), 404, 'NO_STREAM');
  });

  it('accepts the largest IDs', async () => {
    const s = streamName();
    await call(t.app, 'POST', streamPath(s, 'messages'), { id: '1-0', fields: { a: '1' } });
    const max = '18446744073709551615-18446744073709551615';
    expect((await call(t.app, 'PATCH', streamPath(s), { lastId: max })).json().lastGeneratedId).toBe(max);
    expectProblem(await call(t.app, 'POST', streamPath(s, 'messages'), { fields: { a: '1' } }), 400, 'ID_EXHAUSTED');
  });
  });

  describe('DELETE /v1/streams/{stream} (DEL)', () => {
  it('deletes, then answers 404', async () => {
    const s = streamName();
    await call(t.app, 'POST', streamPath(s, 'messages'), { fields: { a: '1' } });
    expect((await call(t.app, 'DELETE', streamPath(s))).statusCode).toBe(204);
    expectProblem(await call(t.app, 'DELETE', streamPath(s)), 404, 'NO_STREAM');
    expectProblem(await call(t.app, 'GET', streamPath(s)), 404, 'NO_STREAM');
  });
  });
});

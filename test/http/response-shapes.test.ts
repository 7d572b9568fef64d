import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { appendedBatchSchema, appendedSchema } from '../../src/http/schemas/append.js';
import { autoclaimResultSchema, claimResultSchema } from '../../src/http/schemas/claim.js';
import { consumerListSchema, groupListSchema, groupSchema } from '../../src/http/schemas/group.js';
import { messageListSchema } from '../../src/http/schemas/message.js';
import { pendingListSchema, pendingSummarySchema } from '../../src/http/schemas/pending.js';
import { streamInfoFullSchema, streamInfoSchema, streamListSchema } from '../../src/http/schemas/stream.js';
import { buildTestApp, call, streamName, streamPath, type TestApp } from '../helpers/app.js';

// Responses are serialized without re-validation (see app.ts); this pins them to their documented schemas.
describe('responses match the schemas the OpenAPI document gives for them', () => {
  let t: TestApp;
  const s = streamName();
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  const check = async (schema: z.ZodType, method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, status = 200) => {
    const response = await call(t.app, method, url, body);
    expect(response.statusCode, response.body).toBe(status);
    const parsed = schema.safeParse(response.json());
    expect(parsed.success, `${method} ${url}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
  };

  it('for every kind of answer', async () => {
    await check(groupSchema, 'POST', streamPath(s, 'groups'), { name: 'g', startId: '0', mkStream: true }, 201);
    await check(appendedSchema, 'POST', streamPath(s, 'messages'), { fields: { a: '1' } }, 201);
    await check(appendedBatchSchema, 'POST', streamPath(s, 'messages', 'batch'), { messages: [{ fields: [['a', '2'], ['a', '3']] }, { fields: { b: '4' } }] }, 201);
    await check(messageListSchema, 'GET', `${streamPath(s, 'messages')}?fieldsFormat=pairs`);
    await check(messageListSchema, 'POST', streamPath(s, 'groups', 'g', 'consumers', 'c', 'read'), { count: 2 });
    await check(messageListSchema, 'POST', streamPath(s, 'groups', 'g', 'consumers', 'c', 'read'), { after: '0' });
    await check(pendingSummarySchema, 'GET', streamPath(s, 'groups', 'g', 'pending'));
    await check(pendingListSchema, 'GET', `${streamPath(s, 'groups', 'g', 'pending', 'messages')}?count=10`);
    await check(claimResultSchema, 'POST', streamPath(s, 'groups', 'g', 'claims'), { consumer: 'd', minIdleMs: 0, ids: ['0-1'] });
    await check(autoclaimResultSchema, 'POST', streamPath(s, 'groups', 'g', 'autoclaim'), { consumer: 'd', minIdleMs: 0 });
    await check(autoclaimResultSchema, 'POST', streamPath(s, 'groups', 'g', 'autoclaim'), { consumer: 'd', minIdleMs: 0, justId: true });
    await check(groupListSchema, 'GET', streamPath(s, 'groups'));
    await check(consumerListSchema, 'GET', streamPath(s, 'groups', 'g', 'consumers'));
    await check(streamInfoSchema, 'GET', streamPath(s));
    await check(streamInfoFullSchema, 'GET', `${streamPath(s)}?full=true`);
    await check(streamListSchema, 'GET', '/v1/streams?limit=5');
    await check(groupSchema, 'PATCH', streamPath(s, 'groups', 'g'), { lastDeliveredId: '0' });
  });
});

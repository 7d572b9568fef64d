import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';

/**
 * Swagger UI's "Try it out", replayed: every operation of the served document, executed over HTTP
 * with exactly the values the document pre-fills (path and query `example`s, each body example),
 * in the order a new user would click through them. Each must work, or be refused harmlessly
 * where the example cannot know the user's data.
 */
interface Parameter { in: string; name: string; example?: unknown; examples?: unknown; schema?: { examples?: unknown } }
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { example?: unknown; examples?: Record<string, { summary: string; value: unknown }> }> };
  responses: Record<string, { headers?: Record<string, { $ref: string }> }>;
}

/** Statuses other than 2xx that an example may get, and why. */
const HARMLESS_REFUSALS: Record<string, { status: number; why: string }> = {
  getMessage: { status: 404, why: 'the example ID is not one of the stream\'s' },
  deleteMessage: { status: 404, why: 'the example ID is not one of the stream\'s' },
  'createGroup:fromStart': { status: 409, why: 'the first example created the group' },
  'createGroup:withPolicy': { status: 409, why: 'the first example created the group' },
  setStreamId: { status: 400, why: 'XSETID below the top entry is refused, and the example cannot move IDs ahead of real time' },
};

const ORDER = [
  'getHealth', 'getReadiness', 'appendMessage', 'appendMessages', 'listStreams', 'getStream', 'listMessages', 'getMessage',
  'streamEvents', 'readStreams', 'multiStreamEvents', 'createGroup', 'listGroups', 'getGroup', 'setGroupId', 'createConsumer', 'listConsumers', 'readGroup',
  'readGroupStreams', 'groupEvents', 'multiGroupEvents', 'getPendingSummary', 'listPendingMessages', 'claimMessages', 'autoclaimMessages', 'ackMessages', 'nackMessages',
  'extendDeadlines', 'redriveDeadLetters',
  'deleteMessages', 'trimStream', 'setStreamId', 'configureStream', 'deleteMessage', 'getMetrics', 'deleteConsumer', 'deleteGroup', 'deleteStream',
];

let t: TestApp;
let base: string;
let operations: Map<string, { method: string; path: string; operation: Operation }>;

beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const document = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
  operations = new Map();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) operations.set(operation.operationId, { method, path, operation });
  }
});

afterAll(async () => {
  await t.close();
});

function urlOf(path: string, operation: Operation): string {
  let url = path;
  const query = new URLSearchParams();
  for (const parameter of operation.parameters ?? []) {
    if (parameter.in === 'path') {
      expect(parameter.example, `${operation.operationId}: path parameter ${parameter.name}`).toBeTypeOf('string');
      url = url.replace(`{${parameter.name}}`, encodeURIComponent(parameter.example as string));
    } else if (parameter.example !== undefined) query.set(parameter.name, String(parameter.example));
  }
  return `${base}${url}${query.size > 0 ? `?${query}` : ''}`;
}

/** The response headers the document declares for this status, lower-cased. */
function declaredHeaders(operation: Operation, status: number): string[] {
  return Object.keys(operation.responses[String(status)]?.headers ?? {}).map((name) => name.toLowerCase());
}

describe("Swagger UI's Try it out", () => {
  it('lists every operation of the document once', () => {
    expect([...operations.keys()].sort()).toEqual([...ORDER].sort());
  });

  it('pre-fills nothing that would be refused or do harm: no NOACK, no wait beyond a second, no two trim rules, no extra query parameter', () => {
    for (const { operation } of operations.values()) {
      for (const parameter of operation.parameters ?? []) {
        expect(parameter.examples, `${operation.operationId} ${parameter.name}`).toBeUndefined();
        if (parameter.in === 'query') expect(parameter.schema?.examples, `${operation.operationId} ${parameter.name}`).toBeUndefined();
      }
      const media = operation.requestBody?.content['application/json'];
      if (media === undefined) continue;
      expect(media.example, operation.operationId).toBeUndefined();
      expect(Object.keys(media.examples ?? {}).length, `${operation.operationId} has body examples`).toBeGreaterThan(0);
      for (const { value } of Object.values(media.examples ?? {})) {
        const text = JSON.stringify(value);
        expect(text).not.toMatch(/noAck/);
        const body = value as { waitMs?: number; trim?: object };
        if (body.waitMs !== undefined) expect(body.waitMs).toBeLessThanOrEqual(1000);
        if (body.trim !== undefined) expect(Object.keys(body.trim).filter((key) => key === 'maxLen' || key === 'minId')).toHaveLength(1);
      }
    }
    const read = operations.get('readGroup')!.operation.requestBody!;
    expect(read.required).toBe(false);
    expect(Object.values(read.content['application/json']!.examples!)[0]!.value).toEqual({ after: '>', count: 10, waitMs: 1000 });
  });

  it('executes every example as-is: each works or is refused harmlessly, and every header sent is declared', async () => {
    const ran: string[] = [];
    for (const operationId of ORDER) {
      const { method, path, operation } = operations.get(operationId)!;
      const url = urlOf(path, operation);
      const examples = Object.entries(operation.requestBody?.content['application/json']?.examples ?? { none: { summary: '', value: undefined } });
      for (const [name, { value }] of examples) {
        const label = `${operationId}:${name}`;
        const abort = new AbortController();
        const started = Date.now();
        const response = await fetch(url, {
          method: method.toUpperCase(),
          signal: abort.signal,
          ...(value === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) }),
        });
        // An SSE stream does not end: its headers are the answer.
        const body = response.headers.get('content-type')?.startsWith('text/event-stream') ? (abort.abort(), '') : await response.text();
        const refusal = HARMLESS_REFUSALS[label] ?? HARMLESS_REFUSALS[operationId];
        if (refusal === undefined) expect(response.status, `${label}: ${body}`).toBeLessThan(300);
        else expect(response.status, `${label} (${refusal.why}): ${body}`).toBe(refusal.status);
        expect(Date.now() - started, label).toBeLessThan(5_000);
        const declared = declaredHeaders(operation, response.status);
        for (const header of ['x-request-id', 'location', 'retry-after']) {
          if (response.headers.has(header)) expect(declared, `${label} ${response.status} sends ${header}`).toContain(header);
        }
        expect(response.headers.get('x-request-id'), label).toBeTruthy();
        ran.push(label);
      }
    }
    expect(ran.length).toBeGreaterThan(ORDER.length);
  });

  it("keeps what the group read example delivered pending (no NOACK), and the read without a body works too", async () => {
    const { path } = operations.get('readGroup')!;
    const url = `${base}${path.replace('{stream}', 'kept').replace('{group}', 'g').replace('{consumer}', 'alice')}`;
    await fetch(`${base}/v1/streams/kept/groups`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'g', startId: '$', mkStream: true }) });
    await fetch(`${base}/v1/streams/kept/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fields: { a: '1' } }) });
    const example = operations.get('readGroup')!.operation.requestBody!.content['application/json']!.examples!.newMessages!.value;
    const read = (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(example) })).json()) as { messages: unknown[] };
    expect(read.messages).toHaveLength(1);
    const pending = (await (await fetch(`${base}/v1/streams/kept/groups/g/pending`)).json()) as { count: number };
    expect(pending.count).toBe(1);
    // No body at all, but the JSON content type every POST needs (CSRF): the read's options all default.
    const bodiless = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(bodiless.status).toBe(200);
  });
});

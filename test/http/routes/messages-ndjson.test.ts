import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, type ErrorCode } from '../../../src/domain/errors.js';
import { buildTestApp, buildTestAppOn, call, streamName, streamPath, type AnyTestApp } from '../../helpers/app.js';
import { bearer, makeToken, writeTokensFile } from '../../helpers/auth.js';
import { httpBackendMatrix, useHttpBackend } from '../../helpers/backends.js';
import { makeTestCertificate } from '../../helpers/tls.js';

const NDJSON = { 'content-type': 'application/x-ndjson' };

function ndjson(app: AnyTestApp['app'], stream: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: streamPath(stream, 'messages', 'batch'), headers: { ...NDJSON, ...headers }, payload: body });
}

function lines(...messages: object[]): string {
  return messages.map((m) => JSON.stringify(m)).join('\n') + '\n';
}

/** The problem with its NDJSON extension members. */
function expectIngestProblem(response: LightMyRequestResponse, status: number, code: ErrorCode, extension: Record<string, unknown>): string {
  expect({ status: response.statusCode, body: response.body }).toMatchObject({ status });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = response.json();
  expect(problem).toEqual({ type: expect.any(String), title: ERROR_CATALOGUE[code].title, status, detail: expect.any(String), code, duplicates: 0, ...extension });
  return problem.detail as string;
}

async function entries(app: AnyTestApp['app'], stream: string): Promise<{ id: string; fields: Record<string, string> }[]> {
  const r = await call(app, 'GET', streamPath(stream, 'messages'));
  return r.statusCode === 404 ? [] : r.json().messages;
}

/** Set per backend row, in the row's beforeAll: chunks of 2 messages (MAX_BATCH=2), lines of at most 256 bytes. */
let t: AnyTestApp;

describe.each(httpBackendMatrix())('on $name', (row) => {
  const env = useHttpBackend(row);
  beforeAll(async () => {
    t = await buildTestAppOn(env.backend, { maxBatch: 2, bodyLimitBytes: 1024 });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('POST /v1/streams/{stream}/messages/batch as application/x-ndjson', () => {
    it('appends every line in order, and answers counts and the first and last ID only', async () => {
      const s = streamName();
      const body = '{"id":"1-1","fields":{"a":"1"}}\r\n\n  \n' + lines({ id: '5-*', fields: { b: 'é😀' } }) + '{"fields":[["c","3"]]}\n{"fields":{"d":"4"}}';
      const r = await ndjson(t.app, s, body);
      expect(r.statusCode).toBe(201);
      const all = await entries(t.app, s);
      expect(all.map((e) => e.fields)).toEqual([{ a: '1' }, { b: 'é😀' }, { c: '3' }, { d: '4' }]);
      expect(all[0]!.id).toBe('1-1');
      expect(all[1]!.id).toBe('5-0');
      expect(r.json()).toEqual({ appended: 4, duplicates: 0, firstId: '1-1', lastId: all[3]!.id });
    });

    it('keeps the JSON form whole-or-nothing with its IDs', async () => {
      const s = streamName();
      const r = await call(t.app, 'POST', streamPath(s, 'messages', 'batch'), { messages: [{ id: '1-0', fields: { a: '1' } }] });
      expect(r.statusCode).toBe(201);
      expect(r.json()).toEqual({ ids: ['1-0'] });
    });

    it('stops at the first bad line: the chunks before it stay, the problem names the line and what was written', async () => {
      const s = streamName();
      const good = [1, 2, 3, 4, 5].map((i) => ({ id: `${i}-0`, fields: { n: String(i) } }));
      // Chunks of 2: lines 1-2 and 3-4 are written; line 5 waits for its chunk, which line 6 stops.
      const r = await ndjson(t.app, s, lines(...good) + '{"fields":{"n":5}}\n' + lines({ fields: { n: '7' } }));
      const detail = expectIngestProblem(r, 400, 'VALIDATION', { line: 6, appended: 4, lastId: '4-0' });
      expect(detail).toBe('line 6: message.fields.n: Invalid input: expected string, received number');
      expect((await entries(t.app, s)).map((e) => e.id)).toEqual(['1-0', '2-0', '3-0', '4-0']);

      const bad = await ndjson(t.app, streamName(), '{"fields":{"a":"1"}\n');
      expect(expectIngestProblem(bad, 400, 'VALIDATION', { line: 1, appended: 0, lastId: null })).toMatch(/^line 1: the line is not valid JSON: /);
      const poisoned = await ndjson(t.app, streamName(), '\n{"fields":{"__proto__":"x"}}\n');
      expect(expectIngestProblem(poisoned, 400, 'VALIDATION', { line: 2, appended: 0, lastId: null })).toMatch(/prototype poisoning/);
      const extra = await ndjson(t.app, streamName(), lines({ fields: { a: '1' }, trim: { maxLen: 1 } }));
      expectIngestProblem(extra, 400, 'VALIDATION', { line: 1, appended: 0, lastId: null });
    });

    it('names the chunk the stream refused (an ID not above the last), after the chunks before it', async () => {
      const s = streamName();
      const r = await ndjson(t.app, s, lines({ id: '5-0', fields: { a: '1' } }, { id: '6-0', fields: { a: '2' } }, { id: '7-0', fields: { a: '3' } }, { id: '6-5', fields: { a: '4' } }));
      const detail = expectIngestProblem(r, 400, 'ID_NOT_GREATER', { lines: [3, 4], appended: 2, lastId: '6-0' });
      expect(detail).toMatch(/^The ID specified in XADD is equal or smaller than the target stream top item/);
      expect((await entries(t.app, s)).map((e) => e.id)).toEqual(['5-0', '6-0']);
    });

    it('refuses a line over the cap (413), a line that is not UTF-8, an empty body and the Idempotency-Key header', async () => {
      const long = lines({ fields: { a: 'x'.repeat(1100) } });
      expectIngestProblem(await ndjson(t.app, streamName(), lines({ fields: { a: '1' } }) + long), 413, 'PAYLOAD_TOO_LARGE', { line: 2, appended: 0, lastId: null });
      const latin1 = Buffer.concat([Buffer.from('{"fields":{"a":"'), Buffer.from([0xe9]), Buffer.from('"}}\n')]);
      expect(expectIngestProblem(await ndjson(t.app, streamName(), latin1), 400, 'VALIDATION', { line: 1, appended: 0, lastId: null })).toBe('line 1: not valid UTF-8');
      expect(expectIngestProblem(await ndjson(t.app, streamName(), '\n\n'), 400, 'VALIDATION', { appended: 0, lastId: null })).toBe('A batch needs at least one message');
      const s = streamName();
      expectIngestProblem(await ndjson(t.app, s, lines({ fields: { a: '1' } }), { 'idempotency-key': 'k' }), 400, 'VALIDATION', { appended: 0, lastId: null });
      expect(await entries(t.app, s)).toEqual([]);
    });

    it('takes a UTF-8 charset parameter and refuses another charset (415)', async () => {
      const body = lines({ fields: { a: '1' } });
      expect((await ndjson(t.app, streamName(), body, { 'content-type': 'application/x-ndjson; charset=utf-8' })).statusCode).toBe(201);
      expect((await ndjson(t.app, streamName(), body, { 'content-type': 'application/x-ndjson; charset=latin1' })).statusCode).toBe(415);
    });

    it('is refused (415) by the routes without an NDJSON form', async () => {
      const r = await t.app.inject({ method: 'POST', url: streamPath(streamName(), 'messages'), headers: NDJSON, payload: lines({ fields: { a: '1' } }) });
      expect(r.statusCode).toBe(415);
    });

    it('over a socket: appends each chunk as its lines arrive, before the body ends', async () => {
      const server = await buildTestAppOn(env.backend, { maxBatch: 2 });
      await server.app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const { port } = server.app.server.address() as AddressInfo;
        const s = streamName();
        const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: streamPath(s, 'messages', 'batch'), headers: NDJSON }, (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          });
          req.on('error', reject);
          void (async () => {
            // Two lines, one split mid-character: one chunk, written while the body is still open.
            req.write('{"fields":{"a":"1"}}\n');
            req.write(Buffer.from('{"fields":{"a":"€"}}\n').subarray(0, 17));
            await sleep(20);
            req.write(Buffer.from('{"fields":{"a":"€"}}\n').subarray(17));
            for (let i = 0; i < 100 && (await entries(server.app, s)).length < 2; i++) await sleep(20);
            expect((await entries(server.app, s)).map((e) => e.fields.a)).toEqual(['1', '€']);
            req.write('{"fields":{"a":"3"}}');
            await sleep(20);
            req.end('\n');
          })().catch(reject);
        });
        const { status, body } = await answer;
        expect(status).toBe(201);
        expect(JSON.parse(body)).toMatchObject({ appended: 3 });
        expect((await entries(server.app, s)).map((e) => e.fields.a)).toEqual(['1', '€', '3']);
      } finally {
        await server.close();
      }
    });

    it('over a socket: a client that goes mid-body keeps the chunks written before it went', async () => {
      const server = await buildTestAppOn(env.backend, { maxBatch: 2 });
      await server.app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const { port } = server.app.server.address() as AddressInfo;
        const s = streamName();
        const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: streamPath(s, 'messages', 'batch'), headers: NDJSON });
        req.on('error', () => {});
        req.write(lines({ fields: { a: '1' } }, { fields: { a: '2' } }, { fields: { a: '3' } }));
        for (let i = 0; i < 100 && (await entries(server.app, s)).length < 2; i++) await sleep(20);
        req.destroy();
        await sleep(50);
        expect((await entries(server.app, s)).map((e) => e.fields.a)).toEqual(['1', '2']);
        const after = await ndjson(server.app, s, lines({ fields: { a: '4' } }));
        expect(after.statusCode).toBe(201);
      } finally {
        await server.close();
      }
    });

    it('over a socket: answers a bad line while the client is still sending, and closes the connection', async () => {
      const server = await buildTestAppOn(env.backend, { maxBatch: 2 });
      await server.app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const { port } = server.app.server.address() as AddressInfo;
        const s = streamName();
        const { status, body, connection } = await new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
          const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: streamPath(s, 'messages', 'batch'), headers: NDJSON }, (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode!, body: text, connection: res.headers.connection }));
          });
          req.on('error', reject);
          req.write(lines({ fields: { a: '1' } }, { fields: { a: '2' } }) + 'not json\n');
          // The body never ends: the answer must not wait for it.
        });
        expect(status).toBe(400);
        expect(JSON.parse(body)).toMatchObject({ code: 'VALIDATION', line: 3, appended: 2 });
        expect(connection).toBe('close');
      } finally {
        await server.close();
      }
    });
  });
});

describe('NDJSON ingest on the embedded backend', () => {
  it('reports duplicates of idempotent lines, and answers 200 when every line was one', async () => {
    const t = await buildTestApp({ maxBatch: 2 });
    try {
      const s = streamName();
      const body = lines(
        { fields: { a: '1' }, idempotency: { producer: 'p', key: 'k1' } },
        { fields: { a: '2' }, idempotency: { producer: 'p', key: 'k2' } },
        { fields: { a: '3' }, idempotency: { producer: 'p', key: 'k1' } },
      );
      const first = await ndjson(t.app, s, body);
      expect(first.statusCode).toBe(201);
      const ids = (await entries(t.app, s)).map((e) => e.id);
      expect(first.json()).toEqual({ appended: 2, duplicates: 1, firstId: ids[0], lastId: ids[0] });
      const again = await ndjson(t.app, s, body);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual({ appended: 0, duplicates: 3, firstId: ids[0], lastId: ids[0] });
    } finally {
      await t.close();
    }
  });

  it('stops at MAX_STREAMS like the JSON form, and needs the append action', async () => {
    const writer = makeToken('writer', [{ streams: '*', actions: ['append', 'read'] }]);
    const reader = makeToken('reader', [{ streams: '*', actions: ['read'] }]);
    const tokens = writeTokensFile([writer, reader]);
    const t = await buildTestApp({ maxStreams: 1, authTokensFile: tokens.path });
    try {
      const body = lines({ fields: { a: '1' } });
      expect((await ndjson(t.app, streamName(), body, bearer(reader))).statusCode).toBe(403);
      expect((await ndjson(t.app, streamName(), body, bearer(writer))).statusCode).toBe(201);
      const capped = await ndjson(t.app, streamName(), body, bearer(writer));
      expect(capped.json()).toMatchObject({ code: 'MAX_STREAMS_REACHED', lines: [1, 1], appended: 0, lastId: null });
    } finally {
      await t.close();
      tokens.remove();
    }
  });
});

describe('NDJSON ingest at shutdown', () => {
  it('stops before the next chunk with 503 SHUTTING_DOWN, the chunks written before it kept', async () => {
    const t = await buildTestApp({ maxBatch: 2 });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const s = streamName();
    let closing: Promise<void> | undefined;
    try {
      const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: streamPath(s, 'messages', 'batch'), headers: NDJSON }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
        req.write(lines({ fields: { a: '1' } }, { fields: { a: '2' } }));
        void (async () => {
          for (let i = 0; i < 100 && (await t.backend.length(s)) < 2; i++) await sleep(20);
          closing = t.app.close();
          await sleep(50);
          req.end(lines({ fields: { a: '3' } }, { fields: { a: '4' } }));
        })().catch(reject);
      });
      const { status, body } = await answer;
      expect(status).toBe(503);
      expect(JSON.parse(body)).toMatchObject({ code: 'SHUTTING_DOWN', lines: [3, 4], appended: 2 });
      expect(await t.backend.length(s)).toBe(2);
    } finally {
      await (closing ?? t.app.close());
      await t.backend.close();
    }
  });
});

describe('NDJSON ingest over HTTP/2', () => {
  it('answers a whole body, and a bad line while the stream is still open, then resets that stream (NO_ERROR)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamgate-h2-ndjson-'));
    const { cert, key } = makeTestCertificate(dir);
    const t = await buildTestApp({ tlsCertFile: cert, tlsKeyFile: key, maxBatch: 2 });
    const session = http2.connect(await t.app.listen({ host: '127.0.0.1', port: 0 }), { rejectUnauthorized: false });
    const post = (stream: string, text: string, end: boolean) =>
      new Promise<{ status: number; body: string; rstCode: number }>((resolve, reject) => {
        const req = session.request({ ':method': 'POST', ':path': streamPath(stream, 'messages', 'batch'), ...NDJSON });
        let status = 0;
        let body = '';
        req.on('response', (headers) => (status = Number(headers[':status'])));
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('close', () => resolve({ status, body, rstCode: req.rstCode }));
        req.on('error', reject);
        if (end) req.end(text);
        else req.write(text);
      });
    try {
      const s = streamName();
      const whole = await post(s, lines({ fields: { a: '1' } }, { fields: { a: '2' } }, { fields: { a: '3' } }), true);
      expect(whole.status).toBe(201);
      expect(JSON.parse(whole.body)).toMatchObject({ appended: 3 });
      const early = await post(s, lines({ fields: { a: '4' } }) + 'nope\n', false);
      expect(early.status).toBe(400);
      expect(JSON.parse(early.body)).toMatchObject({ code: 'VALIDATION', line: 2, appended: 0 });
      expect(early.rstCode).toBe(http2.constants.NGHTTP2_NO_ERROR);
    } finally {
      session.close();
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

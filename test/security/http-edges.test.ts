import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, streamName, streamPath, type TestApp } from '../helpers/app.js';

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await buildTestApp({ headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as { port: number }).port;
});
afterAll(() => t.close());

interface Exchange {
  text: string;
  /** The answers in order: status and parsed body. */
  answers: { status: number; headers: string; body: string }[];
  reset: boolean;
  ms: number;
}

/** Writes `parts` (with `gapMs` between them) on one connection and reads until the server ends it or `idleMs` pass. */
function exchange(parts: (string | Buffer)[], options: { gapMs?: number; idleMs?: number } = {}): Promise<Exchange> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let reset = false;
    let idle: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(idle);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ text, answers: parseAnswers(text), reset, ms: Date.now() - started });
    };
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(finish, options.idleMs ?? 1_500);
    };
    socket.on('data', (d) => {
      chunks.push(d);
      arm();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') reset = true;
    });
    socket.on('close', finish);
    socket.on('connect', async () => {
      arm();
      for (const part of parts) {
        if (socket.destroyed) break;
        socket.write(part);
        if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
      }
    });
  });
}

function parseAnswers(text: string): Exchange['answers'] {
  const answers: Exchange['answers'] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const headers = rest.slice(0, headEnd).toLowerCase();
    const length = Number(/content-length: (\d+)/.exec(headers)?.[1] ?? 0);
    const body = Buffer.from(rest.slice(headEnd + 4)).subarray(0, length).toString();
    answers.push({ status: Number(rest.slice(9, 12)), headers, body });
    rest = Buffer.from(rest.slice(headEnd + 4)).subarray(length).toString();
  }
  return answers;
}

function expectProblemAnswer(answer: Exchange['answers'][number] | undefined, status: number, code: string): string {
  expect(answer, 'an answer').toBeDefined();
  expect(answer!.status).toBe(status);
  expect(answer!.headers).toContain('content-type: application/problem+json');
  const problem = JSON.parse(answer!.body);
  expect(problem).toMatchObject({ status, code });
  return problem.detail;
}

const HOST = 'Host: localhost\r\n';

describe('errors from below the routes are problems with a code (probe findings)', () => {
  it('a raw non-ASCII byte in the path', async () => {
    const { answers } = await exchange([Buffer.concat([Buffer.from('GET /v1/streams/'), Buffer.from('ü'), Buffer.from(` HTTP/1.1\r\n${HOST}\r\n`)])]);
    expect(expectProblemAnswer(answers[0], 400, 'VALIDATION')).toMatch(/percent-encoded/);
  });

  it('content-length: -1, and chunked with a content-length', async () => {
    const negative = await exchange([`POST /v1/streams/s/messages HTTP/1.1\r\n${HOST}content-type: application/json\r\ncontent-length: -1\r\n\r\n`]);
    expect(expectProblemAnswer(negative.answers[0], 400, 'VALIDATION')).toMatch(/Content-Length/);
    const both = await exchange([`POST /v1/streams/s/messages HTTP/1.1\r\n${HOST}content-type: application/json\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`]);
    expect(expectProblemAnswer(both.answers[0], 400, 'VALIDATION')).toMatch(/Transfer-Encoding/);
  });

  it('no Host header', async () => {
    const { answers } = await exchange(['GET /v1/streams HTTP/1.1\r\n\r\n']);
    expect(expectProblemAnswer(answers[0], 400, 'VALIDATION')).toMatch(/no Host header/);
  });

  it('431 for headers over the limit, 414 for a 80 KB URL, each answered rather than reset', async () => {
    const big = await exchange([`GET /v1/streams HTTP/1.1\r\n${HOST}x-big: ${'a'.repeat(20_000)}\r\n\r\n`]);
    expectProblemAnswer(big.answers[0], 431, 'HEADERS_TOO_LARGE');
    const long = await exchange([`GET /v1/streams/${'a'.repeat(80_000)} HTTP/1.1\r\n${HOST}\r\n`]);
    expectProblemAnswer(long.answers[0], 414, 'URI_TOO_LONG');
    expect(long.reset).toBe(false);
  });

  it('408 for headers that trickle in past HEADERS_TIMEOUT_MS', async () => {
    const parts = ['GET /v1/streams HTTP/1.1\r\n', ...Array.from({ length: 40 }, (_, i) => `x-${i}: 1\r\n`)];
    const slow = await exchange(parts, { gapMs: 100, idleMs: 3_000 });
    expectProblemAnswer(slow.answers[0], 408, 'REQUEST_TIMEOUT');
    expect(slow.ms).toBeLessThan(3_000);
  });

  it('408 for a body that trickles in past REQUEST_TIMEOUT_MS (probe: 80 s and more)', async () => {
    const s = streamName();
    const head = `POST ${streamPath(s, 'messages')} HTTP/1.1\r\n${HOST}content-type: application/json\r\ncontent-length: 100000\r\n\r\n`;
    const slow = await exchange([head, ...Array.from({ length: 60 }, () => ' ')], { gapMs: 100, idleMs: 3_000 });
    expectProblemAnswer(slow.answers[0], 408, 'REQUEST_TIMEOUT');
    expect(slow.ms).toBeLessThan(4_000);
    expect((await t.app.inject({ method: 'GET', url: streamPath(s) })).statusCode).toBe(404);
  });
});

describe('bodies', () => {
  const post = (body: Buffer | string, type = 'application/json') =>
    `POST /v1/streams/${streamName()}/messages HTTP/1.1\r\n${HOST}content-type: ${type}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;

  it('invalid UTF-8 is refused, not stored as U+FFFD (probe: 201)', async () => {
    const s = streamName();
    const body = Buffer.concat([Buffer.from('{"fields":{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}')]);
    const response = await t.app.inject({ method: 'POST', url: streamPath(s, 'messages'), headers: { 'content-type': 'application/json' }, payload: body });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION', detail: 'the body is not valid UTF-8' });
    expect((await t.app.inject({ method: 'GET', url: streamPath(s) })).statusCode).toBe(404);
  });

  it('another charset is 415, and text/plain is 415 as the README says', async () => {
    for (const type of ['application/json; charset=iso-8859-1', 'text/plain', 'application/json; charset=utf-16']) {
      const response = await t.app.inject({ method: 'POST', url: streamPath(streamName(), 'messages'), headers: { 'content-type': type }, payload: '{"fields":{"a":"1"}}' });
      expect(response.statusCode, type).toBe(415);
    }
    const patch = await t.app.inject({ method: 'PATCH', url: streamPath(streamName()), headers: { 'content-type': 'application/json; charset=latin1' }, payload: '{"lastId":"1-0"}' });
    expect(patch.statusCode).toBe(415);
  });

  it('a malformed body answers its problem and keeps the connection: pipelined requests behind it are answered', async () => {
    const bad = '{"fields":';
    const utf8 = Buffer.from([0x7b, 0xff, 0x7d]);
    const good = '{"fields":{"a":"1"}}';
    const { answers } = await exchange([
      post(bad) + bad,
      Buffer.concat([Buffer.from(post(utf8)), utf8]),
      post(good) + good,
      `GET /healthz HTTP/1.1\r\n${HOST}\r\n`,
    ]);
    expect(answers.map((a) => a.status)).toEqual([400, 400, 201, 200]);
    expect(answers[0]!.headers).not.toContain('connection: close');
  });
});

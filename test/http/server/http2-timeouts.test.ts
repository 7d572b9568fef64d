import { mkdtempSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { makeTestCertificate } from '../../helpers/tls.js';

/** The HTTPS + HTTP/2 server (TLS_CERT_FILE) cuts off slow clients as the HTTP/1.1 one does. */
describe('HTTP/2 deadlines', () => {
  let dir: string;
  let t: TestApp;
  let origin: string;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'streamgate-h2-'));
    const { cert, key } = makeTestCertificate(dir);
    t = await buildTestApp({ tlsCertFile: cert, tlsKeyFile: key, headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 400 });
    origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = Number(new URL(origin).port);
  });

  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = () => http2.connect(origin, { rejectUnauthorized: false });
  const closed = (session: http2.ClientHttp2Session) => new Promise<number>((resolve) => {
    const started = Date.now();
    session.on('error', () => {});
    session.once('close', () => resolve(Date.now() - started));
  });

  it('resets a request whose body trickles past REQUEST_TIMEOUT_MS', async () => {
    const session = connect();
    const ended = closed(session);
    const stream = session.request({ ':method': 'POST', ':path': '/v1/streams/slow/messages', 'content-type': 'application/json', 'content-length': '100000' });
    stream.on('error', () => {});
    stream.write('{"fields":');
    const drip = setInterval(() => stream.write(' '), 100);
    const code = await new Promise<number>((resolve) => stream.once('close', () => resolve(stream.rstCode)));
    clearInterval(drip);
    expect(code).toBe(http2.constants.NGHTTP2_CANCEL);
    expect(await t.backend.streamExists('slow')).toBe(false);
    session.close();
    await ended;
  });

  it('closes an idle session after KEEP_ALIVE_TIMEOUT_MS, and answers requests before that', async () => {
    const session = connect();
    const ended = closed(session);
    const answer = await new Promise<number>((resolve, reject) => {
      const stream = session.request({ ':path': '/healthz' });
      stream.on('response', (headers) => resolve(Number(headers[':status'])));
      stream.on('error', reject);
      stream.resume();
    });
    expect(answer).toBe(200);
    expect(await ended).toBeLessThan(3_000);
  });

  it('keeps HTTP/1.1 over ALPN on the same deadlines', async () => {
    const socket = tls.connect({ host: '127.0.0.1', port, ALPNProtocols: ['http/1.1'], rejectUnauthorized: false });
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const started = Date.now();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });
});

/** Slow headers on HTTP/2: only HEADERS_TIMEOUT_MS is short here, so an early close is its doing, not the idle timeout's. */
describe('HTTP/2 and TLS headers deadline', () => {
  let dir: string;
  let t: TestApp;
  let origin: string;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'streamgate-h2-headers-'));
    const { cert, key } = makeTestCertificate(dir);
    t = await buildTestApp({ tlsCertFile: cert, tlsKeyFile: key, headersTimeoutMs: 300, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 30_000 });
    origin = await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = Number(new URL(origin).port);
  });

  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Ms until `emitter` closes, or -1 when it is still open after `ms`. */
  const closesWithin = (emitter: { once(event: 'close', listener: () => void): unknown }, ms: number) =>
    new Promise<number>((resolve) => {
      const started = Date.now();
      const timer = setTimeout(() => resolve(-1), ms);
      emitter.once('close', () => {
        clearTimeout(timer);
        resolve(Date.now() - started);
      });
    });

  const healthz = (session: http2.ClientHttp2Session) =>
    new Promise<number>((resolve, reject) => {
      const stream = session.request({ ':path': '/healthz' });
      stream.on('response', (headers) => resolve(Number(headers[':status'])));
      stream.on('error', reject);
      stream.resume();
    });

  it('destroys a session that opens no stream within HEADERS_TIMEOUT_MS, though it keeps sending PINGs', async () => {
    const session = http2.connect(origin, { rejectUnauthorized: false });
    session.on('error', () => {});
    await new Promise<void>((resolve) => session.once('connect', () => resolve()));
    const pings = setInterval(() => {
      if (!session.destroyed) session.ping(() => {});
    }, 50);
    const closed = await closesWithin(session, 5_000);
    clearInterval(pings);
    session.destroy();
    expect(closed).toBeGreaterThan(0);
    expect(closed).toBeLessThan(3_000);
  });

  it('leaves a session alone once it has opened a stream', async () => {
    const session = http2.connect(origin, { rejectUnauthorized: false });
    session.on('error', () => {});
    expect(await healthz(session)).toBe(200);
    expect(await closesWithin(session, 900)).toBe(-1);
    expect(await healthz(session)).toBe(200);
    session.close();
  });

  it('drops a connection that never completes the TLS handshake within HEADERS_TIMEOUT_MS', async () => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // Half a ClientHello header, then silence.
    socket.write(Buffer.from([0x16, 0x03, 0x01]));
    const closed = await closesWithin(socket, 5_000);
    socket.destroy();
    expect(closed).toBeGreaterThan(0);
    // Cut at the deadline, not after the 2 s an HTTP/1.1 client error lingers for its answer.
    expect(closed).toBeLessThan(1_800);
  });
});

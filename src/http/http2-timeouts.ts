/**
 * Slow-client protection for the HTTPS + HTTP/2 server (TLS_CERT_FILE), the same deadlines as
 * HTTP/1.1's:
 * - HTTP/1.1 over ALPN on that server: Node's own headersTimeout / requestTimeout / keepAliveTimeout.
 * - An HTTP/2 request whose body has not arrived whole within REQUEST_TIMEOUT_MS of its headers is
 *   reset (RST_STREAM CANCEL); answers that stream (SSE, long-polls) are not cut, their request
 *   being complete.
 * - An HTTP/2 session with no frame for KEEP_ALIVE_TIMEOUT_MS is closed gracefully (GOAWAY: open
 *   streams finish), through fastify's `http2SessionTimeout`.
 * - An HTTP/2 session that has opened no stream (sent no complete HEADERS) within HEADERS_TIMEOUT_MS
 *   of its start is destroyed, whatever else it sends (PINGs and SETTINGS keep the idle timer above
 *   from firing, not this one): the HTTP/2 form of HTTP/1.1's headersTimeout.
 * - The TLS handshake itself has HEADERS_TIMEOUT_MS too (`handshakeTimeout`, set in app.ts).
 */
import { constants, type Http2SecureServer, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';

export interface Http2Deadlines {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export function applyHttp2Deadlines(server: Http2SecureServer, deadlines: Http2Deadlines): void {
  const http1 = server as unknown as { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number };
  http1.headersTimeout = deadlines.headersTimeoutMs;
  http1.requestTimeout = deadlines.requestTimeoutMs;
  http1.keepAliveTimeout = deadlines.keepAliveTimeoutMs;
  http1.connectionsCheckingInterval = Math.max(100, Math.min(1_000, Math.floor(deadlines.headersTimeoutMs / 2)));
  server.on('session', (session: ServerHttp2Session) => {
    const headers = setTimeout(() => {
      if (!session.destroyed) session.destroy();
    }, deadlines.headersTimeoutMs);
    headers.unref();
    session.once('stream', () => clearTimeout(headers));
    session.once('close', () => clearTimeout(headers));
  });
  server.on('stream', (stream: ServerHttp2Stream) => {
    if (stream.endAfterHeaders) return;
    const body = setTimeout(() => {
      if (!stream.readableEnded && !stream.destroyed) stream.close(constants.NGHTTP2_CANCEL);
    }, deadlines.requestTimeoutMs);
    body.unref();
    stream.once('end', () => clearTimeout(body));
    stream.once('close', () => clearTimeout(body));
  });
}

import type { Socket } from 'node:net';
import { errorMessage, type ErrorCode } from '../domain/errors.js';
import { makeProblem, PROBLEM_CONTENT_TYPE } from './problem.js';

/** What Node's 'clientError' carries: a parser error (`HPE_*`, `reason`, the packet it choked on) or a timeout. */
type ClientError = Error & { code?: string; reason?: string; rawPacket?: unknown };

/** How long a refused connection may keep sending before it is cut: enough for the client to read the answer. */
const LINGER_MS = 2_000;

const PARSER_WORDS: Record<string, string> = {
  HPE_INVALID_CONTENT_LENGTH: 'the Content-Length header is not a non-negative integer',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'a request may not have both Content-Length and Transfer-Encoding: chunked',
  HPE_INVALID_TRANSFER_ENCODING: 'the Transfer-Encoding header is not valid (chunked must come last, and not beside Content-Length)',
  HPE_INVALID_CHUNK_SIZE: 'a chunk size of the chunked body is not valid',
  HPE_INVALID_URL: 'the request target is not a valid URL (send non-ASCII characters percent-encoded as UTF-8)',
  HPE_INVALID_METHOD: 'the request method is not valid',
  HPE_INVALID_VERSION: 'the HTTP version is not valid',
  HPE_INVALID_HEADER_TOKEN: 'a header name or value has a character HTTP does not allow',
  HPE_LF_EXPECTED: 'a line of the request does not end in CRLF',
  HPE_CR_EXPECTED: 'a line of the request does not end in CRLF',
};

/** The problem for an error Node's HTTP parser or timers raised before any route saw the request. */
export function clientErrorProblem(error: ClientError): { code: ErrorCode; status?: number; detail: string } {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'REQUEST_TIMEOUT', detail: errorMessage('REQUEST_TIMEOUT', 'tooSlow') };
    case 'HPE_HEADER_OVERFLOW': {
      // The request line counts against the header limit; a chunk with no line end yet is still in the URL.
      const sawLineEnd = Buffer.isBuffer(error.rawPacket) ? error.rawPacket.includes('\r\n') : true;
      return sawLineEnd
        ? { code: 'HEADERS_TOO_LARGE', detail: errorMessage('HEADERS_TOO_LARGE', 'tooLarge') }
        : { code: 'URI_TOO_LONG', detail: errorMessage('URI_TOO_LONG', 'tooLong') };
    }
    default: {
      const words = (error.code && PARSER_WORDS[error.code]) ?? `the request is not valid HTTP/1.1 (${error.reason ?? error.code ?? error.message})`;
      return { code: 'VALIDATION', detail: errorMessage('VALIDATION', 'notHttp', words) };
    }
  }
}

/**
 * fastify's clientErrorHandler: the answer is a problem like every other, then
 * the connection ends. The socket is ended rather than destroyed, and what
 * the client still sends is read and dropped for a moment, so that a client
 * mid-way through a long URL gets the answer instead of a reset.
 */
export function clientErrorHandler(error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // The HTTPS server's tlsClientError (a handshake that failed or passed HEADERS_TIMEOUT_MS): no HTTP to answer in yet.
  if (error.code !== undefined && /^ERR_(TLS|SSL)_/.test(error.code)) {
    socket.destroy();
    return;
  }
  const { code, status, detail } = clientErrorProblem(error);
  const problem = makeProblem(code, detail, status);
  if (socket.writable) {
    const body = JSON.stringify(problem);
    socket.end(
      `HTTP/1.1 ${problem.status} ${statusText(problem.status)}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    socket.resume();
    socket.on('error', () => {});
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  } else socket.destroy();
}

function statusText(status: number): string {
  return { 400: 'Bad Request', 408: 'Request Timeout', 414: 'URI Too Long', 431: 'Request Header Fields Too Large' }[status] ?? 'Error';
}

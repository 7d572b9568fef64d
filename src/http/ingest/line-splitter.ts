import { isUtf8 } from 'node:buffer';
import { streamError, type StreamError } from '../../domain/errors.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Bytes to lines for NDJSON: a line ends at LF (a CR before it is dropped);
 * a last line without LF still counts. Lines are split on bytes, and LF never
 * occurs inside a multi-byte UTF-8 sequence, so a character split across
 * chunks is whole again before its line is decoded. Each line must be valid
 * UTF-8 (VALIDATION, not replaced with U+FFFD) and hold at most `maxLineBytes`
 * bytes without its line end (PAYLOAD_TOO_LARGE, refused as soon as the cap is
 * passed, so at most `maxLineBytes` + one chunk is ever held). A byte-order
 * mark opening the first line is dropped. Empty lines are returned (they count
 * in line numbers); `lineNumber` is the number of lines returned so far.
 * A refused line stops the splitter: `push` returns the good lines before it
 * and sets `failure`, naming line `lineNumber + 1`; later calls throw it.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  lineNumber = 0;
  failure: StreamError | undefined;

  constructor(private readonly maxLineBytes: number) {}

  /** The lines `chunk` completes, in order. */
  push(chunk: Buffer): string[] {
    if (this.failure !== undefined) throw this.failure;
    const lines: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf(LF, start); end !== -1; end = chunk.indexOf(LF, start)) {
      const line = this.finish(chunk.subarray(start, end));
      if (line === undefined) return lines;
      lines.push(line);
      start = end + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      // A CR may be the first half of a CRLF split across chunks: it is not counted against the cap yet.
      const counted = this.pendingBytes + rest.length - (rest[rest.length - 1] === CR ? 1 : 0);
      if (counted > this.maxLineBytes) {
        this.failure = streamError('PAYLOAD_TOO_LARGE', 'line', this.lineNumber + 1, this.maxLineBytes);
        this.pending = [];
        return lines;
      }
      // A copy: the chunk's memory may be reused by the stream that lent it.
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
    return lines;
  }

  /** The last line, when the body did not end with LF; throws when it is refused. */
  end(): string[] {
    if (this.failure !== undefined) throw this.failure;
    if (this.pendingBytes === 0) return [];
    const line = this.finish(Buffer.alloc(0));
    if (line === undefined) throw this.failure!;
    return [line];
  }

  /** The line, or undefined with `failure` set. */
  private finish(tail: Buffer): string | undefined {
    let bytes = tail;
    if (this.pendingBytes > 0) {
      bytes = Buffer.concat([...this.pending, tail], this.pendingBytes + tail.length);
      this.pending = [];
      this.pendingBytes = 0;
    }
    const lineNumber = this.lineNumber + 1;
    let length = bytes.length;
    if (length > 0 && bytes[length - 1] === CR) length--;
    if (length > this.maxLineBytes) {
      this.failure = streamError('PAYLOAD_TOO_LARGE', 'line', lineNumber, this.maxLineBytes);
      return undefined;
    }
    const line = bytes.subarray(0, length);
    if (!isUtf8(line)) {
      this.failure = streamError('VALIDATION', 'lineNotUtf8', lineNumber);
      return undefined;
    }
    this.lineNumber = lineNumber;
    const text = line.toString('utf8');
    return lineNumber === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
}

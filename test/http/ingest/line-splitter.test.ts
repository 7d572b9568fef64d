import { describe, expect, it } from 'vitest';
import { StreamError } from '../../../src/domain/errors.js';
import { LineSplitter } from '../../../src/http/ingest/line-splitter.js';

/** All lines of `chunks` through one splitter; throws its failure after the lines before it. */
function split(chunks: (string | Buffer)[], maxLineBytes = 1024, good: string[] = []): string[] {
  const splitter = new LineSplitter(maxLineBytes);
  for (const chunk of chunks) {
    good.push(...splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    if (splitter.failure !== undefined) throw splitter.failure;
  }
  return [...good, ...splitter.end()];
}

function refusal(run: () => unknown): StreamError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(StreamError);
    return error as StreamError;
  }
  throw new Error('expected a refusal');
}

describe('LineSplitter', () => {
  it('splits on LF, drops the CR of CRLF, and keeps a last line without LF', () => {
    expect(split(['a\nb\r\nc'])).toEqual(['a', 'b', 'c']);
    expect(split(['a\nb\n'])).toEqual(['a', 'b']);
  });

  it('returns empty lines, so line numbers count them', () => {
    const splitter = new LineSplitter(100);
    expect(splitter.push(Buffer.from('a\n\n\r\nb\n'))).toEqual(['a', '', '', 'b']);
    expect(splitter.lineNumber).toBe(4);
    expect(splitter.end()).toEqual([]);
  });

  it('joins a line across chunks, a CRLF split between them included', () => {
    expect(split(['ab', 'cd', 'e\r', '\nf', 'g'])).toEqual(['abcde', 'fg']);
    expect(split(['a\r', 'b\n'])).toEqual(['a\rb']);
  });

  it('joins a multi-byte character split across chunks', () => {
    const bytes = Buffer.from('é€😀\n');
    const chunks = Array.from(bytes, (byte) => Buffer.from([byte]));
    expect(split(chunks)).toEqual(['é€😀']);
  });

  it('refuses a line that is not valid UTF-8, naming it, after the good lines before it', () => {
    const good: string[] = [];
    const error = refusal(() => split(['ok\n', Buffer.from([0x61, 0x0a, 0x61, 0xc3, 0x28, 0x0a, 0x62, 0x0a])], 1024, good));
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toBe('line 3: not valid UTF-8');
    expect(good).toEqual(['ok', 'a']);
    // A character cut by the end of the body is invalid too.
    expect(refusal(() => split([Buffer.from([0xe2, 0x82])])).message).toBe('line 1: not valid UTF-8');
  });

  it('refuses a line over the cap as soon as the cap is passed, without waiting for its end', () => {
    const splitter = new LineSplitter(8);
    expect(splitter.push(Buffer.from('12345678\n'))).toEqual(['12345678']);
    expect(splitter.push(Buffer.from('12345'))).toEqual([]);
    expect(splitter.push(Buffer.from('6789'))).toEqual([]);
    const error = splitter.failure!;
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toBe('line 2 is longer than 8 bytes, the most one line may hold');
    expect(refusal(() => splitter.push(Buffer.from('\n')))).toBe(error);
    expect(refusal(() => splitter.end())).toBe(error);
    expect(refusal(() => split(['123456789\n'], 8)).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('does not count the CR of CRLF against the cap', () => {
    expect(split(['12345678\r\n'], 8)).toEqual(['12345678']);
    expect(split(['12345678\r', '\n'], 8)).toEqual(['12345678']);
  });

  it('drops a byte-order mark opening the first line only', () => {
    expect(split(['\ufeffa\n\ufeffb'])).toEqual(['a', '\ufeffb']);
  });
});

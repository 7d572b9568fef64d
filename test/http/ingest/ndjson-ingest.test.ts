import { describe, expect, it } from 'vitest';
import type { NewEntry } from '../../../src/backends/contract.js';
import { streamError } from '../../../src/domain/errors.js';
import { IngestError, ingestNdjson, type IngestOptions } from '../../../src/http/ingest/ndjson-ingest.js';

const message = (text: string): NewEntry => ({ id: { kind: 'auto' }, fields: ['line', text] }) as NewEntry;

/** A body that records how many reads were asked for, yielding `chunks` in turn. */
function body(chunks: string[]): AsyncIterable<Buffer> & { reads: number } {
  const source = {
    reads: 0,
    async *[Symbol.asyncIterator]() {
      for (const chunk of chunks) {
        source.reads++;
        yield Buffer.from(chunk);
      }
    },
  };
  return source;
}

function options(written: string[][], overrides: Partial<IngestOptions> = {}): IngestOptions {
  let next = 1n;
  return {
    maxLineBytes: 100,
    chunkMessages: 2,
    chunkChars: 1000,
    parseLine: (text, line) => {
      if (text === 'bad') throw streamError('VALIDATION', 'lineInvalid', line, 'bad');
      return message(text);
    },
    appendChunk: async (messages) => {
      written.push(messages.map((m) => m.fields[1]!));
      return { ids: messages.map(() => next++), duplicates: 0 };
    },
    ...overrides,
  };
}

describe('ingestNdjson', () => {
  it('writes chunks of chunkMessages in order, the last one short, and reports the first and last ID', async () => {
    const written: string[][] = [];
    const progress = await ingestNdjson(body(['a\nb\nc', '\n\nd\ne']), options(written));
    expect(written).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(progress).toEqual({ appended: 5, duplicates: 0, firstId: 1n, lastId: 5n });
  });

  it('closes a chunk at chunkChars as well', async () => {
    const written: string[][] = [];
    await ingestNdjson(body(['aaaa\nbbbb\ncc\n']), options(written, { chunkMessages: 100, chunkChars: 8 }));
    expect(written).toEqual([['aaaa', 'bbbb'], ['cc']]);
  });

  it('reads nothing more while a chunk is being written', async () => {
    const source = body(['a\nb\n', 'c\nd\n', 'e\n']);
    const readsDuringWrites: number[] = [];
    const written: string[][] = [];
    await ingestNdjson(
      source,
      options(written, {
        appendChunk: async (messages) => {
          const reads = source.reads;
          await new Promise((resolve) => setTimeout(resolve, 5));
          readsDuringWrites.push(source.reads - reads);
          return { ids: messages.map(() => 1n), duplicates: 0 };
        },
      }),
    );
    expect(readsDuringWrites).toEqual([0, 0, 0]);
  });

  it('stops at a bad line: the chunks before it written, the partial chunk not, the line named', async () => {
    const written: string[][] = [];
    const error = await ingestNdjson(body(['a\nb\n\nc\nbad\nd\n']), options(written)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngestError);
    expect((error as IngestError).where).toEqual({ line: 5 });
    expect((error as IngestError).progress).toEqual({ appended: 2, duplicates: 0, firstId: 1n, lastId: 2n });
    expect(written).toEqual([['a', 'b']]);
  });

  it('names a line the splitter refused after taking the good lines before it', async () => {
    const written: string[][] = [];
    const error = (await ingestNdjson(body(['a\nb\nc\n' + 'x'.repeat(101) + '\n']), options(written)).catch((e: unknown) => e)) as IngestError;
    expect(error.where).toEqual({ line: 4 });
    expect((error.cause as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
    expect(written).toEqual([['a', 'b']]);
  });

  it('names the lines of a chunk the backend refused, and stops before a chunk when beforeChunk throws', async () => {
    let calls = 0;
    const refused = (await ingestNdjson(
      body(['a\nb\n\nc\nd\n']),
      options([], {
        appendChunk: async (messages) => {
          if (++calls === 2) throw streamError('ID_NOT_GREATER', 'notGreater');
          return { ids: messages.map(() => 7n), duplicates: 0 };
        },
      }),
    ).catch((e: unknown) => e)) as IngestError;
    expect(refused.where).toEqual({ lines: [4, 5] });
    expect(refused.progress.appended).toBe(2);

    const stopped = (await ingestNdjson(body(['a\n']), options([], { beforeChunk: () => { throw streamError('SHUTTING_DOWN', 'draining'); } })).catch((e: unknown) => e)) as IngestError;
    expect((stopped.cause as { code: string }).code).toBe('SHUTTING_DOWN');
  });

  it('refuses a body without a message', async () => {
    const error = (await ingestNdjson(body(['\n \r\n']), options([])).catch((e: unknown) => e)) as IngestError;
    expect(error.message).toBe('A batch needs at least one message');
    expect(error.where).toBeUndefined();
  });
});

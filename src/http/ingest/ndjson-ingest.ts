import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import type { NewEntry } from '../../backends/contract.js';
import { streamError } from '../../domain/errors.js';
import type { StreamId } from '../../domain/ids.js';
import { LineSplitter } from './line-splitter.js';

/** What an NDJSON ingest has done so far: the messages of the chunks written (a refused chunk counts for nothing). */
export interface IngestProgress {
  /** Messages newly appended. */
  appended: number;
  /** Messages that were duplicates of idempotent appends (nothing appended for them). */
  duplicates: number;
  /** IDs of the first and last message written (for a duplicate, its original ID). */
  firstId?: StreamId;
  lastId?: StreamId;
}

/** One chunk's outcome: per message its ID, and how many were duplicates. */
export interface ChunkResult {
  ids: StreamId[];
  duplicates: number;
}

export interface IngestOptions {
  /** Most bytes in one line (its line end not counted). */
  maxLineBytes: number;
  /** A chunk is written when it holds this many messages ... */
  chunkMessages: number;
  /** ... or this many characters of their lines. */
  chunkChars: number;
  /** One non-empty line to its message; throws a StreamError naming `line` when it is not one. */
  parseLine(text: string, line: number): NewEntry;
  /** Appends one chunk whole or not at all (the contract's batch append). */
  appendChunk(messages: NewEntry[]): Promise<ChunkResult>;
  /** Checked before each chunk is written: stops the ingest (at shutdown). */
  beforeChunk?: () => void;
}

/**
 * An ingest stopped by `cause` (a StreamError, or the request's own failure).
 * `line`: the line refused; `lines`: the first and last line of the chunk the
 * backend refused. `progress`: the chunks written before it, which stay.
 */
export class IngestError extends Error {
  override readonly name = 'IngestError';
  constructor(
    override readonly cause: unknown,
    readonly progress: IngestProgress,
    readonly where: { line: number } | { lines: [number, number] } | undefined,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * NDJSON ingest: lines are validated as they arrive and gathered into chunks;
 * each chunk is appended whole, and while it is written nothing more is read
 * from `body` (its async iterator pulls only when asked, so TCP pushes back on
 * the client). Held at any time: one chunk, one partial line, one read.
 * The first bad line or refused chunk stops the ingest; chunks written before
 * it stay. A body with no message at all is refused (VALIDATION emptyBatch).
 */
export async function ingestNdjson(body: Readable | AsyncIterable<Buffer>, options: IngestOptions): Promise<IngestProgress> {
  const splitter = new LineSplitter(options.maxLineBytes);
  const progress: IngestProgress = { appended: 0, duplicates: 0 };
  let messages: NewEntry[] = [];
  let chars = 0;
  let firstLine = 0;
  let lastLine = 0;

  const flush = async (): Promise<void> => {
    const chunk = messages;
    messages = [];
    chars = 0;
    try {
      options.beforeChunk?.();
      const { ids, duplicates } = await options.appendChunk(chunk);
      progress.appended += ids.length - duplicates;
      progress.duplicates += duplicates;
      progress.firstId ??= ids[0];
      progress.lastId = ids[ids.length - 1] ?? progress.lastId;
    } catch (error) {
      throw new IngestError(error, progress, { lines: [firstLine, lastLine] });
    }
  };

  // `destroyOnReturn: false`: a refusal must leave the request (and its socket) open for the answer.
  const chunks: AsyncIterable<Buffer> = 'iterator' in body && typeof body.iterator === 'function' ? body.iterator({ destroyOnReturn: false }) : body;
  const iterator = chunks[Symbol.asyncIterator]();
  for (;;) {
    let lines: string[];
    let done = false;
    try {
      const next = await iterator.next();
      done = next.done === true;
      lines = done ? splitter.end() : splitter.push(typeof next.value === 'string' ? Buffer.from(next.value) : next.value);
    } catch (error) {
      throw new IngestError(error, progress, { line: splitter.lineNumber + 1 });
    }
    // The lines returned are numbered lineNumber - lines.length + 1 .. lineNumber.
    let line = splitter.lineNumber - lines.length;
    for (const text of lines) {
      line++;
      if (isBlank(text)) continue;
      let message: NewEntry;
      try {
        message = options.parseLine(text, line);
      } catch (error) {
        throw new IngestError(error, progress, { line });
      }
      if (messages.length === 0) firstLine = line;
      lastLine = line;
      messages.push(message);
      chars += text.length;
      if (messages.length >= options.chunkMessages || chars >= options.chunkChars) await flush();
    }
    // The good lines before a refused one were taken (and full chunks of them written) first.
    if (splitter.failure !== undefined) throw new IngestError(splitter.failure, progress, { line: splitter.lineNumber + 1 });
    if (done) break;
  }
  if (messages.length > 0) await flush();
  if (progress.firstId === undefined) throw new IngestError(streamError('VALIDATION', 'emptyBatch'), progress, undefined);
  return progress;
}

/** Whitespace-only lines carry no message (JSON's whitespace: space, tab, CR). */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';

/** A request body left unread for `ingestNdjson`: the parser hands the stream on, so nothing buffers it. */
export class NdjsonBody {
  constructor(readonly stream: Readable) {}
}

/**
 * `application/x-ndjson` for the routes of `app` (an encapsulated context):
 * the body becomes an NdjsonBody, with no body-size cap (fastify applies
 * bodyLimit only to the bodies it reads itself; the line cap stands in).
 */
export function registerNdjsonBody(app: FastifyInstance): void {
  app.addContentTypeParser(NDJSON_CONTENT_TYPE, (_request, payload, done) => done(null, new NdjsonBody(payload as Readable)));
}

/** A route's validator compiler that passes an NdjsonBody through (its lines are validated as they arrive) and compiles the rest with `compiler`. */
export function ndjsonPassing(compiler: FastifySchemaCompiler<z.ZodType>): FastifySchemaCompiler<z.ZodType> {
  return (route) => {
    const validate = compiler(route);
    if (route.httpPart !== 'body') return validate;
    return (data) => (data instanceof NdjsonBody ? { value: data } : validate(data));
  };
}

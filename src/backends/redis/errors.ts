/**
 * Redis error replies as catalogue errors. The message stays Redis's own line,
 * as the embedded core's errors carry it; errors of our own come from the
 * catalogue's templates.
 */
import { redisReplyError, StreamError, streamError, type ErrorCode } from '../../domain/errors.js';

/** Scripts tag the errors they raise themselves: `SG:<CODE> <message>` (see scripts.ts). */
const TAGGED = /^SG:([A-Z_]+) ([\s\S]*)$/;
/** Redis 7 appends where an error raised inside a script came from; pcall-returned replies have none, but be safe. */
const SCRIPT_SUFFIX = / script: [0-9a-f]{40}, on @user_script:\d+\.$/;

/** First matching row wins: Redis's message (its start or a phrase of it) and our code. */
const MESSAGE_CODES: [RegExp, ErrorCode][] = [
  [/^NOGROUP /, 'NOGROUP'],
  [/^BUSYGROUP /, 'BUSYGROUP'],
  [/^ERR no such key$/, 'NO_STREAM'],
  [/^ERR The XGROUP subcommand requires the key to exist/, 'NO_STREAM'],
  [/^ERR Invalid stream ID/, 'INVALID_ID'],
  [/^ERR invalid (start|end) ID for the interval/, 'INVALID_ID'],
  [/^ERR The ID specified in XADD (is equal or smaller|must be greater than 0-0)/, 'ID_NOT_GREATER'],
  [/exhausted the last possible ID/, 'ID_EXHAUSTED'],
  [/^ERR Elements are too large/, 'SEQ_EXHAUSTED'],
  [/^ERR The entries_added specified in XSETID is smaller than the target stream length/, 'SETID_ENTRIES_ADDED_TOO_SMALL'],
  [/^ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id/, 'SETID_MAXDELETED_TOO_BIG'],
  [/XSETID|max_deleted_entry_id/, 'SETID_TOO_SMALL'],
  // maxmemory with noeviction refuses writes that need memory; reads, acks and deletes still run.
  [/^OOM /, 'OUT_OF_MEMORY'],
  [/^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|NOREPLICAS|BUSY|MOVED|ASK|NOSCRIPT|NOAUTH|WRONGPASS|NOPERM) /, 'STORAGE_UNAVAILABLE'],
];

/** The catalogue error for a Redis error line (from a ReplyError or a script's error reply). */
export function fromRedisMessage(line: string): StreamError {
  const message = line.replace(SCRIPT_SUFFIX, '');
  const tagged = TAGGED.exec(message);
  if (tagged) return redisReplyError(tagged[1] as ErrorCode, tagged[2]!);
  for (const [pattern, code] of MESSAGE_CODES) if (pattern.test(message)) return redisReplyError(code, message);
  // Any other ERR is an argument Redis refused (WRONGTYPE included: a key that is not a stream).
  return redisReplyError('VALIDATION', message);
}

/** Redis cannot be reached, or dropped the connection: fail fast, never queue. */
export function unavailable(detail?: string): StreamError {
  return streamError('STORAGE_UNAVAILABLE', 'redisUnavailable', detail ?? '');
}

export function waitShortfall(acked: number, wanted: number, timeoutMs: number): StreamError {
  return streamError('STORAGE_UNAVAILABLE', 'waitShortfall', acked, wanted, timeoutMs);
}

/** Whatever an ioredis call rejected with, as a StreamError. */
export function toStreamError(err: unknown): StreamError {
  if (err instanceof StreamError) return err;
  if (err instanceof Error && err.name === 'ReplyError') return fromRedisMessage(err.message);
  return unavailable(err instanceof Error ? err.message : String(err));
}

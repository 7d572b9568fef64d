import type { StreamBackend } from '../backends/contract.js';
import { noGroupError, RedisMessages, StreamError } from '../domain/errors.js';
import { formatId, type StreamId } from '../domain/ids.js';

export function noStream(): StreamError {
  return new StreamError('NO_STREAM', RedisMessages.noSuchKey);
}

export function noMessage(id: StreamId): StreamError {
  return new StreamError('NO_MESSAGE', `no message with ID ${formatId(id)}`);
}

export function noConsumer(group: string, consumer: string): StreamError {
  return new StreamError('NO_CONSUMER', `no consumer '${consumer}' in group '${group}'`);
}

/** Unwraps a core answer where null means the stream is missing. */
export function orNoStream<T>(value: T | null): T {
  if (value === null) throw noStream();
  return value;
}

/** For answers where null means "stream or group missing": tells which. */
export async function noStreamOrGroup(backend: StreamBackend, key: string, group: string): Promise<StreamError> {
  return (await backend.streamExists(key)) ? noGroupError(key, group, 'XINFO') : noStream();
}

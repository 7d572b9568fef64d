import type { StreamBackend } from '../backends/contract.js';
import { streamError, type StreamError } from '../domain/errors.js';
import { formatId, type StreamId } from '../domain/ids.js';

export function noStream(): StreamError {
  return streamError('NO_STREAM', 'noSuchKey');
}

export function noMessage(id: StreamId): StreamError {
  return streamError('NO_MESSAGE', 'missing', formatId(id));
}

export function noConsumer(group: string, consumer: string): StreamError {
  return streamError('NO_CONSUMER', 'missing', group, consumer);
}

/** Unwraps a core answer where null means the stream is missing. */
export function orNoStream<T>(value: T | null): T {
  if (value === null) throw noStream();
  return value;
}

/** For answers where null means "stream or group missing": tells which. */
export async function noStreamOrGroup(backend: StreamBackend, key: string, group: string): Promise<StreamError> {
  return (await backend.streamExists(key)) ? streamError('NOGROUP', 'keyOrGroup', key, group) : noStream();
}

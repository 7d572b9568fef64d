import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import { messagesOf, ProblemError, toProblemError, type Message, type StreamgateClient } from './client.js';


export interface ConsumeOptions {
  stream: string;
  group: string;
  consumer: string;
  /**
   * Handles one message. When it resolves the message is acknowledged (one
   * ack request per read); when it throws, the message stays pending for this
   * consumer: claimable by others, and handled again when this loop restarts.
   */
  handler: (message: Message) => unknown;
  /** Most messages per read. @defaultValue 10 */
  count?: number;
  /** How long one read waits for new messages (the server caps it). @defaultValue 30000 */
  waitMs?: number;
  /** Stops the loop; the read in progress is abandoned and nothing more is handled. */
  signal?: AbortSignal;
  /** Told of each handler failure (with its message) and each request that will be retried. */
  onError?: (error: unknown, message?: Message) => void;
  /** Delays between retries of failed requests (429, 5xx, network). */
  backoff?: BackoffOptions;
}

type ReadAfter = '>' | string;

/**
 * The consumer loop of the Redis consumer-groups pattern: first this
 * consumer's own pending history (what a crash left unacknowledged), then new
 * messages with a blocking read; each read's handled messages acknowledged in
 * one request. Requests that fail with 429, 5xx or a network error are
 * retried after a backoff that honours `Retry-After`; other problems (a
 * missing group, say) end the loop with a ProblemError. Resolves when
 * `signal` aborts.
 */
export async function consume(client: StreamgateClient, options: ConsumeOptions): Promise<void> {
  const { stream, group, consumer, signal } = options;
  const path = { stream, group, consumer };
  const backoff = new Backoff(options.backoff);
  let after: ReadAfter = '0';

  /** Runs one request until it succeeds or fails for good; undefined when aborted (tried at least once when `evenWhenStopping`). */
  async function withRetry<T>(request: () => Promise<{ data?: T; error?: unknown; response: Response }>, evenWhenStopping = false): Promise<T | undefined> {
    for (let tries = 0; !signal?.aborted || (evenWhenStopping && tries === 0); tries++) {
      let failure: unknown;
      try {
        const result = await request();
        if (result.error === undefined) {
          backoff.reset();
          return result.data as T;
        }
        failure = toProblemError(result.error, result.response);
        if (!(failure as ProblemError).retryable) throw failure;
      } catch (err) {
        if (signal?.aborted && !evenWhenStopping) return undefined;
        if (err instanceof ProblemError && !err.retryable) throw err;
        failure = err;
      }
      options.onError?.(failure);
      await sleep(backoff.next(failure instanceof ProblemError ? failure.retryAfterSeconds : undefined), signal);
    }
    return undefined;
  }

  while (!signal?.aborted) {
    const live = after === '>';
    const body = live ? { after, count: options.count ?? 10, waitMs: options.waitMs ?? 30_000 } : { after, count: options.count ?? 10 };
    const read = await withRetry(() =>
      client.POST('/v1/streams/{stream}/groups/{group}/consumers/{consumer}/read', { params: { path }, body, ...(signal ? { signal } : {}) }),
    );
    if (read === undefined) return;
    const messages = messagesOf('object', read);
    if (!live && messages.length === 0) {
      after = '>';
      continue;
    }
    const done: string[] = [];
    for (const message of messages) {
      if (signal?.aborted) break;
      // A pending entry deleted from the stream (history reads only) has nothing to handle: acknowledge it.
      if (message.fields === null) {
        done.push(message.id);
        continue;
      }
      try {
        await options.handler(message);
        done.push(message.id);
      } catch (err) {
        options.onError?.(err, message);
      }
    }
    if (!live) after = messages[messages.length - 1]!.id;
    if (done.length > 0) {
      // Handled messages are acknowledged even when the loop is stopping: at least one try.
      const acked = await withRetry(() => client.POST('/v1/streams/{stream}/groups/{group}/acks', { params: { path: { stream, group } }, body: { ids: done } }), true);
      if (acked === undefined) return;
    }
  }
}

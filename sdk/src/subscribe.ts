import { Backoff, type BackoffOptions } from './backoff.js';
import { createClient, ProblemError, toProblemError, type Message, type Problem, type StreamgateClient } from './client.js';

/** What the subscription needs of an EventSource: the browser's, or the `eventsource` package's in Node. */
export interface EventSourceLike {
  /** 0 connecting, 1 open, 2 closed (for good: the browser will not reconnect by itself). */
  readonly readyState: number;
  addEventListener(type: string, listener: (event: { data?: unknown; lastEventId?: string }) => void): void;
  close(): void;
}

/** Opens an EventSource on `url`; `headers` holds what a browser's EventSource cannot send (Authorization, Last-Event-ID). */
export type EventSourceFactory = (url: string, headers: Record<string, string>) => EventSourceLike;

const CLOSED = 2;

export interface SubscribeOptions {
  /** The server's origin, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** A bearer token: sent as `?access_token=`, the one way an EventSource can carry it. */
  token?: string;
  stream: string;
  /** With `consumer`: a consumer-group subscription (XREADGROUP loop); without: the stream's tail (XREAD loop). */
  group?: string;
  consumer?: string;
  /** Group subscriptions: `manual` acknowledges each message once `onMessage` resolves; `auto` reads with NOACK. @defaultValue 'manual' */
  ack?: 'manual' | 'auto';
  /** Most unacknowledged messages the server sends ahead (manual ack). */
  maxInFlight?: number;
  /** Most messages per server read. */
  count?: number;
  /** Tail subscriptions: start after this ID (default: only new messages). */
  after?: string;
  /** Called for each message, in order, one at a time. With manual ack, a message whose handler throws stays pending. */
  onMessage: (message: Message) => unknown;
  /** The server ended the subscription and said why (a missing group, say); retryable problems reconnect after this. */
  onProblem?: (problem: Problem, willReconnect: boolean) => void;
  /** Told of handler failures, failed acks and connection errors (the subscription carries on). */
  onError?: (error: unknown) => void;
  /** Acknowledgements are sent in one request per batch. */
  ackBatch?: { /** @defaultValue 50 */ maxMessages?: number; /** @defaultValue 50 */ maxDelayMs?: number };
  /** Delays between reconnects the subscription makes itself (the EventSource's own retries come first). */
  backoff?: BackoffOptions;
  /** @defaultValue globalThis.EventSource in browsers, else the `eventsource` package */
  eventSource?: EventSourceFactory;
  /** For acknowledgements. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
}

export interface Subscription {
  /** The ID of the last message received: where a reconnect resumes. */
  readonly lastEventId: string | undefined;
  /** Resolves when the first connection is open. */
  readonly opened: Promise<void>;
  /** Sends the acknowledgements still queued, then closes the connection for good. */
  close(): Promise<void>;
}

/**
 * A Server-Sent Events subscription that keeps going: the EventSource's own
 * reconnects resume after the last message (Last-Event-ID), and where a
 * browser gives up (a non-200 answer during a deploy) or the server says it is
 * shutting down, the subscription opens a new connection after a backoff,
 * resuming from the last message it saw. Acknowledgements are batched.
 */
export function subscribe(options: SubscribeOptions): Subscription {
  if ((options.group === undefined) !== (options.consumer === undefined)) throw new TypeError('group and consumer go together');
  const grouped = options.group !== undefined;
  const manualAck = grouped && (options.ack ?? 'manual') === 'manual';
  const api: StreamgateClient = createClient({ baseUrl: options.baseUrl, ...(options.token ? { token: options.token } : {}), ...(options.fetch ? { fetch: options.fetch } : {}) });
  const backoff = new Backoff(options.backoff);
  const ackBackoff = new Backoff(options.backoff);
  const maxBatch = options.ackBatch?.maxMessages ?? 50;
  const maxDelayMs = options.ackBatch?.maxDelayMs ?? 50;

  let source: EventSourceLike | undefined;
  let lastEventId: string | undefined;
  let closed = false;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let handling: Promise<void> = Promise.resolve();
  const pendingAcks: string[] = [];
  let ackTimer: ReturnType<typeof setTimeout> | undefined;
  let acking: Promise<void> = Promise.resolve();
  let markOpened!: () => void;
  const opened = new Promise<void>((resolve) => (markOpened = resolve));

  const factoryPromise = options.eventSource ? Promise.resolve(options.eventSource) : defaultEventSourceFactory();

  function url(): string {
    const base = options.baseUrl.replace(/\/+$/, '');
    const path = grouped
      ? `/v1/streams/${encodeURIComponent(options.stream)}/groups/${encodeURIComponent(options.group!)}/consumers/${encodeURIComponent(options.consumer!)}/events`
      : `/v1/streams/${encodeURIComponent(options.stream)}/events`;
    const query = new URLSearchParams();
    if (options.count !== undefined) query.set('count', String(options.count));
    if (grouped) {
      query.set('ack', manualAck ? 'manual' : 'auto');
      if (options.maxInFlight !== undefined) query.set('maxInFlight', String(options.maxInFlight));
    } else if (options.after !== undefined && lastEventId === undefined) {
      query.set('after', options.after);
    }
    // A browser cannot send Last-Event-ID on a connection it opens itself: the query carries it too.
    if (lastEventId !== undefined) query.set('lastEventId', lastEventId);
    if (options.token) query.set('access_token', options.token);
    const text = query.toString();
    return `${base}${path}${text ? `?${text}` : ''}`;
  }

  function flushAcks(): Promise<void> {
    if (ackTimer !== undefined) clearTimeout(ackTimer);
    ackTimer = undefined;
    if (pendingAcks.length === 0) return acking;
    const ids = pendingAcks.splice(0, pendingAcks.length);
    acking = acking.then(async () => {
      try {
        const result = await api.POST('/v1/streams/{stream}/groups/{group}/acks', {
          params: { path: { stream: options.stream, group: options.group! } },
          body: { ids },
        });
        if (result.error !== undefined) throw toProblemError(result.error, result.response);
        ackBackoff.reset();
      } catch (err) {
        options.onError?.(err);
        // A server going away or overloaded: the same IDs again later. Anything else (the group is gone): dropped.
        const retryable = !(err instanceof ProblemError) || err.retryable;
        if (retryable && !closed) {
          pendingAcks.unshift(...ids);
          ackTimer ??= setTimeout(() => void flushAcks(), ackBackoff.next(err instanceof ProblemError ? err.retryAfterSeconds : undefined));
        }
      }
    });
    return acking;
  }

  function queueAck(id: string): void {
    pendingAcks.push(id);
    if (pendingAcks.length >= maxBatch) void flushAcks();
    else ackTimer ??= setTimeout(() => void flushAcks(), maxDelayMs);
  }

  function onMessage(event: { data?: unknown; lastEventId?: string }): void {
    let message: Message;
    try {
      message = JSON.parse(String(event.data)) as Message;
    } catch (err) {
      options.onError?.(err);
      return;
    }
    lastEventId = event.lastEventId || message.id;
    handling = handling.then(async () => {
      try {
        await options.onMessage(message);
        if (manualAck && message.fields !== null) queueAck(message.id);
      } catch (err) {
        options.onError?.(err);
      }
    });
  }

  /** The server's terminal event: `problem`, with the problem JSON. */
  function onServerProblem(event: { data?: unknown }): void {
    let problem: Problem;
    try {
      problem = JSON.parse(String(event.data)) as Problem;
    } catch (err) {
      options.onError?.(err);
      return;
    }
    const retryable = new ProblemError(problem).retryable;
    options.onProblem?.(problem, retryable && !closed);
    source?.close();
    if (retryable) reconnectLater();
    else closed = true;
  }

  function reconnectLater(): void {
    if (closed || reconnectTimer !== undefined) return;
    source?.close();
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect();
    }, backoff.next());
  }

  async function connect(): Promise<void> {
    if (closed) return;
    const factory = await factoryPromise;
    if (closed) return;
    const headers: Record<string, string> = {};
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    const es = factory(url(), headers);
    source = es;
    es.addEventListener('open', () => {
      backoff.reset();
      markOpened();
    });
    es.addEventListener('message', onMessage);
    es.addEventListener('problem', onServerProblem);
    es.addEventListener('shutdown', () => {
      // The server is draining: come back to it (or a sibling behind the load balancer) after a pause.
      options.onError?.(new Error('the server is shutting down; reconnecting'));
      reconnectLater();
    });
    es.addEventListener('error', () => {
      // EventSource's own event: a transport failure with no data. The server's reasons come as `problem`.
      if (closed || source !== es) return;
      options.onError?.(new Error('the event stream connection failed'));
      // CONNECTING: the EventSource retries by itself; CLOSED: it gave up, so we open a new one.
      if (es.readyState === CLOSED) reconnectLater();
    });
  }

  void connect();

  return {
    get lastEventId() {
      return lastEventId;
    },
    opened,
    async close() {
      closed = true;
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
      source?.close();
      await handling;
      await flushAcks();
    },
  };
}

/** Browsers: the global EventSource (headers cannot be sent; the query carries them). Node: the `eventsource` package, with headers. */
async function defaultEventSourceFactory(): Promise<EventSourceFactory> {
  const global = (globalThis as { EventSource?: new (url: string) => EventSourceLike }).EventSource;
  if (global !== undefined) return (url) => new global(url);
  const { EventSource } = await import('eventsource');
  return (url, headers) =>
    new EventSource(url, {
      // The EventSource's own headers (its newer Last-Event-ID on a retry) win over the ones given at creation.
      fetch: (input, init) => {
        const merged = new Headers(headers);
        new Headers(init?.headers as Record<string, string> | undefined).forEach((value, name) => merged.set(name, value));
        return fetch(input, { ...init, headers: merged });
      },
    }) as unknown as EventSourceLike;
}

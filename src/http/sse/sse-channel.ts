import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';

/*
 * Server-Sent Events are written by hand rather than through @fastify/sse:
 * a group subscriber must know, before it takes messages from the group,
 * whether the socket can take them (`writableNeedDrain`), and tens of
 * thousands of idle subscribers must share one heartbeat timer and cost a few
 * KB each. The wire format is small and fixed (WHATWG HTML, "Server-sent events").
 */

export interface SseOptions {
  /** The `retry:` hint sent on connect, ms. */
  retryMs: number;
}

/** One open event stream. Writes never throw; after the client goes they are dropped. */
export class SseChannel {
  private readonly raw: ServerResponse;
  private readonly gone = new AbortController();
  private ended = false;
  private readonly retryMs: number;

  constructor(reply: FastifyReply, options: SseOptions, private readonly onEnd: (channel: SseChannel) => void) {
    this.retryMs = options.retryMs;
    reply.hijack();
    this.raw = reply.raw;
    const headers: Record<string, string | number | string[]> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
    // An event stream's connection is never reused: closing it with the stream lets shutdown finish at once.
    this.raw.shouldKeepAlive = false;
    this.raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    // HTTP/2 streams share the session's socket, which may not be touched.
    if (reply.request.raw.httpVersionMajor < 2) this.raw.socket?.setNoDelay(true);
    this.raw.write(`retry: ${options.retryMs}\n\n`);
    this.raw.once('close', () => this.finish());
  }

  /** Aborted when the client goes away or the channel is ended. */
  get signal(): AbortSignal {
    return this.gone.signal;
  }

  get open(): boolean {
    return !this.ended;
  }

  /** False when the socket's buffer is full: take nothing more until `drained()`. */
  get writable(): boolean {
    return !this.ended && !this.raw.writableNeedDrain;
  }

  /** Whole events, already encoded (MessageFrames): one socket write. */
  sendEncoded(events: Buffer): boolean {
    if (this.ended) return false;
    return this.raw.write(events);
  }

  /** One named event; `data` is one line (JSON). */
  event(name: string, data: string): void {
    if (!this.ended) this.raw.write(`event: ${name}\ndata: ${data}\n\n`);
  }

  comment(text: string): void {
    if (!this.ended) this.raw.write(`: ${text}\n\n`);
  }

  /** Resolves when the socket can take more, or the channel is closed. */
  drained(): Promise<void> {
    if (!this.raw.writableNeedDrain || this.ended) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.raw.off('drain', done);
        this.gone.signal.removeEventListener('abort', done);
        resolve();
      };
      this.raw.on('drain', done);
      this.gone.signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Sends a last event (if any) and closes the stream. The event repeats the
   * `retry:` hint: an EventSource reconnects by itself after a stream ends
   * (only a non-200 answer or another content type makes it give up).
   */
  end(event?: string, data?: string): void {
    if (this.ended) return;
    if (event !== undefined) this.raw.write(`retry: ${this.retryMs}\nevent: ${event}\ndata: ${data ?? '{}'}\n\n`);
    this.raw.end();
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.gone.abort();
    this.onEnd(this);
  }
}

/** The data of the last event a draining server sends: the client comes back after the `retry:` hint, to this server or a sibling. */
export const SHUTDOWN_DATA = JSON.stringify({ reason: 'the server is shutting down; reconnect' });

/** Every open channel of an app: one heartbeat timer for all, and shutdown. */
export class SseHub {
  private readonly channels = new Set<SseChannel>();
  private heartbeat: NodeJS.Timeout | undefined;
  private closing = false;
  private readonly endListeners: ((seconds: number) => void)[] = [];

  constructor(
    private readonly options: SseOptions & {
      /** A comment line at least this often, ms. */
      heartbeatMs: number;
    },
  ) {}

  get size(): number {
    return this.channels.size;
  }

  /** Called with each stream's lifetime when it ends. */
  onEnd(listener: (seconds: number) => void): void {
    this.endListeners.push(listener);
  }

  open(reply: FastifyReply): SseChannel {
    const openedAt = performance.now();
    const channel = new SseChannel(reply, this.options, (c) => {
      this.channels.delete(c);
      const seconds = (performance.now() - openedAt) / 1000;
      for (const listener of this.endListeners) listener(seconds);
    });
    if (this.closing) {
      channel.end('shutdown', SHUTDOWN_DATA);
      return channel;
    }
    this.channels.add(channel);
    if (this.heartbeat === undefined) {
      this.heartbeat = setInterval(() => {
        for (const c of this.channels) c.comment('keep-alive');
      }, this.options.heartbeatMs);
      this.heartbeat.unref();
    }
    return channel;
  }

  /** Whether shutdown has begun: a channel opened now ends at once with `shutdown`. */
  get draining(): boolean {
    return this.closing;
  }

  /** Server shutdown: every subscriber gets `retry:`, `event: shutdown`, and the stream closes. */
  shutdown(): void {
    this.closing = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const c of [...this.channels]) c.end('shutdown', SHUTDOWN_DATA);
  }
}

import Fastify, { type FastifyInstance } from 'fastify';
import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { SHUTDOWN_DATA, SseHub, type SseChannel } from '../../../src/http/sse/sse-channel.js';
import { openSse } from '../../helpers/sse.js';

interface Served {
  app: FastifyInstance;
  hub: SseHub;
  url: string;
  /** The channels opened, in order. */
  channels: SseChannel[];
}

let served: Served | undefined;
afterEach(async () => {
  served?.hub.shutdown();
  await served?.app.close();
  served = undefined;
});

/** A bare fastify app whose GET /sse opens a channel of `hub` (headers set on the reply first are kept). */
async function serve(options: { retryMs?: number; heartbeatMs?: number } = {}): Promise<Served> {
  const app = Fastify();
  const hub = new SseHub({ retryMs: options.retryMs ?? 1500, heartbeatMs: options.heartbeatMs ?? 60_000 });
  const channels: SseChannel[] = [];
  app.get('/sse', async (_request, reply) => {
    reply.header('x-request-id', 'r-1');
    channels.push(hub.open(reply));
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  served = { app, hub, url: `http://127.0.0.1:${address.port}/sse`, channels };
  return served;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('SseChannel', () => {
  it('answers an event stream with the reply headers and the retry hint, then writes encoded events and a last event', async () => {
    const { url, channels, hub } = await serve({ retryMs: 1234 });
    const reader = await openSse(url);
    expect(reader.status).toBe(200);
    expect(reader.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(reader.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(reader.headers.get('x-accel-buffering')).toBe('no');
    expect(reader.headers.get('x-request-id')).toBe('r-1');
    await until(() => channels.length === 1);
    const channel = channels[0]!;
    expect(hub.size).toBe(1);
    expect(channel.open && channel.writable).toBe(true);

    expect(channel.sendEncoded(Buffer.from('id: 1-0\nevent: message\ndata: {"a":1}\n\n'))).toBe(true);
    await reader.until((events) => events.length === 1);
    expect(reader.retry).toBe(1234);
    expect(reader.events).toEqual([{ id: '1-0', event: 'message', data: '{"a":1}' }]);

    channel.end('error', '{"code":"NOGROUP"}');
    await reader.closed;
    expect(reader.events[1]).toEqual({ event: 'error', data: '{"code":"NOGROUP"}' });
    expect(channel.open).toBe(false);
    expect(channel.signal.aborted).toBe(true);
    expect(hub.size).toBe(0);
    expect(channel.sendEncoded(Buffer.from('data: late\n\n'))).toBe(false);
    channel.end('error', '{}');
  });

  it('aborts its signal and leaves the hub when the client goes away; later writes are dropped', async () => {
    const { url, channels, hub } = await serve();
    const request = get(url);
    await new Promise((resolve) => request.once('response', resolve));
    await until(() => channels.length === 1);
    const channel = channels[0]!;
    expect(channel.signal.aborted).toBe(false);
    request.destroy();
    await until(() => channel.signal.aborted);
    expect(channel.open).toBe(false);
    expect(channel.writable).toBe(false);
    expect(hub.size).toBe(0);
    expect(channel.sendEncoded(Buffer.from('data: x\n\n'))).toBe(false);
    channel.comment('nobody hears this');
    await channel.drained();
  });
});

describe('SseHub', () => {
  it('sends every open channel a keep-alive comment from one timer', async () => {
    const { url, channels } = await serve({ heartbeatMs: 20 });
    const readers = [await openSse(url), await openSse(url)];
    await until(() => channels.length === 2);
    await until(() => readers.every((r) => r.comments.filter((c) => c === 'keep-alive').length >= 2));
    for (const r of readers) r.close();
  });

  it('on shutdown ends every channel with event: shutdown, and ends at once any channel opened after', async () => {
    const { url, channels, hub } = await serve();
    const readers = [await openSse(url), await openSse(url)];
    await until(() => channels.length === 2);
    hub.shutdown();
    for (const r of readers) {
      await r.closed;
      expect(r.events).toEqual([{ event: 'shutdown', data: SHUTDOWN_DATA }]);
    }
    expect(hub.size).toBe(0);
    const late = await openSse(url);
    await late.closed;
    expect(late.events.map((e) => e.event)).toEqual(['shutdown']);
    expect(hub.size).toBe(0);
  });

  it('repeats the retry hint with the last event, so an EventSource comes back (to this server or a sibling)', async () => {
    const { url, channels, hub } = await serve({ retryMs: 700 });
    const text = fetch(url).then((r) => r.text());
    await until(() => channels.length === 1);
    channels[0]!.event('notice', '{"n":1}');
    hub.shutdown();
    expect(await text).toBe(`retry: 700\n\nevent: notice\ndata: {"n":1}\n\nretry: 700\nevent: shutdown\ndata: ${SHUTDOWN_DATA}\n\n`);
  });
});

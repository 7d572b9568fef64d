import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createEmbeddedBackend } from '../../src/backends/embedded/embedded-backend.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { createClient, subscribe, unwrap, type EventSourceLike, type Message, type Problem } from '../../sdk/src/index.js';
import { streamName } from '../helpers/app.js';

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Closes an app the way SIGTERM does (SSE clients get `event: shutdown`), then drops connections that never sent a request. */
async function closeApp(app: FastifyInstance): Promise<void> {
  const closing = app.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  app.server.closeAllConnections();
  await closing;
}

describe('subscribe', () => {
  it('survives a server restart: comes back after the shutdown event and resumes without loss', async () => {
    const backend = createEmbeddedBackend();
    const config = loadConfig({});
    const first = buildApp({ backend, config });
    await first.listen({ host: '127.0.0.1', port: 0 });
    const { port } = first.server.address() as AddressInfo;
    const baseUrl = `http://127.0.0.1:${port}`;
    const api = createClient({ baseUrl });
    const stream = streamName();
    unwrap(await api.POST('/v1/streams/{stream}/groups', { params: { path: { stream } }, body: { name: 'g', startId: '$', mkStream: true } }));
    const append = async (n: number) => unwrap(await api.POST('/v1/streams/{stream}/messages', { params: { path: { stream } }, body: { fields: { n: String(n) } } })).id;

    const received: Message[] = [];
    const subscription = subscribe({ baseUrl, stream, group: 'g', consumer: 'tab', backoff: { initialMs: 50, maxMs: 200 }, onMessage: (m) => void received.push(m) });
    await subscription.opened;
    const ids = [await append(0), await append(1)];
    await until(() => received.length === 2);

    await closeApp(first);
    const second = buildApp({ backend, config });
    await second.listen({ host: '127.0.0.1', port });
    ids.push(await append(2), await append(3));
    await until(() => received.length >= 4);
    await subscription.close();

    // At least once: a message may come twice across a restart, never be lost, and arrive in order.
    expect([...new Set(received.map((m) => m.id))]).toEqual(ids);
    expect(subscription.lastEventId).toBe(ids[3]);
    expect(unwrap(await api.GET('/v1/streams/{stream}/groups/{group}/pending', { params: { path: { stream, group: 'g' } } })).count).toBe(0);
    await closeApp(second);
    await backend.close();
  });

  it('tells page code why the server ended it, and does not retry a missing group', async () => {
    const backend = createEmbeddedBackend();
    const app = buildApp({ backend, config: loadConfig({}) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const api = createClient({ baseUrl });
    const stream = streamName();
    unwrap(await api.POST('/v1/streams/{stream}/groups', { params: { path: { stream } }, body: { name: 'g', mkStream: true } }));
    const problems: [Problem, boolean][] = [];
    const subscription = subscribe({ baseUrl, stream, group: 'g', consumer: 'c', onMessage: () => {}, onProblem: (p, again) => void problems.push([p, again]) });
    await subscription.opened;
    expect((await api.DELETE('/v1/streams/{stream}/groups/{group}', { params: { path: { stream, group: 'g' } } })).response.status).toBe(204);
    await until(() => problems.length === 1);
    expect(problems[0]![0].code).toBe('NOGROUP');
    expect(problems[0]![1]).toBe(false);
    await subscription.close();
    await closeApp(app);
    await backend.close();
  });

  it('resumes a tail through ?lastEventId= when the EventSource cannot send headers (as in a browser)', async () => {
    const backend = createEmbeddedBackend();
    const config = { ...loadConfig({}), sseRetryMs: 50 };
    const first = buildApp({ backend, config });
    await first.listen({ host: '127.0.0.1', port: 0 });
    const { port } = first.server.address() as AddressInfo;
    const baseUrl = `http://127.0.0.1:${port}`;
    const api = createClient({ baseUrl });
    const stream = streamName();
    const append = async (n: number) => unwrap(await api.POST('/v1/streams/{stream}/messages', { params: { path: { stream } }, body: { fields: { n: String(n) } } })).id;
    const ids = [await append(0)];
    const urls: string[] = [];
    const { EventSource } = await import('eventsource');
    // Headers dropped: what a browser's EventSource can send on a connection the page opens.
    const browserLike = (url: string) => {
      urls.push(url);
      return new EventSource(url) as unknown as EventSourceLike;
    };
    const received: Message[] = [];
    const subscription = subscribe({ baseUrl, stream, after: '0', eventSource: browserLike, backoff: { initialMs: 50, maxMs: 200 }, onMessage: (m) => void received.push(m) });
    await until(() => received.length === 1);
    await closeApp(first);
    const second = buildApp({ backend, config });
    await second.listen({ host: '127.0.0.1', port });
    ids.push(await append(1), await append(2));
    await until(() => received.length >= 3);
    await subscription.close();
    expect(received.map((m) => m.id)).toEqual(ids);
    expect(urls.length).toBeGreaterThanOrEqual(2);
    expect(new URL(urls.at(-1)!).searchParams.get('lastEventId')).toBe(ids[0]);
    expect(new URL(urls.at(-1)!).searchParams.get('after')).toBeNull();
    await closeApp(second);
    await backend.close();
  });

  it('a group missing when it connects reaches onProblem as the problem event, not as an opaque failure', async () => {
    const backend = createEmbeddedBackend();
    const app = buildApp({ backend, config: loadConfig({}) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const problems: [Problem, boolean][] = [];
    const subscription = subscribe({ baseUrl, stream: streamName(), group: 'nope', consumer: 'c', onMessage: () => {}, onProblem: (p, again) => void problems.push([p, again]) });
    await until(() => problems.length === 1);
    expect(problems[0]![0]).toMatchObject({ code: 'NO_STREAM', status: 404 });
    expect(problems[0]![1]).toBe(false);
    await subscription.close();
    await closeApp(app);
    await backend.close();
  });
});

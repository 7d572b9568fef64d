import { randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { StreamBackend } from '../../src/backends/contract.js';
import { backendLimits } from '../../src/backends/create-backend.js';
import { createEmbeddedBackend } from '../../src/backends/embedded/embedded-backend.js';
import { StreamCore } from '../../src/core/stream-core.js';
import { loadConfig, type Config } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';

export interface TestApp {
  app: FastifyInstance;
  backend: ReturnType<typeof createEmbeddedBackend>;
  config: Config;
  close(): Promise<void>;
}

/** The app on an in-memory embedded backend, with default settings unless overridden. */
export async function buildTestApp(overrides: Partial<Config> = {}, options: { clock?: () => number } = {}): Promise<TestApp> {
  // Overload shedding is off unless a test asks for it: a loaded test machine is not an overloaded server.
  const config = { ...loadConfig({}), maxEventLoopDelayMs: 0, ...overrides };
  const backend = createEmbeddedBackend({ core: new StreamCore({ clock: options.clock, limits: backendLimits(config) }) });
  const app = buildApp({ backend, config });
  await app.ready();
  return {
    app,
    backend,
    config,
    async close() {
      await app.close();
      await backend.close();
    },
  };
}

export interface TestAppOn<B extends StreamBackend> {
  app: FastifyInstance;
  backend: B;
  config: Config;
  /** Closes the app; the backend stays open (its maker owns it: see test/helpers/backends.ts). */
  close(): Promise<void>;
}

/** The app over a backend made elsewhere (a row of the backend matrix), with default settings unless overridden. */
export async function buildTestAppOn<B extends StreamBackend>(backend: B, overrides: Partial<Config> = {}): Promise<TestAppOn<B>> {
  const config = { ...loadConfig({}), maxEventLoopDelayMs: 0, ...overrides };
  const app = buildApp({ backend, config });
  await app.ready();
  return {
    app,
    backend,
    config,
    async close() {
      await app.close();
    },
  };
}

export function streamName(): string {
  return `test-${randomUUID()}`;
}

/** Path of a stream resource, its name URL-encoded. */
export function streamPath(stream: string, ...rest: string[]): string {
  return ['/v1/streams', encodeURIComponent(stream), ...rest.map(encodeURIComponent)].join('/');
}

export async function call(app: FastifyInstance, method: InjectOptions['method'], url: string, body?: unknown): Promise<LightMyRequestResponse> {
  return app.inject(body === undefined ? { method, url } : { method, url, payload: body as object });
}

export function json<T = any>(response: LightMyRequestResponse): T {
  return response.json() as T;
}

/** A new stream with entries 1-0..n-0 (fields `{i: "<n>"}`) and group `g` at its beginning. */
export async function streamWithGroup(app: FastifyInstance, n = 3): Promise<string> {
  const stream = streamName();
  const messages = Array.from({ length: n }, (_, i) => ({ id: `${i + 1}-0`, fields: { i: String(i + 1) } }));
  if (n > 0) await call(app, 'POST', streamPath(stream, 'messages', 'batch'), { messages });
  const created = await call(app, 'POST', streamPath(stream, 'groups'), { name: 'g', startId: '0', mkStream: true });
  if (created.statusCode !== 201) throw new Error(`group create answered ${created.statusCode}: ${created.body}`);
  return stream;
}

/** XREADGROUP as `consumer` of group `g`: POST .../consumers/{consumer}/read. */
export function readGroup(app: FastifyInstance, stream: string, consumer: string, body?: unknown, query = ''): Promise<LightMyRequestResponse> {
  return call(app, 'POST', `${streamPath(stream, 'groups', 'g', 'consumers', consumer, 'read')}${query}`, body);
}

/** A test app over any backend of the matrix. */
export type AnyTestApp = TestAppOn<StreamBackend>;

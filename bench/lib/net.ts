import { Agent, request } from 'node:http';
import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** A port free on 127.0.0.1 right now (the caller binds it soon after; callers retry on a race). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface HttpAnswer<T = unknown> {
  status: number;
  body: T;
  text: string;
}

/**
 * One JSON request on a keep-alive agent. Never throws on a status: callers
 * check it. Rejects on a socket error or after `timeoutMs`.
 */
export function httpJson<T = unknown>(
  agent: Agent,
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 30_000,
): Promise<HttpAnswer<T>> {
  const url = new URL(path, baseUrl);
  const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path: url.pathname + url.search,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = undefined;
          if (text !== '' && /json/.test(String(res.headers['content-type']))) {
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T, text });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export function keepAliveAgent(maxSockets = 64): Agent {
  return new Agent({ keepAlive: true, maxSockets });
}

/** Polls `GET path` until it answers 200; rejects after `timeoutMs`. Answers ns from the call to the 200. */
export async function waitFor200(baseUrl: string, path: string, timeoutMs: number, isAlive: () => boolean = () => true, pollMs = 20): Promise<void> {
  const agent = new Agent({ keepAlive: false });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isAlive()) throw new Error(`the process exited before ${path} answered 200`);
    try {
      const answer = await httpJson(agent, baseUrl, 'GET', path, undefined, 2_000);
      if (answer.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${baseUrl}${path} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Runs `task` over `items` with at most `concurrency` at once. */
export async function pool<T>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  });
  await Promise.all(lanes);
}

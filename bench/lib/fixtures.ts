import type { Agent } from 'node:http';
import { MissingFeature } from './rows.js';
import { httpJson } from './net.js';

/** The message every scenario uses: `order <n> product laptop user alice`. */
export function orderFields(n: number): Record<string, string> {
  return { order: String(n), product: 'laptop', user: 'alice' };
}

export function batchBody(size: number, from = 0): string {
  return JSON.stringify({ messages: Array.from({ length: size }, (_, i) => ({ fields: orderFields(from + i) })) });
}

export const enc = encodeURIComponent;

/**
 * Calls the server and answers the body; a 404 NOT_FOUND (no such route) or a
 * 405 becomes MissingFeature, any other unexpected status an Error.
 */
export async function expectStatus<T>(agent: Agent, url: string, method: string, path: string, body: unknown, ok: number[]): Promise<T> {
  const answer = await httpJson<T & { code?: string }>(agent, url, method, path, body);
  if (ok.includes(answer.status)) return answer.body;
  if ((answer.status === 404 && answer.body?.code === 'NOT_FOUND') || answer.status === 405) {
    throw new MissingFeature(`${method} ${path.replace(/\?.*/, '')} answers ${answer.status} (route not there yet)`);
  }
  throw new Error(`${method} ${path} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
}

/** Appends `total` messages to `stream` with batch POSTs of `batch`, `concurrency` at once. */
export async function fillStream(agent: Agent, url: string, stream: string, total: number, batch = 1000, concurrency = 4): Promise<void> {
  const starts: number[] = [];
  for (let from = 0; from < total; from += batch) starts.push(from);
  let next = 0;
  const lanes = Array.from({ length: concurrency }, async () => {
    while (next < starts.length) {
      const from = starts[next++]!;
      await expectStatus(agent, url, 'POST', `/v1/streams/${enc(stream)}/messages/batch`, batchBody(Math.min(batch, total - from), from), [201]);
    }
  });
  await Promise.all(lanes);
}

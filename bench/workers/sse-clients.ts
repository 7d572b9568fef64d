/**
 * Many SSE subscribers in one process (scenario 5), driven over IPC. Opens
 * `count` event streams (`{i}` in `pathTemplate` is the subscriber's index),
 * reports `connected`, then counts `message` events per round: on `expect`
 * the counters restart, and `done` goes to the parent once every stream has
 * its `perClient` events (or on `report`, with what arrived so far).
 */
import { request, type IncomingMessage } from 'node:http';
import { toParent, type IpcMessage } from '../lib/ipc.js';
import { pool } from '../lib/net.js';
import { workerInput } from '../lib/worker-io.js';

export interface SseClientsInput {
  url: string;
  pathTemplate: string;
  count: number;
  connectConcurrency: number;
}

const o = workerInput<SseClientsInput>();
const MARK = 'event: message\n';

interface Subscriber {
  res: IncomingMessage;
  tail: string;
  events: number;
}

const subscribers: Subscriber[] = [];
let perClient = 0;
let complete = 0;
let total = 0;
let firstNs = 0n;
let lastNs = 0n;
let reported = true;

function report(type: 'done' | 'partial'): void {
  reported = true;
  toParent({ type, total, complete, firstNs: String(firstNs), lastNs: String(lastNs) });
}

function onData(s: Subscriber, chunk: string): void {
  const text = s.tail + chunk;
  let n = 0;
  let at = text.indexOf(MARK);
  while (at >= 0) {
    n++;
    at = text.indexOf(MARK, at + MARK.length);
  }
  s.tail = text.slice(-(MARK.length - 1));
  if (n === 0) return;
  const now = process.hrtime.bigint();
  if (firstNs === 0n) firstNs = now;
  lastNs = now;
  const before = s.events;
  s.events += n;
  total += n;
  if (perClient > 0 && before < perClient && s.events >= perClient) {
    complete++;
    if (complete === subscribers.length && !reported) report('done');
  }
}

function connect(i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${o.url}${o.pathTemplate.replace('{i}', String(i))}`, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`subscriber ${i}: status ${res.statusCode}`));
        return;
      }
      const s: Subscriber = { res, tail: '', events: 0 };
      subscribers.push(s);
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => onData(s, chunk));
      res.on('error', () => {});
      resolve();
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`subscriber ${i}: no answer`)));
    req.on('error', reject);
    req.end();
  });
}

process.on('message', (m: IpcMessage) => {
  if (m.type === 'expect') {
    perClient = m.perClient as number;
    for (const s of subscribers) s.events = 0;
    complete = 0;
    total = 0;
    firstNs = 0n;
    lastNs = 0n;
    reported = false;
    toParent({ type: 'expecting' });
  } else if (m.type === 'report') {
    report('partial');
  } else if (m.type === 'close') {
    for (const s of subscribers) s.res.destroy();
    setTimeout(() => process.exit(0), 50);
  }
});

const indexes = Array.from({ length: o.count }, (_, i) => i);
let failure: Error | undefined;
await pool(indexes, o.connectConcurrency, async (i) => {
  if (failure) return;
  try {
    await connect(i);
  } catch (err) {
    failure ??= err as Error;
  }
});
if (failure) toParent({ type: 'failed', reason: failure.message, connected: subscribers.length });
else toParent({ type: 'connected', connected: subscribers.length });

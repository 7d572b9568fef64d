/** A minimal SSE reader over fetch, for tests that must see every event and comment exactly. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export interface SseReader {
  status: number;
  headers: Headers;
  events: SseEvent[];
  comments: string[];
  retry?: number;
  /** Resolves once `predicate` holds for the events read so far (or rejects after `timeoutMs`). */
  until(predicate: (events: SseEvent[]) => boolean, timeoutMs?: number): Promise<SseEvent[]>;
  closed: Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const reader: SseReader = {
    status: response.status,
    headers: response.headers,
    events: [],
    comments: [],
    until: async () => [],
    closed: Promise.resolve(),
    close: () => controller.abort(),
  };
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };
  reader.until = (predicate, timeoutMs = 5000) =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (predicate(reader.events)) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(reader.events);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out; events so far: ${JSON.stringify(reader.events).slice(0, 500)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  if (response.body === null || !response.ok) return reader;
  reader.closed = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { event: 'message', data: '' };
          let hasData = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) reader.comments.push(line.slice(1).trim());
            else if (line.startsWith('retry: ')) reader.retry = Number(line.slice(7));
            else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('data: ')) {
              event.data = line.slice(6);
              hasData = true;
            }
          }
          if (hasData) reader.events.push(event);
        }
        notify();
      }
    } catch {
      // aborted by the test
    }
    notify();
  })();
  return reader;
}

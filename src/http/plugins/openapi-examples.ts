/**
 * What Swagger UI's "Try it out" fills in, per operation: every value is one a new user can execute
 * as-is without losing anything (a group read waits 1 s and keeps what it delivers pending, never
 * NOACK; an append adds one message and trims nothing). The first body example is the one shown;
 * further ones are offered by name. Query parameters not listed get no example, so Swagger UI sends
 * them only when typed in (listing `after` beside `start` would make a refused request).
 * test/http/openapi-examples.test.ts executes every operation with these values.
 */
export interface OperationExample {
  query?: Record<string, string | number | boolean>;
  body?: Record<string, { summary: string; value: unknown }>;
}

/** Path parameters, by name: one scenario throughout (stream `orders`, group `billing`, consumer `alice`). */
export const PATH_EXAMPLES: Record<string, string> = {
  stream: 'orders',
  group: 'billing',
  consumer: 'alice',
  id: '1700000000000-0',
};

const AN_ID = '1700000000000-0';
const FIELDS = { item: 'book', quantity: '1' };

export const OPERATION_EXAMPLES: Record<string, OperationExample> = {
  listStreams: { query: { limit: 20 } },
  setStreamId: { body: { lastId: { summary: 'XSETID: refused unless the stream is empty or older', value: { lastId: AN_ID } } } },
  appendMessage: {
    body: {
      append: { summary: 'Append one message', value: { fields: FIELDS } },
      capped: { summary: 'Append and trim to about the newest 10000 (MAXLEN ~)', value: { fields: FIELDS, trim: { maxLen: 10000, approximate: true } } },
      pairs: { summary: 'Fields as pairs (a name may repeat)', value: { fields: [['tag', 'new'], ['tag', 'gift']] } },
    },
  },
  appendMessages: {
    body: { batch: { summary: 'Append two messages', value: { messages: [{ fields: FIELDS }, { fields: { item: 'pen', quantity: '3' } }] } } },
  },
  listMessages: { query: { start: '-', end: '+', count: 10 } },
  deleteMessages: { body: { ids: { summary: 'XDEL of one ID', value: { ids: [AN_ID] } } } },
  trimStream: {
    body: {
      maxLen: { summary: 'MAXLEN ~ 10000: keep about the newest 10000', value: { maxLen: 10000, approximate: true } },
      minId: { summary: 'MINID: drop entries older than an ID', value: { minId: AN_ID } },
    },
  },
  createGroup: {
    body: {
      fromNow: { summary: 'New messages only, creating the stream if missing', value: { name: 'billing', startId: '$', mkStream: true } },
      fromStart: { summary: 'Every message, from the start', value: { name: 'billing', startId: '0' } },
      withPolicy: {
        summary: 'With a delivery policy: redeliver after 30 s, dead-letter after 5 deliveries',
        value: { name: 'billing', startId: '$', mkStream: true, policy: { ackDeadlineMs: 30000, maxDeliveries: 5, deadLetterStream: 'orders-dlq' } },
      },
    },
  },
  setGroupId: {
    body: {
      rewind: { summary: 'XGROUP SETID to 0: deliver everything again', value: { lastDeliveredId: '0' } },
      noPolicy: { summary: 'Remove the delivery policy', value: { policy: null } },
      policy: {
        summary: 'A delivery policy: redeliver after 30 s, dead-letter after 5 deliveries, back off on nacks, drop consumers idle for an hour',
        value: { policy: { ackDeadlineMs: 30000, maxDeliveries: 5, deadLetterStream: 'orders-dlq', retryBackoffMs: [1000, 5000, 30000], consumerIdleTimeoutMs: 3600000 } },
      },
    },
  },
  extendDeadlines: { body: { extend: { summary: 'Give one pending message 60 s more', value: { ids: [AN_ID], ms: 60000 } } } },
  redriveDeadLetters: { body: { some: { summary: 'Move the 10 oldest dead letters back', value: { count: 10 } } } },
  readGroup: {
    body: {
      newMessages: { summary: 'Up to 10 new messages, waiting up to 1 s', value: { after: '>', count: 10, waitMs: 1000 } },
      pending: { summary: "This consumer's pending history", value: { after: '0', count: 10 } },
    },
  },
  ackMessages: { body: { ids: { summary: 'XACK of one ID', value: { ids: [AN_ID] } } } },
  nackMessages: { body: { ids: { summary: 'XNACK of one ID: released to the group if pending', value: { ids: [AN_ID] } } } },
  configureStream: {
    body: { windows: { summary: "XCFGSET: the default idempotency windows (forgets the recorded keys)", value: { idempotencyDurationS: 100, idempotencyMaxSize: 100 } } },
  },
  readStreams: {
    body: { fromStart: { summary: 'XREAD COUNT 10 STREAMS orders 0: the first 10 messages', value: { streams: [{ stream: 'orders', after: '0' }], count: 10 } } },
  },
  readGroupStreams: {
    body: { newMessages: { summary: 'Up to 10 new messages of orders, waiting up to 1 s', value: { streams: [{ stream: 'orders' }], count: 10, waitMs: 1000 } } },
  },
  multiStreamEvents: { query: { stream: 'orders' } },
  multiGroupEvents: { query: { stream: 'orders' } },
  listPendingMessages: { query: { start: '-', end: '+', count: 10 } },
  claimMessages: {
    body: { claim: { summary: 'Claim for bob what has been idle a minute', value: { consumer: 'bob', minIdleMs: 60000, ids: [AN_ID] } } },
  },
  autoclaimMessages: {
    body: { scan: { summary: 'Claim for bob up to 10 entries idle a minute', value: { consumer: 'bob', minIdleMs: 60000, start: '0-0', count: 10 } } },
  },
};

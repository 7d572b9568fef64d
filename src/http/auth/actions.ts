/**
 * What a token must be allowed to do for each operation, keyed by the route's
 * OpenAPI operationId: the one place that says which action a route needs.
 * `read`: ranges, XREAD and its SSE tail, XINFO, listing. `append`: XADD.
 * `consume`: group reads, acks, nacks, extends, pending, claims, consumers. `admin`: groups (and their delivery policies), redrive,
 * XSETID, XDEL, XTRIM, DEL, and the service's own metrics.
 */
export type Action = 'read' | 'append' | 'consume' | 'admin';

export const ACTIONS: readonly Action[] = ['read', 'append', 'consume', 'admin'];

/**
 * `public`: no token. `stream`: the action on the route's `:stream`.
 * `service`: the action on every stream (a grant whose pattern is `*`).
 * `listing`: any grant of the action; the answer shows only what it covers.
 * `streams`: the action on every stream a multi-stream request names (its
 * body's `streams[].stream`, or its repeated `stream=` query parameter),
 * checked once the request is validated.
 */
export type Requirement =
  | { kind: 'public' }
  | { kind: 'stream'; action: Action }
  | { kind: 'service'; action: Action }
  | { kind: 'listing'; action: Action }
  | { kind: 'streams'; action: Action; from: 'body' | 'query' };

const onStream = (action: Action): Requirement => ({ kind: 'stream', action });

export const OPERATION_REQUIREMENTS: Readonly<Record<string, Requirement>> = {
  getHealth: { kind: 'public' },
  getReadiness: { kind: 'public' },
  getMetrics: { kind: 'service', action: 'admin' },

  listStreams: { kind: 'listing', action: 'read' },
  getStream: onStream('read'),
  setStreamId: onStream('admin'),
  configureStream: onStream('admin'),
  deleteStream: onStream('admin'),

  appendMessage: onStream('append'),
  appendMessages: onStream('append'),
  listMessages: onStream('read'),
  getMessage: onStream('read'),
  deleteMessage: onStream('admin'),
  deleteMessages: onStream('admin'),
  trimStream: onStream('admin'),

  createGroup: onStream('admin'),
  listGroups: onStream('read'),
  getGroup: onStream('read'),
  setGroupId: onStream('admin'),
  deleteGroup: onStream('admin'),

  listConsumers: onStream('read'),
  createConsumer: onStream('consume'),
  deleteConsumer: onStream('consume'),
  readGroup: onStream('consume'),

  ackMessages: onStream('consume'),
  nackMessages: onStream('consume'),
  getPendingSummary: onStream('consume'),
  listPendingMessages: onStream('consume'),
  claimMessages: onStream('consume'),
  autoclaimMessages: onStream('consume'),
  extendDeadlines: onStream('consume'),
  redriveDeadLetters: onStream('admin'),

  streamEvents: onStream('read'),
  groupEvents: onStream('consume'),

  readStreams: { kind: 'streams', action: 'read', from: 'body' },
  multiStreamEvents: { kind: 'streams', action: 'read', from: 'query' },
  readGroupStreams: { kind: 'streams', action: 'consume', from: 'body' },
  multiGroupEvents: { kind: 'streams', action: 'consume', from: 'query' },
};

/** Operations whose token may also come as `?access_token=` (browser EventSource sends no headers). */
export const QUERY_TOKEN_OPERATIONS: ReadonlySet<string> = new Set(['streamEvents', 'groupEvents', 'multiStreamEvents', 'multiGroupEvents']);

/** An operation missing from the table needs admin on every stream: a forgotten route fails closed. */
export const UNMAPPED_REQUIREMENT: Requirement = { kind: 'service', action: 'admin' };

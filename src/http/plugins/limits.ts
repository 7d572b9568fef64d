import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { streamError } from '../../domain/errors.js';
import { unencapsulated } from './unencapsulated.js';

/** Seconds a shed client is told to wait. */
const OVERLOAD_RETRY_AFTER_S = 1;

/** Operations that hold a connection open: the SSE routes, and reads that may wait (`waitMs`). */
const EVENT_STREAM_OPERATIONS = new Set(['streamEvents', 'groupEvents']);
const WAITING_OPERATIONS: Record<string, (request: FastifyRequest) => boolean> = {
  listMessages: (request) => Number((request.query as { waitMs?: unknown }).waitMs ?? 0) > 0,
  readGroup: (request) => Number((request.body as { waitMs?: unknown } | undefined)?.waitMs ?? 0) > 0,
};

function operationOf(request: FastifyRequest): string | undefined {
  const id = (request.routeOptions.schema as { operationId?: unknown } | undefined)?.operationId;
  return typeof id === 'string' ? id : undefined;
}

/** Whose quota a request counts against: its token's name, or its address without authentication. */
export function clientKey(request: FastifyRequest): string {
  return request.principal !== undefined ? `token:${request.principal.name}` : `address:${request.ip}`;
}

/** Connections held open, in total and per client; a slot is given back when the response closes. */
class Holds {
  private total = 0;
  private readonly byClient = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerClient: number,
    private readonly what: string,
    private readonly perClientCode: 'TOO_MANY_STREAMS' | 'TOO_MANY_WAITERS',
    private readonly totalSetting: string,
    private readonly perClientSetting: string,
  ) {}

  get open(): number {
    return this.total;
  }

  /** Takes a slot for the request until its response closes, or throws the 429 / 503 that refuses it. */
  take(request: FastifyRequest, reply: FastifyReply): void {
    const key = clientKey(request);
    const held = this.byClient.get(key) ?? 0;
    if (held >= this.maxPerClient) {
      reply.header('retry-after', OVERLOAD_RETRY_AFTER_S);
      throw streamError(this.perClientCode, 'perClient', held, this.perClientSetting);
    }
    if (this.total >= this.maxTotal) {
      reply.header('retry-after', OVERLOAD_RETRY_AFTER_S);
      throw streamError('OVERLOADED', 'atCapacity', this.what, this.totalSetting);
    }
    this.total++;
    this.byClient.set(key, held + 1);
    reply.raw.once('close', () => {
      this.total--;
      const now = (this.byClient.get(key) ?? 1) - 1;
      if (now === 0) this.byClient.delete(key);
      else this.byClient.set(key, now);
    });
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Open SSE streams and waiting reads, for metrics and tests. */
    heldConnections: { eventStreams(): number; waiters(): number };
  }
}

function isPublic(request: FastifyRequest): boolean {
  return request.routeOptions.config.auth?.requirement.kind === 'public';
}

/**
 * Limits, after authentication so that quotas are per token:
 * - RATE_LIMIT_PER_SECOND (or a token's rateLimitPerSecond): 429 RATE_LIMITED
 *   with Retry-After and the RateLimit-* headers (@fastify/rate-limit);
 * - event-loop delay or heap over MAX_EVENT_LOOP_DELAY_MS / MAX_HEAP_USED_BYTES:
 *   503 OVERLOADED with Retry-After (@fastify/under-pressure), /healthz and /readyz exempt;
 * - MAX_SSE_STREAMS and MAX_WAITERS in total (503 OVERLOADED) and per client (429).
 */
export const limitsPlugin = unencapsulated<{ config: Config }>('streamgate-limits', async (app: FastifyInstance, { config }) => {
  if (config.maxEventLoopDelayMs > 0 || config.maxHeapUsedBytes > 0) {
    await app.register(underPressure, {
      maxEventLoopDelay: config.maxEventLoopDelayMs,
      maxHeapUsedBytes: config.maxHeapUsedBytes,
      retryAfter: OVERLOAD_RETRY_AFTER_S,
      // The delay is a mean over the interval, and an interval with no sample at all (the loop was blocked
      // throughout) counts as infinite: an interval no longer than the threshold keeps both right.
      sampleInterval: Math.min(Math.max(config.maxEventLoopDelayMs, 10), 1_000),
      pressureHandler: (request, reply, type, value) => {
        if (isPublic(request)) return undefined;
        reply.header('retry-after', OVERLOAD_RETRY_AFTER_S);
        const what = type === 'eventLoopDelay' ? `event-loop delay ${Math.round(Number(value))} ms` : `${type} ${value}`;
        return Promise.reject(streamError('OVERLOADED', 'pressure', what, OVERLOAD_RETRY_AFTER_S));
      },
    });
  }

  const perTokenLimits = app.authenticator !== undefined;
  if (config.rateLimitPerSecond > 0 || perTokenLimits) {
    const unlimited = Number.MAX_SAFE_INTEGER;
    await app.register(rateLimit, {
      global: true,
      timeWindow: 1000,
      max: (request) => request.principal?.rateLimitPerSecond ?? (config.rateLimitPerSecond > 0 ? config.rateLimitPerSecond : unlimited),
      keyGenerator: clientKey,
      allowList: (request) => isPublic(request),
      enableDraftSpec: true,
      errorResponseBuilder: (_request, context) =>
        Object.assign(new Error(`over ${context.max} requests per second; retry after ${context.after}`), { statusCode: context.statusCode }),
    });
  }

  const eventStreams = new Holds(config.maxSseStreams, config.maxSseStreamsPerClient, 'open event streams', 'TOO_MANY_STREAMS', 'MAX_SSE_STREAMS', 'MAX_SSE_STREAMS_PER_CLIENT');
  const waiters = new Holds(config.maxWaiters, config.maxWaitersPerClient, 'waiting reads', 'TOO_MANY_WAITERS', 'MAX_WAITERS', 'MAX_WAITERS_PER_CLIENT');
  app.decorate('heldConnections', { eventStreams: () => eventStreams.open, waiters: () => waiters.open });
  app.addHook('preHandler', (request, reply, done) => {
    const operation = operationOf(request);
    if (operation === undefined) return done();
    try {
      if (EVENT_STREAM_OPERATIONS.has(operation)) eventStreams.take(request, reply);
      else if (WAITING_OPERATIONS[operation]?.(request)) waiters.take(request, reply);
    } catch (err) {
      return done(err as Error);
    }
    done();
  });
});

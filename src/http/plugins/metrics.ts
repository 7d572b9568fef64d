import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StreamBackend } from '../../backends/contract.js';
import { idMs } from '../../domain/ids.js';
import type { PolicyEventKind } from '../../domain/types.js';
import type { StorageTimings } from '../../storage/timings.js';
import { mayWait } from './lifecycle.js';
import { unencapsulated } from './unencapsulated.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

export interface MetricsOptions {
  /** Where the metrics go; server.ts shares it with the storage timings. @defaultValue a registry of this app's own */
  registry?: Registry;
}

/** Latency buckets for disk work, seconds: 50 µs to 2.5 s. */
const DISK_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5];
/** Lifetimes of long-polls and event streams, seconds: 10 ms to 1 day. */
const WAIT_BUCKETS = [0.01, 0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 3600, 14400, 86400];

/** Log write, fdatasync and snapshot histograms in `registry`, in the form the log store reports them. */
export function storageTimingsMetrics(registry: Registry): StorageTimings {
  const writes = new Histogram({
    name: 'streamgate_storage_log_write_seconds',
    help: 'Time to hand one group-commit write of the log to the OS, seconds',
    buckets: DISK_BUCKETS,
    registers: [registry],
  });
  const writeBytes = new Histogram({
    name: 'streamgate_storage_log_write_bytes',
    help: 'Size of one group-commit write of the log, bytes',
    buckets: [256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304],
    registers: [registry],
  });
  const fsyncs = new Histogram({ name: 'streamgate_storage_fsync_seconds', help: 'Time of one fdatasync of the log, seconds', buckets: DISK_BUCKETS, registers: [registry] });
  const snapshots = new Histogram({
    name: 'streamgate_storage_snapshot_seconds',
    help: 'Time to write one snapshot and remove the older generations, seconds, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  return {
    logWrite(seconds, bytes) {
      writes.observe(seconds);
      writeBytes.observe(bytes);
    },
    fsync: (seconds) => fsyncs.observe(seconds),
    snapshot: (seconds, ok) => snapshots.labels(ok ? 'ok' : 'failed').observe(seconds),
  };
}

/** How many streams (the first by name) get series of their own: label cardinality stays bounded. */
export const METRICS_STREAMS_DEFAULT = 100;

interface StreamSample {
  stream: string;
  length: number;
  groups: { group: string; lag: number | null; pending: number; consumers: number; oldestPendingAgeSeconds: number | null }[];
}

/** Lengths, lags and pending counts of the first `limit` streams, read at scrape time through the contract. */
async function sampleStreams(backend: StreamBackend, limit: number): Promise<StreamSample[]> {
  const { streams } = await backend.listStreams({ limit });
  const now = Date.now();
  return Promise.all(
    streams.map(async (s) => {
      const groups = (await backend.groups(s.name)) ?? [];
      return {
        stream: s.name,
        length: s.length,
        groups: await Promise.all(
          groups.map(async (g) => {
            // The oldest pending entry's ID is its append time: its age is how long the oldest unacknowledged message has waited.
            const minId = g.pending > 0 ? (await backend.pendingSummary(s.name, g.name).catch(() => null))?.minId ?? null : null;
            return {
              group: g.name,
              lag: g.lag === null ? null : Number(g.lag),
              pending: g.pending,
              consumers: g.consumers,
              oldestPendingAgeSeconds: minId === null ? null : Math.max(0, now - Number(idMs(minId))) / 1000,
            };
          }),
        ),
      };
    }),
  );
}

const POLICY_COUNTERS: Record<PolicyEventKind, { name: string; help: string }> = {
  deadLettered: { name: 'streamgate_policy_dead_lettered_total', help: 'Entries a delivery policy moved to the dead-letter stream (maxDeliveries), by stream and group' },
  redelivered: { name: 'streamgate_policy_redelivered_total', help: 'Entries delivered again after their ack deadline passed, by stream and group' },
  nacked: { name: 'streamgate_policy_nacked_total', help: 'Entries nacked in groups with a delivery policy, by stream and group' },
  consumerExpired: { name: 'streamgate_policy_consumers_expired_total', help: 'Consumers removed for idleness (consumerIdleTimeoutMs), by stream and group' },
};

/** The label set beyond the cap: counts of further groups are summed under it. */
const OTHER_GROUPS = '_other';

/**
 * The delivery-policy counters, fed by the backend's policy events (what this process did).
 * At most `maxStreams` * 10 (stream, group) label sets; the rest count under `_other`.
 */
function policyCounters(backend: StreamBackend, registry: Registry, maxStreams: number): () => void {
  const counters = Object.fromEntries(
    Object.entries(POLICY_COUNTERS).map(([kind, { name, help }]) => [kind, new Counter({ name, help, labelNames: ['stream', 'group'] as const, registers: [registry] })]),
  ) as Record<PolicyEventKind, Counter<'stream' | 'group'>>;
  const labelled = new Set<string>();
  const maxLabelSets = Math.max(1, maxStreams * 10);
  return backend.onPolicyEvent((event) => {
    const key = `${event.stream}\u0000${event.group}`;
    if (!labelled.has(key) && labelled.size < maxLabelSets) labelled.add(key);
    const [stream, group] = labelled.has(key) ? [event.stream, event.group] : [OTHER_GROUPS, OTHER_GROUPS];
    counters[event.kind].labels(stream, group).inc(event.count);
  });
}

/**
 * One registry per app (tests build many apps in one process). HTTP latency
 * leaves out what is not request latency: a long-poll's wait (its own
 * histogram) and an event stream's life (hijacked replies never reach
 * onResponse; the SSE hub reports them).
 */
export const metricsPlugin = unencapsulated<MetricsOptions>('streamgate-metrics', async (app, options) => {
  const registry = options.registry ?? new Registry();
  collectDefaultMetrics({ register: registry });
  const maxStreams = app.appConfig.metricsStreams;

  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by route pattern, method and status; long-polls and event streams are measured apart',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const longPolls = new Histogram({
    name: 'streamgate_long_poll_duration_seconds',
    help: 'Duration of requests that may wait (group reads and tail reads with waitMs), seconds, by route and status',
    labelNames: ['route', 'status'] as const,
    buckets: WAIT_BUCKETS,
    registers: [registry],
  });
  const sseLifetimes = new Histogram({ name: 'streamgate_sse_connection_seconds', help: 'Lifetime of event streams that ended, seconds', buckets: WAIT_BUCKETS, registers: [registry] });
  app.sseHub.onEnd((seconds) => sseLifetimes.observe(seconds));

  new Gauge({ name: 'streamgate_sse_streams_open', help: 'Event streams open now', registers: [registry], collect() { this.set(app.sseHub.size); } });
  new Gauge({
    name: 'streamgate_memory_used_bytes',
    help: 'Bytes of entries the embedded backend holds, what MAX_MEMORY_BYTES caps; absent on Redis (see its INFO memory)',
    registers: [registry],
    collect() {
      this.reset();
      const used = app.backend.usedMemoryBytes?.() ?? null;
      if (used !== null) this.set(used);
    },
  });
  new Gauge({ name: 'streamgate_waiting_reads', help: 'Reads waiting now: parked long-polls and event streams waiting for data or room', registers: [registry], collect() { this.set(app.backend.waiterCount); } });

  // One sample per scrape feeds every per-stream gauge: prom-client starts all collects in one synchronous loop.
  let sample: Promise<StreamSample[]> | undefined;
  const streamsNow = (): Promise<StreamSample[]> => {
    if (sample === undefined) {
      sample = maxStreams > 0 && app.backend.isReady() ? sampleStreams(app.backend, maxStreams).catch(() => []) : Promise.resolve([]);
      setImmediate(() => (sample = undefined));
    }
    return sample;
  };
  const perStream = (name: string, help: string, value: (s: StreamSample) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['stream'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of await streamsNow()) this.labels(s.stream).set(value(s));
      },
    });
  };
  const perGroup = (name: string, help: string, value: (g: StreamSample['groups'][number]) => number | null): void => {
    new Gauge({
      name,
      help,
      labelNames: ['stream', 'group'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of await streamsNow()) {
          for (const g of s.groups) {
            const v = value(g);
            if (v !== null) this.labels(s.stream, g.group).set(v);
          }
        }
      },
    });
  };
  perStream('streamgate_stream_length', `Entries in the stream (XLEN); the first ${maxStreams} streams by name (METRICS_STREAMS)`, (s) => s.length);
  perGroup('streamgate_group_lag', 'Entries not yet delivered to the group (XINFO GROUPS lag; absent when Redis cannot tell)', (g) => g.lag);
  perGroup('streamgate_group_pending', 'Entries delivered to the group and not acknowledged (XPENDING count)', (g) => g.pending);
  perGroup('streamgate_group_consumers', 'Consumers of the group', (g) => g.consumers);
  perGroup('streamgate_group_oldest_pending_age_seconds', 'Age of the oldest unacknowledged entry (from its ID), seconds; absent when nothing is pending', (g) => g.oldestPendingAgeSeconds);

  const stopPolicyCounters = policyCounters(app.backend, registry, maxStreams);
  app.addHook('onClose', async () => stopPolicyCounters());

  // One child per label set, kept: prom-client would otherwise check and hash the labels object on every request.
  const children = new Map<string, Histogram.Internal<'route' | 'method' | 'status'>>();
  const pollChildren = new Map<string, Histogram.Internal<'route' | 'status'>>();
  app.decorate('metrics', registry);
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    const seconds = reply.elapsedTime / 1000;
    if (mayWait(request)) {
      const key = `${reply.statusCode} ${route}`;
      let child = pollChildren.get(key);
      if (child === undefined) {
        child = longPolls.labels(route, String(reply.statusCode));
        pollChildren.set(key, child);
      }
      child.observe(seconds);
      return done();
    }
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let child = children.get(key);
    if (child === undefined) {
      child = duration.labels(route, request.method, String(reply.statusCode));
      children.set(key, child);
    }
    child.observe(seconds);
    done();
  });
});

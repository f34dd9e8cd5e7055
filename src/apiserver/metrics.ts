// /metrics in Prometheus' text format: requests (by verb, resource and code, with latencies), long-running
// requests, objects and watchers per resource, storage size and compaction, requests in flight, and the
// process's own figures. Names follow kube-apiserver's where it has the metric; a-kube's own carry akube_.
import { registerProcessMetrics } from '../metrics/process.js';
import { MetricsRegistry, type Collected } from '../metrics/registry.js';
import type { CompactorStats } from '../storage/compactor.js';
import type { Storage } from '../storage/types.js';
import type { FlowControl, FlowCounters } from './flowcontrol/controller.js';
import type { InFlightGauge } from './max-in-flight.js';
import { registerRequestMetrics, type RequestMetrics } from './request-metrics.js';
import type { Handler } from './types.js';

export interface MetricsSources {
  storage: Storage;
  inFlight: InFlightGauge;
  /** API Priority and Fairness, when it limits requests (apiserver_flowcontrol_*). */
  flowControl?: () => FlowControl | undefined;
  compaction?: () => CompactorStats;
  /** Objects and watchers per resource ("deployments.apps"), from the watch caches. */
  caches?: () => Iterable<{ resource: string; objects: number; watchers: number }>;
  /** Families read when scraped that other parts of the server own (the encryption config reloads). */
  extra?: readonly Collected[];
}

export interface ApiServerMetrics {
  registry: MetricsRegistry;
  requests: RequestMetrics;
  stop(): void;
}

export function apiServerMetrics(s: MetricsSources): ApiServerMetrics {
  const r = new MetricsRegistry();
  const requests = registerRequestMetrics(r);
  for (const c of s.extra ?? []) r.collect(c);
  const caches = s.caches;
  if (caches) {
    r.collect({
      name: 'apiserver_storage_objects',
      help: '[STABLE] Number of stored objects at the time of last check split by kind.',
      type: 'gauge',
      labelNames: ['resource'],
      samples: () => [...caches()].map((c) => ({ labels: [c.resource], value: c.objects })),
    });
    r.collect({
      name: 'apiserver_registered_watchers',
      help: '[ALPHA] Number of currently registered watchers for a given resources',
      type: 'gauge',
      labelNames: ['resource'],
      samples: () => [...caches()].map((c) => ({ labels: [c.resource], value: c.watchers })),
    });
  }
  r.collect({
    name: 'apiserver_storage_size_bytes',
    help: '[ALPHA] Size of the storage database file physically allocated in bytes.',
    type: 'gauge',
    labelNames: ['storage_cluster_id'],
    samples: () => {
      const size = s.storage.sizeBytes?.();
      return size === undefined ? [] : [{ labels: ['sqlite'], value: size }];
    },
  });
  r.collect({
    name: 'apiserver_current_inflight_requests',
    help: '[STABLE] Number of requests in flight per request kind (long-running requests are not counted).',
    type: 'gauge',
    labelNames: ['request_kind'],
    samples: () => [
      { labels: ['mutating'], value: s.inFlight.mutating },
      { labels: ['readOnly'], value: s.inFlight.readOnly },
    ],
  });
  r.collect({ name: 'akube_inflight_requests_rejected_total', help: 'Requests answered 429 because the in-flight limit was reached.', type: 'counter', samples: () => [{ value: s.inFlight.rejected }] });
  if (s.flowControl) registerFlowControlMetrics(r, s.flowControl);
  const compaction = s.compaction;
  if (compaction) {
    r.collect({ name: 'akube_storage_compactions_total', help: 'Storage compactions run.', type: 'counter', samples: () => [{ value: compaction().compactions }] });
    r.collect({ name: 'akube_storage_compacted_revision', help: 'The revision the last compaction compacted to.', type: 'gauge', samples: () => [{ value: compaction().lastRevision }] });
    r.collect({ name: 'akube_storage_compaction_duration_seconds', help: 'How long the last compaction (with its space reclamation) took.', type: 'gauge', samples: () => [{ value: compaction().lastDurationMs / 1000 }] });
  }
  const processMetrics = registerProcessMetrics(r);
  return { registry: r, requests, stop: () => processMetrics.stop() };
}

function registerFlowControlMetrics(r: MetricsRegistry, source: () => FlowControl | undefined): void {
  const byFlow = (pick: (c: FlowCounters) => number) => () => {
    const fc = source();
    return fc ? [...fc.stats.byFlow.values()].map((c) => ({ labels: [c.flowSchema, c.priorityLevel], value: pick(c) })) : [];
  };
  const rejected = () => {
    const fc = source();
    return fc ? [...fc.stats.byFlow.values()].flatMap((c) => [...c.rejected].map(([reason, value]) => ({ labels: [c.flowSchema, c.priorityLevel, reason], value }))) : [];
  };
  const byLevel = (value: (l: { nominalLimit: number; queueSet?: { limit: number; seatsInUse: number; waiting: number } | undefined }) => number) => () => {
    const fc = source();
    return fc ? [...fc.priorityLevels()].map((l) => ({ labels: [l.name], value: value(l) })) : [];
  };
  const flowLabels = ['flow_schema', 'priority_level'];
  r.collect({ name: 'apiserver_flowcontrol_current_inqueue_requests', help: '[BETA] Requests waiting in the queues of API Priority and Fairness now.', type: 'gauge', labelNames: flowLabels, samples: byFlow((c) => c.inQueue) });
  r.collect({ name: 'apiserver_flowcontrol_current_executing_requests', help: '[BETA] Requests admitted by API Priority and Fairness and still running.', type: 'gauge', labelNames: flowLabels, samples: byFlow((c) => c.executing) });
  r.collect({ name: 'apiserver_flowcontrol_dispatched_requests_total', help: '[BETA] Requests API Priority and Fairness let run.', type: 'counter', labelNames: flowLabels, samples: byFlow((c) => c.dispatched) });
  r.collect({ name: 'apiserver_flowcontrol_rejected_requests_total', help: '[BETA] Requests API Priority and Fairness refused (429), by why.', type: 'counter', labelNames: [...flowLabels, 'reason'], samples: rejected });
  r.collect({ name: 'apiserver_flowcontrol_nominal_limit_seats', help: '[BETA] Seats a priority level holds by its share of the server\'s concurrency limit.', type: 'gauge', labelNames: ['priority_level'], samples: byLevel((l) => l.nominalLimit) });
  r.collect({ name: 'apiserver_flowcontrol_current_limit_seats', help: '[ALPHA] Seats a priority level may use now.', type: 'gauge', labelNames: ['priority_level'], samples: byLevel((l) => l.queueSet?.limit ?? l.nominalLimit) });
  r.collect({ name: 'apiserver_flowcontrol_current_executing_seats', help: '[BETA] Seats in use by running requests, per priority level.', type: 'gauge', labelNames: ['priority_level'], samples: byLevel((l) => l.queueSet?.seatsInUse ?? 0) });
}

export function metricsHandler(r: MetricsRegistry): Handler {
  return async function metrics() {
    return { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }, body: r.render() };
  };
}

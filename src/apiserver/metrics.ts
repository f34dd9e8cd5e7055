// /metrics in Prometheus' text format: the storage size, requests in flight, compaction. Names follow
// kube-apiserver's where it has the metric; a-kube's own carry the akube_ prefix.
import type { CompactorStats } from '../storage/compactor.js';
import type { Storage } from '../storage/types.js';
import type { InFlightGauge } from './max-in-flight.js';
import type { Handler } from './types.js';

export interface MetricsSources {
  storage: Storage;
  inFlight: InFlightGauge;
  compaction?: () => CompactorStats;
}

function metric(name: string, type: 'gauge' | 'counter', help: string, samples: Array<[labels: string, value: number]>): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${samples.map(([labels, value]) => `${name}${labels} ${value}`).join('\n')}\n`;
}

export function renderMetrics(s: MetricsSources): string {
  let out = '';
  const size = s.storage.sizeBytes?.();
  if (size !== undefined) {
    out += metric('apiserver_storage_size_bytes', 'gauge', '[ALPHA] Size of the storage database file physically allocated in bytes.', [['{storage_cluster_id="sqlite"}', size]]);
  }
  out += metric('apiserver_current_inflight_requests', 'gauge', '[STABLE] Number of requests in flight per request kind (long-running requests are not counted).', [
    ['{request_kind="mutating"}', s.inFlight.mutating],
    ['{request_kind="readOnly"}', s.inFlight.readOnly],
  ]);
  out += metric('akube_inflight_requests_rejected_total', 'counter', 'Requests answered 429 because the in-flight limit was reached.', [['', s.inFlight.rejected]]);
  const c = s.compaction?.();
  if (c) {
    out += metric('akube_storage_compactions_total', 'counter', 'Storage compactions run.', [['', c.compactions]]);
    out += metric('akube_storage_compacted_revision', 'gauge', 'The revision the last compaction compacted to.', [['', c.lastRevision]]);
    out += metric('akube_storage_compaction_duration_seconds', 'gauge', 'How long the last compaction (with its space reclamation) took.', [['', c.lastDurationMs / 1000]]);
  }
  return out;
}

export function metricsHandler(s: MetricsSources): Handler {
  return async function metrics() {
    return { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }, body: renderMetrics(s) };
  };
}

// Where the HPA controller reads usage: the resource metrics API (metrics.k8s.io/v1beta1 PodMetrics), as the
// per-pod sums of one resource in milli-units. Errors carry the wording kube-controller-manager's client gives.
import type { KubeObject } from '../../api/object.js';
import { ApiError } from '../../client/api-error.js';
import { resourcePath } from '../../client/paths.js';
import type { ControllerClient } from '../../client/control/types.js';
import { get, objects, str } from '../../registry/fields.js';
import { milli, ReplicaCalcError, type PodMetrics } from './replica-calculator.js';

export interface MetricsSource {
  /** Each pod's usage of `resource` (one container's when `container` is set), and when it was measured. */
  podMetrics(namespace: string, selector: string, resource: string, container: string): Promise<{ metrics: PodMetrics; timestampMs: number }>;
}

/** A Go duration as the metrics API writes its window ("30s", "1m0s", "10.5s"). */
export function parseWindowMs(text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  let total = 0;
  let rest = text;
  for (let i = 0; i < 8 && rest !== ''; i++) {
    const m = /^([0-9.]+)(ms|us|µs|ns|h|m|s)/.exec(rest);
    if (!m) return 0;
    total += Number(m[1]) * (units[m[2] ?? 's'] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return Number.isFinite(total) ? total : 0;
}

/** Reads PodMetrics through the API server (served there by the node agents' stats). */
export function resourceMetricsApi(client: Pick<ControllerClient, 'list'>): MetricsSource {
  return {
    async podMetrics(namespace, selector, resource, container) {
      let items: KubeObject[];
      try {
        const path = resourcePath({ group: 'metrics.k8s.io', version: 'v1beta1', resource: 'pods', namespace });
        items = (await client.list(path, { query: { labelSelector: selector } })).items;
      } catch (e) {
        const text = e instanceof ApiError && e.code === 404 ? 'the server could not find the requested resource (get pods.metrics.k8s.io)' : e instanceof Error ? e.message : String(e);
        throw new ReplicaCalcError(`unable to fetch metrics from resource metrics API: ${text}`);
      }
      if (items.length === 0) throw new ReplicaCalcError('no metrics returned from resource metrics API');
      const metrics: PodMetrics = new Map();
      for (const item of items) {
        const timestampMs = Date.parse(str(item['timestamp']));
        const windowMs = parseWindowMs(str(item['window']));
        let total = 0;
        let complete = true;
        let found = container === '';
        for (const c of objects(item['containers'])) {
          if (container !== '' && str(c.name) !== container) continue;
          found = true;
          const usage = milli(get(c, 'usage', resource));
          if (usage === undefined) complete = false;
          else total += usage;
        }
        if (container !== '' && !found) throw new ReplicaCalcError(`failed to get container metrics: container ${container} not present in metrics for pod ${item.metadata.namespace ?? ''}/${item.metadata.name ?? ''}`);
        if (complete) metrics.set(item.metadata.name ?? '', { value: total, timestampMs: Number.isNaN(timestampMs) ? 0 : timestampMs, windowMs });
      }
      const first = Date.parse(str(items[0]?.['timestamp']));
      return { metrics, timestampMs: Number.isNaN(first) ? 0 : first };
    },
  };
}

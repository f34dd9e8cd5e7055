// How many replicas a resource metric asks for (the HPA's replica calculator): per-pod usage from the metrics
// API against the pods' requests, with a tolerance band, pods without metrics and unready pods counted the
// way that never flips the direction of a scale.
import type { KubeObject } from '../../api/object.js';
import { podCondition, specOf, statusOf } from '../../api/pod-util.js';
import { parseQuantity } from '../../api/validation/quantity.js';
import { get, objects, str } from '../../registry/fields.js';

export const defaultTolerance = 0.1;
/** Pods younger than this may still be warming up: their CPU samples are only trusted once ready. */
export const cpuInitializationPeriodMs = 5 * 60_000;
/** A pod that turned unready within this time of starting is treated as not ready yet. */
export const initialReadinessDelayMs = 30_000;

/** One pod's usage of one resource, in milli-units, and when/over which window it was measured. */
export interface PodMetric {
  value: number;
  timestampMs: number;
  windowMs: number;
}

export type PodMetrics = Map<string, PodMetric>;

export class ReplicaCalcError extends Error {
  override name = 'ReplicaCalcError';
}

export function milli(q: unknown): number | undefined {
  const n = parseQuantity(q);
  return n === undefined ? undefined : Math.round(n * 1000);
}

interface PodGroups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

export function groupPods(pods: readonly KubeObject[], metrics: PodMetrics, resource: string, nowMs: number): PodGroups {
  const g: PodGroups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    const phase = str(statusOf(pod)['phase']);
    if (pod.metadata.deletionTimestamp || phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const ready = podCondition(pod, 'Ready');
      const start = Date.parse(str(statusOf(pod)['startTime']));
      let unready: boolean;
      if (!ready || Number.isNaN(start)) unready = true;
      else {
        const transition = Date.parse(str(ready['lastTransitionTime']));
        if (start + cpuInitializationPeriodMs > nowMs) {
          unready = ready['status'] === 'False' || metric.timestampMs < transition + metric.windowMs;
        } else {
          unready = ready['status'] === 'False' && start + initialReadinessDelayMs > transition;
        }
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyPodCount++;
  }
  return g;
}

/** Each pod's summed container requests of the resource (milli-units); a container without one is an error. */
export function podRequests(pods: readonly KubeObject[], resource: string, container: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let total = 0;
    for (const c of objects(specOf(pod)['containers'])) {
      if (container !== '' && str(c.name) !== container) continue;
      const request = milli(get(c, 'resources', 'requests', resource));
      if (request === undefined) throw new ReplicaCalcError(`missing request for ${resource} in container ${str(c.name)} of Pod ${pod.metadata.name ?? ''}`);
      total += request;
    }
    out.set(pod.metadata.name ?? '', total);
  }
  return out;
}

function utilizationRatio(metrics: PodMetrics, requests: Map<string, number>, target: number): { ratio: number; utilization: number; rawAverage: number } {
  let used = 0;
  let requested = 0;
  let entries = 0;
  for (const [name, m] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue;
    used += m.value;
    requested += r;
    entries++;
  }
  if (requested === 0) throw new ReplicaCalcError('no metrics returned matched known pods');
  const utilization = Math.trunc((used * 100) / requested);
  return { ratio: utilization / target, utilization, rawAverage: Math.trunc(used / entries) };
}

function withoutPods(metrics: PodMetrics, names: Set<string>): PodMetrics {
  const out = new Map(metrics);
  for (const n of names) out.delete(n);
  return out;
}

function checkPods(pods: readonly KubeObject[]): void {
  if (pods.length === 0) throw new ReplicaCalcError('no pods returned by selector while calculating replica count');
}

export interface UtilizationResult {
  replicas: number;
  utilization: number;
  /** Average usage per pod (milli-units). */
  rawAverage: number;
}

/** A Utilization target: replicas for `target`% of the pods' requests. */
export function resourceReplicas(o: { currentReplicas: number; target: number; resource: string; container?: string; pods: readonly KubeObject[]; metrics: PodMetrics; nowMs: number; tolerance?: number }): UtilizationResult {
  const tolerance = o.tolerance ?? defaultTolerance;
  checkPods(o.pods);
  const groups = groupPods(o.pods, o.metrics, o.resource, o.nowMs);
  let metrics = withoutPods(withoutPods(o.metrics, groups.ignored), groups.unready);
  if (metrics.size === 0) throw new ReplicaCalcError('did not receive metrics for targeted pods (pods might be unready)');
  const requests = podRequests(o.pods, o.resource, o.container ?? '');
  const { ratio, utilization, rawAverage } = utilizationRatio(metrics, requests, o.target);
  const result = (replicas: number): UtilizationResult => ({ replicas, utilization, rawAverage });

  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - ratio) <= tolerance) return result(o.currentReplicas);
    return result(Math.ceil(ratio * groups.readyPodCount));
  }
  metrics = new Map(metrics);
  if (groups.missing.size > 0) {
    // Pods without metrics: as if at full request (or the target, when above 100%) on the way down, idle on the way up.
    const fallback = Math.max(100, o.target);
    for (const name of groups.missing) {
      if (ratio < 1) metrics.set(name, { value: Math.trunc(((requests.get(name) ?? 0) * fallback) / 100), timestampMs: 0, windowMs: 0 });
      else if (ratio > 1) metrics.set(name, { value: 0, timestampMs: 0, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) for (const name of groups.unready) metrics.set(name, { value: 0, timestampMs: 0, windowMs: 0 });
  const next = utilizationRatio(metrics, requests, o.target).ratio;
  if (Math.abs(1 - next) <= tolerance || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return result(o.currentReplicas);
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > o.currentReplicas) || (next > 1 && replicas < o.currentReplicas)) return result(o.currentReplicas);
  return result(replicas);
}

/** An AverageValue target: replicas for `targetMilli` average usage per pod. */
export function rawResourceReplicas(o: { currentReplicas: number; targetMilli: number; resource: string; pods: readonly KubeObject[]; metrics: PodMetrics; nowMs: number; tolerance?: number }): { replicas: number; usage: number } {
  const tolerance = o.tolerance ?? defaultTolerance;
  checkPods(o.pods);
  const groups = groupPods(o.pods, o.metrics, o.resource, o.nowMs);
  let metrics = withoutPods(withoutPods(o.metrics, groups.ignored), groups.unready);
  if (metrics.size === 0) throw new ReplicaCalcError('did not receive metrics for targeted pods (pods might be unready)');
  const average = (m: PodMetrics) => {
    let total = 0;
    for (const x of m.values()) total += x.value;
    const usage = Math.trunc(total / m.size);
    return { ratio: usage / o.targetMilli, usage };
  };
  const { ratio, usage } = average(metrics);
  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - ratio) <= tolerance) return { replicas: o.currentReplicas, usage };
    return { replicas: Math.ceil(ratio * groups.readyPodCount), usage };
  }
  metrics = new Map(metrics);
  for (const name of groups.missing) metrics.set(name, { value: ratio < 1 ? o.targetMilli : 0, timestampMs: 0, windowMs: 0 });
  if (scaleUpWithUnready) for (const name of groups.unready) metrics.set(name, { value: 0, timestampMs: 0, windowMs: 0 });
  const next = average(metrics).ratio;
  if (Math.abs(1 - next) <= tolerance || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return { replicas: o.currentReplicas, usage };
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > o.currentReplicas) || (next > 1 && replicas < o.currentReplicas)) return { replicas: o.currentReplicas, usage };
  return { replicas, usage };
}

// The horizontal pod autoscaler: every sync period, for each HPA read the target's scale subresource, compute
// the replicas each metric asks for, keep the highest, hold it inside min/max, the stabilization windows and
// the `behavior` rates, write the scale and the HPA's status (conditions and events worded as
// kube-controller-manager words them).
import type { KubeObject } from '../../api/object.js';
import { catalog } from '../../api/catalog.js';
import { deepEqual } from '../../api/deep-equal.js';
import { matchesLabels, parseLabelSelector, type LabelSelector } from '../../api/selectors/index.js';
import { isConflict, isNotFound } from '../../client/api-error.js';
import { timestamp } from '../../client/control/events.js';
import { resourcePath } from '../../client/paths.js';
import { objectKey, splitKey, type Indexer } from '../../client/informer.js';
import { WorkQueue, type Clock } from '../../client/workqueue.js';
import { runController } from '../../client/control/run.js';
import type { ControllerClient, ControllerContext, EventRecorder, ReconcileResult } from '../../client/control/types.js';
import { asObj, get, num, objects, str, type Obj } from '../../registry/fields.js';
import { HpaMemory, limitWithBehavior, limitWithoutBehavior, rulesOf, defaultDownscaleStabilizationMs } from './behavior.js';
import { resourceMetricsApi, type MetricsSource } from './metrics.js';
import { milli, rawResourceReplicas, ReplicaCalcError, resourceReplicas } from './replica-calculator.js';

/** --horizontal-pod-autoscaler-sync-period. */
export const defaultSyncPeriodMs = 15_000;
const hpaResource = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' };

export interface HpaDeps {
  client: ControllerClient;
  hpas: Indexer;
  pods: Indexer;
  metrics: MetricsSource;
  recorder: EventRecorder;
  clock: Clock;
  memory: HpaMemory;
  syncPeriodMs?: number;
}

type Condition = { type: string; status: string; lastTransitionTime: string; reason: string; message: string };

class Conditions {
  constructor(readonly list: Condition[], private readonly now: string) {}
  set(type: string, status: 'True' | 'False', reason: string, message: string): void {
    const existing = this.list.find((c) => c.type === type);
    if (!existing) {
      this.list.push({ type, status, lastTransitionTime: this.now, reason, message });
      return;
    }
    if (existing.status !== status) existing.lastTransitionTime = this.now;
    existing.status = status;
    existing.reason = reason;
    existing.message = message;
  }
}

/** A failure that already set the HPA's condition (and sent its event). */
class MetricFailure extends Error {
  constructor(message: string, readonly reason: string) {
    super(message);
  }
}

interface MetricOutcome {
  replicas: number;
  name: string;
  status: Obj;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function computeMetric(d: HpaDeps, hpa: KubeObject, spec: Obj, current: number, selector: string): Promise<MetricOutcome> {
  const namespace = hpa.metadata.namespace ?? '';
  const type = str(spec.type);
  const nowMs = d.clock.now();
  const pods = () => {
    const sel = parseLabelSelector(selector);
    return d.pods.byNamespace(namespace).filter((p) => matchesLabels(sel, p.metadata.labels));
  };
  switch (type) {
    case 'Resource':
    case 'ContainerResource': {
      const key = type === 'Resource' ? 'resource' : 'containerResource';
      const reason = type === 'Resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric';
      const src = asObj(spec[key]) ?? {};
      const resource = str(src.name);
      const container = type === 'Resource' ? '' : str(src.container);
      const target = asObj(src.target) ?? {};
      const averageValue = target.averageValue;
      try {
        if (averageValue !== undefined && averageValue !== null) {
          const targetMilli = milli(averageValue) ?? 0;
          let got;
          try {
            got = await d.metrics.podMetrics(namespace, selector, resource, container);
          } catch (e) {
            throw new ReplicaCalcError(`unable to get metrics for resource ${resource}: ${errorText(e)}`);
          }
          const r = rawResourceReplicas({ currentReplicas: current, targetMilli, resource, pods: pods(), metrics: got.metrics, nowMs });
          return { replicas: r.replicas, name: `${resource} resource`, status: { type, [key]: { name: resource, ...(container ? { container } : {}), current: { averageValue: milliQuantity(r.usage) } } } };
        }
        const utilization = num(target.averageUtilization);
        if (utilization === undefined) throw new ReplicaCalcError('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
        let got;
        try {
          got = await d.metrics.podMetrics(namespace, selector, resource, container);
        } catch (e) {
          throw new ReplicaCalcError(`unable to get metrics for resource ${resource}: ${errorText(e)}`);
        }
        const r = resourceReplicas({ currentReplicas: current, target: utilization, resource, container, pods: pods(), metrics: got.metrics, nowMs });
        return {
          replicas: r.replicas,
          name: `${resource} resource utilization (percentage of request)`,
          status: { type, [key]: { name: resource, ...(container ? { container } : {}), current: { averageUtilization: r.utilization, averageValue: milliQuantity(r.rawAverage) } } },
        };
      } catch (e) {
        const message = averageValue !== undefined && averageValue !== null ? `failed to get ${resource} usage: ${errorText(e)}` : `failed to get ${resource} utilization: ${errorText(e)}`;
        throw new MetricFailure(message, reason);
      }
    }
    case 'Pods': {
      const name = str(get(spec, 'pods', 'metric', 'name'));
      throw new MetricFailure(`failed to get pods metric value: unable to get metric ${name}: unable to fetch metrics from custom metrics API: the server could not find the requested resource (get pods.custom.metrics.k8s.io *)`, 'FailedGetPodsMetric');
    }
    case 'Object': {
      const name = str(get(spec, 'object', 'metric', 'name'));
      const described = asObj(get(spec, 'object', 'describedObject')) ?? {};
      throw new MetricFailure(`failed to get object metric value: unable to get metric ${name}: ${str(described.kind)} on ${namespace} ${str(described.name)}/unable to fetch metrics from custom metrics API: the server could not find the requested resource`, 'FailedGetObjectMetric');
    }
    case 'External': {
      const name = str(get(spec, 'external', 'metric', 'name'));
      throw new MetricFailure(`failed to get external metric value: unable to get external metric ${namespace}/${name}: unable to fetch metrics from external metrics API: the server could not find the requested resource (get ${name}.external.metrics.k8s.io)`, 'FailedGetExternalMetric');
    }
    default:
      throw new MetricFailure(`unknown metric source type "${type}"`, 'InvalidMetricSourceType');
  }
}

/** resource.NewMilliQuantity(v, DecimalSI).String(): "250m", "1", "1500m", "100M". */
export function milliQuantity(milliValue: number): string {
  let v = BigInt(Math.trunc(milliValue));
  if (v === 0n) return '0';
  if (v % 1000n !== 0n) return `${v}m`;
  v /= 1000n;
  const suffixes = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
  let i = 0;
  while (i < suffixes.length - 1 && v % 1000n === 0n) {
    v /= 1000n;
    i++;
  }
  return `${v}${suffixes[i]}`;
}

function scaleTargetResource(ref: Obj): { group: string; version: string; resource: string } | string {
  const apiVersion = str(ref.apiVersion);
  const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
  const kind = str(ref.kind);
  const match = catalog.find((r) => r.group === group && r.kind === kind && (r.subresources ?? []).some((s) => s.name === 'scale')) ?? catalog.find((r) => r.group === group && r.kind === kind);
  if (!match) return `no matches for kind "${kind}" in group "${group}"`;
  return { group: match.group, version: match.version, resource: match.resource };
}

async function writeStatus(d: HpaDeps, hpa: KubeObject, status: Obj): Promise<void> {
  if (deepEqual(status, hpa['status'] ?? {})) return;
  const path = `${resourcePath({ ...hpaResource, namespace: hpa.metadata.namespace ?? '', name: hpa.metadata.name ?? '' })}/status`;
  try {
    await d.client.update(path, { ...hpa, apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', status });
  } catch (e) {
    if (isNotFound(e)) return;
    if (!isConflict(e)) throw e;
    const fresh = await d.client.get<KubeObject>(resourcePath({ ...hpaResource, namespace: hpa.metadata.namespace ?? '', name: hpa.metadata.name ?? '' }));
    await d.client.update(path, { ...fresh, status });
  }
}

/** The HPAs (namespace/name, sorted) whose selectors pick any of the pods `selector` picks in the namespace. */
function ambiguousOwners(d: HpaDeps, key: string, namespace: string, selector: LabelSelector): string[] {
  const owners = new Set<string>();
  const candidates = [...d.memory.selectors].filter(([k]) => k === key || splitKey(k).namespace === namespace);
  if (candidates.length < 2) return [];
  for (const pod of d.pods.byNamespace(namespace)) {
    if (!matchesLabels(selector, pod.metadata.labels)) continue;
    for (const [k, other] of candidates) if (matchesLabels(other, pod.metadata.labels)) owners.add(k);
  }
  return [...owners].sort();
}

export async function reconcileHpa(key: string, d: HpaDeps): Promise<ReconcileResult> {
  const cached = d.hpas.get(key);
  const resync = { requeueAfterMs: d.syncPeriodMs ?? defaultSyncPeriodMs };
  if (!cached) {
    d.memory.forget(key);
    return;
  }
  if (cached.metadata.deletionTimestamp) return;
  const hpa = structuredClone(cached) as KubeObject;
  const { namespace } = splitKey(key);
  const nowMs = d.clock.now();
  const spec = asObj(hpa['spec']) ?? {};
  const old = asObj(hpa['status']) ?? {};
  const conditions = new Conditions(structuredClone(objects(old.conditions)) as Condition[], timestamp(nowMs));
  const ref = asObj(spec.scaleTargetRef) ?? {};
  const reference = `${str(ref.kind)}/${str(ref.name)}`;
  const minReplicas = num(spec.minReplicas) ?? 1;
  const maxReplicas = num(spec.maxReplicas) ?? 0;
  const metricSpecs = objects(spec.metrics);
  const statusWith = (current: number, desired: number, currentMetrics: unknown, lastScaleTime: unknown): Obj => {
    const s: Obj = {};
    // the generation this sync read (newer kube-controller-managers write it too; HPAs here track generation)
    const generation = hpa.metadata.generation ?? num(old.observedGeneration);
    if (generation !== undefined) s.observedGeneration = generation;
    if (lastScaleTime !== undefined) s.lastScaleTime = lastScaleTime;
    if (current !== 0) s.currentReplicas = current;
    s.desiredReplicas = desired;
    s.currentMetrics = currentMetrics ?? null;
    if (conditions.list.length > 0) s.conditions = conditions.list;
    return s;
  };
  const failScale = async (message: string, err: string): Promise<never> => {
    d.recorder.event(hpa, 'Warning', 'FailedGetScale', message);
    conditions.set('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${message}`);
    await writeStatus(d, hpa, statusWith(num(old.currentReplicas) ?? 0, num(old.desiredReplicas) ?? 0, old.currentMetrics, old.lastScaleTime));
    throw new Error(err);
  };

  const target = scaleTargetResource(ref);
  if (typeof target === 'string') return failScale(target, `unable to determine resource for scale target reference: ${target}`);
  const scaleUrl = `${resourcePath({ group: target.group, version: target.version, resource: target.resource, namespace, name: str(ref.name) })}/scale`;
  let scale: KubeObject;
  try {
    scale = await d.client.get<KubeObject>(scaleUrl);
  } catch (e) {
    return failScale(errorText(e), `failed to query scale subresource for ${reference}: ${errorText(e)}`);
  }
  conditions.set('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
  const currentReplicas = num(get(scale, 'spec', 'replicas')) ?? 0;
  d.memory.recordInitial(key, currentReplicas, nowMs);

  let desired = 0;
  let rescaleReason = '';
  let rescale = true;
  let metricStatuses: Obj[] | undefined;
  let retErr: Error | undefined;
  if (currentReplicas === 0 && minReplicas !== 0) {
    desired = 0;
    rescale = false;
    conditions.set('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
  } else if (currentReplicas > maxReplicas) {
    rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
    desired = maxReplicas;
  } else if (currentReplicas < minReplicas) {
    rescaleReason = 'Current number of replicas below Spec.MinReplicas';
    desired = minReplicas;
  } else {
    const selector = str(get(scale, 'status', 'selector'));
    metricStatuses = metricSpecs.map(() => ({ type: '' }));
    let selectorError: string | undefined;
    if (selector === '') {
      selectorError = 'selector is required';
      d.recorder.event(hpa, 'Warning', 'SelectorRequired', selectorError);
      conditions.set('ScalingActive', 'False', 'InvalidSelector', "the HPA target's scale is missing a selector");
    } else {
      try {
        const parsed = parseLabelSelector(selector);
        d.memory.selectors.set(key, parsed);
        // pods this HPA would scale that another HPA scales too: neither may act on them
        const others = ambiguousOwners(d, key, namespace, parsed);
        if (others.length > 1) {
          selectorError = `pods by selector ${selector} are controlled by multiple HPAs: [${others.join(' ')}]`;
          d.recorder.event(hpa, 'Warning', 'AmbiguousSelector', selectorError);
          conditions.set('ScalingActive', 'False', 'AmbiguousSelector', selectorError);
        }
      } catch (e) {
        selectorError = `couldn't convert selector into a corresponding internal selector object: ${errorText(e)}`;
        d.recorder.event(hpa, 'Warning', 'InvalidSelector', selectorError);
        conditions.set('ScalingActive', 'False', 'InvalidSelector', selectorError);
      }
    }
    let metricDesired = -1;
    let metricName = '';
    if (selectorError === undefined) {
      let invalid = 0;
      let first: MetricFailure | undefined;
      let best = 0;
      for (const [i, m] of metricSpecs.entries()) {
        try {
          const out = await computeMetric(d, hpa, m, currentReplicas, selector);
          metricStatuses[i] = out.status;
          if (best === 0 || out.replicas > best) {
            best = out.replicas;
            metricName = out.name;
          }
        } catch (e) {
          const failure = e instanceof MetricFailure ? e : new MetricFailure(errorText(e), 'FailedGetResourceMetric');
          d.recorder.event(hpa, 'Warning', failure.reason, failure.message);
          if (invalid === 0) first = failure;
          invalid++;
        }
      }
      const combined = first ? new Error(`invalid metrics (${invalid} invalid out of ${metricSpecs.length}), first error is: ${first.message}`) : undefined;
      if (first && (invalid >= metricSpecs.length || best < currentReplicas)) {
        conditions.set('ScalingActive', 'False', first.reason, `the HPA was unable to compute the replica count: ${first.message}`);
      } else {
        conditions.set('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metricName}`);
        metricDesired = best;
        retErr = combined;
      }
      if (metricDesired === -1 && combined) {
        await writeStatus(d, hpa, statusWith(currentReplicas, num(old.desiredReplicas) ?? 0, metricStatuses, old.lastScaleTime));
        d.recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', combined.message);
        throw new Error(`failed to compute desired number of replicas based on listed metrics for ${reference}: ${combined.message}`);
      }
    } else {
      // a selector that cannot be used stops the whole computation: no metric statuses, the error as it is
      await writeStatus(d, hpa, statusWith(currentReplicas, num(old.desiredReplicas) ?? 0, null, old.lastScaleTime));
      d.recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', selectorError);
      throw new Error(`failed to compute desired number of replicas based on listed metrics for ${reference}: ${selectorError}`);
    }
    let rescaleMetric = '';
    if (metricDesired > desired) {
      desired = metricDesired;
      rescaleMetric = metricName;
    }
    if (desired > currentReplicas) rescaleReason = `${rescaleMetric} above target`;
    if (desired < currentReplicas) rescaleReason = 'All metrics below target';
    desired = normalize(d, key, hpa, spec, conditions, currentReplicas, desired, minReplicas, maxReplicas, nowMs);
    rescale = desired !== currentReplicas;
  }

  let lastScaleTime = old.lastScaleTime;
  if (rescale) {
    try {
      await d.client.update(scaleUrl, { ...scale, spec: { ...(asObj(scale['spec']) ?? {}), replicas: desired } });
    } catch (e) {
      d.recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${rescaleReason}; error: ${errorText(e)}`);
      conditions.set('AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${errorText(e)}`);
      await writeStatus(d, hpa, statusWith(currentReplicas, num(old.desiredReplicas) ?? 0, metricStatuses, old.lastScaleTime));
      throw new Error(`failed to rescale ${reference}: ${errorText(e)}`);
    }
    conditions.set('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
    d.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
    const behavior = asObj(spec.behavior);
    if (behavior) d.memory.recordScale(key, currentReplicas, desired, rulesOf(behavior.scaleUp, 0), rulesOf(behavior.scaleDown, defaultDownscaleStabilizationMs / 1000), nowMs);
    lastScaleTime = timestamp(nowMs);
  } else {
    desired = currentReplicas;
  }
  await writeStatus(d, hpa, statusWith(currentReplicas, desired, metricStatuses, lastScaleTime));
  if (retErr) throw retErr;
  return resync;
}

function normalize(d: HpaDeps, key: string, _hpa: KubeObject, spec: Obj, conditions: Conditions, current: number, desired: number, min: number, max: number, nowMs: number): number {
  const behavior = asObj(spec.behavior);
  if (!behavior) {
    const stabilized = d.memory.stabilize(key, desired, nowMs);
    if (stabilized !== desired) conditions.set('AbleToScale', 'True', 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation');
    else conditions.set('AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size');
    const limited = limitWithoutBehavior(current, stabilized, min, max);
    conditions.set('ScalingLimited', limited.replicas === stabilized ? 'False' : 'True', limited.reason, limited.message);
    return limited.replicas;
  }
  const up = rulesOf(behavior.scaleUp, 0);
  const down = rulesOf(behavior.scaleDown, defaultDownscaleStabilizationMs / 1000);
  const stabilized = d.memory.stabilizeWithBehavior(key, current, desired, up, down, nowMs);
  if (stabilized.replicas !== desired) conditions.set('AbleToScale', 'True', stabilized.reason, stabilized.message);
  else conditions.set('AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size');
  const limited = limitWithBehavior(d.memory, key, current, stabilized.replicas, min, max, up, down, nowMs);
  conditions.set('ScalingLimited', limited.replicas === stabilized.replicas ? 'False' : 'True', limited.reason, limited.message);
  return limited.replicas;
}

export function startHpaController(ctx: ControllerContext, opts: { metrics?: MetricsSource; syncPeriodMs?: number } = {}): Promise<void> {
  const hpas = ctx.factory.informerFor({ path: resourcePath(hpaResource) });
  const pods = ctx.factory.informerFor({ path: resourcePath({ group: '', version: 'v1', resource: 'pods' }) });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  hpas.addEventHandler({ add: (h) => queue.add(objectKey(h)), update: (_o, h) => queue.add(objectKey(h)), delete: (h) => queue.add(objectKey(h)) });
  const deps: HpaDeps = {
    client: ctx.client,
    hpas: hpas.store,
    pods: pods.store,
    metrics: opts.metrics ?? resourceMetricsApi(ctx.client),
    recorder: ctx.recorder,
    clock: ctx.clock,
    memory: new HpaMemory(),
    ...(opts.syncPeriodMs ? { syncPeriodMs: opts.syncPeriodMs } : {}),
  };
  return runController({ name: 'horizontal-pod-autoscaler', informers: [hpas, pods], queue, primary: { informer: hpas, resource: hpaResource }, recorder: ctx.recorder, reconcile: (k) => reconcileHpa(k, deps), workers: ctx.workers ?? 1, signal: ctx.signal, log: ctx.log });
}

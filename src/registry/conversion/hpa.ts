// HorizontalPodAutoscaler between autoscaling/v2 (stored) and autoscaling/v1.
// v1 knows one metric (CPU utilization); what it cannot hold travels in annotations, as kube-apiserver carries
// it, so that a read-modify-write through v1 keeps a v2 object whole:
//   autoscaling.alpha.kubernetes.io/metrics          spec.metrics other than the CPU utilization target (v1's MetricSpec form)
//   autoscaling.alpha.kubernetes.io/current-metrics  status.currentMetrics (v1's MetricStatus form)
//   autoscaling.alpha.kubernetes.io/conditions       status.conditions
//   autoscaling.alpha.kubernetes.io/behavior         spec.behavior (Go field names, as the internal type marshals)
import { getOwn, setOwn } from '../../api/own.js';
import type { KubeObject } from '../../api/object.js';
import { asObj, get, objects, str, type Obj } from '../fields.js';
import type { VersionConversion } from './index.js';

export const metricsAnnotation = 'autoscaling.alpha.kubernetes.io/metrics';
export const currentMetricsAnnotation = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const conditionsAnnotation = 'autoscaling.alpha.kubernetes.io/conditions';
export const behaviorAnnotation = 'autoscaling.alpha.kubernetes.io/behavior';
const roundTripAnnotations = [metricsAnnotation, currentMetricsAnnotation, conditionsAnnotation, behaviorAnnotation];

/** The default target of an HPA that names no metric: 80% average CPU utilization. */
export const defaultCPUUtilization = 80;

type Json = unknown;

function clean(o: Obj): Obj {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

function copy(v: unknown): unknown {
  return v === undefined ? undefined : structuredClone(v);
}

function isCpuUtilization(m: Obj): boolean {
  return str(m.type) === 'Resource' && str(get(m, 'resource', 'name')) === 'cpu' && typeof get(m, 'resource', 'target', 'averageUtilization') === 'number';
}

// ---- v2 → v1's MetricSpec / MetricStatus (the v2beta1 shape) ----

function specToV1(m: Obj): Obj {
  const type = str(m.type);
  const target = (src: unknown) => asObj(get(src, 'target')) ?? {};
  switch (type) {
    case 'Resource': {
      const r = asObj(m.resource) ?? {};
      return { type, resource: clean({ name: r.name, targetAverageUtilization: target(r).averageUtilization, targetAverageValue: copy(target(r).averageValue) }) };
    }
    case 'ContainerResource': {
      const r = asObj(m.containerResource) ?? {};
      return { type, containerResource: clean({ name: r.name, targetAverageUtilization: target(r).averageUtilization, targetAverageValue: copy(target(r).averageValue), container: r.container }) };
    }
    case 'Pods': {
      const p = asObj(m.pods) ?? {};
      return { type, pods: clean({ metricName: get(p, 'metric', 'name'), targetAverageValue: copy(target(p).averageValue), selector: copy(get(p, 'metric', 'selector')) }) };
    }
    case 'Object': {
      const o = asObj(m.object) ?? {};
      return { type, object: clean({ target: copy(o.describedObject), metricName: get(o, 'metric', 'name'), targetValue: copy(target(o).value), selector: copy(get(o, 'metric', 'selector')), averageValue: copy(target(o).averageValue) }) };
    }
    case 'External': {
      const e = asObj(m.external) ?? {};
      return { type, external: clean({ metricName: get(e, 'metric', 'name'), metricSelector: copy(get(e, 'metric', 'selector')), targetValue: copy(target(e).value), targetAverageValue: copy(target(e).averageValue) }) };
    }
    default:
      return { type };
  }
}

function specFromV1(m: Obj): Obj {
  const type = str(m.type);
  switch (type) {
    case 'Resource':
    case 'ContainerResource': {
      const key = type === 'Resource' ? 'resource' : 'containerResource';
      const r = asObj(getOwn(m, key)) ?? {};
      const utilization = r.targetAverageUtilization;
      const target = utilization !== undefined && utilization !== null
        ? { type: 'Utilization', averageUtilization: utilization }
        : clean({ type: 'AverageValue', averageValue: copy(r.targetAverageValue) });
      return { type, [key]: clean({ name: r.name, ...(type === 'ContainerResource' ? { container: r.container } : {}), target }) };
    }
    case 'Pods': {
      const p = asObj(m.pods) ?? {};
      return { type, pods: { metric: clean({ name: p.metricName, selector: copy(p.selector) }), target: clean({ type: 'AverageValue', averageValue: copy(p.targetAverageValue) }) } };
    }
    case 'Object': {
      const o = asObj(m.object) ?? {};
      const target = o.averageValue !== undefined && o.averageValue !== null
        ? clean({ type: 'AverageValue', averageValue: copy(o.averageValue), value: copy(o.targetValue) })
        : clean({ type: 'Value', value: copy(o.targetValue) });
      return { type, object: { describedObject: copy(o.target) ?? {}, metric: clean({ name: o.metricName, selector: copy(o.selector) }), target } };
    }
    case 'External': {
      const e = asObj(m.external) ?? {};
      const target = e.targetValue !== undefined && e.targetValue !== null
        ? clean({ type: 'Value', value: copy(e.targetValue), averageValue: copy(e.targetAverageValue) })
        : clean({ type: 'AverageValue', averageValue: copy(e.targetAverageValue) });
      return { type, external: { metric: clean({ name: e.metricName, selector: copy(e.metricSelector) }), target } };
    }
    default:
      return { type };
  }
}

function statusToV1(m: Obj): Obj {
  const type = str(m.type);
  const cur = (src: unknown) => asObj(get(src, 'current')) ?? {};
  switch (type) {
    case 'Resource': {
      const r = asObj(m.resource) ?? {};
      return { type, resource: clean({ name: r.name, currentAverageUtilization: cur(r).averageUtilization, currentAverageValue: copy(cur(r).averageValue) }) };
    }
    case 'ContainerResource': {
      const r = asObj(m.containerResource) ?? {};
      return { type, containerResource: clean({ name: r.name, currentAverageUtilization: cur(r).averageUtilization, currentAverageValue: copy(cur(r).averageValue), container: r.container }) };
    }
    case 'Pods': {
      const p = asObj(m.pods) ?? {};
      return { type, pods: clean({ metricName: get(p, 'metric', 'name'), currentAverageValue: copy(cur(p).averageValue), selector: copy(get(p, 'metric', 'selector')) }) };
    }
    case 'Object': {
      const o = asObj(m.object) ?? {};
      return { type, object: clean({ target: copy(o.describedObject), metricName: get(o, 'metric', 'name'), currentValue: copy(cur(o).value), selector: copy(get(o, 'metric', 'selector')), averageValue: copy(cur(o).averageValue) }) };
    }
    case 'External': {
      const e = asObj(m.external) ?? {};
      return { type, external: clean({ metricName: get(e, 'metric', 'name'), metricSelector: copy(get(e, 'metric', 'selector')), currentValue: copy(cur(e).value), currentAverageValue: copy(cur(e).averageValue) }) };
    }
    default:
      return { type };
  }
}

function statusFromV1(m: Obj): Obj {
  const type = str(m.type);
  switch (type) {
    case 'Resource':
    case 'ContainerResource': {
      const key = type === 'Resource' ? 'resource' : 'containerResource';
      const r = asObj(getOwn(m, key)) ?? {};
      return { type, [key]: clean({ name: r.name, ...(type === 'ContainerResource' ? { container: r.container } : {}), current: clean({ averageUtilization: r.currentAverageUtilization, averageValue: copy(r.currentAverageValue) }) }) };
    }
    case 'Pods': {
      const p = asObj(m.pods) ?? {};
      return { type, pods: { metric: clean({ name: p.metricName, selector: copy(p.selector) }), current: clean({ averageValue: copy(p.currentAverageValue) }) } };
    }
    case 'Object': {
      const o = asObj(m.object) ?? {};
      return { type, object: { describedObject: copy(o.target) ?? {}, metric: clean({ name: o.metricName, selector: copy(o.selector) }), current: clean({ value: copy(o.currentValue), averageValue: copy(o.averageValue) }) } };
    }
    case 'External': {
      const e = asObj(m.external) ?? {};
      return { type, external: { metric: clean({ name: e.metricName, selector: copy(e.metricSelector) }), current: clean({ value: copy(e.currentValue), averageValue: copy(e.currentAverageValue) }) } };
    }
    default:
      return { type };
  }
}

// ---- behavior in the annotation: Go field names ----

function rulesToGo(r: unknown): Json {
  const o = asObj(r);
  if (!o) return null;
  return {
    StabilizationWindowSeconds: o.stabilizationWindowSeconds ?? null,
    SelectPolicy: o.selectPolicy ?? null,
    Policies: Array.isArray(o.policies) ? objects(o.policies).map((p) => ({ Type: p.type ?? '', Value: p.value ?? 0, PeriodSeconds: p.periodSeconds ?? 0 })) : null,
  };
}

function rulesFromGo(r: unknown): Obj | undefined {
  const o = asObj(r);
  if (!o) return undefined;
  return clean({
    stabilizationWindowSeconds: o.StabilizationWindowSeconds ?? undefined,
    selectPolicy: o.SelectPolicy ?? undefined,
    policies: Array.isArray(o.Policies) ? objects(o.Policies).map((p) => ({ type: p.Type, value: p.Value, periodSeconds: p.PeriodSeconds })) : undefined,
  });
}

function parseAnnotation(annotations: Record<string, string>, key: string): unknown {
  const text = getOwn(annotations, key);
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function withoutRoundTrip(annotations: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!annotations) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations)) if (!roundTripAnnotations.includes(k)) setOwn(out, k, v);
  return out;
}

function withMeta(obj: Readonly<KubeObject>, apiVersion: string, annotations: Record<string, string> | undefined): KubeObject {
  const metadata = structuredClone(obj.metadata);
  if (annotations && Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  return { apiVersion, kind: 'HorizontalPodAutoscaler', metadata };
}

export function hpaToV1(obj: Readonly<KubeObject>): KubeObject {
  const spec = asObj(obj.spec) ?? {};
  const status = asObj(obj.status);
  const annotations = withoutRoundTrip(obj.metadata.annotations) ?? {};
  const metrics = objects(spec.metrics);
  const others = metrics.filter((m) => !isCpuUtilization(m));
  if (others.length > 0) setOwn(annotations, metricsAnnotation, JSON.stringify(others.map(specToV1)));
  if (spec.behavior !== undefined && spec.behavior !== null) {
    setOwn(annotations, behaviorAnnotation, JSON.stringify({ ScaleUp: rulesToGo(get(spec.behavior, 'scaleUp')), ScaleDown: rulesToGo(get(spec.behavior, 'scaleDown')) }));
  }
  const currentMetrics = objects(status?.currentMetrics);
  if (currentMetrics.length > 0) setOwn(annotations, currentMetricsAnnotation, JSON.stringify(currentMetrics.map(statusToV1)));
  const conditions = objects(status?.conditions);
  if (conditions.length > 0) setOwn(annotations, conditionsAnnotation, JSON.stringify(conditions));

  const out = withMeta(obj, 'autoscaling/v1', annotations);
  const cpu = metrics.find((m) => str(m.type) === 'Resource' && str(get(m, 'resource', 'name')) === 'cpu');
  const cpuTarget = get(cpu, 'resource', 'target', 'averageUtilization');
  out.spec = clean({
    scaleTargetRef: copy(spec.scaleTargetRef) ?? {},
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas ?? 0,
    targetCPUUtilizationPercentage: typeof cpuTarget === 'number' ? cpuTarget : undefined,
  });
  const cpuCurrent = currentMetrics.find((m) => str(m.type) === 'Resource' && str(get(m, 'resource', 'name')) === 'cpu');
  const cpuNow = get(cpuCurrent, 'resource', 'current', 'averageUtilization');
  out.status = clean({
    observedGeneration: status?.observedGeneration,
    lastScaleTime: status?.lastScaleTime,
    currentReplicas: status?.currentReplicas ?? 0,
    desiredReplicas: status?.desiredReplicas ?? 0,
    currentCPUUtilizationPercentage: typeof cpuNow === 'number' ? cpuNow : undefined,
  });
  return out;
}

export function hpaFromV1(obj: Readonly<KubeObject>): KubeObject {
  const spec = asObj(obj.spec) ?? {};
  const status = asObj(obj.status);
  const annotations = obj.metadata.annotations ?? {};
  const out = withMeta(obj, 'autoscaling/v2', withoutRoundTrip(annotations));

  const metrics: Obj[] = [];
  if (spec.targetCPUUtilizationPercentage !== undefined && spec.targetCPUUtilizationPercentage !== null) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  const others = parseAnnotation(annotations, metricsAnnotation);
  if (Array.isArray(others)) metrics.push(...objects(others).map(specFromV1));
  if (metrics.length === 0) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: defaultCPUUtilization } } });
  const behavior = asObj(parseAnnotation(annotations, behaviorAnnotation));
  out.spec = clean({
    scaleTargetRef: copy(spec.scaleTargetRef) ?? {},
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
    metrics,
    behavior: behavior ? clean({ scaleUp: rulesFromGo(behavior.ScaleUp), scaleDown: rulesFromGo(behavior.ScaleDown) }) : undefined,
  });

  if (status) {
    let currentMetrics: Obj[] | null = null;
    const annotated = parseAnnotation(annotations, currentMetricsAnnotation);
    if (Array.isArray(annotated)) currentMetrics = objects(annotated).map(statusFromV1);
    else if (typeof status.currentCPUUtilizationPercentage === 'number') {
      currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
    }
    const conditions = parseAnnotation(annotations, conditionsAnnotation);
    out.status = clean({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentMetrics,
      conditions: Array.isArray(conditions) ? objects(conditions) : undefined,
    });
  }
  return out;
}

export const hpaConversion: VersionConversion = {
  storageVersion: 'v2',
  convert(obj, toVersion) {
    const from = obj.apiVersion === 'autoscaling/v1' ? 'v1' : 'v2';
    if (from === toVersion) return structuredClone(obj) as KubeObject;
    return toVersion === 'v1' ? hpaToV1(obj) : hpaFromV1(obj);
  },
};

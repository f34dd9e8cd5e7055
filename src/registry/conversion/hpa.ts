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

// ---- v1's MetricSpec / MetricStatus (the v2beta1 shape) ↔ v2, as tables walked either way ----

/** A v1 field name and where v2 keeps the same value. */
type FieldPairs = readonly (readonly [v1: string, v2: readonly string[]])[];

interface MetricShape {
  /** The member holding the source (the same name in both versions). */
  member: string;
  spec: FieldPairs;
  status: FieldPairs;
  /** v2's target.type, which v1 leaves implicit in which of its fields is set. */
  targetType(target: Obj): string;
  /** v2 always has these objects, even empty. */
  required: readonly string[];
}

const given = (v: unknown): boolean => v !== undefined && v !== null;

const resourceShape = (member: string, extra: FieldPairs): MetricShape => ({
  member,
  spec: [['name', ['name']], ['targetAverageUtilization', ['target', 'averageUtilization']], ['targetAverageValue', ['target', 'averageValue']], ...extra],
  status: [['name', ['name']], ['currentAverageUtilization', ['current', 'averageUtilization']], ['currentAverageValue', ['current', 'averageValue']], ...extra],
  targetType: (t) => (given(t.averageUtilization) ? 'Utilization' : 'AverageValue'),
  required: [],
});

const metricShapes = new Map<string, MetricShape>([
  ['Resource', resourceShape('resource', [])],
  ['ContainerResource', resourceShape('containerResource', [['container', ['container']]])],
  ['Pods', {
    member: 'pods',
    spec: [['metricName', ['metric', 'name']], ['targetAverageValue', ['target', 'averageValue']], ['selector', ['metric', 'selector']]],
    status: [['metricName', ['metric', 'name']], ['currentAverageValue', ['current', 'averageValue']], ['selector', ['metric', 'selector']]],
    targetType: () => 'AverageValue',
    required: ['metric'],
  }],
  ['Object', {
    member: 'object',
    spec: [['target', ['describedObject']], ['metricName', ['metric', 'name']], ['targetValue', ['target', 'value']], ['selector', ['metric', 'selector']], ['averageValue', ['target', 'averageValue']]],
    status: [['target', ['describedObject']], ['metricName', ['metric', 'name']], ['currentValue', ['current', 'value']], ['selector', ['metric', 'selector']], ['averageValue', ['current', 'averageValue']]],
    targetType: (t) => (given(t.averageValue) ? 'AverageValue' : 'Value'),
    required: ['describedObject', 'metric'],
  }],
  ['External', {
    member: 'external',
    spec: [['metricName', ['metric', 'name']], ['metricSelector', ['metric', 'selector']], ['targetValue', ['target', 'value']], ['targetAverageValue', ['target', 'averageValue']]],
    status: [['metricName', ['metric', 'name']], ['metricSelector', ['metric', 'selector']], ['currentValue', ['current', 'value']], ['currentAverageValue', ['current', 'averageValue']]],
    targetType: (t) => (given(t.value) ? 'Value' : 'AverageValue'),
    required: ['metric'],
  }],
]);

function metricToV1(m: Obj, part: 'spec' | 'status'): Obj {
  const type = str(m.type);
  const shape = metricShapes.get(type);
  if (!shape) return { type };
  const source = asObj(getOwn(m, shape.member)) ?? {};
  const out: Obj = {};
  for (const [field, path] of shape[part]) {
    const v = get(source, ...path);
    if (v !== undefined) setOwn(out, field, copy(v));
  }
  return { type, [shape.member]: out };
}

function metricFromV1(m: Obj, part: 'spec' | 'status'): Obj {
  const type = str(m.type);
  const shape = metricShapes.get(type);
  if (!shape) return { type };
  const source = asObj(getOwn(m, shape.member)) ?? {};
  const out: Obj = {};
  for (const [field, path] of shape[part]) {
    const v = getOwn(source, field);
    if (!given(v)) continue;
    let at = out;
    for (const key of path.slice(0, -1)) {
      let next = asObj(getOwn(at, key));
      if (!next) {
        next = {};
        setOwn(at, key, next);
      }
      at = next;
    }
    setOwn(at, path[path.length - 1] ?? '', copy(v));
  }
  const slot = part === 'spec' ? 'target' : 'current';
  for (const key of [...shape.required, slot]) if (!asObj(getOwn(out, key))) setOwn(out, key, {});
  if (part === 'spec') {
    const target = asObj(out.target) ?? {};
    out.target = { type: shape.targetType(target), ...target };
  }
  return { type, [shape.member]: out };
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
  if (others.length > 0) setOwn(annotations, metricsAnnotation, JSON.stringify(others.map((m) => metricToV1(m, 'spec'))));
  if (spec.behavior !== undefined && spec.behavior !== null) {
    setOwn(annotations, behaviorAnnotation, JSON.stringify({ ScaleUp: rulesToGo(get(spec.behavior, 'scaleUp')), ScaleDown: rulesToGo(get(spec.behavior, 'scaleDown')) }));
  }
  const currentMetrics = objects(status?.currentMetrics);
  if (currentMetrics.length > 0) setOwn(annotations, currentMetricsAnnotation, JSON.stringify(currentMetrics.map((m) => metricToV1(m, 'status'))));
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
  if (Array.isArray(others)) metrics.push(...objects(others).map((m) => metricFromV1(m, 'spec')));
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
    if (Array.isArray(annotated)) currentMetrics = objects(annotated).map((m) => metricFromV1(m, 'status'));
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
  storage: { group: 'autoscaling', version: 'v2' },
  convert(obj, toApiVersion) {
    const from = obj.apiVersion === 'autoscaling/v1' ? 'autoscaling/v1' : 'autoscaling/v2';
    if (from === toApiVersion) return structuredClone(obj) as KubeObject;
    return toApiVersion === 'autoscaling/v1' ? hpaToV1(obj) : hpaFromV1(obj);
  },
};

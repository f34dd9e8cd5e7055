// autoscaling HorizontalPodAutoscaler, in its stored form (autoscaling/v2; v1 is converted, see conversion/hpa.ts).
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { isDNS1123Label, isQualifiedName } from '../api/validation/names.js';
import { parseQuantity } from '../api/validation/quantity.js';
import { defaultCPUUtilization, behaviorAnnotation, conditionsAnnotation, currentMetricsAnnotation, metricsAnnotation } from './conversion/hpa.js';
import { asObj, child, get, isUnset, num, objects, str, type Obj } from './fields.js';
import { defineStrategy } from './define.js';
import type { Strategy, TablePrinter } from './strategy.js';
import { age, column, nameColumn, ageColumn } from './table.js';
import { validateNonNegative } from './workload-common.js';

export const maxStabilizationWindowSeconds = 3600;
export const maxPeriodSeconds = 1800;
const metricSourceTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const selectPolicies = ['Disabled', 'Max', 'Min'];
const policyTypes = ['Percent', 'Pods'];

/** Scale-up rules an HPA with a `behavior` gets for what it leaves out. */
export function defaultScaleUpRules(): Obj {
  return { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] };
}

/** Scale-down rules; no window here: the controller's default (300 s) applies. */
export function defaultScaleDownRules(): Obj {
  return { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
}

function mergeRules(given: unknown, defaults: Obj): Obj {
  const g = asObj(given);
  if (!g) return defaults;
  const out = { ...defaults };
  for (const k of ['selectPolicy', 'stabilizationWindowSeconds', 'policies']) if (g[k] !== undefined && g[k] !== null) out[k] = g[k];
  return out;
}

export function defaultHpa(hpa: KubeObject): void {
  // A v2 client may not smuggle v1's round-trip annotations into the stored object.
  const annotations = hpa.metadata.annotations;
  if (annotations) {
    for (const k of [metricsAnnotation, currentMetricsAnnotation, conditionsAnnotation, behaviorAnnotation]) delete annotations[k];
    if (Object.keys(annotations).length === 0) delete hpa.metadata.annotations;
  }
  const spec = child(hpa, 'spec');
  if (isUnset(spec.minReplicas)) spec.minReplicas = 1;
  if (objects(spec.metrics).length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: defaultCPUUtilization } } }];
  }
  const behavior = asObj(spec.behavior);
  if (behavior) {
    behavior.scaleUp = mergeRules(behavior.scaleUp, defaultScaleUpRules());
    behavior.scaleDown = mergeRules(behavior.scaleDown, defaultScaleDownRules());
  }
}

// ---- validation (field paths of the stored form, as kube-apiserver reports them for both versions) ----

function pathSegmentErrors(value: string): string[] {
  if (value === '.' || value === '..') return [`may not be '${value}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (value.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

export function validateCrossVersionObjectReference(ref: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const kind = str(get(ref, 'kind'));
  const name = str(get(ref, 'name'));
  if (kind === '') errs.push(field.required(`${path}.kind`));
  else for (const msg of pathSegmentErrors(kind)) errs.push(field.invalid(`${path}.kind`, kind, msg));
  if (name === '') errs.push(field.required(`${path}.name`));
  else for (const msg of pathSegmentErrors(name)) errs.push(field.invalid(`${path}.name`, name, msg));
  return errs;
}

function positiveQuantity(v: unknown, path: string): FieldError[] {
  if (v === undefined || v === null) return [];
  const n = parseQuantity(v);
  return n !== undefined && n > 0 ? [] : [field.invalid(path, v, 'must be positive')];
}

function validateTarget(t: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(get(t, 'type'));
  if (type === '') errs.push(field.required(`${path}.type`, 'must specify a metric target type'));
  if (type !== 'Utilization' && type !== 'Value' && type !== 'AverageValue') errs.push(field.invalid(`${path}.type`, type, 'must be either Utilization, Value, or AverageValue'));
  errs.push(...positiveQuantity(get(t, 'value'), `${path}.value`));
  errs.push(...positiveQuantity(get(t, 'averageValue'), `${path}.averageValue`));
  const util = num(get(t, 'averageUtilization'));
  if (util !== undefined && util < 1) errs.push(field.invalid(`${path}.averageUtilization`, util, 'must be greater than 0'));
  return errs;
}

function validateMetricIdentifier(id: unknown, path: string): FieldError[] {
  const name = str(get(id, 'name'));
  if (name === '') return [field.required(`${path}.name`, 'must specify a metric name')];
  return pathSegmentErrors(name).map((msg) => field.invalid(`${path}.name`, name, msg));
}

function validateResourceName(name: string, path: string): FieldError[] {
  if (name.includes('/')) return isQualifiedName(name).map((msg) => field.invalid(path, name, msg));
  const standard = ['cpu', 'memory', 'ephemeral-storage'].includes(name) || name.startsWith('hugepages-');
  return standard ? [] : [field.invalid(path, name, 'must be a standard resource for containers')];
}

function validateResourceSource(src: Obj, path: string, container: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(src.name);
  if (name === '') errs.push(field.required(`${path}.name`, 'must specify a resource name'));
  else errs.push(...validateResourceName(name, `${path}.name`));
  if (container) {
    const c = str(src.container);
    if (c === '') errs.push(field.required(`${path}.container`, 'must specify a container'));
    else errs.push(...isDNS1123Label(c).map((msg) => field.invalid(`${path}.container`, c, msg)));
  }
  errs.push(...validateTarget(src.target, `${path}.target`));
  const hasUtil = !isUnset(get(src, 'target', 'averageUtilization'));
  const hasValue = !isUnset(get(src, 'target', 'averageValue'));
  if (!hasUtil && !hasValue) errs.push(field.required(`${path}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
  if (hasUtil && hasValue) errs.push(field.forbidden(`${path}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
  return errs;
}

function validateSource(kind: string, src: Obj, path: string): FieldError[] {
  switch (kind) {
    case 'object': {
      const errs = [...validateCrossVersionObjectReference(src.describedObject, `${path}.describedObject`), ...validateMetricIdentifier(src.metric, `${path}.metric`), ...validateTarget(src.target, `${path}.target`)];
      if (isUnset(get(src, 'target', 'value')) && isUnset(get(src, 'target', 'averageValue'))) errs.push(field.required(`${path}.target.averageValue`, 'must set either a target value or averageValue'));
      return errs;
    }
    case 'external': {
      const errs = [...validateMetricIdentifier(src.metric, `${path}.metric`), ...validateTarget(src.target, `${path}.target`)];
      const hasValue = !isUnset(get(src, 'target', 'value'));
      const hasAverage = !isUnset(get(src, 'target', 'averageValue'));
      if (!hasValue && !hasAverage) errs.push(field.required(`${path}.target.averageValue`, 'must set either a target value for metric or a per-pod target'));
      if (hasValue && hasAverage) errs.push(field.forbidden(`${path}.target.value`, 'may not set both a target value for metric and a per-pod target'));
      return errs;
    }
    case 'pods': {
      const errs = [...validateMetricIdentifier(src.metric, `${path}.metric`), ...validateTarget(src.target, `${path}.target`)];
      if (isUnset(get(src, 'target', 'averageValue'))) errs.push(field.required(`${path}.target.averageValue`, 'must specify a positive target averageValue'));
      return errs;
    }
    case 'resource':
      return validateResourceSource(src, path, false);
    default:
      return validateResourceSource(src, path, true);
  }
}

const sourceField: Record<string, string> = { Object: 'object', External: 'external', Pods: 'pods', Resource: 'resource', ContainerResource: 'containerResource' };

function validateMetricSpec(m: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(m.type);
  if (type === '') errs.push(field.required(`${path}.type`, 'must specify a metric source type'));
  if (!metricSourceTypes.includes(type)) errs.push(field.notSupported(`${path}.type`, type, metricSourceTypes));
  const present = ['object', 'external', 'pods', 'resource', 'containerResource'].filter((k) => asObj(m[k]) !== undefined);
  const first = present[0];
  if (first !== undefined) errs.push(...validateSource(first, asObj(m[first]) ?? {}, `${path}.${first}`));
  const expected = Object.hasOwn(sourceField, type) ? sourceField[type] : undefined;
  if (expected !== undefined && asObj(m[expected]) === undefined) errs.push(field.required(`${path}.${expected}`, 'must populate information for the given metric source'));
  if (present.length !== 1) {
    for (const k of present) if (k !== expected) errs.push(field.forbidden(`${path}.${k}`, 'must populate the given metric source only'));
  }
  return errs;
}

function validateScalingRules(rules: unknown, path: string): FieldError[] {
  const r = asObj(rules);
  if (!r) return [];
  const errs: FieldError[] = [];
  const window = num(r.stabilizationWindowSeconds);
  if (window !== undefined && window < 0) errs.push(field.invalid(`${path}.stabilizationWindowSeconds`, window, 'must be greater than or equal to zero'));
  if (window !== undefined && window > maxStabilizationWindowSeconds) errs.push(field.invalid(`${path}.stabilizationWindowSeconds`, window, `must be less than or equal to ${maxStabilizationWindowSeconds}`));
  if (!isUnset(r.selectPolicy) && !selectPolicies.includes(str(r.selectPolicy))) errs.push(field.notSupported(`${path}.selectPolicy`, r.selectPolicy, selectPolicies));
  const policies = objects(r.policies);
  if (policies.length === 0) errs.push(field.required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((p, i) => {
    const at = `${path}.policies[${i}]`;
    if (!policyTypes.includes(str(p.type))) errs.push(field.notSupported(`${at}.type`, str(p.type), policyTypes));
    const value = num(p.value) ?? 0;
    if (value <= 0) errs.push(field.invalid(`${at}.value`, value, 'must be greater than zero'));
    const period = num(p.periodSeconds) ?? 0;
    if (period <= 0) errs.push(field.invalid(`${at}.periodSeconds`, period, 'must be greater than zero'));
    if (period > maxPeriodSeconds) errs.push(field.invalid(`${at}.periodSeconds`, period, `must be less than or equal to ${maxPeriodSeconds}`));
  });
  return errs;
}

export function validateHpaSpec(hpa: KubeObject): FieldError[] {
  const spec = asObj(hpa.spec) ?? {};
  const errs: FieldError[] = [];
  const min = num(spec.minReplicas);
  const max = num(spec.maxReplicas) ?? 0;
  if (min !== undefined && min < 1) errs.push(field.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max < 1) errs.push(field.invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && max < min) errs.push(field.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  errs.push(...validateCrossVersionObjectReference(spec.scaleTargetRef, 'spec.scaleTargetRef'));
  objects(spec.metrics).forEach((m, i) => errs.push(...validateMetricSpec(m, `spec.metrics[${i}]`)));
  const behavior = asObj(spec.behavior);
  if (behavior) {
    errs.push(...validateScalingRules(behavior.scaleUp, 'spec.behavior.scaleUp'));
    errs.push(...validateScalingRules(behavior.scaleDown, 'spec.behavior.scaleDown'));
  }
  return errs;
}

function validateHpaStatus(hpa: KubeObject): FieldError[] {
  return [...validateNonNegative(get(hpa, 'status', 'currentReplicas'), 'status.currentReplicas'), ...validateNonNegative(get(hpa, 'status', 'desiredReplicas'), 'status.desiredReplicas')];
}

// ---- table: NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE ----

function quantity(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '0';
}

function metricCell(spec: Obj, status: Obj | undefined): string {
  const type = str(spec.type);
  const key = Object.hasOwn(sourceField, type) ? sourceField[type] ?? '' : '';
  const src = asObj(spec[key]) ?? {};
  const cur = asObj(get(status, key, 'current'));
  const target = asObj(src.target) ?? {};
  const unknown = '<unknown>';
  switch (type) {
    case 'External':
    case 'Object':
      if (!isUnset(target.averageValue)) return `${cur && !isUnset(cur.averageValue) ? quantity(cur.averageValue) : unknown}/${quantity(target.averageValue)} (avg)`;
      return `${cur ? quantity(cur.value) : unknown}/${quantity(target.value)}`;
    case 'Pods':
      return `${cur ? quantity(cur.averageValue) : unknown}/${quantity(target.averageValue)}`;
    case 'Resource':
    case 'ContainerResource': {
      const name = str(src.name);
      if (!isUnset(target.averageValue)) return `${name}: ${cur ? quantity(cur.averageValue) : unknown}/${quantity(target.averageValue)}`;
      const now = num(cur?.averageUtilization);
      const want = num(target.averageUtilization);
      return `${name}: ${now !== undefined ? `${now}%` : unknown}/${want !== undefined ? `${want}%` : '<auto>'}`;
    }
    default:
      return '<unknown type>';
  }
}

/** The TARGETS cell: the first two metrics, current/target, then "+ N more...". */
export function formatHpaMetrics(hpa: KubeObject): string {
  const specs = objects(get(hpa, 'spec', 'metrics'));
  if (specs.length === 0) return '<none>';
  const statuses = objects(get(hpa, 'status', 'currentMetrics'));
  const cells = specs.map((m, i) => metricCell(m, statuses[i]));
  const shown = cells.slice(0, 2).join(', ');
  return cells.length > 2 ? `${shown} + ${cells.length - 2} more...` : shown;
}

const hpaTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Reference', 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
    column('Targets', 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).'),
    column('MinPods', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    column('MaxPods', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.'),
    column('Replicas', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
    ageColumn,
  ],
  cells(hpa, now) {
    const ref = asObj(get(hpa, 'spec', 'scaleTargetRef')) ?? {};
    const min = num(get(hpa, 'spec', 'minReplicas'));
    return [
      hpa.metadata.name ?? '',
      `${str(ref.kind)}/${str(ref.name)}`,
      formatHpaMetrics(hpa),
      min === undefined ? '<unset>' : String(min),
      num(get(hpa, 'spec', 'maxReplicas')) ?? 0,
      num(get(hpa, 'status', 'currentReplicas')) ?? 0,
      age(hpa, now),
    ];
  },
};

export function hpaStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    defaults: defaultHpa,
    validate: validateHpaSpec,
    initialStatus: () => ({ currentMetrics: null, desiredReplicas: 0 }),
    validateStatusUpdate: validateHpaStatus,
    table: hpaTable,
  });
}

// Rules shared by the apps/v1 controllers (Deployment, ReplicaSet, StatefulSet, DaemonSet).
import type { KubeObject } from '../api/object.js';
import { field, type FieldError } from '../api/status.js';
import { goStringMap } from '../api/validation/go-format.js';
import { FIELD_IMMUTABLE } from '../api/validation/object-meta.js';
import { semanticEqual } from '../api/validation/equality.js';
import { asObj, get, num, stringMap, type Obj } from './fields.js';
import { goLabelSelector, isEmptySelector, selectorMatches, validateLabelSelector } from './label-selector.js';
import { validatePodTemplateSpec } from './pod-validation.js';

export function validateNonNegative(value: unknown, path: string): FieldError[] {
  const n = num(value);
  return n !== undefined && n < 0 ? [field.invalid(path, n, 'must be greater than or equal to 0')] : [];
}

export function validatePositive(value: unknown, path: string): FieldError[] {
  const n = num(value);
  return n !== undefined && n <= 0 ? [field.invalid(path, n, 'must be greater than 0')] : [];
}

/** `spec.template.metadata.labels: Invalid value: map[string]string{...}: `selector` does not match template `labels`` */
export function templateMatchesSelector(selector: unknown, template: unknown, path: string): FieldError[] {
  const labels = stringMap(get(template, 'metadata', 'labels'));
  if (isEmptySelector(selector) || selectorMatches(selector, labels)) return [];
  return [{ ...field.invalid(`${path}.metadata.labels`, labels ?? null, '`selector` does not match template `labels`'), renderedValue: goStringMap(labels) }];
}

/** Selector required and non-empty, template matching it, restartPolicy Always (ValidatePodTemplateSpecForReplicaSet). */
export function validateControllerSpec(spec: Obj | undefined, kindWord: string): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  if (s.selector === undefined || s.selector === null) errs.push(field.required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(s.selector, 'spec.selector'));
    if (isEmptySelector(s.selector)) {
      errs.push({ ...field.invalid('spec.selector', s.selector, `empty selector is invalid for ${kindWord}`), renderedValue: goLabelSelector(s.selector) });
    }
  }
  if (s.template === undefined) return [...errs, field.required('spec.template')];
  errs.push(...templateMatchesSelector(s.selector, s.template, 'spec.template'));
  errs.push(...validatePodTemplateSpec(s.template, 'spec.template', { restartPolicies: ['Always'] }));
  const deadline = get(s.template, 'spec', 'activeDeadlineSeconds');
  if (deadline !== undefined) errs.push(field.invalid('spec.template.spec.activeDeadlineSeconds', deadline, 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  errs.push(...validateNonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateNonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

/** apps/v1 selectors may not change. */
export function validateSelectorImmutable(obj: KubeObject, old: KubeObject): FieldError[] {
  const selector = get(obj, 'spec', 'selector');
  if (semanticEqual(selector, get(old, 'spec', 'selector'))) return [];
  return [{ ...field.invalid('spec.selector', selector ?? null, FIELD_IMMUTABLE), renderedValue: goLabelSelector(selector) }];
}

const percentRe = /^[0-9]+%$/;

/** IntOrString that must be a non-negative int or "N%". */
export function validateIntOrPercent(value: unknown, path: string): FieldError[] {
  if (typeof value === 'string') {
    return percentRe.test(value)
      ? []
      : [field.invalid(path, value, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  }
  return validateNonNegative(value, path);
}

export function intOrPercentValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && percentRe.test(value)) return Number(value.slice(0, -1));
  return 0;
}

export function asSpec(obj: KubeObject): Obj | undefined {
  return asObj(obj.spec);
}

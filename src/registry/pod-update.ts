// Which pod spec changes an update may make (ValidatePodUpdate in pkg/apis/core/validation).
import { field, type FieldError } from '../api/status.js';
import { semanticEqual } from '../api/validation/equality.js';
import { asObj, num, objects, type Obj } from './fields.js';

export const POD_UPDATABLE_FIELDS =
  '`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function copyImages(newList: unknown, oldList: unknown): unknown {
  const next = objects(newList);
  const prev = objects(oldList);
  if (next.length !== prev.length) return newList;
  return next.map((c, i) => ({ ...c, image: prev[i]?.image }));
}

function containsAll(haystack: Obj[], needles: Obj[]): boolean {
  return needles.every((n) => haystack.some((h) => semanticEqual(h, n)));
}

/** Paths (dotted) whose values differ, for the message's diff part. */
function differences(a: unknown, b: unknown, path: string, out: string[]): void {
  if (semanticEqual(a, b)) return;
  const ra = asObj(a);
  const rb = asObj(b);
  if (ra && rb) {
    for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) differences(ra[k], rb[k], `${path}.${k}`, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => differences(x, b[i], `${path}[${i}]`, out));
    return;
  }
  out.push(`  ${path}: ${JSON.stringify(b) ?? 'null'} -> ${JSON.stringify(a) ?? 'null'}`);
}

export function validatePodSpecUpdate(spec: Obj | undefined, oldSpec: Obj | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const next = spec ?? {};
  const prev = oldSpec ?? {};
  const munged: Obj = { ...next };
  munged.containers = copyImages(next.containers, prev.containers);
  munged.initContainers = copyImages(next.initContainers, prev.initContainers);

  const newDeadline = num(next.activeDeadlineSeconds);
  const oldDeadline = num(prev.activeDeadlineSeconds);
  if (oldDeadline !== undefined && newDeadline === undefined) {
    errs.push(field.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  } else if (oldDeadline !== undefined && newDeadline !== undefined && newDeadline > oldDeadline) {
    errs.push(field.invalid('spec.activeDeadlineSeconds', newDeadline, 'must be less than or equal to previous value'));
  }
  munged.activeDeadlineSeconds = prev.activeDeadlineSeconds;

  if (containsAll(objects(next.tolerations), objects(prev.tolerations))) munged.tolerations = prev.tolerations;
  const oldGrace = num(prev.terminationGracePeriodSeconds);
  if (oldGrace !== undefined && oldGrace < 0 && next.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldGrace;
  // Scheduling gates may only be removed.
  if (containsAll(objects(prev.schedulingGates), objects(next.schedulingGates))) munged.schedulingGates = prev.schedulingGates;

  for (const k of Object.keys(munged)) if (munged[k] === undefined) delete munged[k];
  if (!semanticEqual(munged, prev)) {
    const diff: string[] = [];
    differences(munged, prev, 'spec', diff);
    errs.push(field.forbidden('spec', `pod updates may not change fields other than ${POD_UPDATABLE_FIELDS}\n${diff.join('\n')}`));
  }
  return errs;
}

// Ephemeral containers (kubectl debug): the pods/ephemeralcontainers subresource's rules and the spec checks
// for spec.ephemeralContainers (ValidatePodEphemeralContainersUpdate and validateEphemeralContainers upstream).
import type { KubeObject } from '../api/object.js';
import { setOwn } from '../api/own.js';
import { field, type FieldError } from '../api/status.js';
import { semanticEqual } from '../api/validation/equality.js';
import { asObj, get, objects, str, type Obj } from './fields.js';

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** Fields an ephemeral container may not set: they would make it part of the pod's service, not a debugging aid. */
const FORBIDDEN_FIELDS = ['ports', 'resources', 'resizePolicy', 'restartPolicy', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'];
const NOT_FOR_EPHEMERAL = 'cannot be set for an Ephemeral Container';

/**
 * The spec.ephemeralContainers checks beyond the common container checks: names unique across every container
 * (`names` already holds the init and regular containers'), the target a regular or init container, and no
 * field that only serves a workload.
 */
export function validateEphemeralContainerRules(list: Obj[], path: string, otherNames: ReadonlySet<string>): FieldError[] {
  const errs: FieldError[] = [];
  list.forEach((c, i) => {
    const p = `${path}[${i}]`;
    const target = str(c.targetContainerName);
    if (target !== '' && !otherNames.has(target)) errs.push({ type: 'NotFound', field: `${p}.targetContainerName`, value: target });
    for (const key of FORBIDDEN_FIELDS) {
      if (!semanticEqual(c[key], undefined)) errs.push(field.forbidden(`${p}.${key}`, NOT_FOR_EPHEMERAL));
    }
    objects(c.volumeMounts).forEach((m, j) => {
      for (const key of ['subPath', 'subPathExpr']) {
        if (str(m[key]) !== '') errs.push(field.forbidden(`${p}.volumeMounts[${j}].${key}`, NOT_FOR_EPHEMERAL));
      }
    });
  });
  return errs;
}

/** A new pod may not carry ephemeral containers: they are added to a running pod through the subresource. */
export function forbidEphemeralOnCreate(pod: KubeObject): FieldError[] {
  return objects(get(pod, 'spec', 'ephemeralContainers')).length > 0 ? [field.forbidden('spec.ephemeralContainers', 'cannot be set on create')] : [];
}

/**
 * Through pods/ephemeralcontainers only spec.ephemeralContainers changes: everything else (metadata included)
 * is the stored pod's.
 */
export function prepareEphemeralContainersUpdate(obj: KubeObject, old: KubeObject): void {
  const wanted = get(obj, 'spec', 'ephemeralContainers');
  for (const k of Object.keys(obj)) delete obj[k];
  for (const [k, v] of Object.entries(structuredClone(old))) setOwn(obj, k, v);
  const spec = asObj(obj['spec']) ?? {};
  if (wanted === undefined || wanted === null) delete spec['ephemeralContainers'];
  else setOwn(spec, 'ephemeralContainers', structuredClone(wanted));
  obj['spec'] = spec;
}

/** Existing ephemeral containers stay as they are; static pods take none. */
export function validateEphemeralContainersUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const annotations = old.metadata.annotations ?? {};
  if (Object.prototype.hasOwnProperty.call(annotations, MIRROR_ANNOTATION)) return [field.forbidden('', 'static pods do not support ephemeral containers')];
  const errs: FieldError[] = [];
  const path = 'spec.ephemeralContainers';
  const next = new Map<string, Obj>();
  for (const c of objects(get(obj, 'spec', 'ephemeralContainers'))) next.set(str(c.name), c);
  for (const before of objects(get(old, 'spec', 'ephemeralContainers'))) {
    const name = str(before.name);
    const now = next.get(name);
    if (!now) errs.push(field.forbidden(path, `existing ephemeral containers "${name}" may not be removed\n`));
    else if (!semanticEqual(before, now)) errs.push(field.forbidden(`${path}[${name}]`, `existing ephemeral containers "${name}" may not be changed\n${describeChanges(before, now, name)}`));
  }
  return errs;
}

/** One line per changed field, `path: before -> after`, for the "may not be changed" message. */
function describeChanges(before: Obj, after: Obj, name: string): string {
  const lines: string[] = [];
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!semanticEqual(before[k], after[k])) lines.push(`  ${name}.${k}: ${JSON.stringify(before[k]) ?? 'null'} -> ${JSON.stringify(after[k]) ?? 'null'}`);
  }
  return lines.join('\n');
}

// The type and object metadata of an embedded resource (a schema node with x-kubernetes-embedded-resource), as
// kube-apiserver's CRD handler checks them: apiVersion and kind are required (kind a mixed-case DNS-1035 label,
// apiVersion a group/version), metadata, when present, is ObjectMeta validated like an object's own (a missing name
// is allowed, names as URL path segments, namespaced when it names a namespace).
import { isRecord, type ObjectMeta } from '../object.js';
import { field, type FieldError } from '../status.js';
import { isDNS1035Label, isValidPathSegmentName } from '../validation/names.js';
import { validateObjectMeta } from '../validation/object-meta.js';

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/** apimachinery's ParseGroupVersion: "", "v", "g/v"; more than one "/" is refused. */
function groupVersionError(apiVersion: string): string | undefined {
  return apiVersion.split('/').length > 2 ? `unexpected GroupVersion string: ${apiVersion}` : undefined;
}

function pathSegmentName(name: string, prefix: boolean): string[] {
  return prefix ? isValidPathSegmentName(name).filter((m) => !m.startsWith("may not be '")) : isValidPathSegmentName(name);
}

const stringMap = (v: unknown) => isRecord(v) && Object.values(v).every((x) => typeof x === 'string');

/** Why a value cannot be read as ObjectMeta (fields of the wrong JSON type), or undefined. */
function metadataTypeError(v: unknown): string | undefined {
  if (!isRecord(v)) return 'must be an object';
  for (const k of ['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp']) {
    if (Object.hasOwn(v, k) && v[k] !== null && typeof v[k] !== 'string') return `${k} must be a string`;
  }
  for (const k of ['labels', 'annotations']) if (Object.hasOwn(v, k) && v[k] !== null && !stringMap(v[k])) return `${k} must be a map of strings`;
  if (Object.hasOwn(v, 'finalizers') && v['finalizers'] !== null && !(Array.isArray(v['finalizers']) && v['finalizers'].every((f) => typeof f === 'string'))) return 'finalizers must be a list of strings';
  if (Object.hasOwn(v, 'ownerReferences') && v['ownerReferences'] !== null && !(Array.isArray(v['ownerReferences']) && v['ownerReferences'].every(isRecord))) return 'ownerReferences must be a list of objects';
  return undefined;
}

export function validateEmbeddedResource(x: Record<string, unknown>, at: string): FieldError[] {
  const out: FieldError[] = [];
  const apiVersion = x['apiVersion'];
  if (!Object.hasOwn(x, 'apiVersion')) out.push(field.required(join(at, 'apiVersion')));
  else if (typeof apiVersion !== 'string') out.push(field.invalid(join(at, 'apiVersion'), apiVersion, 'must be a string'));
  else if (apiVersion === '') out.push(field.required(join(at, 'apiVersion')));
  else {
    const e = groupVersionError(apiVersion);
    if (e) out.push(field.invalid(join(at, 'apiVersion'), apiVersion, e));
  }
  const kind = x['kind'];
  if (!Object.hasOwn(x, 'kind')) out.push(field.required(join(at, 'kind')));
  else if (typeof kind !== 'string') out.push(field.invalid(join(at, 'kind'), kind, 'must be a string'));
  else if (kind === '') out.push(field.required(join(at, 'kind')));
  else {
    const errs = isDNS1035Label(kind.toLowerCase());
    if (errs.length > 0) out.push(field.invalid(join(at, 'kind'), kind, `may have mixed case, but should otherwise match: ${errs.join(',')}`));
  }
  if (Object.hasOwn(x, 'metadata')) {
    const malformed = metadataTypeError(x['metadata']);
    if (malformed) {
      out.push(field.invalid(join(at, 'metadata'), x['metadata'], malformed));
      return out;
    }
    const meta = { ...(x['metadata'] as ObjectMeta) };
    if (!meta.name) meta.name = 'fakename';
    for (const e of validateObjectMeta(meta, { namespaced: Boolean(meta.namespace), nameValidator: pathSegmentName })) out.push({ ...e, field: join(at, e.field) });
  }
  return out;
}

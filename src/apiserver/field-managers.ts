// Who a write is on behalf of (the fieldManager parameter, else the User-Agent's product name), and the field
// manager of each endpoint: its type (the built-in OpenAPI definition, or the type a custom resource's schema
// describes) and the fields it resets (status on the main resource, everything but status on /status).
import { builtinDefinition, builtinType, customResourceType, fieldElement, FieldManager, FieldSet, zeroObject, type TypeNode } from '../api/managedfields/index.js';
import type { KubeObject } from '../api/object.js';
import { groupVersion, type ResourceInfo } from '../api/resource-info.js';
import { errors, field, type FieldError } from '../api/status.js';
import type { ResourceScope } from './scope.js';
import { headerValue } from './types.js';

/** The longest manager name Kubernetes accepts. */
export const fieldManagerMaxLength = 128;

function isPrintable(ch: string): boolean {
  return !/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u.test(ch) && (ch === ' ' || !/\p{Zs}/u.test(ch));
}

/** The User-Agent up to its first '/', printable characters only, at most 128 bytes. */
export function managerFromUserAgent(userAgent: string): string {
  const head = userAgent.split('/')[0] ?? '';
  let out = '';
  let bytes = 0;
  for (const ch of head) {
    if (!isPrintable(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > fieldManagerMaxLength) break;
    out += ch;
    bytes += n;
  }
  return out;
}

export function managerOf(s: ResourceScope): string {
  const q = s.info.query.get('fieldManager');
  if (q) return q;
  return managerFromUserAgent(headerValue(s.req.headers, 'user-agent') ?? '');
}

/**
 * CreateOptions/UpdateOptions/PatchOptions checks of kube-apiserver: the manager's length and characters, apply's
 * required manager, and `force` only on apply.
 */
export function checkWriteOptions(s: ResourceScope, kind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions', isApply = false): void {
  const q = s.info.query;
  const manager = q.get('fieldManager') ?? '';
  const errs: FieldError[] = [];
  if (kind === 'PatchOptions') {
    if (!isApply && q.has('force')) errs.push(field.forbidden('force', 'may not be specified for non-apply patch'));
    if (isApply && manager === '') errs.push(field.required('fieldManager', 'is required for apply patch'));
  }
  if (Buffer.byteLength(manager) > fieldManagerMaxLength) errs.push(field.tooLong('fieldManager', fieldManagerMaxLength));
  [...manager].forEach((ch, i) => {
    if (!isPrintable(ch)) {
      const cp = ch.codePointAt(0) ?? 0;
      errs.push(field.invalid('fieldManager', manager, `invalid character U+${cp.toString(16).toUpperCase().padStart(4, '0')} (at position ${i})`));
    }
  });
  if (errs.length > 0) throw errors.invalid({ group: 'meta.k8s.io', kind }, '', errs);
}

/** A subresource whose writes are recorded under its name (status, scale, finalize, ephemeralcontainers). */
export type ManagedSubresource = string;

/** The type field management uses for a resource. */
export function typeOf(resource: ResourceInfo): TypeNode {
  if (resource.managedFieldsType) return resource.managedFieldsType;
  return builtinDefinition(resource.definition) ? builtinType(resource.definition) : customResourceType(undefined);
}

function topLevelFields(resource: ResourceInfo): string[] {
  const def = builtinDefinition(resource.definition);
  return def?.properties ? Object.keys(def.properties) : ['spec'];
}

const cache = new WeakMap<ResourceInfo, Map<string, FieldManager>>();

export function fieldManagerFor(resource: ResourceInfo, subresource?: ManagedSubresource, now?: () => Date): FieldManager {
  let byEndpoint = cache.get(resource);
  if (!byEndpoint) cache.set(resource, (byEndpoint = new Map()));
  const key = subresource ?? '';
  const hit = byEndpoint.get(key);
  if (hit) return hit;
  const hasStatus = (resource.subresources ?? []).some((s) => s.name === 'status');
  let ignored: FieldSet | undefined;
  if (subresource === 'status') {
    ignored = FieldSet.of(...topLevelFields(resource).filter((f) => !['apiVersion', 'kind', 'metadata', 'status'].includes(f)).map((f) => [fieldElement(f)]));
  } else if (!subresource && hasStatus) {
    ignored = FieldSet.of([fieldElement('status')]);
  }
  const known = !!builtinDefinition(resource.definition);
  const fm = new FieldManager({
    type: typeOf(resource),
    apiVersion: groupVersion(resource),
    kind: resource.kind,
    ...(subresource ? { subresource } : {}),
    ...(ignored ? { ignored } : {}),
    zero: () => (known ? zeroObject(resource.definition) : { apiVersion: groupVersion(resource), kind: resource.kind }),
    ...(now ? { now } : {}),
  });
  byEndpoint.set(key, fm);
  return fm;
}

/** The store hook that records a non-apply write in metadata.managedFields. */
export function recordWrite(s: ResourceScope, subresource?: ManagedSubresource): (live: Readonly<KubeObject> | undefined, obj: KubeObject) => unknown[] | undefined {
  const fm = fieldManagerFor(s.resource, subresource, s.now);
  const manager = managerOf(s);
  return (live, obj) => fm.update(live, obj, manager).metadata.managedFields;
}

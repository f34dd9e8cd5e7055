// Reconciling bootstrap roles and bindings with what is stored (pkg/registry/rbac/reconciliation):
// missing labels, annotations, rules, aggregation selectors and subjects are added, nothing is removed,
// and objects annotated rbac.authorization.kubernetes.io/autoupdate: "false" are left alone.
import { isRecord, type KubeObject } from '../../api/object.js';
import { deepEqual } from '../../api/deep-equal.js';
import { covers } from './rbac-rules.js';
import { rulesOf } from './rbac-types.js';

export const autoupdateAnnotation = 'rbac.authorization.kubernetes.io/autoupdate';

function mergeMap(existing: Record<string, string> | undefined, expected: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!expected || Object.keys(expected).length === 0) return existing;
  return { ...expected, ...existing };
}

function mergeMeta(out: KubeObject, expected: KubeObject): void {
  const labels = mergeMap(out.metadata.labels, expected.metadata.labels);
  const annotations = mergeMap(out.metadata.annotations, expected.metadata.annotations);
  if (labels) out.metadata.labels = labels;
  if (annotations) out.metadata.annotations = annotations;
}

function selectors(obj: KubeObject): unknown[] {
  const agg = obj['aggregationRule'];
  return isRecord(agg) && Array.isArray(agg['clusterRoleSelectors']) ? agg['clusterRoleSelectors'] : [];
}

/** The updated role, or undefined when nothing needs to change. */
export function reconcileRole(existing: Readonly<KubeObject>, expected: KubeObject): KubeObject | undefined {
  if (existing.metadata.annotations?.[autoupdateAnnotation] === 'false') return undefined;
  const out = structuredClone(existing) as KubeObject;
  mergeMeta(out, expected);
  const { missing } = covers(rulesOf(existing), rulesOf(expected));
  if (missing.length > 0) out['rules'] = [...(Array.isArray(existing['rules']) ? existing['rules'] : []), ...missing];
  const have = selectors(existing);
  const missingSelectors = selectors(expected).filter((s) => !have.some((h) => deepEqual(h, s)));
  if (missingSelectors.length > 0) out['aggregationRule'] = { clusterRoleSelectors: [...have, ...missingSelectors] };
  return deepEqual(out, existing) ? undefined : out;
}

export type BindingReconcile = { action: 'none' } | { action: 'update'; object: KubeObject } | { action: 'recreate'; object: KubeObject };

/** Subjects missing from the binding are added; a different roleRef means delete and re-create. */
export function reconcileBinding(existing: Readonly<KubeObject>, expected: KubeObject): BindingReconcile {
  if (existing.metadata.annotations?.[autoupdateAnnotation] === 'false') return { action: 'none' };
  if (!deepEqual(existing['roleRef'], expected['roleRef'])) {
    const object = structuredClone(expected);
    mergeMeta(object, existing as KubeObject);
    const subjects = [...(Array.isArray(existing['subjects']) ? existing['subjects'] : [])];
    for (const s of Array.isArray(expected['subjects']) ? expected['subjects'] : []) if (!subjects.some((h) => deepEqual(h, s))) subjects.push(s);
    if (subjects.length > 0) object['subjects'] = subjects;
    return { action: 'recreate', object };
  }
  const out = structuredClone(existing) as KubeObject;
  mergeMeta(out, expected);
  const have = Array.isArray(existing['subjects']) ? existing['subjects'] : [];
  const missing = (Array.isArray(expected['subjects']) ? expected['subjects'] : []).filter((s) => !have.some((h) => deepEqual(h, s)));
  if (missing.length > 0) out['subjects'] = [...have, ...missing];
  return deepEqual(out, existing) ? { action: 'none' } : { action: 'update', object: out };
}

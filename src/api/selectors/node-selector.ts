// NodeSelector terms (pod nodeAffinity, PersistentVolume nodeAffinity) against a Node: terms are ORed,
// a term's matchExpressions (labels) and matchFields (metadata.name) are ANDed; an empty term matches nothing.
import type { KubeObject } from '../object.js';
import { arr, rec, str } from '../pod-util.js';

function requirementMatches(req: Record<string, unknown>, value: string | undefined): boolean {
  const values = Array.isArray(req['values']) ? (req['values'] as unknown[]).filter((v): v is string => typeof v === 'string') : [];
  switch (req['operator']) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(values[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(values[0]);
    default:
      return false;
  }
}

export function nodeSelectorTermMatches(term: Record<string, unknown>, node: Readonly<KubeObject>): boolean {
  const exprs = arr(term['matchExpressions']);
  const fields = arr(term['matchFields']);
  if (exprs.length + fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return exprs.every((e) => requirementMatches(e, Object.hasOwn(labels, str(e['key'])) ? labels[str(e['key'])] : undefined)) && fields.every((f) => str(f['key']) === 'metadata.name' && requirementMatches(f, node.metadata.name));
}

/** A NodeSelector ({nodeSelectorTerms: [...]}) matches when any of its terms does. */
export function nodeSelectorMatches(selector: unknown, node: Readonly<KubeObject>): boolean {
  return arr(rec(selector)['nodeSelectorTerms']).some((t) => nodeSelectorTermMatches(t, node));
}

// status.typeChecking of a ValidatingAdmissionPolicy, as kube-apiserver computes it: the kinds its
// matchConstraints name without wildcards (sorted by group, version, resource), and for each validation's
// expression and messageExpression the undefined fields it references in those kinds' schemas.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { undefinedFieldIssues } from '../../api/cel/type-check.js';

export interface ExpressionWarning {
  fieldRef: string;
  warning: string;
}

/** What a group/version/resource is: its kind and OpenAPI definition, or undefined when it is not served. */
export type KindResolver = (group: string, version: string, resource: string) => { kind: string; definition: string } | undefined;

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const objs = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);
/** kube-apiserver checks at most this many kinds per rule. */
const maxKindsPerRule = 10;

function kindsToCheck(policy: Readonly<KubeObject>, resolve: KindResolver): { gvk: string; definition: string }[] {
  const spec = isRecord(policy['spec']) ? policy['spec'] : {};
  const mc = isRecord(spec['matchConstraints']) ? spec['matchConstraints'] : {};
  const seen = new Map<string, { gvk: string; definition: string; sortKey: string }>();
  for (const rule of objs(mc['resourceRules'])) {
    const groups = strs(rule['apiGroups']);
    const versions = strs(rule['apiVersions']);
    // subresources are not checked; wildcards cannot be resolved to kinds
    const resources = strs(rule['resources']).filter((r) => !r.includes('/'));
    if ([groups, versions, resources].some((l) => l.length === 0 || l.includes('*'))) continue;
    let count = 0;
    for (const g of [...groups].sort()) {
      for (const v of [...versions].sort()) {
        for (const r of [...resources].sort()) {
          const k = resolve(g, v, r);
          if (!k || count >= maxKindsPerRule) continue;
          count++;
          const gvk = `${g === '' ? '' : g}/${v}, Kind=${k.kind}`;
          seen.set(gvk, { gvk, definition: k.definition, sortKey: `${g}\u0000${v}\u0000${k.kind}` });
        }
      }
    }
  }
  return [...seen.values()].sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
}

export function policyTypeChecking(policy: Readonly<KubeObject>, resolve: KindResolver): ExpressionWarning[] {
  const kinds = kindsToCheck(policy, resolve);
  if (kinds.length === 0) return [];
  const spec = isRecord(policy['spec']) ? policy['spec'] : {};
  const out: ExpressionWarning[] = [];
  const check = (expression: string, fieldRef: string) => {
    const messages: string[] = [];
    for (const k of kinds) {
      const issues = undefinedFieldIssues(k.definition, expression);
      if (issues) messages.push(`${k.gvk}: ${issues}`);
    }
    if (messages.length > 0) out.push({ fieldRef, warning: messages.join('\n') });
  };
  objs(spec['validations']).forEach((v, i) => {
    if (typeof v['expression'] === 'string') check(v['expression'], `spec.validations[${i}].expression`);
    if (typeof v['messageExpression'] === 'string' && v['messageExpression'] !== '') check(v['messageExpression'], `spec.validations[${i}].messageExpression`);
  });
  return out;
}

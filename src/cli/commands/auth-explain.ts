// `auth can-i … --explain` when the answer is no: the user's rules that came closest, and what each lacks.
import { apiGroupMatches, compactString, nonResourceURLMatches, resourceMatches, resourceNameMatches, verbMatches } from '../../auth/authz/rbac-rules.js';
import type { Attributes } from '../../auth/types.js';
import type { PolicyRule } from '../../auth/authz/rbac-types.js';
import { appliesTo, describeGrant, describeSubject, grants, type Grant, type RbacData } from './auth-rbac-data.js';

export interface NearMiss {
  grant: Grant;
  rule: PolicyRule;
  missing: string[];
}

/** What a rule lacks to allow the request; empty when it allows it. */
export function missingFor(attrs: Attributes, rule: PolicyRule): string[] {
  const missing: string[] = [];
  if (!verbMatches(rule, attrs.verb)) missing.push(`verb "${attrs.verb}"`);
  if (!attrs.resourceRequest) {
    if (!nonResourceURLMatches(rule, attrs.path)) missing.push(`non-resource URL "${attrs.path}"`);
    return missing;
  }
  if (!apiGroupMatches(rule, attrs.apiGroup)) missing.push(`API group "${attrs.apiGroup}"`);
  const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  if (!resourceMatches(rule, combined, attrs.subresource)) missing.push(`resource "${combined}"`);
  if (!resourceNameMatches(rule, attrs.name)) missing.push(attrs.name ? `resource name "${attrs.name}"` : 'a name: the rule lists resourceNames, which never match requests without a name');
  return missing;
}

/** The applicable rules with the fewest missing parts (at most `limit`). */
export function nearMisses(attrs: Attributes, data: RbacData, limit = 3): NearMiss[] {
  const candidates: NearMiss[] = [];
  for (const g of grants(data)) {
    if (!g.role || !appliesTo(g, attrs.user)) continue;
    if (g.bindingKind === 'RoleBinding' && attrs.namespace !== g.binding.namespace) continue;
    // a rule for the other kind of request (resources vs non-resource URLs) is never close
    const sameKind = (r: PolicyRule) => (attrs.resourceRequest ? (r.resources ?? []).length > 0 : (r.nonResourceURLs ?? []).length > 0);
    for (const rule of g.role.rules.filter(sameKind)) candidates.push({ grant: g, rule, missing: missingFor(attrs, rule) });
  }
  const fewest = Math.min(...candidates.map((c) => c.missing.length));
  return candidates.filter((c) => c.missing.length === fewest).slice(0, limit);
}

export function explainDenial(attrs: Attributes, data: RbacData): string {
  const lines: string[] = [];
  const who = `User "${attrs.user.name}" (groups=[${attrs.user.groups.map((g) => JSON.stringify(g)).join(' ')}])`;
  const applicable = grants(data).filter((g) => appliesTo(g, attrs.user) && (g.bindingKind === 'ClusterRoleBinding' || g.binding.namespace === attrs.namespace));
  if (applicable.length === 0) {
    const where = attrs.namespace ? `cluster-wide or in namespace "${attrs.namespace}"` : 'cluster-wide';
    return `No binding ${where} applies to ${who}.\n`;
  }
  for (const g of applicable.filter((x) => !x.role)) lines.push(`${describeGrant(g)}: the ${g.binding.roleRef.kind} does not exist`);
  const misses = nearMisses(attrs, data);
  if (misses.length === 0) {
    const where = attrs.resourceRequest ? `resources${attrs.namespace ? ` in namespace "${attrs.namespace}"` : ''}` : 'non-resource URLs';
    lines.push(`No rule for ${where} is granted to ${who}.`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`Closest rules for ${who}:`);
  for (const m of misses) {
    const subject = m.grant.binding.subjects.find((s) => appliesTo({ ...m.grant, binding: { ...m.grant.binding, subjects: [s] } }, attrs.user));
    lines.push(`  ${describeGrant(m.grant)}${subject ? ` to ${describeSubject(subject, m.grant.binding.namespace)}` : ''}:`);
    lines.push(`    ${compactString(m.rule)}`);
    lines.push(`    missing: ${m.missing.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

// Rule resolution (pkg/registry/rbac/validation/rule.go): every ClusterRoleBinding that applies to the
// user, then every RoleBinding in the request's namespace; each binding's role resolved to its rules.
import type { UserInfo } from '../types.js';
import { subjectAppliesTo, type RbacIndex } from './rbac-index.js';
import type { BindingLike, PolicyRule, RoleRef, Subject } from './rbac-types.js';

/** Where a rule came from, described as Kubernetes describes it in reasons. */
export interface RuleSource {
  binding: BindingLike;
  subject: Subject;
  clusterWide: boolean;
}

/** Return false to stop visiting. Called with an error (and no rule) when a role cannot be resolved. */
export type RuleVisitor = (source: RuleSource | undefined, rule: PolicyRule | undefined, error: string | undefined) => boolean;

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

export function describeSource(src: RuleSource): string {
  const b = src.binding;
  if (src.clusterWide) return `ClusterRoleBinding ${JSON.stringify(b.name)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(src.subject, '')}`;
  return `RoleBinding ${JSON.stringify(`${b.name}/${b.namespace}`)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(src.subject, b.namespace)}`;
}

/** The rules a role reference grants, or the lister's NotFound text. */
export function roleReferenceRules(index: RbacIndex, ref: RoleRef, namespace: string): { rules: PolicyRule[] } | { error: string } {
  switch (ref.kind) {
    case 'Role': {
      const role = index.getRole(namespace, ref.name);
      return role ? { rules: role.rules } : { error: `role.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found` };
    }
    case 'ClusterRole': {
      const role = index.getClusterRole(ref.name);
      return role ? { rules: role.rules } : { error: `clusterrole.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found` };
    }
    default:
      return { error: `unsupported role reference kind: ${JSON.stringify(ref.kind)}` };
  }
}

function firstApplying(user: UserInfo, subjects: Subject[], namespace: string): Subject | undefined {
  return subjects.find((s) => subjectAppliesTo(user, s, namespace));
}

export function visitRulesFor(index: RbacIndex, user: UserInfo, namespace: string, visit: RuleVisitor): void {
  for (const binding of index.clusterRoleBindingsFor(user)) {
    const subject = firstApplying(user, binding.subjects, '');
    if (!subject) continue;
    const resolved = roleReferenceRules(index, binding.roleRef, '');
    if ('error' in resolved) {
      if (!visit(undefined, undefined, resolved.error)) return;
      continue;
    }
    const source: RuleSource = { binding, subject, clusterWide: true };
    for (const rule of resolved.rules) if (!visit(source, rule, undefined)) return;
  }
  if (!namespace) return;
  for (const binding of index.roleBindingsFor(user, namespace)) {
    const subject = firstApplying(user, binding.subjects, namespace);
    if (!subject) continue;
    const resolved = roleReferenceRules(index, binding.roleRef, namespace);
    if ('error' in resolved) {
      if (!visit(undefined, undefined, resolved.error)) return;
      continue;
    }
    const source: RuleSource = { binding, subject, clusterWide: false };
    for (const rule of resolved.rules) if (!visit(source, rule, undefined)) return;
  }
}

/** Every rule the user holds in the namespace (cluster-wide ones included), and the resolution errors. */
export function rulesFor(index: RbacIndex, user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  visitRulesFor(index, user, namespace, (_src, rule, error) => {
    if (rule) rules.push(rule);
    if (error) errors.push(error);
    return true;
  });
  return { rules, errors };
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several as "[a, b]" (duplicates dropped). */
export function aggregateErrors(errors: readonly string[]): string {
  const unique = [...new Set(errors)];
  if (unique.length === 1) return unique[0] ?? '';
  return `[${unique.join(', ')}]`;
}

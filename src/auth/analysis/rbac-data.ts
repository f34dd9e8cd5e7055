// RBAC as a client sees it: the four kinds listed from the API server, and every grant (binding → role → rule)
// evaluated with the server's own matching functions (src/auth/authz/rbac-rules.ts, pure). Shared by a-kubectl's
// auth commands and the web console, which list the objects with the caller's own credentials.
import type { KubeObject } from '../../api/object.js';
import type { Attributes, UserInfo } from '../types.js';
import { ruleAllows } from '../authz/rbac-rules.js';
import { toBinding, toRole, type BindingLike, type PolicyRule, type RoleLike, type Subject } from '../authz/rbac-types.js';

const rbac = '/apis/rbac.authorization.k8s.io/v1';

export interface RbacData {
  clusterRoles: RoleLike[];
  clusterRoleBindings: BindingLike[];
  /** Of the namespace asked about only ("" = none). */
  roles: RoleLike[];
  roleBindings: BindingLike[];
}

/** Lists a collection as the caller (a REST client's list, the console's request as the signed-in person). */
export interface CollectionLister {
  list(path: string, opts: { signal: AbortSignal }): Promise<{ items: KubeObject[] }>;
}

/** `namespace`: "" for cluster-wide objects only, "*" for the roles and bindings of every namespace. */
export async function fetchRbac(client: CollectionLister, namespace: string, signal: AbortSignal): Promise<RbacData> {
  const list = async (path: string) => (await client.list(path, { signal })).items;
  const ns = namespace && namespace !== '*' ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const [cr, crb, r, rb] = await Promise.all([
    list(`${rbac}/clusterroles`),
    list(`${rbac}/clusterrolebindings`),
    namespace ? list(`${rbac}${ns}/roles`) : Promise.resolve([]),
    namespace ? list(`${rbac}${ns}/rolebindings`) : Promise.resolve([]),
  ]);
  return { clusterRoles: cr.map(toRole), clusterRoleBindings: crb.map(toBinding), roles: r.map(toRole), roleBindings: rb.map(toBinding) };
}

export interface Grant {
  binding: BindingLike;
  bindingKind: 'ClusterRoleBinding' | 'RoleBinding';
  /** Undefined when the binding names a role that does not exist. */
  role: RoleLike | undefined;
}

/** Cluster role bindings first, then the namespace's role bindings, as the RBAC resolver visits them. */
export function grants(data: RbacData): Grant[] {
  // roles by name, the first of a name winning as a scan in list order would
  const clusterRoles = new Map<string, RoleLike>();
  for (const r of data.clusterRoles) if (!clusterRoles.has(r.name)) clusterRoles.set(r.name, r);
  const roles = new Map<string, RoleLike>();
  for (const r of data.roles) if (!roles.has(`${r.namespace}/${r.name}`)) roles.set(`${r.namespace}/${r.name}`, r);
  const roleFor = (b: BindingLike): RoleLike | undefined => (b.roleRef.kind === 'ClusterRole' ? clusterRoles.get(b.roleRef.name) : roles.get(`${b.namespace}/${b.roleRef.name}`));
  return [
    ...data.clusterRoleBindings.map((binding) => ({ binding, bindingKind: 'ClusterRoleBinding' as const, role: roleFor(binding) })),
    ...data.roleBindings.map((binding) => ({ binding, bindingKind: 'RoleBinding' as const, role: roleFor(binding) })),
  ];
}

/** Whether a binding's subject is this user (service accounts default to the binding's namespace). */
export function subjectMatches(subject: Subject, bindingNamespace: string, user: UserInfo): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      return ns !== '' && user.name === `system:serviceaccount:${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

export function appliesTo(g: Grant, user: UserInfo): boolean {
  return g.binding.subjects.some((s) => subjectMatches(s, g.binding.namespace, user));
}

/** Whether a grant's rules allow the request (a RoleBinding only inside its namespace). */
export function allowingRule(g: Grant, attrs: Attributes): PolicyRule | undefined {
  if (!g.role) return undefined;
  if (g.bindingKind === 'RoleBinding' && (!attrs.resourceRequest || attrs.namespace !== g.binding.namespace)) return undefined;
  return g.role.rules.find((r) => ruleAllows(attrs, r));
}

/** `ServiceAccount "k-sa-1/ns-1"`, `User "alice"`: the subject as the server's reasons describe it. */
export function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `ServiceAccount "${s.name}/${s.namespace || bindingNamespace}"`;
  return `${s.kind} "${s.name}"`;
}

/** `RoleBinding "b/ns-1" of Role "r"`, `ClusterRoleBinding "b" of ClusterRole "r"`. */
export function describeGrant(g: Grant): string {
  const where = g.bindingKind === 'RoleBinding' ? `${g.binding.name}/${g.binding.namespace}` : g.binding.name;
  return `${g.bindingKind} "${where}" of ${g.binding.roleRef.kind} "${g.binding.roleRef.name}"`;
}

/** The attributes of a resource request, with no user (who-can and explain fill it in). */
export function resourceAttributes(a: { verb: string; group: string; resource: string; subresource: string; name: string; namespace: string }, user: UserInfo = { name: '', groups: [] }): Attributes {
  return { user, verb: a.verb, resourceRequest: true, namespace: a.namespace, apiGroup: a.group, apiVersion: '*', resource: a.resource, subresource: a.subresource, name: a.name, path: '' };
}

export function nonResourceAttributes(verb: string, path: string, user: UserInfo = { name: '', groups: [] }): Attributes {
  return { user, verb, resourceRequest: false, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '', path };
}

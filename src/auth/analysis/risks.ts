// Who can become cluster-admin, or act beyond their grants, and through which bindings (`auth risks`, the console).
// Evaluated over listed RBAC objects with the server's own matching rules. The bootstrap policy's bindings are the
// cluster's own components and are left out, unless they name everyone (anonymous, unauthenticated or
// authenticated users).
import { ruleAllows } from '../authz/rbac-rules.js';
import { allowedBy, asUser, GrantIndex, subjectText, workloads, type Identity } from './grant-index.js';
import { describeGrant, grants, resourceAttributes, type Grant, type RbacData } from './rbac-data.js';
import type { Subject } from '../authz/rbac-types.js';

export type Severity = 'critical' | 'high' | 'medium';
export const severities: Severity[] = ['critical', 'high', 'medium'];

export interface Risk {
  severity: Severity;
  subject: string;
  risk: string;
  /** The bindings (and, for chains, the steps) that make it possible. */
  via: string[];
}

const everyone = new Set(['system:anonymous', 'system:unauthenticated', 'system:authenticated']);

const can = (who: Identity, verb: string, group: string, resource: string, namespace: string, subresource = '') =>
  allowedBy(who, resourceAttributes({ verb, group, resource, subresource, name: '', namespace }));

/** What one identity can do that amounts to more than its grants say. */
function directRisks(who: Identity): { severity: Severity; risk: string; via: Grant[] }[] {
  const out: { severity: Severity; risk: string; via: Grant[] }[] = [];
  const add = (severity: Severity, risk: string, via: Grant[]) => {
    if (via.length > 0) out.push({ severity, risk, via });
  };
  add('critical', 'can do anything anywhere (cluster-admin)', can(who, '*', '*', '*', ''));
  add('critical', 'can grant itself any permission (escalate or bind on ClusterRoles)', [...can(who, 'escalate', 'rbac.authorization.k8s.io', 'clusterroles', ''), ...can(who, 'bind', 'rbac.authorization.k8s.io', 'clusterroles', '')]);
  add('critical', 'can impersonate any user, group or service account', [...can(who, 'impersonate', '', 'users', ''), ...can(who, 'impersonate', '', 'groups', ''), ...can(who, 'impersonate', '', 'serviceaccounts', '')]);
  add('high', 'can read every Secret (credentials, service-account tokens)', [...can(who, 'get', '', 'secrets', ''), ...can(who, 'list', '', 'secrets', '')]);
  add('high', 'can mint tokens for any service account', can(who, 'create', '', 'serviceaccounts', '', 'token'));
  add('high', 'can run commands on nodes through the kubelet (nodes/proxy)', [...can(who, 'get', '', 'nodes', '', 'proxy'), ...can(who, 'create', '', 'nodes', '', 'proxy')]);
  // Namespaced findings come from RoleBindings, so only the namespaces where this identity has one.
  const namespaces = [...new Set(who.grants.filter((g) => g.bindingKind === 'RoleBinding').map((g) => g.binding.namespace))].sort();
  for (const ns of namespaces) {
    add('high', `can do anything in namespace ${ns}`, can(who, '*', '*', '*', ns).filter((g) => g.bindingKind === 'RoleBinding'));
    add('high', `can grant itself any permission in namespace ${ns} (escalate or bind on Roles)`, [...can(who, 'escalate', 'rbac.authorization.k8s.io', 'roles', ns), ...can(who, 'bind', 'rbac.authorization.k8s.io', 'roles', ns)].filter((g) => g.bindingKind === 'RoleBinding'));
    add('medium', `can read the Secrets of namespace ${ns}`, [...can(who, 'get', '', 'secrets', ns), ...can(who, 'list', '', 'secrets', ns)].filter((g) => g.bindingKind === 'RoleBinding'));
    add('medium', `can mint tokens for the service accounts of namespace ${ns}`, can(who, 'create', '', 'serviceaccounts', ns, 'token').filter((g) => g.bindingKind === 'RoleBinding'));
  }
  return out;
}

function uniqueVia(gs: Grant[]): string[] {
  return [...new Set(gs.map(describeGrant))];
}

/** Every risk, most severe first: direct ones, and chains through the service accounts a subject can run pods as. */
export function findRisks(data: RbacData): Risk[] {
  const subjects = new Map<string, { subject: Subject; namespace: string; bindings: Grant[] }>();
  for (const g of grants(data)) {
    for (const s of g.binding.subjects) {
      if (g.binding.bootstrap && !(s.kind !== 'ServiceAccount' && everyone.has(s.name))) continue;
      const text = subjectText(s, g.binding.namespace);
      const entry = subjects.get(text) ?? { subject: s, namespace: g.binding.namespace, bindings: [] };
      entry.bindings.push(g);
      subjects.set(text, entry);
    }
  }
  const index = new GrantIndex(data);
  const risks: Risk[] = [];
  // Service accounts worth running as: those with a critical or high risk of their own.
  const powerfulSAs = new Map<string, { text: string; risk: string; via: Grant[] }[]>();
  const saRisk = (ns: string, name: string) => {
    const key = `${ns}/${name}`;
    if (!powerfulSAs.has(key)) {
      const user = asUser({ kind: 'ServiceAccount', name, namespace: ns }, ns);
      powerfulSAs.set(key, directRisks(index.identity(user)).filter((r) => r.severity !== 'medium').map((r) => ({ text: `ServiceAccount ${key}`, risk: r.risk, via: r.via })));
    }
    return powerfulSAs.get(key)!;
  };
  const saNamespaces = [...index.serviceAccounts.keys()].sort();
  const serviceAccountsIn = (ns: string) => [...(index.serviceAccounts.get(ns) ?? [])].sort();

  for (const [text, { subject, namespace }] of subjects) {
    const user = asUser(subject, namespace);
    const who = index.identity(user);
    for (const r of directRisks(who)) {
      const open = subject.kind !== 'ServiceAccount' && everyone.has(subject.name);
      risks.push({ severity: open ? 'critical' : r.severity, subject: text, risk: open ? `everyone (${subject.name}) ${r.risk}` : r.risk, via: uniqueVia(r.via) });
    }
    // Chains: creating a workload in a namespace runs code as any of that namespace's service accounts.
    // The grants that let it create some workload, each where it applies: a cluster-wide one everywhere.
    const workloadGrants = workloads.flatMap(([group, resource]) =>
      who.grants.filter((g) => g.role!.rules.some((r) => ruleAllows({ ...resourceAttributes({ verb: 'create', group, resource, subresource: '', name: '', namespace: g.binding.namespace || 'any' }), user }, r))).map((g) => ({ g, resource })),
    );
    if (workloadGrants.length === 0) continue;
    const reach = workloadGrants.some(({ g }) => g.bindingKind === 'ClusterRoleBinding') ? saNamespaces : [...new Set(workloadGrants.map(({ g }) => g.binding.namespace))].filter((ns) => index.serviceAccounts.has(ns));
    for (const ns of reach) {
      const creators = workloadGrants.filter(({ g }) => g.bindingKind === 'ClusterRoleBinding' || g.binding.namespace === ns);
      if (creators.length === 0) continue;
      for (const sa of serviceAccountsIn(ns)) {
        if (subject.kind === 'ServiceAccount' && (subject.namespace || namespace) === ns && subject.name === sa) continue;
        for (const p of saRisk(ns, sa)) {
          risks.push({
            severity: 'critical',
            subject: text,
            risk: `can create ${creators[0]!.resource} in namespace ${ns} that run as ${p.text}, which ${p.risk}`,
            via: [...uniqueVia([creators[0]!.g]), ...uniqueVia(p.via)],
          });
        }
      }
    }
  }
  return risks.sort((a, b) => severities.indexOf(a.severity) - severities.indexOf(b.severity) || a.subject.localeCompare(b.subject) || a.risk.localeCompare(b.risk));
}

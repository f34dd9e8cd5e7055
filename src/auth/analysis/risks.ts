// Who can become cluster-admin, or act beyond their grants, and through which bindings (`auth risks`, the console).
// Evaluated over listed RBAC objects with the server's own matching rules. The bootstrap policy's bindings are the
// cluster's own components and are left out, unless they name everyone (anonymous, unauthenticated or
// authenticated users).
import { ruleAllows } from '../authz/rbac-rules.js';
import { asUser, GrantIndex, subjectText, workloads, type Identity } from './grant-index.js';
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

type Ask = readonly [verb: string, group: string, resource: string, subresource?: string];

/** One finding: what it says, and the requests (any of them) that make it. */
interface Check {
  severity: Severity;
  risk: string;
  /** Text after the namespace's name (namespaced findings). */
  after?: string;
  asks: readonly Ask[];
  /** Not reported when the identity has the finding of this (earlier) check at the same severity or above. */
  impliedBy?: number;
  /**
   * For escalate and bind, which only lift RBAC's limit on what one may grant: per ask, the requests that put it to
   * use (any of them, from any grant where the check applies). Without one the finding is `partial` instead.
   */
  uses?: readonly (readonly Ask[])[];
  partial?: { severity: Severity; risk: string; after?: string };
}

const rbac = 'rbac.authorization.k8s.io';

const clusterChecks: readonly Check[] = [
  { severity: 'critical', risk: 'can do anything anywhere (cluster-admin)', asks: [['*', '*', '*']] },
  // escalate and update: rules added to a ClusterRole bound to it (system:basic-user's, bound to every user);
  // bind and create: a binding to cluster-admin
  {
    severity: 'critical',
    risk: 'can grant itself any permission (escalate and update on ClusterRoles, or bind on ClusterRoles and create on ClusterRoleBindings)',
    asks: [['escalate', rbac, 'clusterroles'], ['bind', rbac, 'clusterroles']],
    uses: [[['update', rbac, 'clusterroles'], ['patch', rbac, 'clusterroles']], [['create', rbac, 'clusterrolebindings']]],
    partial: { severity: 'medium', risk: 'holds escalate or bind on ClusterRoles, one grant short of any permission (update on ClusterRoles, or create on ClusterRoleBindings)' },
  },
  // Roles in every namespace, kube-system's included (its Secrets, its service accounts)
  {
    severity: 'critical',
    risk: 'can grant itself any permission in every namespace (escalate and update on Roles, or bind on Roles and create on RoleBindings)',
    asks: [['escalate', rbac, 'roles'], ['bind', rbac, 'roles']],
    uses: [[['update', rbac, 'roles'], ['patch', rbac, 'roles']], [['create', rbac, 'rolebindings']]],
    partial: { severity: 'medium', risk: 'holds escalate or bind on the Roles of every namespace, one grant short of any permission there (update on Roles, or create on RoleBindings)' },
    impliedBy: 1,
  },
  { severity: 'critical', risk: 'can impersonate any user, group or service account', asks: [['impersonate', '', 'users'], ['impersonate', '', 'groups'], ['impersonate', '', 'serviceaccounts']] },
  { severity: 'high', risk: 'can read every Secret (credentials, service-account tokens)', asks: [['get', '', 'secrets'], ['list', '', 'secrets']] },
  { severity: 'high', risk: 'can mint tokens for any service account', asks: [['create', '', 'serviceaccounts', 'token']] },
  { severity: 'high', risk: 'can run commands on nodes through the kubelet (nodes/proxy)', asks: [['get', '', 'nodes', 'proxy'], ['create', '', 'nodes', 'proxy']] },
];

/** Namespaced findings; `risk` is followed by the namespace's name. */
const namespaceChecks: readonly Check[] = [
  { severity: 'high', risk: 'can do anything in namespace', asks: [['*', '*', '*']] },
  {
    severity: 'high',
    risk: 'can grant itself any permission in namespace',
    after: ' (escalate and update on Roles, or bind on Roles and create on RoleBindings)',
    asks: [['escalate', rbac, 'roles'], ['bind', rbac, 'roles']],
    uses: [[['update', rbac, 'roles'], ['patch', rbac, 'roles']], [['create', rbac, 'rolebindings']]],
    partial: { severity: 'medium', risk: 'holds escalate or bind on the Roles of namespace', after: ', one grant short of any permission there (update on Roles, or create on RoleBindings)' },
  },
  { severity: 'medium', risk: 'can read the Secrets of namespace', asks: [['get', '', 'secrets'], ['list', '', 'secrets']] },
  { severity: 'medium', risk: 'can mint tokens for the service accounts of namespace', asks: [['create', '', 'serviceaccounts', 'token']] },
];

/** The checks a grant answers: a ClusterRoleBinding the cluster-wide ones, a RoleBinding the namespaced ones. */
function checksFor(g: Grant): readonly Check[] {
  return g.bindingKind === 'ClusterRoleBinding' ? clusterChecks : namespaceChecks;
}

/** Whether the grant's role allows the request, where its binding applies. */
function grantAllows(g: Grant, [verb, group, resource, subresource = '']: Ask): boolean {
  const namespace = g.bindingKind === 'ClusterRoleBinding' ? '' : g.binding.namespace;
  return g.role!.rules.some((r) => ruleAllows(resourceAttributes({ verb, group, resource, subresource, name: '', namespace }), r));
}

/**
 * What a grant allows of the checks, worked out once per grant: a ClusterRoleBinding answers the cluster-wide
 * checks, a RoleBinding the namespaced ones in its own namespace (where alone it applies). Many identities share
 * grants (groups, a role bound to many), so this is most of the work saved.
 */
class GrantChecks {
  private readonly memo = new Map<Grant, boolean[][]>();
  private readonly usesMemo = new Map<Grant, boolean[][]>();
  private readonly creates = new Map<Grant, boolean[]>();

  /** Per check, per ask: whether the grant allows it. */
  allows(g: Grant): boolean[][] {
    let a = this.memo.get(g);
    if (!a) {
      a = checksFor(g).map((c) => c.asks.map((ask) => grantAllows(g, ask)));
      this.memo.set(g, a);
    }
    return a;
  }

  /** Per check, per ask: whether the grant allows one of the requests that put that ask to use. */
  uses(g: Grant): boolean[][] {
    let a = this.usesMemo.get(g);
    if (!a) {
      a = checksFor(g).map((c) => c.asks.map((_, k) => (c.uses?.[k] ?? []).some((ask) => grantAllows(g, ask))));
      this.usesMemo.set(g, a);
    }
    return a;
  }

  /** Per entry of `workloads`: whether the grant lets its subjects create it (where the binding applies). */
  createsWorkloads(g: Grant): boolean[] {
    let a = this.creates.get(g);
    if (!a) {
      const namespace = g.binding.namespace || 'any';
      a = workloads.map(([group, resource]) => g.role!.rules.some((r) => ruleAllows(resourceAttributes({ verb: 'create', group, resource, subresource: '', name: '', namespace }), r)));
      this.creates.set(g, a);
    }
    return a;
  }
}

/**
 * One check over the grants where it applies: the finding (its partial form when escalate or bind is held without
 * the request that uses it), or undefined; `via` names the grants of the asks and of their uses.
 */
function evaluate(c: Check, i: number, gs: readonly Grant[], checks: GrantChecks): { severity: Severity; risk: string; after: string; via: Grant[] } | undefined {
  const held = c.asks.map((_, k) => gs.filter((g) => checks.allows(g)[i]![k]));
  const via = held.flat();
  if (via.length === 0) return undefined;
  if (!c.uses) return { severity: c.severity, risk: c.risk, after: c.after ?? '', via };
  const used = held.map((hs, k) => (hs.length > 0 ? gs.filter((g) => checks.uses(g)[i]![k]) : []));
  const users = used.flat();
  if (users.length > 0) return { severity: c.severity, risk: c.risk, after: c.after ?? '', via: [...new Set([...held.filter((_, k) => used[k]!.length > 0).flat(), ...users])] };
  const partial = c.partial!;
  return { severity: partial.severity, risk: partial.risk, after: partial.after ?? '', via };
}

/** What one identity can do that amounts to more than its grants say. */
function directRisks(who: Identity, checks: GrantChecks): { severity: Severity; risk: string; via: Grant[] }[] {
  const out: { severity: Severity; risk: string; via: Grant[] }[] = [];
  const cluster = who.grants.filter((g) => g.bindingKind === 'ClusterRoleBinding');
  const found = new Map<number, Severity>();
  const atLeast = (a: Severity, b: Severity) => severities.indexOf(a) <= severities.indexOf(b);
  clusterChecks.forEach((c, i) => {
    const f = evaluate(c, i, cluster, checks);
    if (!f) return;
    const earlier = c.impliedBy === undefined ? undefined : found.get(c.impliedBy);
    if (earlier !== undefined && atLeast(earlier, f.severity)) return;
    found.set(i, f.severity);
    out.push({ severity: f.severity, risk: f.risk, via: f.via });
  });
  // Namespaced findings come from RoleBindings, so only the namespaces where this identity has one.
  const namespaces = [...new Set(who.grants.filter((g) => g.bindingKind === 'RoleBinding').map((g) => g.binding.namespace))].sort();
  for (const ns of namespaces) {
    const here = who.grants.filter((g) => g.bindingKind === 'RoleBinding' && g.binding.namespace === ns);
    namespaceChecks.forEach((c, i) => {
      const f = evaluate(c, i, here, checks);
      if (f) out.push({ severity: f.severity, risk: `${f.risk} ${ns}${f.after}`, via: f.via });
    });
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
  const checks = new GrantChecks();
  const risks: Risk[] = [];
  // Service accounts worth running as: those with a critical or high risk of their own, found once per namespace
  // (every subject that can create workloads there shares the answer).
  const powerfulIn = new Map<string, { name: string; text: string; risk: string; via: Grant[] }[]>();
  const powerfulServiceAccounts = (ns: string) => {
    let list = powerfulIn.get(ns);
    if (!list) {
      list = [];
      for (const name of [...(index.serviceAccounts.get(ns) ?? [])].sort()) {
        const user = asUser({ kind: 'ServiceAccount', name, namespace: ns }, ns);
        for (const r of directRisks(index.identity(user), checks)) if (r.severity !== 'medium') list.push({ name, text: `ServiceAccount ${ns}/${name}`, risk: r.risk, via: r.via });
      }
      powerfulIn.set(ns, list);
    }
    return list;
  };
  const saNamespaces = [...index.serviceAccounts.keys()].sort();

  for (const [text, { subject, namespace }] of subjects) {
    const user = asUser(subject, namespace);
    const who = index.identity(user);
    for (const r of directRisks(who, checks)) {
      const open = subject.kind !== 'ServiceAccount' && everyone.has(subject.name);
      risks.push({ severity: open ? 'critical' : r.severity, subject: text, risk: open ? `everyone (${subject.name}) ${r.risk}` : r.risk, via: uniqueVia(r.via) });
    }
    // Chains: creating a workload in a namespace runs code as any of that namespace's service accounts.
    // The grants that let it create some workload, each where it applies: a cluster-wide one everywhere.
    const workloadGrants = workloads.flatMap(([, resource], w) => who.grants.filter((g) => checks.createsWorkloads(g)[w]).map((g) => ({ g, resource })));
    if (workloadGrants.length === 0) continue;
    const reach = workloadGrants.some(({ g }) => g.bindingKind === 'ClusterRoleBinding') ? saNamespaces : [...new Set(workloadGrants.map(({ g }) => g.binding.namespace))].filter((ns) => index.serviceAccounts.has(ns));
    for (const ns of reach) {
      const creators = workloadGrants.filter(({ g }) => g.bindingKind === 'ClusterRoleBinding' || g.binding.namespace === ns);
      if (creators.length === 0) continue;
      for (const p of powerfulServiceAccounts(ns)) {
        if (subject.kind === 'ServiceAccount' && (subject.namespace || namespace) === ns && subject.name === p.name) continue;
        risks.push({
          severity: 'critical',
          subject: text,
          risk: `can create ${creators[0]!.resource} in namespace ${ns} that run as ${p.text}, which ${p.risk}`,
          via: [...uniqueVia([creators[0]!.g]), ...uniqueVia(p.via)],
        });
      }
    }
  }
  return risks.sort((a, b) => severities.indexOf(a.severity) - severities.indexOf(b.severity) || a.subject.localeCompare(b.subject) || a.risk.localeCompare(b.risk));
}

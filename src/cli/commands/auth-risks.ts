// `auth risks` (an a-kubectl addition): who can become cluster-admin, or act beyond their grants, and through which
// bindings. Evaluated client-side over every Role, ClusterRole and binding with the server's own matching rules.
// The bootstrap policy's bindings (annotated rbac.authorization.kubernetes.io/autoupdate) are the cluster's own
// components and are left out, unless they name everyone (anonymous, unauthenticated or authenticated users).
import type { KubeObject } from '../../api/object.js';
import { ruleAllows } from '../../auth/authz/rbac-rules.js';
import type { Attributes, UserInfo } from '../../auth/types.js';
import type { Command } from '../command.js';
import { CliError, ExitError } from '../errors.js';
import { tabulate } from '../tabwriter.js';
import { describeGrant, fetchRbac, grants, resourceAttributes, subjectMatches, type Grant, type RbacData } from '../../auth/analysis/rbac-data.js';
import type { Subject } from '../../auth/authz/rbac-types.js';
import { isOffline, loadOfflinePolicy, offlineFlags, offlineRbacData } from './auth-offline.js';

export type Severity = 'critical' | 'high' | 'medium';
const severities: Severity[] = ['critical', 'high', 'medium'];

export interface Risk {
  severity: Severity;
  subject: string;
  risk: string;
  /** The bindings (and, for chains, the steps) that make it possible. */
  via: string[];
}

const everyone = new Set(['system:anonymous', 'system:unauthenticated', 'system:authenticated']);
const workloads: [string, string][] = [['', 'pods'], ['apps', 'deployments'], ['apps', 'daemonsets'], ['apps', 'statefulsets'], ['apps', 'replicasets'], ['batch', 'jobs'], ['batch', 'cronjobs'], ['', 'replicationcontrollers']];

function subjectText(s: Subject, bindingNamespace: string): string {
  return s.kind === 'ServiceAccount' ? `ServiceAccount ${s.namespace || bindingNamespace}/${s.name}` : `${s.kind} ${s.name}`;
}

/** The identity a subject stands for when RBAC evaluates it (a group is a user that has only that group). */
function asUser(s: Subject, bindingNamespace: string): UserInfo {
  if (s.kind === 'ServiceAccount') {
    const ns = s.namespace || bindingNamespace;
    return { name: `system:serviceaccount:${ns}:${s.name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] };
  }
  if (s.kind === 'Group') return { name: '', groups: [s.name] };
  return { name: s.name, groups: s.name === 'system:anonymous' ? ['system:unauthenticated'] : ['system:authenticated'] };
}

/** Grants by the subject they name, so that one identity's grants are found without scanning every binding. */
class GrantIndex {
  private readonly bySubject = new Map<string, Grant[]>();
  /** Service accounts named by some binding, per namespace. */
  readonly serviceAccounts = new Map<string, Set<string>>();

  constructor(data: RbacData) {
    for (const g of grants(data)) {
      if (!g.role) continue;
      for (const s of g.binding.subjects) {
        const key = s.kind === 'ServiceAccount' ? `ServiceAccount:${s.namespace || g.binding.namespace}/${s.name}` : `${s.kind}:${s.name}`;
        const list = this.bySubject.get(key) ?? [];
        if (!list.includes(g)) list.push(g);
        this.bySubject.set(key, list);
        if (s.kind === 'ServiceAccount') {
          const ns = s.namespace || g.binding.namespace;
          const set = this.serviceAccounts.get(ns) ?? new Set<string>();
          set.add(s.name);
          this.serviceAccounts.set(ns, set);
        }
      }
    }
  }

  of(user: UserInfo): Grant[] {
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user.name);
    const keys = [`User:${user.name}`, ...(sa ? [`ServiceAccount:${sa[1]}/${sa[2]}`] : []), ...user.groups.map((g) => `Group:${g}`)];
    return [...new Set(keys.flatMap((k) => this.bySubject.get(k) ?? []))];
  }
}

/** Which of `mine` (one identity's grants) let it do `attrs` (a RoleBinding only in its namespace; "" = cluster-wide only). */
function allowedBy(mine: readonly Grant[], user: UserInfo, attrs: Omit<Attributes, 'user'>): Grant[] {
  const a = { ...attrs, user };
  return mine.filter((g) => {
    if (g.bindingKind === 'RoleBinding' && (attrs.namespace === '' || attrs.namespace !== g.binding.namespace)) return false;
    return g.role!.rules.some((r) => ruleAllows(a, r));
  });
}

/** An identity and its grants, looked up once. */
interface Identity {
  user: UserInfo;
  grants: Grant[];
}

const can = (who: Identity, verb: string, group: string, resource: string, namespace: string, subresource = '') =>
  allowedBy(who.grants, who.user, resourceAttributes({ verb, group, resource, subresource, name: '', namespace }));

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
export function findRisks(data: RbacData, bootstrap: ReadonlySet<string>): Risk[] {
  const subjects = new Map<string, { subject: Subject; namespace: string; bindings: Grant[] }>();
  for (const g of grants(data)) {
    const key = `${g.bindingKind}/${g.binding.namespace}/${g.binding.name}`;
    for (const s of g.binding.subjects) {
      if (bootstrap.has(key) && !(s.kind !== 'ServiceAccount' && everyone.has(s.name))) continue;
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
      powerfulSAs.set(key, directRisks({ user, grants: index.of(user) }).filter((r) => r.severity !== 'medium').map((r) => ({ text: `ServiceAccount ${key}`, risk: r.risk, via: r.via })));
    }
    return powerfulSAs.get(key)!;
  };
  const saNamespaces = [...index.serviceAccounts.keys()].sort();
  const serviceAccountsIn = (ns: string) => [...(index.serviceAccounts.get(ns) ?? [])].sort();

  for (const [text, { subject, namespace }] of subjects) {
    const user = asUser(subject, namespace);
    const who: Identity = { user, grants: index.of(user) };
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

export const command: Command = {
  name: 'risks',
  short: 'List who can escalate privileges, and through which bindings',
  long: [
    'List the subjects whose RBAC grants let them become cluster-admin or act beyond what they were given: full access,',
    'escalate/bind on roles, impersonation, reading Secrets, minting service-account tokens, nodes/proxy, and chains',
    'where creating pods (or workloads) in a namespace lets them run as a more powerful service account there.',
    '',
    ' Each risk names the bindings it goes through. The cluster\'s own bootstrap bindings are left out unless they',
    ' open access to everyone. The exit status is 1 when a risk at or above --fail-on is found, so a CI job can run it.',
    ' Needs permission to list roles, cluster roles and their bindings in every namespace; with --offline the -f files plus the policy a new a-kube cluster starts with are checked instead, with no cluster.',
  ].join('\n'),
  examples: ['  # Everything, most severe first', '  a-kubectl auth risks', '  ', '  # Fail a pipeline only on critical risks', '  a-kubectl auth risks --fail-on=critical', '  ', '  # Check a chart\'s manifests before they reach a cluster', '  a-kubectl auth risks --offline -f chart/rendered/'].join('\n'),
  usage: 'auth risks [--fail-on=critical|high|medium|none] [--no-headers]',
  flags: [
    { name: 'fail-on', kind: 'string', default: 'high', usage: 'Exit with status 1 when a risk of this severity or worse is found: critical, high, medium or none.' },
    { name: 'no-headers', kind: 'bool', usage: 'If true, print the risks without headers.' },
    ...offlineFlags,
  ],
  async run(ctx, args) {
    const f = args.flags;
    const failOn = f.string('fail-on') || 'high';
    if (failOn !== 'none' && !severities.includes(failOn as Severity)) throw new CliError(`--fail-on "${failOn}": use critical, high, medium or none`);
    if (args.positionals.length > 0) throw new CliError(`unexpected arguments: ${args.positionals.join(' ')}`);
    let data: RbacData;
    let clusterRoleBindings: KubeObject[];
    let roleBindings: KubeObject[];
    if (isOffline(f)) {
      const policy = await loadOfflinePolicy(ctx, f.list('filename'));
      data = offlineRbacData(policy, '*');
      clusterRoleBindings = policy.objects.ClusterRoleBinding;
      roleBindings = policy.objects.RoleBinding;
    } else {
      const client = await ctx.factory.client();
      const signal = ctx.factory.signal;
      data = await fetchRbac(client, '*', signal);
      clusterRoleBindings = (await client.list<KubeObject>('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { signal })).items;
      roleBindings = (await client.list<KubeObject>('/apis/rbac.authorization.k8s.io/v1/rolebindings', { signal })).items;
    }
    const bootstrap = new Set<string>();
    const autoupdate = (o: KubeObject) => o.metadata.annotations?.['rbac.authorization.kubernetes.io/autoupdate'] === 'true';
    for (const o of clusterRoleBindings) if (autoupdate(o)) bootstrap.add(`ClusterRoleBinding//${o.metadata.name}`);
    for (const o of roleBindings) if (autoupdate(o)) bootstrap.add(`RoleBinding/${o.metadata.namespace}/${o.metadata.name}`);
    const risks = findRisks(data, bootstrap);
    if (risks.length === 0) {
      ctx.io.stdout.write('No risks found.\n');
      return;
    }
    const rows = risks.map((r) => [r.severity.toUpperCase(), r.subject, r.risk, r.via.join('; ')]);
    ctx.io.stdout.write(tabulate(f.bool('no-headers') ? rows : [['SEVERITY', 'SUBJECT', 'RISK', 'VIA'], ...rows]));
    if (failOn !== 'none' && risks.some((r) => severities.indexOf(r.severity) <= severities.indexOf(failOn as Severity))) throw new ExitError(1);
  },
};

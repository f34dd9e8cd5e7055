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
import { describeGrant, fetchRbac, grants, resourceAttributes, subjectMatches, type Grant, type RbacData } from './auth-rbac-data.js';
import type { Subject } from '../../auth/authz/rbac-types.js';

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

/** The grants that let `user` do `attrs` (a RoleBinding only in its namespace; "*" namespace = cluster-wide only). */
function allowedBy(data: RbacData, user: UserInfo, attrs: Omit<Attributes, 'user'>): Grant[] {
  const a = { ...attrs, user };
  return grants(data).filter((g) => {
    if (!g.role || !g.binding.subjects.some((s) => subjectMatches(s, g.binding.namespace, user))) return false;
    if (g.bindingKind === 'RoleBinding' && (attrs.namespace === '' || attrs.namespace !== g.binding.namespace)) return false;
    return g.role.rules.some((r) => ruleAllows(a, r));
  });
}

const can = (data: RbacData, user: UserInfo, verb: string, group: string, resource: string, namespace: string, subresource = '') =>
  allowedBy(data, user, resourceAttributes({ verb, group, resource, subresource, name: '', namespace }));

/** What one identity can do that amounts to more than its grants say. */
function directRisks(data: RbacData, user: UserInfo, namespaces: string[]): { severity: Severity; risk: string; via: Grant[] }[] {
  const out: { severity: Severity; risk: string; via: Grant[] }[] = [];
  const add = (severity: Severity, risk: string, via: Grant[]) => {
    if (via.length > 0) out.push({ severity, risk, via });
  };
  add('critical', 'can do anything anywhere (cluster-admin)', can(data, user, '*', '*', '*', ''));
  add('critical', 'can grant itself any permission (escalate or bind on ClusterRoles)', [...can(data, user, 'escalate', 'rbac.authorization.k8s.io', 'clusterroles', ''), ...can(data, user, 'bind', 'rbac.authorization.k8s.io', 'clusterroles', '')]);
  add('critical', 'can impersonate any user, group or service account', [...can(data, user, 'impersonate', '', 'users', ''), ...can(data, user, 'impersonate', '', 'groups', ''), ...can(data, user, 'impersonate', '', 'serviceaccounts', '')]);
  add('high', 'can read every Secret (credentials, service-account tokens)', [...can(data, user, 'get', '', 'secrets', ''), ...can(data, user, 'list', '', 'secrets', '')]);
  add('high', 'can mint tokens for any service account', can(data, user, 'create', '', 'serviceaccounts', '', 'token'));
  add('high', 'can run commands on nodes through the kubelet (nodes/proxy)', [...can(data, user, 'get', '', 'nodes', '', 'proxy'), ...can(data, user, 'create', '', 'nodes', '', 'proxy')]);
  for (const ns of namespaces) {
    add('high', `can do anything in namespace ${ns}`, can(data, user, '*', '*', '*', ns).filter((g) => g.bindingKind === 'RoleBinding'));
    add('high', `can grant itself any permission in namespace ${ns} (escalate or bind on Roles)`, [...can(data, user, 'escalate', 'rbac.authorization.k8s.io', 'roles', ns), ...can(data, user, 'bind', 'rbac.authorization.k8s.io', 'roles', ns)].filter((g) => g.bindingKind === 'RoleBinding'));
    add('medium', `can read the Secrets of namespace ${ns}`, [...can(data, user, 'get', '', 'secrets', ns), ...can(data, user, 'list', '', 'secrets', ns)].filter((g) => g.bindingKind === 'RoleBinding'));
    add('medium', `can mint tokens for the service accounts of namespace ${ns}`, can(data, user, 'create', '', 'serviceaccounts', ns, 'token').filter((g) => g.bindingKind === 'RoleBinding'));
  }
  return out;
}

function uniqueVia(gs: Grant[]): string[] {
  return [...new Set(gs.map(describeGrant))];
}

/** Every risk, most severe first: direct ones, and chains through the service accounts a subject can run pods as. */
export function findRisks(data: RbacData, bootstrap: ReadonlySet<string>): Risk[] {
  const namespaces = [...new Set(data.roleBindings.map((b) => b.namespace))].sort();
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
  const risks: Risk[] = [];
  // Service accounts worth running as: those with a critical or high risk of their own.
  const powerfulSAs = new Map<string, { text: string; risk: string; via: Grant[] }[]>();
  const saRisk = (ns: string, name: string) => {
    const key = `${ns}/${name}`;
    if (!powerfulSAs.has(key)) {
      const user = asUser({ kind: 'ServiceAccount', name, namespace: ns }, ns);
      powerfulSAs.set(key, directRisks(data, user, namespaces).filter((r) => r.severity !== 'medium').map((r) => ({ text: `ServiceAccount ${key}`, risk: r.risk, via: r.via })));
    }
    return powerfulSAs.get(key)!;
  };
  const serviceAccountsIn = (ns: string) => [...new Set(grants(data).flatMap((g) => g.binding.subjects.filter((s) => s.kind === 'ServiceAccount' && (s.namespace || g.binding.namespace) === ns).map((s) => s.name)))].sort();

  for (const [text, { subject, namespace }] of subjects) {
    const user = asUser(subject, namespace);
    for (const r of directRisks(data, user, namespaces)) {
      const open = subject.kind !== 'ServiceAccount' && everyone.has(subject.name);
      risks.push({ severity: open ? 'critical' : r.severity, subject: text, risk: open ? `everyone (${subject.name}) ${r.risk}` : r.risk, via: uniqueVia(r.via) });
    }
    // Chains: creating a workload in a namespace runs code as any of that namespace's service accounts.
    for (const ns of namespaces) {
      const creators = workloads.flatMap(([group, resource]) => can(data, user, 'create', group, resource, ns).map((g) => ({ g, resource })));
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
    ' Needs permission to list roles, cluster roles and their bindings in every namespace.',
  ].join('\n'),
  examples: ['  # Everything, most severe first', '  a-kubectl auth risks', '  ', '  # Fail a pipeline only on critical risks', '  a-kubectl auth risks --fail-on=critical'].join('\n'),
  usage: 'auth risks [--fail-on=critical|high|medium|none] [--no-headers]',
  flags: [
    { name: 'fail-on', kind: 'string', default: 'high', usage: 'Exit with status 1 when a risk of this severity or worse is found: critical, high, medium or none.' },
    { name: 'no-headers', kind: 'bool', usage: 'If true, print the risks without headers.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const failOn = f.string('fail-on') || 'high';
    if (failOn !== 'none' && !severities.includes(failOn as Severity)) throw new CliError(`--fail-on "${failOn}": use critical, high, medium or none`);
    if (args.positionals.length > 0) throw new CliError(`unexpected arguments: ${args.positionals.join(' ')}`);
    const client = await ctx.factory.client();
    const signal = ctx.factory.signal;
    const data = await fetchRbac(client, '*', signal);
    const bootstrap = new Set<string>();
    const autoupdate = (o: KubeObject) => o.metadata.annotations?.['rbac.authorization.kubernetes.io/autoupdate'] === 'true';
    for (const o of (await client.list<KubeObject>('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { signal })).items) if (autoupdate(o)) bootstrap.add(`ClusterRoleBinding//${o.metadata.name}`);
    for (const o of (await client.list<KubeObject>('/apis/rbac.authorization.k8s.io/v1/rolebindings', { signal })).items) if (autoupdate(o)) bootstrap.add(`RoleBinding/${o.metadata.namespace}/${o.metadata.name}`);
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

// `auth audit2rbac --serviceaccount NS:NAME | --user NAME [--audit-log FILE]` (an a-kubectl addition): from what a
// subject did, as the audit log recorded it, the least RBAC that allows exactly that: a Role and RoleBinding per
// namespace it worked in, a ClusterRole and ClusterRoleBinding for cluster-scoped resources and non-resource URLs.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { isValidPathSegmentName } from '../../api/validation/names.js';
import { allowingRule, appliesTo, grants, nonResourceAttributes, resourceAttributes, type Grant } from '../../auth/analysis/rbac-data.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from '../../auth/authz/bootstrap-policy.js';
import { toBinding, toRole } from '../../auth/authz/rbac-types.js';
import type { Command, CommandContext } from '../command.js';
import { CliError } from '../errors.js';
import { toYaml } from '../printers/index.js';

/** The part of an audit.k8s.io/v1 Event this command reads. */
interface AuditLine {
  stage?: string;
  verb?: string;
  requestURI?: string;
  user?: { username?: string; groups?: unknown };
  impersonatedUser?: { username?: string; groups?: unknown };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; apiGroup?: string; name?: string };
}

export type Subject = { kind: 'ServiceAccount'; name: string; namespace: string } | { kind: 'User'; name: string; apiGroup: string };

export function subjectUserName(s: Subject): string {
  return s.kind === 'ServiceAccount' ? `system:serviceaccount:${s.namespace}:${s.name}` : s.name;
}

interface RuleKey {
  apiGroup: string;
  resource: string;
}

/** Verbs per (group, resource) per scope ("" = cluster-wide), and verbs per non-resource path. */
interface Observed {
  namespaced: Map<string, Map<string, { key: RuleKey; verbs: Set<string> }>>;
  cluster: Map<string, { key: RuleKey; verbs: Set<string> }>;
  urls: Map<string, Set<string>>;
  /** Requests of the user in the log, those left out as already allowed included. */
  requests: number;
}

function record(into: Map<string, { key: RuleKey; verbs: Set<string> }>, key: RuleKey, verb: string): void {
  const id = `${key.apiGroup}/${key.resource}`;
  const have = into.get(id) ?? { key, verbs: new Set<string>() };
  have.verbs.add(verb);
  into.set(id, have);
}

/** The groups every user (or every signed-in user, or every service account) is in, whatever RBAC says. */
const everyoneGroups = new Set(['system:authenticated', 'system:unauthenticated', 'system:serviceaccounts']);

/**
 * What Kubernetes' bootstrap policy grants to those groups — discovery, access reviews of oneself, the public
 * information URLs — with each binding's subjects narrowed to them: requests these allow need no rule of their own.
 */
export function everyonesGrants(): Grant[] {
  const bindings = bootstrapClusterRoleBindings()
    .map(toBinding)
    .map((b) => ({ ...b, subjects: b.subjects.filter((s) => s.kind === 'Group' && everyoneGroups.has(s.name)) }))
    .filter((b) => b.subjects.length > 0);
  return grants({ clusterRoles: bootstrapClusterRoles().map(toRole), clusterRoleBindings: bindings, roles: [], roleBindings: [] });
}

function stringsOf(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string') : [];
}

/**
 * What the user did: one entry per request, from its ResponseComplete event or, for a watch or other stream still
 * open, its ResponseStarted one (verbs are merged per resource, so a request seen at both stages counts once).
 * Requests that `alreadyAllowed` grants (to the groups the event records) are left out.
 */
export function observe(lines: Iterable<string>, userName: string, alreadyAllowed: readonly Grant[] = []): Observed {
  const seen: Observed = { namespaced: new Map(), cluster: new Map(), urls: new Map(), requests: 0 };
  for (const line of lines) {
    if (!line.trim()) continue;
    let e: AuditLine;
    try {
      e = JSON.parse(line) as AuditLine;
    } catch {
      continue;
    }
    if ((e.stage !== 'ResponseComplete' && e.stage !== 'ResponseStarted') || typeof e.verb !== 'string') continue;
    const who = e.impersonatedUser ?? e.user;
    if (who?.username !== userName) continue;
    const user = { name: userName, groups: stringsOf(who.groups) };
    seen.requests++;
    const ref = e.objectRef;
    if (ref && typeof ref.resource === 'string' && ref.resource !== '') {
      const attrs = resourceAttributes({ verb: e.verb, group: ref.apiGroup ?? '', resource: ref.resource, subresource: ref.subresource ?? '', name: ref.name ?? '', namespace: ref.namespace ?? '' }, user);
      if (alreadyAllowed.some((g) => appliesTo(g, user) && allowingRule(g, attrs))) continue;
      const key = { apiGroup: ref.apiGroup ?? '', resource: ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource };
      if (ref.namespace) {
        const ns = seen.namespaced.get(ref.namespace) ?? new Map();
        record(ns, key, e.verb);
        seen.namespaced.set(ref.namespace, ns);
      } else record(seen.cluster, key, e.verb);
    } else if (typeof e.requestURI === 'string') {
      const path = e.requestURI.split('?', 1)[0]!;
      if (alreadyAllowed.some((g) => appliesTo(g, user) && allowingRule(g, nonResourceAttributes(e.verb!, path, user)))) continue;
      const verbs = seen.urls.get(path) ?? new Set<string>();
      verbs.add(e.verb);
      seen.urls.set(path, verbs);
    }
  }
  return seen;
}

const verbOrder = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const sortVerbs = (v: Set<string>) => [...v].sort((a, b) => (verbOrder.indexOf(a) + 1 || 99) - (verbOrder.indexOf(b) + 1 || 99) || a.localeCompare(b));

/** One rule per group and verb set, resources merged, sorted: what `create role` would write by hand. */
function rulesOf(entries: Iterable<{ key: RuleKey; verbs: Set<string> }>): Record<string, unknown>[] {
  const merged = new Map<string, { apiGroup: string; resources: string[]; verbs: string[] }>();
  for (const { key, verbs } of entries) {
    const v = sortVerbs(verbs);
    const id = `${key.apiGroup}|${v.join(',')}`;
    const rule = merged.get(id) ?? { apiGroup: key.apiGroup, resources: [], verbs: v };
    rule.resources.push(key.resource);
    merged.set(id, rule);
  }
  return [...merged.values()]
    .sort((a, b) => a.apiGroup.localeCompare(b.apiGroup) || a.resources[0]!.localeCompare(b.resources[0]!))
    .map((r) => ({ apiGroups: [r.apiGroup], resources: r.resources.sort(), verbs: r.verbs }));
}

const rbacV1 = 'rbac.authorization.k8s.io/v1';

/**
 * The name of the generated objects: audit2rbac:NAME (audit2rbac:NAMESPACE:NAME for a service account) when that
 * is a valid RBAC object name (a URL path segment); otherwise (OIDC users such as https://issuer#sub) the '/' and
 * '%' replaced by '-' and the first 8 hex digits of the name's SHA-256 added, so that the same subject always gets
 * the same name and two subjects that differ only in those characters do not share one.
 */
export function objectNameFor(subject: Subject): string {
  // a service account's namespace is part of its name: ns-1:worker and ns-2:worker need ClusterRoles of their own
  const id = subject.kind === 'ServiceAccount' ? `${subject.namespace}:${subject.name}` : subject.name;
  const plain = `audit2rbac:${id}`;
  if (isValidPathSegmentName(plain).length === 0) return plain;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 8);
  return `audit2rbac:${id.replace(/[/%]/g, '-')}-${hash}`;
}

/** The Roles, ClusterRole and bindings (as objects to apply) that allow what was observed, and nothing else. */
export function rbacFor(seen: Observed, subject: Subject): Record<string, unknown>[] {
  const name = objectNameFor(subject);
  const subjects = [subject.kind === 'ServiceAccount' ? { kind: 'ServiceAccount', name: subject.name, namespace: subject.namespace } : { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: subject.name }];
  const labels = { 'a-kube.io/generated-by': 'audit2rbac' };
  const out: Record<string, unknown>[] = [];
  const clusterRules = [
    ...rulesOf(seen.cluster.values()),
    ...[...seen.urls].sort(([a], [b]) => a.localeCompare(b)).map(([path, verbs]) => ({ nonResourceURLs: [path], verbs: sortVerbs(verbs) })),
  ];
  if (clusterRules.length > 0) {
    out.push({ apiVersion: rbacV1, kind: 'ClusterRole', metadata: { name, labels }, rules: clusterRules });
    out.push({ apiVersion: rbacV1, kind: 'ClusterRoleBinding', metadata: { name, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects });
  }
  for (const ns of [...seen.namespaced.keys()].sort()) {
    out.push({ apiVersion: rbacV1, kind: 'Role', metadata: { name, namespace: ns, labels }, rules: rulesOf(seen.namespaced.get(ns)!.values()) });
    out.push({ apiVersion: rbacV1, kind: 'RoleBinding', metadata: { name, namespace: ns, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects });
  }
  return out;
}

export function parseSubject(serviceAccount: string, user: string): Subject {
  if ((serviceAccount === '') === (user === '')) throw new CliError('name exactly one subject: --serviceaccount NAMESPACE:NAME or --user NAME');
  if (user) return { kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' };
  const m = /^([a-z0-9][a-z0-9-]*):([a-z0-9][a-z0-9.-]*)$/.exec(serviceAccount);
  if (!m) throw new CliError(`--serviceaccount "${serviceAccount}": use NAMESPACE:NAME, e.g. ns-1:k-sa-1`);
  return { kind: 'ServiceAccount', namespace: m[1]!, name: m[2]! };
}

/** The audit.log beside the kubeconfig in use (a-kube up writes both into its data directory), else ~/.a-kube's. */
async function defaultAuditLog(ctx: CommandContext): Promise<string> {
  const kubeconfig = await ctx.factory.kubeconfig().catch(() => undefined);
  const first = kubeconfig?.files[0];
  const beside = first ? join(dirname(first), 'audit.log') : undefined;
  return beside && existsSync(beside) ? beside : join(ctx.env.HOME || homedir(), '.a-kube', 'audit.log');
}

export const command: Command = {
  name: 'audit2rbac',
  short: 'Write the least RBAC that allows what a subject did, from the audit log',
  long: [
    'Read the API server\'s audit log and write the Roles, ClusterRoles and bindings that allow exactly the requests one',
    'subject made (allowed or refused), as YAML ready for "a-kubectl apply -f -".',
    '',
    ' Requests in a namespace become a Role and RoleBinding in that namespace; cluster-scoped resources and',
    ' non-resource URLs a ClusterRole and ClusterRoleBinding. Objects are named audit2rbac:NAME (for a service',
    ' account audit2rbac:NAMESPACE:NAME; a NAME with \'/\' or \'%\', not allowed in object names, has those replaced',
    ' by \'-\' and a short hash of the NAME added). Requests every user may already make (discovery, reviews of one\'s',
    ' own access: the bootstrap policy\'s grants to system:authenticated and the like) are left out. Run the workload',
    ' with the subject first, so that the log holds everything it does; the log must record the requests (any level',
    ' but None: a-kube\'s default policy leaves out only reads by the cluster\'s own components).',
  ].join('\n'),
  examples: [
    '  # What the service account k-sa-1 in ns-1 needs, from the audit log of the a-kube up whose kubeconfig is in use',
    '  a-kubectl auth audit2rbac --serviceaccount ns-1:k-sa-1',
    '  ',
    '  # Grant it: review the YAML, then apply it',
    '  a-kubectl auth audit2rbac --serviceaccount ns-1:k-sa-1 --audit-log /var/log/audit.log | a-kubectl apply -f -',
  ].join('\n'),
  usage: 'auth audit2rbac (--serviceaccount NAMESPACE:NAME | --user NAME) [--audit-log FILE]',
  flags: [
    { name: 'serviceaccount', kind: 'string', usage: 'The service account whose requests to allow, as NAMESPACE:NAME.' },
    { name: 'user', kind: 'string', usage: 'The user whose requests to allow.' },
    { name: 'audit-log', kind: 'string', usage: 'The audit log to read (JSON lines, audit.k8s.io/v1 events). Default: audit.log beside the kubeconfig in use (a-kube up writes both into its data directory), else ~/.a-kube/audit.log.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    if (args.positionals.length > 0) throw new CliError(`unexpected arguments: ${args.positionals.join(' ')}\nSee 'a-kubectl auth audit2rbac -h' for help and examples.`);
    const subject = parseSubject(f.string('serviceaccount'), f.string('user'));
    const path = f.string('audit-log') || (await defaultAuditLog(ctx));
    if (!existsSync(path)) throw new CliError(`no audit log at ${path}: name one with --audit-log FILE (a-kube up writes DATA_DIR/audit.log)`);
    const seen = observe(readFileSync(path, 'utf8').split('\n'), subjectUserName(subject), everyonesGrants());
    const objects = rbacFor(seen, subject);
    if (seen.requests === 0) throw new CliError(`no requests by ${subjectUserName(subject)} in ${path}`);
    if (objects.length === 0) throw new CliError(`nothing to grant: every request by ${subjectUserName(subject)} in ${path} is one its groups may already make (discovery, reviews of its own access)`);
    ctx.io.stdout.write(objects.map((o) => toYaml(o)).join('---\n'));
  },
};

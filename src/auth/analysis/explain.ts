// `auth can-i … --explain` (and the console's "why") when the answer is no: the grants that came closest (ranked by how little they miss),
// what each misses, and the smallest fix as commands to run.
import { apiGroupMatches, compactString, nonResourceURLMatches, resourceMatches, resourceNameMatches, ruleAllows, verbMatches } from '../authz/rbac-rules.js';
import type { Attributes, UserInfo } from '../types.js';
import type { PolicyRule } from '../authz/rbac-types.js';
import { appliesTo, describeGrant, describeSubject, grants, type Grant, type RbacData } from './rbac-data.js';

export interface NearMiss {
  grant: Grant;
  rule: PolicyRule;
  missing: string[];
  /** Lower is closer: another namespace costs least, then the verb, the name, the resource, the group. */
  score: number;
}

const cost = { namespace: 1, verb: 2, name: 3, resource: 4, group: 4, url: 4 };

/** What a rule lacks to allow the request (RBAC's matching functions), with its cost; empty when it allows it. */
export function missingFor(attrs: Attributes, rule: PolicyRule): { missing: string[]; score: number } {
  const missing: string[] = [];
  let score = 0;
  const miss = (text: string, c: number) => {
    missing.push(text);
    score += c;
  };
  if (!verbMatches(rule, attrs.verb)) miss(`verb "${attrs.verb}"`, cost.verb);
  if (!attrs.resourceRequest) {
    if (!nonResourceURLMatches(rule, attrs.path)) miss(`non-resource URL "${attrs.path}"`, cost.url);
    return { missing, score };
  }
  if (!apiGroupMatches(rule, attrs.apiGroup)) miss(`API group "${attrs.apiGroup}"`, cost.group);
  const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  if (!resourceMatches(rule, combined, attrs.subresource)) miss(`resource "${combined}"`, cost.resource);
  if (!resourceNameMatches(rule, attrs.name)) miss(attrs.name ? `resource name "${attrs.name}"` : 'a name: the rule lists resourceNames, which never match requests without a name', cost.name);
  return { missing, score };
}

/**
 * Whether a rule has anything in common with the request: its verb, or its resource (group and resource) or URL. A
 * rule that shares neither (system:basic-user's access reviews, asked about listing pods) is no near miss.
 */
function related(attrs: Attributes, rule: PolicyRule): boolean {
  if (verbMatches(rule, attrs.verb)) return true;
  if (!attrs.resourceRequest) return nonResourceURLMatches(rule, attrs.path);
  const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  return apiGroupMatches(rule, attrs.apiGroup) && resourceMatches(rule, combined, attrs.subresource);
}

/** The user's rules that come closest to allowing the request, in any namespace (at most `limit`). */
export function nearMisses(attrs: Attributes, data: RbacData, limit = 3): NearMiss[] {
  const candidates: NearMiss[] = [];
  // a rule for the other kind of request (resources vs non-resource URLs) is never close
  const sameKind = (r: PolicyRule) => (attrs.resourceRequest ? (r.resources ?? []).length > 0 : (r.nonResourceURLs ?? []).length > 0);
  for (const g of grants(data)) {
    if (!g.role || !appliesTo(g, attrs.user)) continue;
    const elsewhere = g.bindingKind === 'RoleBinding' && (!attrs.resourceRequest || attrs.namespace !== g.binding.namespace);
    if (elsewhere && !attrs.resourceRequest) continue;
    for (const rule of g.role.rules.filter((r) => sameKind(r) && related(attrs, r))) {
      const m = missingFor(attrs, rule);
      if (elsewhere) {
        m.missing.unshift(attrs.namespace ? `namespace "${attrs.namespace}" (the RoleBinding grants in "${g.binding.namespace}" only)` : `every namespace (the RoleBinding grants in "${g.binding.namespace}" only)`);
        m.score += cost.namespace;
      }
      candidates.push({ grant: g, rule, ...m });
    }
  }
  return candidates.sort((a, b) => a.score - b.score).slice(0, limit);
}

/** A word for a shell command line: bare when safe, single-quoted otherwise. */
function sh(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function singular(resource: string): string {
  if (resource.endsWith('ies')) return `${resource.slice(0, -3)}y`;
  if (resource.endsWith('sses') || resource === 'endpoints') return resource.endsWith('sses') ? resource.slice(0, -2) : resource;
  return resource.endsWith('s') ? resource.slice(0, -1) : resource;
}

/** list → lister, get → getter, create → creator: the role's name says what it lets one do. */
function agent(verb: string): string {
  const special: Record<string, string> = { get: 'getter', create: 'creator', deletecollection: 'collection-deleter', '*': 'admin' };
  if (special[verb]) return special[verb]!;
  return verb.endsWith('e') ? `${verb}r` : `${verb}er`;
}

function dnsLabel(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/-{2,}/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 200) || 'access';
}

function subjectFlag(user: UserInfo): string {
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user.name);
  return sa ? `--serviceaccount=${sh(`${sa[1]}:${sa[2]}`)}` : `--user=${sh(user.name)}`;
}

function unique(base: string, taken: (name: string) => boolean): string {
  if (!taken(base)) return base;
  for (let i = 2; ; i++) if (!taken(`${base}-${i}`)) return `${base}-${i}`;
}

export interface FixContext {
  /** Whether the resource lives in namespaces (false for cluster-scoped resources and non-resource URLs). */
  namespaced: boolean;
  /** The command to print (a-kubectl). */
  cli?: string;
}

/** The smallest grant that allows exactly this request: a Role (or ClusterRole) with one rule and a binding to the user. */
export function fixCommands(attrs: Attributes, data: RbacData, fix: FixContext): string[] {
  const cli = fix.cli ?? 'a-kubectl';
  const user = attrs.user;
  const scoped = attrs.resourceRequest && fix.namespaced && attrs.namespace !== '';
  const ns = scoped ? ` --namespace=${sh(attrs.namespace)}` : '';
  const what = attrs.resourceRequest ? singular(attrs.resource) + (attrs.subresource ? `-${attrs.subresource}` : '') : `url-${attrs.path.replace(/^\/+/, '')}`;
  const baseName = dnsLabel(`${what}-${agent(attrs.verb)}`);
  const roles = scoped ? data.roles.filter((r) => r.namespace === attrs.namespace) : data.clusterRoles;
  const existing = roles.find((r) => r.name === baseName);
  const reusable = existing && existing.rules.some((rule) => ruleAllows(attrs, rule));
  const roleName = reusable ? baseName : unique(baseName, (n) => roles.some((r) => r.name === n));
  const bindings = scoped ? data.roleBindings.filter((b) => b.namespace === attrs.namespace) : data.clusterRoleBindings;
  const bindingName = unique(`${roleName}-binding`, (n) => bindings.some((b) => b.name === n));
  const out: string[] = [];
  if (!reusable) {
    const rule = attrs.resourceRequest
      ? [`--verb=${sh(attrs.verb)}`, `--resource=${sh(`${attrs.resource}${attrs.apiGroup ? `.${attrs.apiGroup}` : ''}${attrs.subresource ? `/${attrs.subresource}` : ''}`)}`, ...(attrs.name ? [`--resource-name=${sh(attrs.name)}`] : [])]
      : [`--verb=${sh(attrs.verb)}`, `--non-resource-url=${sh(attrs.path)}`];
    out.push(`${cli} create ${scoped ? 'role' : 'clusterrole'} ${roleName} ${rule.join(' ')}${ns}`);
  }
  out.push(`${cli} create ${scoped ? 'rolebinding' : 'clusterrolebinding'} ${bindingName} --${scoped ? 'role' : 'clusterrole'}=${roleName} ${subjectFlag(user)}${ns}`);
  return out;
}

const everything = (rule: PolicyRule) => [rule.verbs, rule.resources, rule.apiGroups].every((l) => (l ?? []).includes('*'));

/** ClusterRoles that already allow the request, smallest first: not the system: ones, nor those that allow everything. */
export function clusterRolesAllowing(attrs: Attributes, data: RbacData, limit = 3): string[] {
  return data.clusterRoles
    .filter((r) => !r.name.startsWith('system:') && !r.rules.some(everything) && r.rules.some((rule) => ruleAllows(attrs, rule)))
    .sort((a, b) => a.rules.length - b.rules.length || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map((r) => r.name);
}

/**
 * Why a request was allowed when the server gave no reason: RBAC always names the binding, so another authorizer
 * allowed it — membership of system:masters, the Node authorizer for a node's own objects, or a webhook. `user` is
 * who was asked about, when known.
 */
export function allowedWithoutReason(user: UserInfo | undefined): string {
  if (user?.groups.includes('system:masters')) return 'Allowed without RBAC: members of system:masters may do everything.';
  if (user && user.name.startsWith('system:node:') && user.groups.includes('system:nodes')) {
    return 'Allowed by the Node authorizer, not RBAC: a node may act on its own Node object, the pods bound to it and what they use, and what every node reads.';
  }
  return 'Allowed without an RBAC reason: an authorizer other than RBAC allowed it (membership of system:masters, the Node authorizer, or a webhook).';
}

export function explainDenial(attrs: Attributes, data: RbacData, fix: FixContext = { namespaced: true }): string {
  const lines: string[] = [];
  const cli = fix.cli ?? 'a-kubectl';
  const who = `User "${attrs.user.name}" (groups=[${attrs.user.groups.map((g) => JSON.stringify(g)).join(' ')}])`;
  const mine = grants(data).filter((g) => appliesTo(g, attrs.user));
  for (const g of mine.filter((x) => !x.role && (x.bindingKind === 'ClusterRoleBinding' || x.binding.namespace === attrs.namespace))) lines.push(`${describeGrant(g)}: the ${g.binding.roleRef.kind} does not exist`);
  const misses = nearMisses(attrs, data);
  if (misses.length === 0) {
    const what = attrs.resourceRequest ? `the resource "${attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource}"${attrs.apiGroup ? ` in API group "${attrs.apiGroup}"` : ''}` : `the non-resource URL "${attrs.path}"`;
    lines.push(mine.length === 0 ? `No binding applies to ${who}.` : `No rule granted to ${who} is for the verb "${attrs.verb}" or ${what}.`);
  } else {
    lines.push(`Closest rules for ${who}:`);
    for (const m of misses) {
      const subject = m.grant.binding.subjects.find((s) => appliesTo({ ...m.grant, binding: { ...m.grant.binding, subjects: [s] } }, attrs.user));
      lines.push(`  ${describeGrant(m.grant)}${subject ? ` to ${describeSubject(subject, m.grant.binding.namespace)}` : ''}:`);
      lines.push(`    ${compactString(m.rule)}`);
      lines.push(`    missing: ${m.missing.join(', ')}`);
    }
  }
  lines.push('To allow exactly this request:');
  for (const c of fixCommands(attrs, data, fix)) lines.push(`  ${c}`);
  const scoped = attrs.resourceRequest && fix.namespaced && attrs.namespace !== '';
  const existing = clusterRolesAllowing(attrs, data);
  if (existing.length > 0) {
    lines.push(`Or bind a ClusterRole that already allows it, and more (${existing.join(', ')}):`);
    const name = existing[0]!;
    const base = dnsLabel(`${attrs.user.name.split(':').at(-1) ?? 'user'}-${name}`);
    lines.push(`  ${cli} create ${scoped ? 'rolebinding' : 'clusterrolebinding'} ${base} --clusterrole=${sh(name)} ${subjectFlag(attrs.user)}${scoped ? ` --namespace=${sh(attrs.namespace)}` : ''}`);
  }
  if (attrs.user.name === 'system:anonymous') {
    lines.push(`Careful: system:anonymous is every request without credentials; a binding to it lets anyone who reaches the API server do this (\`${cli} auth risks\` lists such bindings).`);
  }
  return `${lines.join('\n')}\n`;
}

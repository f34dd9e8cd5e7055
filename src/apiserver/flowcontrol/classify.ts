// Which FlowSchema a request matches (the first in order of matchingPrecedence, then name) and the flow it belongs
// to. FlowSchemas are compiled once per configuration change into sets, so a classification is a handful of set
// lookups per schema tried.
import type { FlowSchema, PolicyRulesWithSubjects } from '../../api/flowcontrol/types.js';
import type { UserInfo } from '../../auth/types.js';
import type { RequestInfo } from '../request-info.js';
import type { FlowCounters } from './controller.js';

const serviceAccountPrefix = 'system:serviceaccount:';

interface CompiledResourceRule {
  verbs: Set<string> | undefined; // undefined: every verb
  groups: Set<string> | undefined;
  resources: Set<string> | undefined;
  clusterScope: boolean;
  namespaces: Set<string> | undefined;
}

interface CompiledNonResourceRule {
  verbs: Set<string> | undefined;
  /** undefined: every path. */
  exact: Set<string> | undefined;
  /** Prefixes a path may start with ("/apis/" for "/apis/*", "/healthz/" for "/healthz"). */
  prefixes: string[];
}

interface CompiledRule {
  users: Set<string>;
  groups: Set<string>;
  anyUser: boolean;
  anyGroup: boolean;
  /** namespace → names ("*" for all) of service accounts. */
  serviceAccounts: Map<string, Set<string>>;
  resourceRules: CompiledResourceRule[];
  nonResourceRules: CompiledNonResourceRule[];
}

export interface CompiledFlowSchema {
  name: string;
  uid: string;
  priorityLevel: string;
  matchingPrecedence: number;
  distinguisher: 'ByUser' | 'ByNamespace' | undefined;
  rules: CompiledRule[];
  /** Where this schema's requests are counted (set by whoever keeps the statistics). */
  counters?: FlowCounters;
}

const setOrAll = (list: readonly string[] | undefined): Set<string> | undefined => (!list || list.includes('*') ? undefined : new Set(list));

function compileRule(r: PolicyRulesWithSubjects): CompiledRule {
  const out: CompiledRule = { users: new Set(), groups: new Set(), anyUser: false, anyGroup: false, serviceAccounts: new Map(), resourceRules: [], nonResourceRules: [] };
  for (const s of Array.isArray(r.subjects) ? r.subjects : []) {
    if (s.kind === 'User' && typeof s.user?.name === 'string') {
      if (s.user.name === '*') out.anyUser = true;
      else out.users.add(s.user.name);
    } else if (s.kind === 'Group' && typeof s.group?.name === 'string') {
      if (s.group.name === '*') out.anyGroup = true;
      else out.groups.add(s.group.name);
    } else if (s.kind === 'ServiceAccount' && s.serviceAccount) {
      const names = out.serviceAccounts.get(s.serviceAccount.namespace) ?? new Set<string>();
      names.add(s.serviceAccount.name);
      out.serviceAccounts.set(s.serviceAccount.namespace, names);
    }
  }
  for (const rr of Array.isArray(r.resourceRules) ? r.resourceRules : []) {
    out.resourceRules.push({
      verbs: setOrAll(rr.verbs),
      groups: setOrAll(rr.apiGroups),
      resources: setOrAll(rr.resources),
      clusterScope: rr.clusterScope === true,
      namespaces: setOrAll(rr.namespaces ?? []),
    });
  }
  for (const nr of Array.isArray(r.nonResourceRules) ? r.nonResourceRules : []) {
    const urls = Array.isArray(nr.nonResourceURLs) ? nr.nonResourceURLs : [];
    const all = urls.includes('*');
    out.nonResourceRules.push({
      verbs: setOrAll(nr.verbs),
      exact: all ? undefined : new Set(urls),
      prefixes: all ? [] : urls.map((u) => (u.endsWith('*') ? u.slice(0, -1) : `${u}/`)),
    });
  }
  return out;
}

export function compileFlowSchema(fs: FlowSchema): CompiledFlowSchema {
  const dm = fs.spec?.distinguisherMethod?.type;
  return {
    name: fs.metadata.name ?? '',
    uid: fs.metadata.uid ?? '',
    priorityLevel: fs.spec?.priorityLevelConfiguration?.name ?? '',
    matchingPrecedence: typeof fs.spec?.matchingPrecedence === 'number' ? fs.spec.matchingPrecedence : 1000,
    distinguisher: dm === 'ByUser' || dm === 'ByNamespace' ? dm : undefined,
    rules: (Array.isArray(fs.spec?.rules) ? fs.spec.rules : []).map(compileRule),
  };
}

/** Schemas in the order they are tried: lowest matchingPrecedence first, then by name. */
export function orderFlowSchemas(list: CompiledFlowSchema[]): CompiledFlowSchema[] {
  return [...list].sort((a, b) => a.matchingPrecedence - b.matchingPrecedence || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function subjectMatches(r: CompiledRule, user: UserInfo): boolean {
  if (r.anyUser || r.users.has(user.name)) return true;
  if (r.anyGroup) return true;
  for (const g of user.groups) if (r.groups.has(g)) return true;
  if (r.serviceAccounts.size > 0 && user.name.startsWith(serviceAccountPrefix)) {
    const rest = user.name.slice(serviceAccountPrefix.length);
    const colon = rest.indexOf(':');
    if (colon > 0) {
      const names = r.serviceAccounts.get(rest.slice(0, colon));
      if (names && (names.has('*') || names.has(rest.slice(colon + 1)))) return true;
    }
  }
  return false;
}

function requestMatches(r: CompiledRule, info: RequestInfo): boolean {
  if (info.isResourceRequest) {
    const resource = info.subresource === '' ? info.resource : `${info.resource}/${info.subresource}`;
    for (const rr of r.resourceRules) {
      if (rr.verbs && !rr.verbs.has(info.verb)) continue;
      if (rr.groups && !rr.groups.has(info.apiGroup)) continue;
      if (rr.resources && !rr.resources.has(resource)) continue;
      if (info.namespace === '' ? rr.clusterScope : !rr.namespaces || rr.namespaces.has(info.namespace)) return true;
    }
    return false;
  }
  for (const nr of r.nonResourceRules) {
    if (nr.verbs && !nr.verbs.has(info.verb)) continue;
    if (!nr.exact || nr.exact.has(info.path)) return true;
    for (const p of nr.prefixes) if (info.path.startsWith(p)) return true;
  }
  return false;
}

export function flowSchemaMatches(fs: CompiledFlowSchema, info: RequestInfo, user: UserInfo): boolean {
  for (const r of fs.rules) if (subjectMatches(r, user) && requestMatches(r, info)) return true;
  return false;
}

/** The flow's distinguisher: the user's name, the namespace, or nothing, as the schema says. */
export function flowDistinguisher(fs: CompiledFlowSchema, info: RequestInfo, user: UserInfo): string {
  if (fs.distinguisher === 'ByUser') return user.name;
  if (fs.distinguisher === 'ByNamespace') return info.isResourceRequest ? info.namespace : '';
  return '';
}

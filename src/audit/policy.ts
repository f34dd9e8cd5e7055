// Audit policy files: parsing with clear errors, and the first-matching-rule evaluation kube-apiserver uses.
import { parse as parseYaml } from 'yaml';
import { refuseDeepYaml } from '../api/yaml-depth.js';
import { levels, stages, type GroupResources, type Level, type Policy, type PolicyAttributes, type PolicyRule, type RequestAuditConfig, type Stage } from './types.js';

export class PolicyError extends Error {
  override name = 'PolicyError';
}

/** The decision that records nothing (shared: a decision is never changed once made). */
export const notAudited: RequestAuditConfig = Object.freeze({ level: 'None', omitStages: new Set<never>(), omitManagedFields: false });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(v: unknown, where: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new PolicyError(`${where}: must be a list of strings`);
  return v as string[];
}

function stageList(v: unknown, where: string): Stage[] | undefined {
  const list = stringList(v, where);
  for (const s of list ?? []) if (!(stages as readonly string[]).includes(s)) throw new PolicyError(`${where}: unknown stage "${s}" (use ${stages.join(', ')})`);
  return list as Stage[] | undefined;
}

function groupResources(v: unknown, where: string): GroupResources[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new PolicyError(`${where}: must be a list of {group, resources, resourceNames}`);
  return v.map((gr, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(gr)) throw new PolicyError(`${at}: must be an object`);
    if (gr.group !== undefined && gr.group !== null && typeof gr.group !== 'string') throw new PolicyError(`${at}.group: must be a string`);
    const resources = stringList(gr.resources, `${at}.resources`);
    for (const r of resources ?? []) {
      if (r === '*' || r.startsWith('*/') || r.endsWith('/*') || !r.includes('*')) continue;
      throw new PolicyError(`${at}.resources: "${r}" is not a valid pattern (use "*", "resource", "resource/*", "*/subresource" or "resource/subresource")`);
    }
    const out: GroupResources = { group: typeof gr.group === 'string' ? gr.group : '' };
    if (resources) out.resources = resources;
    const names = stringList(gr.resourceNames, `${at}.resourceNames`);
    if (names) out.resourceNames = names;
    return out;
  });
}

function rule(v: unknown, i: number): PolicyRule {
  const at = `rules[${i}]`;
  if (!isObject(v)) throw new PolicyError(`${at}: must be an object`);
  if (typeof v.level !== 'string' || !(levels as readonly string[]).includes(v.level)) {
    throw new PolicyError(`${at}.level: ${v.level === undefined ? 'required' : `unknown level "${String(v.level)}"`} (use ${levels.join(', ')})`);
  }
  const out: PolicyRule = { level: v.level as Level };
  const lists = ['users', 'userGroups', 'verbs', 'namespaces', 'nonResourceURLs'] as const;
  for (const key of lists) {
    const list = stringList(v[key], `${at}.${key}`);
    if (list) out[key] = list;
  }
  const resources = groupResources(v.resources, `${at}.resources`);
  if (resources) out.resources = resources;
  if ((out.resources || out.namespaces) && out.nonResourceURLs) {
    throw new PolicyError(`${at}: a rule matches either resources (resources, namespaces) or nonResourceURLs, not both`);
  }
  const omit = stageList(v.omitStages, `${at}.omitStages`);
  if (omit) out.omitStages = omit;
  if (v.omitManagedFields !== undefined && v.omitManagedFields !== null) {
    if (typeof v.omitManagedFields !== 'boolean') throw new PolicyError(`${at}.omitManagedFields: must be true or false`);
    out.omitManagedFields = v.omitManagedFields;
  }
  return out;
}

/** A Policy from YAML or JSON text (audit.k8s.io/v1). */
export function parsePolicy(text: string, source = 'audit policy'): Policy {
  let doc: unknown;
  try {
    refuseDeepYaml(text);
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new PolicyError(`${source}: not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    if (!isObject(doc)) throw new PolicyError('must be a Policy object');
    if (doc.apiVersion !== 'audit.k8s.io/v1') throw new PolicyError(`apiVersion must be audit.k8s.io/v1, not ${JSON.stringify(doc.apiVersion ?? '')}`);
    if (doc.kind !== 'Policy') throw new PolicyError(`kind must be Policy, not ${JSON.stringify(doc.kind ?? '')}`);
    if (!Array.isArray(doc.rules)) throw new PolicyError('rules: required (a list; the first rule that matches a request decides its level)');
    const policy: Policy = { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: doc.rules.map(rule) };
    const omit = stageList(doc.omitStages, 'omitStages');
    if (omit) policy.omitStages = omit;
    if (typeof doc.omitManagedFields === 'boolean') policy.omitManagedFields = doc.omitManagedFields;
    return policy;
  } catch (e) {
    if (e instanceof PolicyError) throw new PolicyError(`${source}: ${e.message}`);
    throw e;
  }
}

function resourceMatches(gr: GroupResources, a: PolicyAttributes): boolean {
  if ((gr.group ?? '') !== a.apiGroup) return false;
  if (!gr.resources || gr.resources.length === 0) return true;
  if (gr.resourceNames && gr.resourceNames.length > 0 && !gr.resourceNames.includes(a.name)) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  for (const r of gr.resources) {
    if (r === '*' || r === combined) return true;
    if (a.subresource && r.startsWith('*/') && r.slice(2) === a.subresource) return true;
    if (r.endsWith('/*') && r.slice(0, -2) === a.resource) return true;
  }
  return false;
}

function urlMatches(patterns: readonly string[], path: string): boolean {
  return patterns.some((p) => p === '*' || p === path || (p.endsWith('*') && path.startsWith(p.slice(0, -1))));
}

export function ruleMatches(r: PolicyRule, a: PolicyAttributes): boolean {
  if (r.users?.length && !r.users.includes(a.user?.name ?? '')) return false;
  if (r.userGroups?.length && !(a.user?.groups ?? []).some((g) => r.userGroups!.includes(g))) return false;
  if (r.verbs?.length && !r.verbs.includes(a.verb)) return false;
  if (a.resourceRequest) {
    if (r.nonResourceURLs?.length) return false;
    if (r.namespaces?.length && !r.namespaces.includes(a.namespace)) return false;
    if (r.resources?.length && !r.resources.some((gr) => resourceMatches(gr, a))) return false;
    return true;
  }
  if (r.resources?.length || r.namespaces?.length) return false;
  if (r.nonResourceURLs?.length && !urlMatches(r.nonResourceURLs, a.path)) return false;
  return true;
}

/** Each rule's decision, made once per policy (evaluation runs for every request; a policy is not changed once in use). */
const decisions = new WeakMap<Policy, RequestAuditConfig[]>();

function ruleDecisions(policy: Policy): RequestAuditConfig[] {
  let out = decisions.get(policy);
  if (!out) {
    out = policy.rules.map((r) =>
      r.level === 'None'
        ? notAudited
        : Object.freeze({ level: r.level, omitStages: new Set([...(policy.omitStages ?? []), ...(r.omitStages ?? [])]), omitManagedFields: r.omitManagedFields ?? policy.omitManagedFields ?? false }),
    );
    decisions.set(policy, out);
  }
  return out;
}

/** The first rule that matches decides; no match means no events. */
export function evaluatePolicy(policy: Policy, a: PolicyAttributes): RequestAuditConfig {
  const rules = policy.rules;
  for (let i = 0; i < rules.length; i++) {
    if (ruleMatches(rules[i]!, a)) return ruleDecisions(policy)[i]!;
  }
  return notAudited;
}

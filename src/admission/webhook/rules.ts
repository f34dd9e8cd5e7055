// Whether a webhook's rules cover a request (operation, group, version, resource/subresource, scope), and the
// resources kube-apiserver never sends to webhooks or policies: their own configuration objects, so a broken
// webhook can always be removed.
import type { WebhookRule } from './config.js';

export interface RuleAttributes {
  operation: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  /** The request's namespace ('' for cluster-scoped objects). */
  namespace: string;
}

const exempt = new Set([
  'validatingwebhookconfigurations',
  'mutatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
]);

export function isExemptAdmissionConfiguration(group: string, resource: string): boolean {
  return group === 'admissionregistration.k8s.io' && exempt.has(resource);
}

const oneOf = (list: string[], v: string) => list.includes('*') || list.includes(v);

function scopeMatches(scope: string, a: RuleAttributes): boolean {
  const isNamespaceObject = a.group === '' && a.resource === 'namespaces';
  switch (scope) {
    case 'Namespaced':
      return !isNamespaceObject && a.namespace !== '';
    case 'Cluster':
      return isNamespaceObject || a.namespace === '';
    default:
      return true;
  }
}

function resourceMatches(resources: string[], resource: string, subresource: string): boolean {
  for (const entry of resources) {
    const slash = entry.indexOf('/');
    const res = slash < 0 ? entry : entry.slice(0, slash);
    const sub = slash < 0 ? '' : entry.slice(slash + 1);
    if ((res === '*' || res === resource) && (sub === '*' || sub === subresource)) return true;
  }
  return false;
}

export function ruleMatches(rule: WebhookRule, a: RuleAttributes): boolean {
  return (
    scopeMatches(rule.scope, a) &&
    oneOf(rule.operations, a.operation) &&
    oneOf(rule.apiGroups, a.group) &&
    oneOf(rule.apiVersions, a.version) &&
    resourceMatches(rule.resources, a.resource, a.subresource)
  );
}

export function anyRuleMatches(rules: readonly WebhookRule[], a: RuleAttributes): boolean {
  return rules.some((r) => ruleMatches(r, a));
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attributes } from '../../../src/auth/types.js';
import type { PolicyRule } from '../../../src/auth/authz/rbac-types.js';
import { compactRules, compactString, covers, ruleAllows } from '../../../src/auth/authz/rbac-rules.js';

const user = { name: 'alice', groups: [] };

function res(verb: string, resource: string, o: Partial<Attributes> = {}): Attributes {
  return { user, verb, resourceRequest: true, namespace: 'ns-1', apiGroup: '', apiVersion: 'v1', resource, subresource: '', name: '', path: '', ...o };
}
function nonRes(verb: string, path: string): Attributes {
  return { user, verb, resourceRequest: false, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '', path };
}

const cases: { name: string; rule: PolicyRule; attrs: Attributes; allowed: boolean }[] = [
  { name: 'exact verb, group, resource', rule: { verbs: ['list'], apiGroups: [''], resources: ['pods'] }, attrs: res('list', 'pods'), allowed: true },
  { name: 'other verb', rule: { verbs: ['list'], apiGroups: [''], resources: ['pods'] }, attrs: res('get', 'pods'), allowed: false },
  { name: 'verb *', rule: { verbs: ['*'], apiGroups: [''], resources: ['pods'] }, attrs: res('delete', 'pods'), allowed: true },
  { name: 'other group', rule: { verbs: ['list'], apiGroups: [''], resources: ['deployments'] }, attrs: res('list', 'deployments', { apiGroup: 'apps' }), allowed: false },
  { name: 'group *', rule: { verbs: ['list'], apiGroups: ['*'], resources: ['deployments'] }, attrs: res('list', 'deployments', { apiGroup: 'apps' }), allowed: true },
  { name: 'no apiGroups never matches a resource', rule: { verbs: ['list'], resources: ['pods'] }, attrs: res('list', 'pods'), allowed: false },
  { name: 'resource does not cover its subresource', rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, attrs: res('get', 'pods', { subresource: 'log', name: 'p' }), allowed: false },
  { name: 'resource/subresource', rule: { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, attrs: res('get', 'pods', { subresource: 'log', name: 'p' }), allowed: true },
  { name: 'resource/subresource does not cover the resource', rule: { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, attrs: res('get', 'pods', { name: 'p' }), allowed: false },
  { name: '*/subresource', rule: { verbs: ['get'], apiGroups: [''], resources: ['*/log'] }, attrs: res('get', 'pods', { subresource: 'log', name: 'p' }), allowed: true },
  { name: '*/subresource of another subresource', rule: { verbs: ['get'], apiGroups: [''], resources: ['*/log'] }, attrs: res('get', 'pods', { subresource: 'exec', name: 'p' }), allowed: false },
  { name: '*/subresource without subresource', rule: { verbs: ['get'], apiGroups: [''], resources: ['*/log'] }, attrs: res('get', 'pods', { name: 'p' }), allowed: false },
  { name: 'resource * covers subresources', rule: { verbs: ['create'], apiGroups: [''], resources: ['*'] }, attrs: res('create', 'pods', { subresource: 'exec', name: 'p' }), allowed: true },
  { name: 'resourceNames match', rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a', 'b'] }, attrs: res('get', 'pods', { name: 'b' }), allowed: true },
  { name: 'resourceNames other name', rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, attrs: res('get', 'pods', { name: 'c' }), allowed: false },
  { name: 'resourceNames never match a list', rule: { verbs: ['list'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, attrs: res('list', 'pods'), allowed: false },
  { name: 'resourceNames match a single-object list', rule: { verbs: ['list'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, attrs: res('list', 'pods', { name: 'a' }), allowed: true },
  { name: 'resourceNames never match create', rule: { verbs: ['create'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, attrs: res('create', 'pods'), allowed: false },
  { name: 'non-resource exact', rule: { verbs: ['get'], nonResourceURLs: ['/version'] }, attrs: nonRes('get', '/version'), allowed: true },
  { name: 'non-resource exact, other path', rule: { verbs: ['get'], nonResourceURLs: ['/version'] }, attrs: nonRes('get', '/version/'), allowed: false },
  { name: 'non-resource prefix *', rule: { verbs: ['get'], nonResourceURLs: ['/healthz/*'] }, attrs: nonRes('get', '/healthz/etcd'), allowed: true },
  { name: 'non-resource prefix * does not match the bare path', rule: { verbs: ['get'], nonResourceURLs: ['/healthz/*'] }, attrs: nonRes('get', '/healthz'), allowed: false },
  { name: 'non-resource /api* prefix', rule: { verbs: ['get'], nonResourceURLs: ['/api*'] }, attrs: nonRes('get', '/apis/apps'), allowed: true },
  { name: 'non-resource *', rule: { verbs: ['get'], nonResourceURLs: ['*'] }, attrs: nonRes('get', '/anything'), allowed: true },
  { name: 'non-resource verb', rule: { verbs: ['get'], nonResourceURLs: ['*'] }, attrs: nonRes('post', '/anything'), allowed: false },
  { name: 'resource rule never matches a path', rule: { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, attrs: nonRes('get', '/version'), allowed: false },
  { name: 'non-resource rule never matches a resource', rule: { verbs: ['*'], nonResourceURLs: ['*'] }, attrs: res('get', 'pods'), allowed: false },
];

for (const c of cases) {
  test(`ruleAllows: ${c.name}`, () => {
    assert.equal(ruleAllows(c.attrs, c.rule), c.allowed);
  });
}

const coverCases: { name: string; owned: PolicyRule[]; wanted: PolicyRule[]; covered: boolean }[] = [
  { name: 'same rule', owned: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }], wanted: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }], covered: true },
  { name: 'missing verb', owned: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], wanted: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }], covered: false },
  { name: 'star covers all', owned: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], wanted: [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }], covered: true },
  { name: '*/sub covers r/sub', owned: [{ verbs: ['get'], apiGroups: [''], resources: ['*/log'] }], wanted: [{ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }], covered: true },
  { name: 'named owner does not cover unnamed', owned: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }], wanted: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], covered: false },
  { name: 'unnamed owner covers named', owned: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], wanted: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }], covered: true },
  { name: 'url prefix covers', owned: [{ verbs: ['get'], nonResourceURLs: ['/healthz/*'] }], wanted: [{ verbs: ['get'], nonResourceURLs: ['/healthz/etcd'] }], covered: true },
  { name: 'url not covered', owned: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }], wanted: [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }], covered: false },
  { name: 'split across two owner rules', owned: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['list'], apiGroups: [''], resources: ['pods'] }], wanted: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }], covered: true },
];

for (const c of coverCases) {
  test(`covers: ${c.name}`, () => {
    assert.equal(covers(c.owned, c.wanted).covered, c.covered);
  });
}

test('missing rules are compacted and printed as Kubernetes prints them', () => {
  const { missing } = covers([], [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/metrics'] }]);
  const texts = compactRules(missing).map(compactString).sort();
  assert.deepEqual(texts, ['{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}', '{NonResourceURLs:["/metrics"], Verbs:["get"]}']);
});

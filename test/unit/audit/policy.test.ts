import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPolicy, evaluatePolicy, parsePolicy, PolicyError, type PolicyAttributes } from '../../../src/audit/index.js';

function attrs(p: Partial<PolicyAttributes> & { user?: PolicyAttributes['user'] }): PolicyAttributes {
  return { user: { name: 'alice', groups: ['system:authenticated'] }, verb: 'get', resourceRequest: true, namespace: 'ns', apiGroup: '', resource: 'pods', subresource: '', name: '', path: '/api/v1/namespaces/ns/pods', ...p };
}

const policy = parsePolicy(`
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  users: [system:kube-proxy]
- level: None
  userGroups: [system:nodes]
  verbs: [get]
- level: RequestResponse
  resources: [{group: '', resources: ['pods/log', '*/status']}]
- level: Request
  resources: [{group: apps, resources: ['deployments/*']}]
  omitStages: [ResponseStarted]
- level: Metadata
  resources: [{group: '', resources: [configmaps], resourceNames: [special]}]
- level: Request
  namespaces: [kube-system]
- level: None
  nonResourceURLs: ['/healthz*', /version]
- level: Metadata
  omitManagedFields: true
`);

test('the first matching rule decides, by user, group, verb, resource pattern, name, namespace and URL', () => {
  assert.equal(evaluatePolicy(policy, attrs({ user: { name: 'system:kube-proxy', groups: [] } })).level, 'None');
  assert.equal(evaluatePolicy(policy, attrs({ user: { name: 'system:node:n1', groups: ['system:nodes'] } })).level, 'None');
  assert.equal(evaluatePolicy(policy, attrs({ user: { name: 'system:node:n1', groups: ['system:nodes'] }, verb: 'update' })).level, 'Metadata');
  assert.equal(evaluatePolicy(policy, attrs({ subresource: 'log' })).level, 'RequestResponse');
  assert.equal(evaluatePolicy(policy, attrs({ resource: 'services', subresource: 'status' })).level, 'RequestResponse');
  assert.equal(evaluatePolicy(policy, attrs({ apiGroup: 'apps', resource: 'deployments' })).level, 'Request', '"deployments/*" covers the resource itself');
  assert.equal(evaluatePolicy(policy, attrs({ apiGroup: 'apps', resource: 'deployments', subresource: 'scale' })).level, 'Request');
  assert.deepEqual([...evaluatePolicy(policy, attrs({ apiGroup: 'apps', resource: 'deployments' })).omitStages].sort(), ['RequestReceived', 'ResponseStarted']);
  assert.equal(evaluatePolicy(policy, attrs({ resource: 'configmaps', name: 'special' })).level, 'Metadata');
  assert.equal(evaluatePolicy(policy, attrs({ resource: 'configmaps', name: 'other', namespace: 'kube-system' })).level, 'Request');
  assert.equal(evaluatePolicy(policy, attrs({ resourceRequest: false, path: '/healthz/ping', resource: '', namespace: '' })).level, 'None');
  assert.equal(evaluatePolicy(policy, attrs({ resourceRequest: false, path: '/version', resource: '', namespace: '' })).level, 'None');
  assert.equal(evaluatePolicy(policy, attrs({ resourceRequest: false, path: '/apis', resource: '', namespace: '' })).level, 'Metadata');
  const last = evaluatePolicy(policy, attrs({ resource: 'secrets' }));
  assert.equal(last.omitManagedFields, true);
  assert.deepEqual([...last.omitStages], ['RequestReceived']);
  assert.equal(evaluatePolicy(parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n'), attrs({})).level, 'None', 'no rule matches: nothing is recorded');
});

test('bad policies are refused with what is wrong and where', () => {
  const bad: [string, RegExp][] = [
    ['kind: Policy\nrules: []', /apiVersion must be audit.k8s.io\/v1/],
    ['apiVersion: audit.k8s.io/v1\nkind: Policy', /rules: required/],
    ['apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Loud}]', /rules\[0\]\.level: unknown level "Loud"/],
    ['apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None, users: alice}]', /rules\[0\]\.users: must be a list of strings/],
    ['apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None, omitStages: [Later]}]', /unknown stage "Later"/],
    ['apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None, resources: [{resources: ["po*"]}]}]', /not a valid pattern/],
    ['apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None, namespaces: [a], nonResourceURLs: [/x]}]', /either resources .* or nonResourceURLs/],
    ['{', /not valid YAML/],
  ];
  for (const [text, re] of bad) assert.throws(() => parsePolicy(text, 'p.yaml'), (e: unknown) => e instanceof PolicyError && re.test(e.message) && e.message.startsWith('p.yaml: '), text);
});

test('the default policy: Secrets never above Metadata, RBAC writes in full, components\' reads and health probes left out', () => {
  const admin = { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
  assert.equal(evaluatePolicy(defaultPolicy, attrs({ user: admin, resource: 'secrets', verb: 'create' })).level, 'Metadata');
  assert.equal(evaluatePolicy(defaultPolicy, attrs({ user: admin, apiGroup: 'rbac.authorization.k8s.io', resource: 'rolebindings', verb: 'create' })).level, 'RequestResponse');
  assert.equal(evaluatePolicy(defaultPolicy, attrs({ user: admin, apiGroup: 'rbac.authorization.k8s.io', resource: 'roles', verb: 'list' })).level, 'Metadata');
  assert.equal(evaluatePolicy(defaultPolicy, attrs({ user: admin, resource: 'serviceaccounts', subresource: 'token', verb: 'create' })).level, 'Request');
  assert.equal(evaluatePolicy(defaultPolicy, attrs({ user: { name: 'system:kube-scheduler', groups: [] }, verb: 'watch' })).level, 'None');
  assert.equal(evaluatePolicy(defaultPolicy, attrs({ user: { name: 'system:kube-scheduler', groups: [] }, resource: 'pods', subresource: 'binding', verb: 'create' })).level, 'Metadata');
  assert.equal(evaluatePolicy(defaultPolicy, attrs({ user: { name: 'system:node:n', groups: ['system:nodes'] }, apiGroup: 'coordination.k8s.io', resource: 'leases', verb: 'update' })).level, 'None');
  assert.equal(evaluatePolicy(defaultPolicy, attrs({ user: { name: 'system:anonymous', groups: ['system:unauthenticated'] }, resourceRequest: false, path: '/readyz', resource: '' })).level, 'None');
  assert.equal(evaluatePolicy(defaultPolicy, attrs({ user: { name: 'system:serviceaccount:ns-1:k-sa-1', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns-1'] }, verb: 'list' })).level, 'Metadata');
});

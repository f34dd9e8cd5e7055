import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import type { Attributes, UserInfo } from '../../../src/auth/types.js';
import { RbacIndex } from '../../../src/auth/authz/rbac-index.js';
import { rbacDecision } from '../../../src/auth/authz/rbac.js';
import { rulesFor } from '../../../src/auth/authz/rbac-resolver.js';

const sa: UserInfo = { name: 'system:serviceaccount:ns-1:k-sa-1', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns-1', 'system:authenticated'] };
const alice: UserInfo = { name: 'alice', groups: ['devs', 'system:authenticated'] };
const anonymous: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

function obj(kind: string, name: string, namespace: string | undefined, rest: Record<string, unknown>): KubeObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...rest };
}

function policy(): RbacIndex {
  const i = new RbacIndex();
  i.upsert('Role', obj('Role', 'pod-lister', 'ns-1', { rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }] }));
  i.upsert('RoleBinding', obj('RoleBinding', 'pod-lister-binding', 'ns-1', {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-lister' },
    subjects: [{ kind: 'ServiceAccount', name: 'k-sa-1', namespace: 'ns-1' }],
  }));
  i.upsert('ClusterRole', obj('ClusterRole', 'secret-reader', undefined, { rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] }));
  i.upsert('RoleBinding', obj('RoleBinding', 'read-secrets', 'ns-2', {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'secret-reader' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }, { kind: 'ServiceAccount', name: 'k-sa-1' }],
  }));
  i.upsert('ClusterRole', obj('ClusterRole', 'system:public-info-viewer', undefined, { rules: [{ verbs: ['get'], nonResourceURLs: ['/version', '/healthz'] }] }));
  i.upsert('ClusterRoleBinding', obj('ClusterRoleBinding', 'system:public-info-viewer', undefined, {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:public-info-viewer' },
    subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' }, { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:unauthenticated' }],
  }));
  i.upsert('ClusterRoleBinding', obj('ClusterRoleBinding', 'devs-view-nodes', undefined, {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'node-viewer' },
    subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' }],
  }));
  i.upsert('ClusterRoleBinding', obj('ClusterRoleBinding', 'sa-without-namespace', undefined, {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'secret-reader' },
    subjects: [{ kind: 'ServiceAccount', name: 'k-sa-1' }],
  }));
  return i;
}

function res(user: UserInfo, verb: string, resource: string, namespace: string, o: Partial<Attributes> = {}): Attributes {
  return { user, verb, resourceRequest: true, namespace, apiGroup: '', apiVersion: 'v1', resource, subresource: '', name: '', path: '', ...o };
}

const cases: { name: string; attrs: Attributes; decision: string; reason: string }[] = [
  { name: 'SA lists pods through its RoleBinding', attrs: res(sa, 'list', 'pods', 'ns-1'), decision: 'allow',
    reason: 'RBAC: allowed by RoleBinding "pod-lister-binding/ns-1" of Role "pod-lister" to ServiceAccount "k-sa-1/ns-1"' },
  { name: 'SA may not list pods in another namespace', attrs: res(sa, 'list', 'pods', 'default'), decision: 'no-opinion', reason: '' },
  { name: 'SA may not list pods across namespaces', attrs: res(sa, 'list', 'pods', ''), decision: 'no-opinion', reason: '' },
  { name: 'anonymous may not list pods', attrs: res(anonymous, 'list', 'pods', 'ns-1'), decision: 'no-opinion', reason: '' },
  { name: 'ClusterRole through a RoleBinding grants inside its namespace', attrs: res(alice, 'get', 'secrets', 'ns-2', { name: 's' }), decision: 'allow',
    reason: 'RBAC: allowed by RoleBinding "read-secrets/ns-2" of ClusterRole "secret-reader" to User "alice"' },
  { name: 'ClusterRole through a RoleBinding grants nothing elsewhere', attrs: res(alice, 'get', 'secrets', 'ns-1', { name: 's' }), decision: 'no-opinion',
    reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "node-viewer" not found' },
  { name: 'SA subject without namespace defaults to the binding namespace', attrs: res({ ...sa, name: 'system:serviceaccount:ns-2:k-sa-1' }, 'get', 'secrets', 'ns-2', { name: 's' }), decision: 'allow',
    reason: 'RBAC: allowed by RoleBinding "read-secrets/ns-2" of ClusterRole "secret-reader" to ServiceAccount "k-sa-1/ns-2"' },
  { name: 'anonymous reads /version through a group', attrs: { ...res(anonymous, 'get', '', ''), resourceRequest: false, path: '/version' }, decision: 'allow',
    reason: 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated"' },
  { name: 'authenticated reads /healthz', attrs: { ...res(sa, 'get', '', ''), resourceRequest: false, path: '/healthz' }, decision: 'allow',
    reason: 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:authenticated"' },
  { name: 'anonymous may not read /api', attrs: { ...res(anonymous, 'get', '', ''), resourceRequest: false, path: '/api' }, decision: 'no-opinion', reason: '' },
];

for (const c of cases) {
  test(`rbac: ${c.name}`, () => {
    const d = rbacDecision(policy(), c.attrs);
    assert.equal(d.decision, c.decision);
    assert.equal(d.reason, c.reason);
  });
}

test('rbac: several resolution errors are aggregated', () => {
  const i = policy();
  i.upsert('RoleBinding', obj('RoleBinding', 'gone', 'ns-2', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'missing' }, subjects: [{ kind: 'User', name: 'alice' }] }));
  const d = rbacDecision(i, res(alice, 'delete', 'pods', 'ns-2', { name: 'x' }));
  assert.equal(d.reason, 'RBAC: [clusterrole.rbac.authorization.k8s.io "node-viewer" not found, role.rbac.authorization.k8s.io "missing" not found]');
});

test('rbac: deleting a binding and a role takes effect at once', () => {
  const i = policy();
  const a = res(sa, 'list', 'pods', 'ns-1');
  assert.equal(rbacDecision(i, a).decision, 'allow');
  i.remove('Role', obj('Role', 'pod-lister', 'ns-1', {}));
  assert.equal(rbacDecision(i, a).reason, 'RBAC: role.rbac.authorization.k8s.io "pod-lister" not found');
  i.remove('RoleBinding', obj('RoleBinding', 'pod-lister-binding', 'ns-1', {}));
  assert.deepEqual(rbacDecision(i, a), { decision: 'no-opinion', reason: '' });
});

test('rbac: updating a binding re-indexes its subjects', () => {
  const i = policy();
  i.upsert('RoleBinding', obj('RoleBinding', 'pod-lister-binding', 'ns-1', {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-lister' },
    subjects: [{ kind: 'User', name: 'alice' }],
  }));
  assert.equal(rbacDecision(i, res(sa, 'list', 'pods', 'ns-1')).decision, 'no-opinion');
  assert.equal(rbacDecision(i, res(alice, 'list', 'pods', 'ns-1')).decision, 'allow');
});

test('rulesFor lists cluster-wide and namespace rules with errors', () => {
  const r = rulesFor(policy(), alice, 'ns-2');
  assert.deepEqual(r.errors, ['clusterrole.rbac.authorization.k8s.io "node-viewer" not found']);
  assert.equal(r.rules.length, 2);
});

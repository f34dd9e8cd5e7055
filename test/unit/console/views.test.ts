// The console's views over listed RBAC objects: the access matrix is who-can per cell; resource words split as
// a-kubectl reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessMatrix, splitResource, whyAttributes } from '../../../src/console/views.js';
import type { RbacData } from '../../../src/auth/analysis/rbac-data.js';

test('resource words: group after the dot, subresource after the slash', () => {
  const cases: [string, ReturnType<typeof splitResource>][] = [
    ['pods', { group: '', resource: 'pods', subresource: '' }],
    ['pods/log', { group: '', resource: 'pods', subresource: 'log' }],
    ['deployments.apps', { group: 'apps', resource: 'deployments', subresource: '' }],
    ['deployments.apps/scale', { group: 'apps', resource: 'deployments', subresource: 'scale' }],
    ['ingresses.networking.k8s.io', { group: 'networking.k8s.io', resource: 'ingresses', subresource: '' }],
  ];
  for (const [text, want] of cases) assert.deepEqual(splitResource(text), want, text);
});

const data: RbacData = {
  clusterRoles: [{ name: 'view-pods', namespace: '', labels: {}, rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }] }],
  clusterRoleBindings: [],
  roles: [
    { name: 'pod-lister', namespace: 'ns-1', labels: {}, rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }] },
    { name: 'widgets', namespace: 'ns-1', labels: {}, rules: [{ verbs: ['*'], apiGroups: ['example.com'], resources: ['widgets', 'widgets/status'] }] },
  ],
  roleBindings: [
    { name: 'pod-lister-binding', namespace: 'ns-1', roleRef: { kind: 'Role', name: 'pod-lister', apiGroup: 'rbac.authorization.k8s.io' }, subjects: [{ kind: 'ServiceAccount', name: 'k-sa-1', namespace: 'ns-1' }] },
    { name: 'viewers', namespace: 'ns-1', roleRef: { kind: 'ClusterRole', name: 'view-pods', apiGroup: 'rbac.authorization.k8s.io' }, subjects: [{ kind: 'Group', name: 'viewers', apiGroup: 'rbac.authorization.k8s.io' }] },
    { name: 'widgets', namespace: 'ns-1', roleRef: { kind: 'Role', name: 'widgets', apiGroup: 'rbac.authorization.k8s.io' }, subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }] },
  ],
};

test('the access matrix: each subject with the verbs its bindings allow per resource, including resources the roles name', () => {
  const m = accessMatrix('ns-1', { data, labels: new Map(), forbidden: [] });
  assert.ok(m.resources.includes('widgets.example.com') && m.resources.includes('widgets.example.com/status'), m.resources.join(' '));
  const rows = Object.fromEntries(m.rows.map((r) => [`${r.kind} ${r.subject}`, r.cells]));
  assert.deepEqual(rows['ServiceAccount ns-1/k-sa-1'], { pods: ['list'] });
  assert.deepEqual(rows['Group viewers'], { pods: ['get', 'list', 'watch'] });
  assert.deepEqual(rows['User alice'], { 'widgets.example.com': m.verbs, 'widgets.example.com/status': m.verbs });
  // another namespace: RoleBindings of ns-1 count for nothing there
  assert.deepEqual(accessMatrix('ns-2', { data, labels: new Map(), forbidden: [] }).rows, []);
});

test('why: a question becomes the attributes can-i --explain evaluates', () => {
  const a = whyAttributes({ user: 'system:serviceaccount:ns-1:k-sa-1', groups: ['system:serviceaccounts'], verb: 'get', resource: 'pods/log', name: 'p', namespace: 'ns-1', path: '' });
  assert.deepEqual([a.resourceRequest, a.apiGroup, a.resource, a.subresource, a.name, a.namespace, a.user.name], [true, '', 'pods', 'log', 'p', 'ns-1', 'system:serviceaccount:ns-1:k-sa-1']);
  const u = whyAttributes({ user: 'alice', groups: [], verb: 'get', resource: '', name: '', namespace: '', path: '/healthz' });
  assert.deepEqual([u.resourceRequest, u.path], [false, '/healthz']);
});

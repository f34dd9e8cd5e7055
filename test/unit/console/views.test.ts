// The console's views over listed RBAC objects: the access matrix over discovered resources, evaluated per role; resource words split as
// a-kubectl reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessMatrix, maxMatrixRows, splitResource, why, whyAttributes } from '../../../src/console/views.js';
import { fromAggregated, fromResourceList } from '../../../src/console/discovery.js';
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

// what discovery answers: core and CRD resources with subresources and verbs, one cluster-scoped resource
const discovered = fromAggregated({
  kind: 'APIGroupDiscoveryList',
  apiVersion: 'apidiscovery.k8s.io/v2',
  items: [
    { metadata: {}, versions: [{ version: 'v1', resources: [
      { resource: 'pods', scope: 'Namespaced', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], subresources: [{ subresource: 'log', verbs: ['get'] }] },
      { resource: 'nodes', scope: 'Cluster', verbs: ['get', 'list'] },
    ] }] },
    { metadata: { name: 'example.com' }, versions: [
      { version: 'v2', resources: [{ resource: 'widgets', scope: 'Namespaced', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], subresources: [{ subresource: 'status', verbs: ['get', 'patch', 'update'] }] }] },
      { version: 'v1', resources: [{ resource: 'oldwidgets', scope: 'Namespaced', verbs: ['get'] }] },
    ] },
  ],
})!;

test('discovery: resources with their subresources and verbs from the preferred version of each group', () => {
  assert.deepEqual(discovered.map((r) => `${r.name} ${r.namespaced ? 'ns' : 'cluster'} ${r.verbs.join(',')}`), [
    'pods ns create,delete,deletecollection,get,list,patch,update,watch',
    'pods/log ns get',
    'nodes cluster get,list',
    'widgets.example.com ns create,delete,get,list,patch,update,watch',
    'widgets.example.com/status ns get,patch,update',
  ]);
  assert.equal(fromAggregated({ kind: 'APIGroupList', groups: [] }), undefined, 'the legacy form is not read as aggregated');
  assert.deepEqual(fromResourceList({ resources: [{ name: 'deployments', namespaced: true, verbs: ['get'] }, { name: 'deployments/scale', namespaced: true, verbs: ['get', 'update'] }] }, 'apps').map((r) => r.name), ['deployments.apps', 'deployments.apps/scale']);
});

test('the access matrix: discovered namespaced resources as columns, each subject with the verbs its bindings allow', () => {
  const m = accessMatrix('ns-1', { data, labels: new Map(), forbidden: [] }, { resources: discovered, truncated: false });
  assert.deepEqual(m.resources, ['pods', 'pods/log', 'widgets.example.com', 'widgets.example.com/status']);
  assert.deepEqual(m.resourceVerbs['widgets.example.com/status'], ['get', 'update', 'patch']);
  const rows = Object.fromEntries(m.rows.map((r) => [`${r.kind} ${r.subject}`, r.cells]));
  assert.deepEqual(rows['ServiceAccount ns-1/k-sa-1'], { pods: ['list'] });
  assert.deepEqual(rows['Group viewers'], { pods: ['get', 'list', 'watch'] });
  // the wildcard verb covers exactly the verbs each resource serves
  assert.deepEqual(rows['User alice'], { 'widgets.example.com': m.verbs, 'widgets.example.com/status': ['get', 'update', 'patch'] });
  assert.equal(m.truncated, false);
  // another namespace: RoleBindings of ns-1 count for nothing there
  assert.deepEqual(accessMatrix('ns-2', { data, labels: new Map(), forbidden: [] }, { resources: discovered, truncated: false }).rows, []);
});

test('the access matrix is bounded: at most maxMatrixRows subjects, marked truncated', () => {
  const many: RbacData = {
    ...data,
    roleBindings: [{ name: 'crowd', namespace: 'ns-1', roleRef: { kind: 'ClusterRole', name: 'view-pods', apiGroup: 'rbac.authorization.k8s.io' }, subjects: Array.from({ length: maxMatrixRows + 5 }, (_, i) => ({ kind: 'User', name: `u${i}`, apiGroup: 'rbac.authorization.k8s.io' })) }],
  };
  const m = accessMatrix('ns-1', { data: many, labels: new Map(), forbidden: [] }, { resources: discovered, truncated: false });
  assert.equal(m.rows.length, maxMatrixRows);
  assert.equal(m.truncated, true);
});

test('why: a question becomes the attributes can-i --explain evaluates', () => {
  const a = whyAttributes({ user: 'system:serviceaccount:ns-1:k-sa-1', groups: ['system:serviceaccounts'], verb: 'get', resource: 'pods/log', name: 'p', namespace: 'ns-1', path: '' });
  assert.deepEqual([a.resourceRequest, a.apiGroup, a.resource, a.subresource, a.name, a.namespace, a.user.name], [true, '', 'pods', 'log', 'p', 'ns-1', 'system:serviceaccount:ns-1:k-sa-1']);
  const u = whyAttributes({ user: 'alice', groups: [], verb: 'get', resource: '', name: '', namespace: '', path: '/healthz' });
  assert.deepEqual([u.resourceRequest, u.path], [false, '/healthz']);
});

test('why, allowed: the server\'s reason, or (none given) which authorizer allowed it, as can-i --explain says', async () => {
  const asked: unknown[] = [];
  const client = (reason: string) => ({
    list: async () => ({ items: [] }),
    get: async () => ({}),
    create: async (_path: string, body: unknown) => {
      asked.push(body);
      return { status: { allowed: true, ...(reason ? { reason } : {}) } };
    },
  });
  const signal = new AbortController().signal;
  const q = { user: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'], verb: 'get', resource: 'nodes', name: 'n1', namespace: '', path: '' };
  const node = await why(client(''), q, signal);
  assert.deepEqual(node, { allowed: true, reason: '', evaluationError: '', explanation: 'Allowed by the Node authorizer, not RBAC: a node may act on its own Node object, the pods bound to it and what they use, and what every node reads.', fix: [] });
  const admin = await why(client(''), { ...q, user: 'root', groups: ['system:masters'] }, signal);
  assert.equal(admin.explanation, 'Allowed without RBAC: members of system:masters may do everything.');
  const other = await why(client(''), { ...q, user: 'alice', groups: ['system:authenticated'] }, signal);
  assert.match(other.explanation, /^Allowed without an RBAC reason: an authorizer other than RBAC/);
  const rbac = await why(client('RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "alice"'), { ...q, user: 'alice' }, signal);
  assert.equal(rbac.explanation, '');
  assert.equal(asked.length, 4);
});

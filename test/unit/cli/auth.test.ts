// `auth can-i`, `whoami`, `who-can`, `reconcile` against a fake API server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { accessTable } from '../../../src/cli/commands/auth-can-i.js';
import { reconcileBinding, reconcileRole } from '../../../src/cli/commands/auth-reconcile.js';
import { notFound, runA, startFakeCluster, status, type FakeCluster, type RecordedRequest } from './fake-cluster.js';

const rbac = '/apis/rbac.authorization.k8s.io/v1';
const list = (kind: string, items: unknown[]) => ({ body: { kind: `${kind}List`, apiVersion: 'rbac.authorization.k8s.io/v1', metadata: {}, items } });
const role = (name: string, namespace: string, rules: unknown[]) => ({ kind: 'Role', metadata: { name, namespace }, rules });
const clusterRole = (name: string, rules: unknown[]) => ({ kind: 'ClusterRole', metadata: { name }, rules });
const binding = (kind: string, name: string, namespace: string, roleKind: string, roleName: string, subjects: unknown[]) => ({
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: roleName },
  subjects,
});
const sa = { kind: 'ServiceAccount', name: 'k-sa-1', namespace: 'ns-1' };

/** The fake authorizer: the service account may list pods in ns-1; masters may do anything. */
function review(req: RecordedRequest) {
  const body = req.json() as { spec: { resourceAttributes?: Record<string, string>; nonResourceAttributes?: Record<string, string> } };
  const user = req.headers['impersonate-user'];
  const ra = body.spec.resourceAttributes;
  let allowed = user === undefined;
  let reason = '';
  // a node's own Node: the Node authorizer allows it, with no reason
  if (user === 'system:node:n1' && ra?.resource === 'nodes' && ra.name === 'n1') allowed = true;
  if (user === 'system:serviceaccount:ns-1:k-sa-1' && ra?.verb === 'list' && ra.resource === 'pods' && ra.namespace === 'ns-1') {
    allowed = true;
    reason = 'RBAC: allowed by RoleBinding "pod-lister-binding/ns-1" of Role "pod-lister" to ServiceAccount "k-sa-1/ns-1"';
  }
  return { status: 201, body: { ...body, status: { allowed, ...(reason ? { reason } : {}) } } };
}

let cluster: FakeCluster;
before(async () => {
  cluster = await startFakeCluster();
  cluster.on('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', review);
  cluster.on('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', (req) => {
    const user = req.headers['impersonate-user'];
    const userInfo = user === 'system:node:n1' ? { username: user, groups: ['system:nodes', 'system:authenticated'] } : user ? { username: user, groups: ['system:serviceaccounts', 'system:serviceaccounts:ns-1', 'system:authenticated'] } : { username: 'admin', groups: ['system:masters', 'system:authenticated'], extra: { 'authentication.kubernetes.io/credential-id': ['X509SHA256=ab'] } };
    return { status: 201, body: { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: {}, status: { userInfo } } };
  });
  cluster.on('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
    status: 201,
    body: {
      kind: 'SelfSubjectRulesReview',
      status: {
        resourceRules: [
          { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
          { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
          { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
          { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: ['web'] },
        ],
        nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/version'] }],
        incomplete: false,
      },
    },
  });
  cluster.on('GET', `${rbac}/clusterroles`, list('ClusterRole', [clusterRole('cluster-admin', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }]), clusterRole('public', [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }])]));
  cluster.on('GET', `${rbac}/clusterrolebindings`, list('ClusterRoleBinding', [binding('ClusterRoleBinding', 'cluster-admin', '', 'ClusterRole', 'cluster-admin', [{ kind: 'Group', name: 'system:masters', apiGroup: 'rbac.authorization.k8s.io' }]), binding('ClusterRoleBinding', 'public', '', 'ClusterRole', 'public', [{ kind: 'Group', name: 'system:authenticated' }])]));
  cluster.on('GET', `${rbac}/namespaces/ns-1/roles`, list('Role', [role('pod-lister', 'ns-1', [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }])]));
  cluster.on('GET', `${rbac}/namespaces/ns-1/rolebindings`, list('RoleBinding', [binding('RoleBinding', 'pod-lister-binding', 'ns-1', 'Role', 'pod-lister', [{ kind: 'ServiceAccount', name: 'k-sa-1' }])]));
  cluster.on('GET', `${rbac}/namespaces/default/roles`, list('Role', []));
  cluster.on('GET', `${rbac}/namespaces/default/rolebindings`, list('RoleBinding', []));
  // Every namespace's (who-can reads them all: a route to one namespace's permission may start in another).
  cluster.on('GET', `${rbac}/roles`, list('Role', [role('pod-lister', 'ns-1', [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }])]));
  cluster.on('GET', `${rbac}/rolebindings`, list('RoleBinding', [binding('RoleBinding', 'pod-lister-binding', 'ns-1', 'Role', 'pod-lister', [{ kind: 'ServiceAccount', name: 'k-sa-1' }])]));
});
after(() => cluster.close());

const asSA = '--as=system:serviceaccount:ns-1:k-sa-1';

test('can-i: yes, no with exit code 1, -q; the review sent', async () => {
  let r = await runA(cluster, ['auth', 'can-i', 'list', 'pods', '-n', 'ns-1', asSA]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'yes\n', '']);
  const sent = cluster.calls().at(-1)?.json();
  assert.deepEqual(sent, { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { resourceAttributes: { namespace: 'ns-1', verb: 'list', resource: 'pods' } }, status: { allowed: false } });
  r = await runA(cluster, ['auth', 'can-i', 'get', 'deployments.apps/web', '-n', 'ns-1', asSA, '--subresource=scale']);
  assert.deepEqual([r.code, r.stdout], [1, 'no\n']);
  assert.deepEqual((cluster.calls().at(-1)?.json() as { spec: unknown }).spec, { resourceAttributes: { namespace: 'ns-1', verb: 'get', group: 'apps', resource: 'deployments', subresource: 'scale', name: 'web' } });
  r = await runA(cluster, ['auth', 'can-i', 'list', 'pods', '-n', 'default', asSA, '-q']);
  assert.deepEqual([r.code, r.stdout], [1, '']);
  r = await runA(cluster, ['auth', 'can-i', 'get', '/healthz']);
  assert.deepEqual([r.code, r.stdout], [0, 'yes\n']);
  assert.deepEqual((cluster.calls().at(-1)?.json() as { spec: unknown }).spec, { nonResourceAttributes: { path: '/healthz', verb: 'get' } });
});

test('can-i: warnings for unknown types, verbs and cluster-scoped resources; -A drops the namespace', async () => {
  let r = await runA(cluster, ['auth', 'can-i', 'list', 'foos']);
  assert.equal(r.stderr, "Warning: the server doesn't have a resource type 'foos'\n\n");
  r = await runA(cluster, ['auth', 'can-i', 'frob', 'nodes']);
  assert.equal(r.stderr, "Warning: resource 'nodes' is not namespace scoped\n\nWarning: verb 'frob' is not a known verb\n\n");
  r = await runA(cluster, ['auth', 'can-i', 'impersonate', 'users', '-A']);
  assert.equal(r.stderr, '');
  assert.deepEqual((cluster.calls().at(-1)?.json() as { spec: unknown }).spec, { resourceAttributes: { verb: 'impersonate', resource: 'users' } });
});

const canIErrors: [string[], string][] = [
  [['auth', 'can-i', 'get'], "error: you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'a-kubectl auth can-i -h' for help and examples.\n"],
  [['auth', 'can-i', '--list', 'pods'], 'error: list option must be specified with no arguments\n'],
  [['auth', 'can-i', '--list', '-q'], "error: list option can't be specified with neither quiet, all-namespaces nor subresource options\n"],
  [['auth', 'can-i', 'get', '/healthz', '--subresource=x'], 'error: --subresource can not be used with NonResourceURL\n'],
  [['auth', 'can-i', 'get', 'pods', '--no-headers'], 'error: --no-headers cannot be set without --list specified\n'],
];
for (const [argv, stderr] of canIErrors) {
  test(`can-i refuses: ${argv.slice(2).join(' ')}`, async () => {
    const r = await runA(cluster, argv);
    assert.deepEqual([r.code, r.stderr], [1, stderr]);
  });
}

test('can-i --list: broken down, compacted, sorted as kubectl', async () => {
  const r = await runA(cluster, ['auth', 'can-i', '--list', '-n', 'ns-1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      'Resources                                       Non-Resource URLs   Resource Names   Verbs',
      'selfsubjectaccessreviews.authorization.k8s.io   []                  []               [create]',
      'selfsubjectrulesreviews.authorization.k8s.io    []                  []               [create]',
      '                                                [/healthz]          []               [get]',
      '                                                [/version]          []               [get]',
      'deployments.apps/scale                          []                  [web]            [get]',
      'pods                                            []                  []               [list get]',
      '',
    ].join('\n'),
  );
  assert.equal((cluster.calls().at(-1)?.json() as { spec: { namespace: string } }).spec.namespace, 'ns-1');
  assert.equal(accessTable({}, true), '');
});

test('can-i --explain: the allowing binding, or the closest rules and what they miss', async () => {
  let r = await runA(cluster, ['auth', 'can-i', 'list', 'pods', '-n', 'ns-1', asSA, '--explain']);
  assert.equal(r.stdout, 'yes\nRBAC: allowed by RoleBinding "pod-lister-binding/ns-1" of Role "pod-lister" to ServiceAccount "k-sa-1/ns-1"\n');
  r = await runA(cluster, ['auth', 'can-i', 'get', 'pods', '-n', 'ns-1', asSA, '--explain']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stdout,
    [
      'no',
      'Closest rules for User "system:serviceaccount:ns-1:k-sa-1" (groups=["system:serviceaccounts" "system:serviceaccounts:ns-1" "system:authenticated"]):',
      '  RoleBinding "pod-lister-binding/ns-1" of Role "pod-lister" to ServiceAccount "k-sa-1/ns-1":',
      '    {APIGroups:[""], Resources:["pods"], Verbs:["list"]}',
      '    missing: verb "get"',
      'To allow exactly this request:',
      '  a-kubectl create role pod-getter --verb=get --resource=pods --namespace=ns-1',
      '  a-kubectl create rolebinding pod-getter-binding --role=pod-getter --serviceaccount=ns-1:k-sa-1 --namespace=ns-1',
      '',
    ].join('\n'),
  );
  const rbacReads = cluster.calls().filter((c) => c.path.startsWith(rbac));
  assert.ok(rbacReads.length > 0 && rbacReads.every((c) => c.headers['impersonate-user'] === undefined), 'RBAC objects are read as the caller');
  r = await runA(cluster, ['auth', 'can-i', 'list', 'pods', '-n', 'default', asSA, '--explain']);
  // With every namespace's bindings readable, the same grant in ns-1 is the closest miss.
  assert.match(r.stdout, /^no\nClosest rules for User "system:serviceaccount:ns-1:k-sa-1" \(groups=\[.*\]\):\n  RoleBinding "pod-lister-binding\/ns-1" of Role "pod-lister" to ServiceAccount "k-sa-1\/ns-1":\n    \{APIGroups:\[""\], Resources:\["pods"\], Verbs:\["list"\]\}\n    missing: namespace "default" \(the RoleBinding grants in "ns-1" only\)\nTo allow exactly this request:\n  a-kubectl create role pod-lister --verb=list --resource=pods --namespace=default\n  a-kubectl create rolebinding pod-lister-binding --role=pod-lister --serviceaccount=ns-1:k-sa-1 --namespace=default\n$/);
  // allowed with no reason: which authorizer, from who was asked about
  r = await runA(cluster, ['auth', 'can-i', 'delete', 'nodes', '--explain']);
  assert.equal(r.stdout, 'yes\nAllowed without RBAC: members of system:masters may do everything.\n');
  r = await runA(cluster, ['auth', 'can-i', 'get', 'nodes/n1', '--as=system:node:n1', '--as-group=system:nodes', '--explain']);
  assert.equal(r.stdout, 'yes\nAllowed by the Node authorizer, not RBAC: a node may act on its own Node object, the pods bound to it and what they use, and what every node reads.\n');
  r = await runA(cluster, ['auth', 'can-i', 'post', '/healthz', asSA, '--explain']);
  assert.match(r.stdout, /^no\nClosest rules .*\n  ClusterRoleBinding "public" of ClusterRole "public" to Group "system:authenticated":\n    \{NonResourceURLs:\["\/healthz"\], Verbs:\["get"\]\}\n    missing: verb "post"\nTo allow exactly this request:\n  a-kubectl create clusterrole url-healthz-poster --verb=post --non-resource-url=\/healthz\n  a-kubectl create clusterrolebinding url-healthz-poster-binding --clusterrole=url-healthz-poster --serviceaccount=ns-1:k-sa-1\n$/);
});

test('whoami: table, -o json, v1beta1 fallback, not enabled', async () => {
  let r = await runA(cluster, ['auth', 'whoami']);
  assert.equal(
    r.stdout,
    [
      'ATTRIBUTE                                           VALUE',
      'Username                                            admin',
      'Groups                                              [system:masters system:authenticated]',
      'Extra: authentication.kubernetes.io/credential-id   [X509SHA256=ab]',
      '',
    ].join('\n'),
  );
  r = await runA(cluster, ['auth', 'whoami', '-o', 'json']);
  assert.equal((JSON.parse(r.stdout) as { kind: string }).kind, 'SelfSubjectReview');

  const old = await startFakeCluster();
  old.on('POST', '/apis/authentication.k8s.io/v1beta1/selfsubjectreviews', { status: 201, body: { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1beta1', metadata: {}, status: { userInfo: { username: 'u', uid: 'id-1' } } } });
  r = await runA(old, ['auth', 'whoami']);
  assert.equal(r.stdout, 'ATTRIBUTE   VALUE\nUsername    u\nUID         id-1\n');
  const none = await startFakeCluster();
  r = await runA(none, ['auth', 'whoami']);
  assert.equal(r.stderr, 'error: the selfsubjectreviews API is not enabled in the cluster\nenable APISelfSubjectReview feature gate and authentication.k8s.io/v1alpha1 or authentication.k8s.io/v1beta1 API\n');
  none.on('POST', /selfsubjectreviews$/, status(403, 'Forbidden', 'forbidden'));
  r = await runA(none, ['auth', 'whoami']);
  assert.equal(r.stderr, 'error: the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it\n');
  await old.close();
  await none.close();
});

test('who-can: every subject with the binding and role that grant it', async () => {
  let r = await runA(cluster, ['auth', 'who-can', 'list', 'pods', '-n', 'ns-1']);
  assert.equal(
    r.stdout,
    [
      'KIND             SUBJECT          BINDING                               ROLE',
      'Group            system:masters   ClusterRoleBinding/cluster-admin      ClusterRole/cluster-admin',
      'ServiceAccount   ns-1/k-sa-1      RoleBinding/ns-1/pod-lister-binding   Role/pod-lister',
      '',
    ].join('\n'),
  );
  r = await runA(cluster, ['auth', 'who-can', 'get', '/healthz', '--no-headers']);
  assert.equal(r.stdout, 'Group   system:masters         ClusterRoleBinding/cluster-admin   ClusterRole/cluster-admin\nGroup   system:authenticated   ClusterRoleBinding/public          ClusterRole/public\n');
  r = await runA(cluster, ['auth', 'who-can', 'list', 'pods', '-n', 'default']);
  assert.doesNotMatch(r.stdout, /k-sa-1/);
});

test('who-can without the right to list every namespace\'s bindings answers from the namespace\'s own, and says so', async () => {
  const c = await startFakeCluster();
  try {
    for (const path of [`${rbac}/roles`, `${rbac}/rolebindings`]) c.on('GET', path, status(403, 'Forbidden', 'rolebindings.rbac.authorization.k8s.io is forbidden: User "u" cannot list resource "rolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope'));
    c.on('GET', `${rbac}/clusterroles`, list('ClusterRole', []));
    c.on('GET', `${rbac}/clusterrolebindings`, list('ClusterRoleBinding', []));
    c.on('GET', `${rbac}/namespaces/ns-1/roles`, list('Role', [role('pod-lister', 'ns-1', [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }])]));
    c.on('GET', `${rbac}/namespaces/ns-1/rolebindings`, list('RoleBinding', [binding('RoleBinding', 'pod-lister-binding', 'ns-1', 'Role', 'pod-lister', [{ kind: 'ServiceAccount', name: 'k-sa-1' }])]));
    const r = await runA(c, ['auth', 'who-can', 'list', 'pods', '-n', 'ns-1', '--no-headers']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ServiceAccount   ns-1/k-sa-1   RoleBinding/ns-1/pod-lister-binding   Role/pod-lister\n');
    assert.match(r.stderr, /^Warning: routes that start in other namespaces are not shown: rolebindings\.rbac\.authorization\.k8s\.io is forbidden/);
  } finally {
    await c.close();
  }
});

test('reconcile: rules and subjects merged, extras removed on request', () => {
  const existing = { kind: 'Role', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'r', namespace: 'ns-1', resourceVersion: '5' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['delete'], apiGroups: [''], resources: ['secrets'] }] };
  const expected = { kind: 'Role', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'r', namespace: 'ns-1' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] };
  const added = reconcileRole(existing, expected, false);
  assert.equal(added.operation, 'update');
  assert.deepEqual(added.missingRules, [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]);
  assert.equal((added.object.rules as unknown[]).length, 3);
  const removed = reconcileRole(existing, expected, true);
  assert.deepEqual(removed.object.rules, expected.rules);
  assert.equal(reconcileRole(expected, expected, true).operation, 'none');
  assert.equal(reconcileRole(undefined, expected, false).operation, 'create');

  const b = (subjects: unknown[], roleName = 'r') => ({ kind: 'RoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'b', namespace: 'ns-1' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName }, subjects });
  const u = { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'u' };
  const merged = reconcileBinding(b([u]), b([sa]), false);
  assert.deepEqual(merged.object.subjects, [u, sa]);
  assert.deepEqual(reconcileBinding(b([u]), b([sa]), true).object.subjects, [sa]);
  assert.equal(reconcileBinding(b([u]), b([u], 'other'), false).operation, 'recreate');
});

test('reconcile -f: creates the namespace and the role, updates a binding, reports on stderr', async () => {
  const c = await startFakeCluster();
  c.on('GET', `${rbac}/namespaces/ns-9/roles/pod-lister`, notFound('roles', 'pod-lister', 'rbac.authorization.k8s.io'));
  c.on('GET', '/api/v1/namespaces/ns-9', notFound('namespaces', 'ns-9'));
  c.on('POST', '/api/v1/namespaces', (req) => ({ status: 201, body: req.json() }));
  c.on('POST', `${rbac}/namespaces/ns-9/roles`, (req) => ({ status: 201, body: req.json() }));
  c.on('GET', `${rbac}/namespaces/ns-9/rolebindings/b`, { body: { kind: 'RoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'b', namespace: 'ns-9', resourceVersion: '3' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-lister' }, subjects: [] } });
  c.on('PUT', `${rbac}/namespaces/ns-9/rolebindings/b`, (req) => ({ body: req.json() }));
  const yaml = [
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: Role',
    'metadata: {name: pod-lister, namespace: ns-9}',
    'rules: [{verbs: [list], apiGroups: [""], resources: [pods]}]',
    '---',
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: RoleBinding',
    'metadata: {name: b, namespace: ns-9}',
    'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-lister}',
    'subjects: [{kind: ServiceAccount, name: k-sa-1, namespace: ns-9}]',
    '---',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: ignored}',
    '',
  ].join('\n');
  const r = await runA(c, ['auth', 'reconcile', '-f', '-'], { stdin: Readable.from([yaml]) });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'role.rbac.authorization.k8s.io/pod-lister reconciled\nrolebinding.rbac.authorization.k8s.io/b reconciled\n');
  assert.equal(
    r.stderr,
    [
      '\treconciliation required create',
      '\tmissing rules added:',
      '\t\t{Verbs:[list] APIGroups:[] Resources:[pods] ResourceNames:[] NonResourceURLs:[]}',
      '\treconciliation required update',
      '\tmissing subjects added:',
      '\t\t{Kind:ServiceAccount APIGroup: Name:k-sa-1 Namespace:ns-9}',
      '',
    ].join('\n'),
  );
  assert.deepEqual(c.calls().map((x) => `${x.method} ${x.path}`), [
    `GET ${rbac}/namespaces/ns-9/roles/pod-lister`,
    'GET /api/v1/namespaces/ns-9',
    'POST /api/v1/namespaces',
    `POST ${rbac}/namespaces/ns-9/roles`,
    `GET ${rbac}/namespaces/ns-9/rolebindings/b`,
    `PUT ${rbac}/namespaces/ns-9/rolebindings/b`,
  ]);
  await c.close();
});

// The `kube-dns` Service loop runs as its own user: every request it makes (creating the objects, then updating
// them) is allowed by its Role, and nothing beyond its own three objects is. (The `kubernetes` Service is kept by
// each API server's endpoint reconciler, src/controllers/apiserver-identity.ts, which also lists and deletes Leases
// and slices.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { RbacIndex } from '../../../src/auth/authz/rbac-index.js';
import { rbacDecision } from '../../../src/auth/authz/rbac.js';
import type { Attributes, UserInfo } from '../../../src/auth/types.js';
import type { ControllerClient } from '../../../src/client/control/types.js';
import { ApiError } from '../../../src/client/api-error.js';
import { clusterDnsServiceIdentity, reconcileClusterDnsService } from '../../../src/controllers/cluster-dns-service.js';
import { selfServicePolicy, type SelfServiceIdentity } from '../../../src/controllers/self-service-policy.js';
import { FakeApi } from './fake-client.js';

function index(): RbacIndex {
  const i = new RbacIndex();
  const p = selfServicePolicy([clusterDnsServiceIdentity]);
  for (const r of p.roles) i.upsert('Role', r);
  for (const b of p.roleBindings) i.upsert('RoleBinding', b);
  return i;
}

const userOf = (id: SelfServiceIdentity): UserInfo => ({ name: id.user, groups: ['system:authenticated'] });

function attrs(user: UserInfo, verb: string, path: string): Attributes {
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/u.exec(path);
  assert.ok(m, path);
  return { user, verb, resourceRequest: true, namespace: m[2]!, apiGroup: m[1] ?? '', apiVersion: 'v1', resource: m[3]!, subresource: '', name: m[4] ?? '', path };
}

/** A client that asks the RBAC authorizer about every call before the fake API answers it. */
function authorizing(api: FakeApi, rbac: RbacIndex, user: UserInfo, asked: string[]): ControllerClient {
  const check = (verb: string, path: string) => {
    asked.push(`${verb} ${path}`);
    const d = rbacDecision(rbac, attrs(user, verb, path));
    if (d.decision !== 'allow') throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', message: `${user.name} may not ${verb} ${path}`, code: 403 });
  };
  return {
    get: async (path) => (check('get', path), api.get(path)),
    list: async (path) => (check('list', path), api.list(path)),
    create: async (path, body) => (check('create', path), api.create(path, body)),
    update: async (path, body) => (check('update', path), api.update(path, body)),
    patch: async (path, body) => (check('patch', path), api.patch(path, body)),
    delete: async (path) => (check('delete', path), api.delete(path)),
  } as ControllerClient;
}

const loops = [
  { id: clusterDnsServiceIdentity, run: (client: ControllerClient, address: string) => reconcileClusterDnsService({ client, address }) },
];

for (const loop of loops) {
  test(`${loop.id.user}: creates and then updates ${loop.id.namespace}/${loop.id.name} within its Role`, async () => {
    const api = new FakeApi();
    const asked: string[] = [];
    const client = authorizing(api, index(), userOf(loop.id), asked);
    await loop.run(client, '192.0.2.1');
    assert.equal(api.writes('create').length, 3);
    await loop.run(client, '192.0.2.2');
    assert.equal(api.writes('update').length, 2, 'the Endpoints and the EndpointSlice follow the new address');
    assert.ok(asked.some((a) => a.startsWith('get ')) && asked.some((a) => a.startsWith('update ')));
  });
}

test('the loop may not touch anything but its own three objects', () => {
  const rbac = index();
  const dns = userOf(clusterDnsServiceIdentity);
  const cases: [UserInfo, string, string, boolean][] = [
    [dns, 'update', '/api/v1/namespaces/kube-system/services/kube-dns', true],
    [dns, 'get', '/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices/kube-dns', true],
    [dns, 'create', '/api/v1/namespaces/kube-system/endpoints', true],
    [dns, 'update', '/api/v1/namespaces/kube-system/services/web', false],
    [dns, 'delete', '/api/v1/namespaces/kube-system/services/kube-dns', false],
    [dns, 'patch', '/api/v1/namespaces/kube-system/services/kube-dns', false],
    [dns, 'list', '/api/v1/namespaces/kube-system/services', false],
    [dns, 'create', '/api/v1/namespaces/kube-system/pods', false],
    [dns, 'create', '/api/v1/namespaces/default/services', false],
    [dns, 'update', '/api/v1/namespaces/default/services/kubernetes', false],
    [dns, 'update', '/api/v1/namespaces/kube-system/endpoints/kube-controller-manager', false],
    [dns, 'get', '/api/v1/namespaces/kube-system/secrets/kube-dns', false],
  ];
  for (const [user, verb, path, allowed] of cases) {
    assert.equal(rbacDecision(rbac, attrs(user, verb, path)).decision === 'allow', allowed, `${user.name} ${verb} ${path}`);
  }
});

test('the Roles and RoleBindings are bootstrap objects the server reconciles', () => {
  const p = selfServicePolicy([clusterDnsServiceIdentity]);
  const [role, binding] = [p.roles[0] as KubeObject, p.roleBindings[0] as KubeObject];
  assert.equal(role.metadata.namespace, 'kube-system');
  assert.equal(role.metadata.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults');
  assert.deepEqual(binding['subjects'], [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: clusterDnsServiceIdentity.user }]);
});

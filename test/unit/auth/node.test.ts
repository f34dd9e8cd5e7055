import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import type { Attributes, UserInfo } from '../../../src/auth/types.js';
import { nodeAuthorizer } from '../../../src/auth/authz/node.js';
import { NodeGraph } from '../../../src/auth/authz/node-graph.js';
import { bootstrapClusterRoles } from '../../../src/auth/authz/bootstrap-policy.js';
import { rulesOf } from '../../../src/auth/authz/rbac-types.js';

const nodeRole = bootstrapClusterRoles().find((r) => r.metadata.name === 'system:node');
assert.ok(nodeRole);
const pods: KubeObject[] = [
  { kind: 'Pod', metadata: { name: 'web', namespace: 'ns-1' }, spec: { nodeName: 'n1', serviceAccountName: 'k-sa-1', volumes: [{ name: 'v', secret: { secretName: 'web-tls' } }, { name: 'kube-api-access-x', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt' } }] } }], containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'env' } }] }] } },
  { kind: 'Pod', metadata: { name: 'other', namespace: 'ns-1' }, spec: { nodeName: 'n2', volumes: [{ name: 'v', secret: { secretName: 'db-pass' } }] } },
];
const graph = new NodeGraph();
for (const p of pods) graph.upsertPod(p);
const authz = nodeAuthorizer({ nodeRules: rulesOf(nodeRole), graph });
const n1: UserInfo = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };

function res(verb: string, resource: string, name: string, o: Partial<Attributes> = {}): Attributes {
  return { user: n1, verb, resourceRequest: true, namespace: 'ns-1', apiGroup: '', apiVersion: 'v1', resource, subresource: '', name, path: '', ...o };
}

const cases: { name: string; attrs: Attributes; allowed: boolean }[] = [
  { name: 'secret of its pod', attrs: res('get', 'secrets', 'web-tls'), allowed: true },
  { name: 'secret of a pod on another node', attrs: res('get', 'secrets', 'db-pass'), allowed: false },
  { name: 'list secrets', attrs: res('list', 'secrets', ''), allowed: false },
  { name: 'watch one secret of its pod (fieldSelector metadata.name)', attrs: res('watch', 'secrets', 'web-tls'), allowed: true },
  { name: 'update a secret of its pod', attrs: res('update', 'secrets', 'web-tls'), allowed: false },
  { name: 'configmap through a projected volume', attrs: res('get', 'configmaps', 'kube-root-ca.crt'), allowed: true },
  { name: 'configmap through envFrom', attrs: res('get', 'configmaps', 'env'), allowed: true },
  { name: 'token for its pod service account', attrs: res('create', 'serviceaccounts', 'k-sa-1', { subresource: 'token' }), allowed: true },
  { name: 'token for another service account', attrs: res('create', 'serviceaccounts', 'admin', { subresource: 'token' }), allowed: false },
  { name: 'watch pods (system:node role)', attrs: res('watch', 'pods', '', { namespace: '' }), allowed: true },
  { name: 'update its own node status', attrs: res('patch', 'nodes', 'n1', { namespace: '', subresource: 'status' }), allowed: true },
  // the authorizer lets a node write any Node; NodeRestriction (admission) limits it to its own
  { name: 'update another node status (NodeRestriction refuses it)', attrs: res('patch', 'nodes', 'n2', { namespace: '', subresource: 'status' }), allowed: true },
  { name: 'get its own lease', attrs: res('get', 'leases', 'n1', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease' }), allowed: true },
  { name: 'update its own lease', attrs: res('update', 'leases', 'n1', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease' }), allowed: true },
  { name: 'create a lease (NodeRestriction checks the name)', attrs: res('create', 'leases', '', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease' }), allowed: true },
  { name: 'get another node\'s lease', attrs: res('get', 'leases', 'n2', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease' }), allowed: false },
  { name: 'delete another node\'s lease', attrs: res('delete', 'leases', 'n2', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease' }), allowed: false },
  { name: 'list leases', attrs: res('list', 'leases', '', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease' }), allowed: false },
  { name: 'a lease outside kube-node-lease', attrs: res('get', 'leases', 'n1', { apiGroup: 'coordination.k8s.io', namespace: 'kube-system' }), allowed: false },
  { name: 'get its own CSINode', attrs: res('get', 'csinodes', 'n1', { apiGroup: 'storage.k8s.io', namespace: '' }), allowed: true },
  { name: 'update its own CSINode', attrs: res('update', 'csinodes', 'n1', { apiGroup: 'storage.k8s.io', namespace: '' }), allowed: true },
  { name: 'create a CSINode (NodeRestriction checks the name)', attrs: res('create', 'csinodes', '', { apiGroup: 'storage.k8s.io', namespace: '' }), allowed: true },
  { name: 'get another node\'s CSINode', attrs: res('get', 'csinodes', 'n2', { apiGroup: 'storage.k8s.io', namespace: '' }), allowed: false },
  { name: 'delete another node\'s CSINode', attrs: res('delete', 'csinodes', 'n2', { apiGroup: 'storage.k8s.io', namespace: '' }), allowed: false },
  { name: 'list CSINodes', attrs: res('list', 'csinodes', '', { apiGroup: 'storage.k8s.io', namespace: '' }), allowed: false },
  { name: 'not a node', attrs: { ...res('get', 'secrets', 'web-tls'), user: { name: 'system:node:n1', groups: ['system:authenticated'] } }, allowed: false },
];
for (const c of cases) {
  test(`node authorizer: ${c.name}`, async () => {
    assert.equal((await authz.authorize(c.attrs)).decision === 'allow', c.allowed);
  });
}

test('node authorizer: the reasons for refused CSINode requests are upstream\'s', async () => {
  const csi = (verb: string, name: string, subresource = '') => res(verb, 'csinodes', name, { apiGroup: 'storage.k8s.io', namespace: '', subresource });
  assert.deepEqual(await authz.authorize(csi('get', 'n2')), { decision: 'no-opinion', reason: 'can only access CSINode with the same name as the requesting node' });
  assert.deepEqual(await authz.authorize(csi('watch', 'n1')), { decision: 'no-opinion', reason: 'can only get, create, update, patch, or delete a CSINode' });
  assert.deepEqual(await authz.authorize(csi('get', 'n1', 'status')), { decision: 'no-opinion', reason: 'cannot authorize CSINode subresources' });
});

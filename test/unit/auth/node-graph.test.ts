// The Node authorizer's graph, changed object by object: pods added, moved, changed and deleted; volumes and their
// secrets; volume attachments; and the authorizer's answers over it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { NodeGraph, nodeGraphSinks } from '../../../src/auth/authz/node-graph.js';
import { nodeAuthorizer } from '../../../src/auth/authz/node.js';
import { bootstrapClusterRoles } from '../../../src/auth/authz/bootstrap-policy.js';
import { rulesOf } from '../../../src/auth/authz/rbac-types.js';
import type { Attributes } from '../../../src/auth/types.js';

function pod(name: string, nodeName: string, spec: Record<string, unknown> = {}, namespace = 'ns-1'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'x' }], ...spec } };
}

const withSecret = (secretName: string) => ({ volumes: [{ name: 'v', secret: { secretName } }] });

test('a pod bound to a node links the node to the objects it names, and only in its namespace', () => {
  const g = new NodeGraph();
  g.upsertPod(pod('web', 'n1', { serviceAccountName: 'sa', imagePullSecrets: [{ name: 'pull' }], volumes: [{ name: 'c', configMap: { name: 'cfg' } }, { name: 'd', persistentVolumeClaim: { claimName: 'data' } }, { name: 'e', ephemeral: { volumeClaimTemplate: {} } }], containers: [{ name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'k' } } }] }] }));
  assert.ok(g.hasPath('n1', 'pods', 'ns-1', 'web'));
  assert.ok(g.hasPath('n1', 'serviceaccounts', 'ns-1', 'sa'));
  assert.ok(g.hasPath('n1', 'secrets', 'ns-1', 'pull'));
  assert.ok(g.hasPath('n1', 'secrets', 'ns-1', 'env-secret'));
  assert.ok(g.hasPath('n1', 'configmaps', 'ns-1', 'cfg'));
  assert.ok(g.hasPath('n1', 'persistentvolumeclaims', 'ns-1', 'data'));
  assert.ok(g.hasPath('n1', 'persistentvolumeclaims', 'ns-1', 'web-e'), 'the generic ephemeral volume claim');
  assert.ok(!g.hasPath('n1', 'secrets', 'ns-2', 'pull'), 'same name, other namespace');
  assert.ok(!g.hasPath('n2', 'secrets', 'ns-1', 'pull'), 'other node');
  assert.ok(!g.hasPath('n1', 'secrets', 'ns-1', 'cfg'), 'other kind');
});

test('an unscheduled pod links nothing until it is bound; moving, changing and deleting pods moves the edges', () => {
  const g = new NodeGraph();
  g.upsertPod(pod('web', '', withSecret('s')));
  assert.ok(!g.hasPath('n1', 'secrets', 'ns-1', 's'));
  g.upsertPod(pod('web', 'n1', withSecret('s')));
  assert.ok(g.hasPath('n1', 'secrets', 'ns-1', 's'));
  // the pod now names another secret: the old edge goes
  g.upsertPod(pod('web', 'n1', withSecret('t')));
  assert.ok(!g.hasPath('n1', 'secrets', 'ns-1', 's'));
  assert.ok(g.hasPath('n1', 'secrets', 'ns-1', 't'));
  // two pods on the node share a secret: deleting one keeps the edge, deleting both drops it
  g.upsertPod(pod('api', 'n1', withSecret('t')));
  g.removePod(pod('web', 'n1'));
  assert.ok(g.hasPath('n1', 'secrets', 'ns-1', 't'));
  assert.ok(!g.hasPath('n1', 'pods', 'ns-1', 'web'));
  g.removePod(pod('api', 'n1'));
  assert.ok(!g.hasPath('n1', 'secrets', 'ns-1', 't'));
  // removing what is not there is harmless
  g.removePod(pod('ghost', 'n1'));
  assert.deepEqual(g.stats(), { pods: 0, volumes: 0, attachments: 0 });
});

test('a persistent volume is reachable through the claim of a pod on the node, and so are its kubelet-visible secrets', () => {
  const g = new NodeGraph();
  const pv: KubeObject = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'pv-1' },
    spec: { claimRef: { namespace: 'ns-1', name: 'data' }, csi: { driver: 'd', volumeHandle: 'h', nodePublishSecretRef: { name: 'publish' }, nodeStageSecretRef: { name: 'stage', namespace: 'ns-2' }, controllerPublishSecretRef: { name: 'controller' } } },
  };
  g.upsertPersistentVolume(pv);
  assert.ok(!g.hasPath('n1', 'persistentvolumes', '', 'pv-1'), 'no pod uses the claim yet');
  g.upsertPod(pod('db', 'n1', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] }));
  assert.ok(g.hasPath('n1', 'persistentvolumes', '', 'pv-1'));
  assert.ok(g.hasPath('n1', 'secrets', 'ns-1', 'publish'), 'namespace of the claim');
  assert.ok(g.hasPath('n1', 'secrets', 'ns-2', 'stage'), 'namespace named in the reference');
  assert.ok(!g.hasPath('n1', 'secrets', 'ns-1', 'controller'), 'controller secrets are not the kubelet\'s');
  assert.ok(!g.hasPath('n2', 'persistentvolumes', '', 'pv-1'));
  // the volume is released: the path goes
  g.upsertPersistentVolume({ ...pv, spec: { csi: (pv['spec'] as Record<string, unknown>)['csi'] } });
  assert.ok(!g.hasPath('n1', 'persistentvolumes', '', 'pv-1'));
  assert.ok(!g.hasPath('n1', 'secrets', 'ns-1', 'publish'));
  g.upsertPersistentVolume(pv);
  g.removePersistentVolume(pv);
  assert.ok(!g.hasPath('n1', 'secrets', 'ns-2', 'stage'));
});

test('a volume attachment belongs to the node it names', () => {
  const g = new NodeGraph();
  const va: KubeObject = { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'va-1' }, spec: { nodeName: 'n1', attacher: 'x', source: {} } };
  g.upsertVolumeAttachment(va);
  assert.ok(g.hasPath('n1', 'volumeattachments', '', 'va-1'));
  assert.ok(!g.hasPath('n2', 'volumeattachments', '', 'va-1'));
  g.removeVolumeAttachment(va);
  assert.ok(!g.hasPath('n1', 'volumeattachments', '', 'va-1'));
});

test('a relist replaces what the graph held for that resource', () => {
  const g = new NodeGraph();
  const sinks = nodeGraphSinks(g);
  sinks.pods.upsert(pod('a', 'n1', withSecret('old')));
  sinks.pods.replace([pod('b', 'n1', withSecret('new'))]);
  assert.ok(!g.hasPath('n1', 'secrets', 'ns-1', 'old'));
  assert.ok(g.hasPath('n1', 'secrets', 'ns-1', 'new'));
  assert.equal(g.stats().pods, 1);
});

const nodeRole = bootstrapClusterRoles().find((r) => r.metadata.name === 'system:node');
assert.ok(nodeRole);
const user = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const attrs = (verb: string, resource: string, name: string, o: Partial<Attributes> = {}): Attributes => ({ user, verb, resourceRequest: true, namespace: 'ns-1', apiGroup: '', apiVersion: 'v1', resource, subresource: '', name, path: '', ...o });

test('the authorizer follows the graph as pods come and go', async () => {
  const g = new NodeGraph();
  const authz = nodeAuthorizer({ nodeRules: rulesOf(nodeRole), graph: g });
  const get = (resource: string, name: string, o: Partial<Attributes> = {}) => authz.authorize(attrs('get', resource, name, o));
  assert.deepEqual(await get('secrets', 's'), { decision: 'no-opinion', reason: "no relationship found between node 'n1' and this object" });
  g.upsertPod(pod('web', 'n1', { ...withSecret('s'), volumes: [{ name: 'v', secret: { secretName: 's' } }, { name: 'd', persistentVolumeClaim: { claimName: 'data' } }] }));
  assert.equal((await get('secrets', 's')).decision, 'allow');
  assert.equal((await get('persistentvolumeclaims', 'data')).decision, 'allow');
  assert.deepEqual(await authz.authorize(attrs('list', 'persistentvolumeclaims', 'data')), { decision: 'no-opinion', reason: 'can only get individual resources of this type' });
  assert.equal((await authz.authorize(attrs('patch', 'persistentvolumeclaims', 'data', { subresource: 'status' }))).decision, 'allow');
  assert.deepEqual(await get('secrets', ''), { decision: 'no-opinion', reason: 'No Object name found' });
  assert.deepEqual(await get('secrets', 's', { namespace: '' }), { decision: 'no-opinion', reason: 'can only read namespaced object of this type' });
  g.upsertPersistentVolume({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' }, spec: { claimRef: { namespace: 'ns-1', name: 'data' } } });
  assert.equal((await get('persistentvolumes', 'pv-1', { namespace: '' })).decision, 'allow');
  g.upsertPod(pod('web', 'n2', withSecret('s')));
  assert.equal((await get('secrets', 's')).decision, 'no-opinion', 'the pod moved to another node');
  assert.equal((await get('persistentvolumes', 'pv-1', { namespace: '' })).decision, 'no-opinion');
});

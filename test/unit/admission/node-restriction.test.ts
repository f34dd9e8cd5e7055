// NodeRestriction on a node's requests: deletes, leases, evictions, its own Node (taints, labels), mirror pods' owner
// references and node CSRs (create of pods and nodes are also driven end to end in test/e2e/node-restriction.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { StatusError } from '../../../src/api/status.js';
import { staticLookup } from '../../../src/auth/lookup.js';
import { nodeRestrictionAdmission } from '../../../src/admission/node-restriction.js';
import type { AdmissionRequest } from '../../../src/admission/types.js';
import type { UserInfo } from '../../../src/auth/types.js';

const n1: UserInfo = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const admin: UserInfo = { name: 'admin', groups: ['system:masters'] };
const pods = { group: '', version: 'v1', resource: 'pods', kind: 'Pod' };
const nodes = { group: '', version: 'v1', resource: 'nodes', kind: 'Node' };
const leases = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease' };
const csinodes = { group: 'storage.k8s.io', version: 'v1', resource: 'csinodes', kind: 'CSINode' };
const csiNode = (name: string): KubeObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name }, spec: { drivers: [] } });

const pod = (name: string, nodeName: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns-1' }, spec: { nodeName, containers: [] } });
const lease = (name: string, namespace = 'kube-node-lease'): KubeObject => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace } });
const node = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });

const plugin = nodeRestrictionAdmission({ lookup: staticLookup([pod('mine', 'n1'), pod('theirs', 'n2')]) });

function del(resource: AdmissionRequest['resource'], old: KubeObject, user = n1, name = old.metadata.name ?? ''): AdmissionRequest {
  return { operation: 'DELETE', resource, subresource: '', namespace: old.metadata.namespace ?? '', name, object: structuredClone(old), oldObject: old, user, dryRun: false };
}

function write(operation: 'CREATE' | 'UPDATE', resource: AdmissionRequest['resource'], obj: KubeObject, o: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return { operation, resource, subresource: '', namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '', object: obj, ...(operation === 'UPDATE' ? { oldObject: obj } : {}), user: n1, dryRun: false, ...o };
}

async function refusal(p: Promise<void> | undefined): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return `${e.code} ${e.message}`;
  }
  return 'allowed';
}

const cases: { name: string; run: () => Promise<void> | undefined; want: string }[] = [
  { name: 'delete a pod bound to itself', run: () => plugin.validate?.(del(pods, pod('mine', 'n1'))), want: 'allowed' },
  { name: 'delete a pod bound to another node', run: () => plugin.validate?.(del(pods, pod('theirs', 'n2'))), want: '403 pods "theirs" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself' },
  { name: 'delete an unscheduled pod', run: () => plugin.validate?.(del(pods, pod('pending', ''))), want: '403 pods "pending" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself' },
  { name: 'an administrator deletes any pod', run: () => plugin.validate?.(del(pods, pod('theirs', 'n2'), admin)), want: 'allowed' },
  { name: 'delete its own Node', run: () => plugin.validate?.(del(nodes, node('n1'))), want: 'allowed' },
  { name: 'delete another Node', run: () => plugin.validate?.(del(nodes, node('n2'))), want: '403 nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"' },
  { name: 'delete its own Lease', run: () => plugin.validate?.(del(leases, lease('n1'))), want: 'allowed' },
  { name: 'delete another node\'s Lease', run: () => plugin.validate?.(del(leases, lease('n2'))), want: '403 leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node' },
  { name: 'create its own Lease', run: () => plugin.validate?.(write('CREATE', leases, lease('n1'), { name: 'n1' })), want: 'allowed' },
  { name: 'create a Lease named for another node', run: () => plugin.validate?.(write('CREATE', leases, lease('n2'))), want: '403 leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node' },
  { name: 'create a Lease in another namespace', run: () => plugin.validate?.(write('CREATE', leases, lease('n1', 'kube-system'))), want: '403 leases.coordination.k8s.io "n1" is forbidden: can only access leases in the "kube-node-lease" system namespace' },
  { name: 'update its own Lease', run: () => plugin.validate?.(write('UPDATE', leases, lease('n1'))), want: 'allowed' },
  { name: 'create its own CSINode', run: () => plugin.validate?.(write('CREATE', csinodes, csiNode('n1'), { name: '' })), want: 'allowed' },
  { name: 'create a CSINode named for another node', run: () => plugin.validate?.(write('CREATE', csinodes, csiNode('n2'), { name: '' })), want: '403 csinodes.storage.k8s.io is forbidden: can only access CSINode with the same name as the requesting node' },
  { name: 'update its own CSINode', run: () => plugin.validate?.(write('UPDATE', csinodes, csiNode('n1'))), want: 'allowed' },
  { name: 'update another node\'s CSINode', run: () => plugin.validate?.(write('UPDATE', csinodes, csiNode('n2'))), want: '403 csinodes.storage.k8s.io "n2" is forbidden: can only access CSINode with the same name as the requesting node' },
  { name: 'delete another node\'s CSINode', run: () => plugin.validate?.(del(csinodes, csiNode('n2'))), want: '403 csinodes.storage.k8s.io "n2" is forbidden: can only access CSINode with the same name as the requesting node' },
  { name: 'an administrator deletes any CSINode', run: () => plugin.validate?.(del(csinodes, csiNode('n2'), admin)), want: 'allowed' },
  { name: 'update another node\'s Lease', run: () => plugin.validate?.(write('UPDATE', leases, lease('n2'))), want: '403 leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node' },
  { name: 'evict a pod bound to itself', run: () => plugin.validate?.(write('CREATE', pods, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'mine', namespace: 'ns-1' } }, { subresource: 'eviction' })), want: 'allowed' },
  { name: 'evict a pod bound to another node', run: () => plugin.validate?.(write('CREATE', pods, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'theirs', namespace: 'ns-1' } }, { subresource: 'eviction' })), want: '403 pods "theirs" is forbidden: node n1 can only evict pods with spec.nodeName set to itself' },
  { name: 'evict a pod that does not exist', run: () => plugin.validate?.(write('CREATE', pods, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'gone', namespace: 'ns-1' } }, { subresource: 'eviction' })), want: '404 pods "gone" not found' },
  { name: 'update a pod (not its status)', run: () => plugin.validate?.(write('UPDATE', pods, pod('mine', 'n1'))), want: '403 pods "mine" is forbidden: unexpected operation "UPDATE", node "n1" can only create and delete mirror pods' },
];

for (const c of cases) {
  test(`NodeRestriction: ${c.name}`, async () => {
    assert.equal(await refusal(c.run()), c.want);
  });
}

const taint = { key: 'dedicated', value: 'db', effect: 'NoSchedule' };
const labelled = (labels: Record<string, string>, taints?: unknown[]): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels }, spec: taints ? { taints } : {} });
const nodeUpdate = (now: KubeObject, before: KubeObject): AdmissionRequest => ({ ...write('UPDATE', nodes, now), oldObject: before });
const csrs = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests', kind: 'CertificateSigningRequest' };

const nodeCases: typeof cases = [
  { name: 'register with the kubelet\'s own labels', run: () => plugin.validate?.(write('CREATE', nodes, labelled({ 'kubernetes.io/hostname': 'n1', 'kubernetes.io/os': 'linux', 'node.kubernetes.io/exclude-from-external-load-balancers': '', 'example.com/x': 'y' }), { name: '' })), want: 'allowed' },
  { name: 'register with a node-restriction label', run: () => plugin.validate?.(write('CREATE', nodes, labelled({ 'node-restriction.kubernetes.io/pci': 'yes', 'a.node-restriction.kubernetes.io/b': '1' }), { name: '' })), want: '403 nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: a.node-restriction.kubernetes.io/b, node-restriction.kubernetes.io/pci' },
  { name: 'register as another node', run: () => plugin.validate?.(write('CREATE', nodes, node('n2'), { name: '' })), want: '403 nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"' },
  { name: 'register with a configSource', run: () => plugin.validate?.(write('CREATE', nodes, { ...node('n1'), spec: { configSource: { configMap: {} } } })), want: '403 nodes "n1" is forbidden: node "n1" is not allowed to create pods with a non-nil configSource' },
  { name: 'add a taint to itself', run: () => plugin.validate?.(nodeUpdate(labelled({}, [taint]), labelled({}))), want: '403 nodes "n1" is forbidden: node "n1" is not allowed to modify taints' },
  { name: 'lift its own taint', run: () => plugin.validate?.(nodeUpdate(labelled({}), labelled({}, [taint]))), want: '403 nodes "n1" is forbidden: node "n1" is not allowed to modify taints' },
  { name: 'an empty taint list is no taint', run: () => plugin.validate?.(nodeUpdate(labelled({}, []), labelled({}))), want: 'allowed' },
  { name: 'keep an unchanged forbidden label while adding its own', run: () => plugin.validate?.(nodeUpdate(labelled({ 'node-role.kubernetes.io/worker': '', 'example.com/x': 'y' }), labelled({ 'node-role.kubernetes.io/worker': '' }))), want: 'allowed' },
  { name: 'remove a node-role label', run: () => plugin.validate?.(nodeUpdate(labelled({}), labelled({ 'node-role.kubernetes.io/worker': '' }))), want: '403 nodes "n1" is forbidden: is not allowed to modify labels: node-role.kubernetes.io/worker' },
  { name: 'change a k8s.io label', run: () => plugin.validate?.(nodeUpdate(labelled({ 'x.k8s.io/y': '2' }), labelled({ 'x.k8s.io/y': '1' }))), want: '403 nodes "n1" is forbidden: is not allowed to modify labels: x.k8s.io/y' },
  { name: 'change a kubelet.kubernetes.io label', run: () => plugin.validate?.(nodeUpdate(labelled({ 'kubelet.kubernetes.io/x': '2' }), labelled({}))), want: 'allowed' },
  { name: 'an administrator lifts a taint', run: () => plugin.validate?.({ ...nodeUpdate(labelled({}), labelled({}, [taint])), user: admin }), want: 'allowed' },
  { name: 'change a pod\'s labels through its status', run: () => plugin.validate?.({ ...write('UPDATE', pods, { ...pod('mine', 'n1'), metadata: { name: 'mine', namespace: 'ns-1', labels: { moved: 'yes' } } }, { subresource: 'status' }), oldObject: pod('mine', 'n1') }), want: '403 pods "mine" is forbidden: node "n1" cannot update labels through pod status' },
  { name: 'a CSR that cannot be parsed', run: () => plugin.validate?.(write('CREATE', csrs, { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'c' }, spec: { signerName: 'kubernetes.io/kubelet-serving', request: 'bm90IGEgY3Ny' } })), want: '403 certificatesigningrequests.certificates.k8s.io "c" is forbidden: unable to parse csr: PEM block type must be CERTIFICATE REQUEST' },
  { name: 'a CSR for another signer is not its business', run: () => plugin.validate?.(write('CREATE', csrs, { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'c' }, spec: { signerName: 'example.com/x', request: 'bm90IGEgY3Ny' } })), want: 'allowed' },
];

for (const c of nodeCases) {
  test(`NodeRestriction: ${c.name}`, async () => {
    assert.equal(await refusal(c.run()), c.want);
  });
}

test('NodeRestriction: a mirror pod is controlled by the node\'s own Node, with its UID', async () => {
  const self: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u-1' } };
  const withNode = nodeRestrictionAdmission({ lookup: staticLookup([self]) });
  const mirror = (owners: unknown[]): AdmissionRequest =>
    write('CREATE', pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'm', namespace: 'ns-1', annotations: { 'kubernetes.io/config.mirror': 'h' }, ownerReferences: owners as never }, spec: { nodeName: 'n1', containers: [] } });
  const ref = { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'u-1', controller: true };
  assert.equal(await refusal(withNode.validate?.(mirror([ref]))), 'allowed');
  assert.equal(await refusal(withNode.validate?.(mirror([]))), '403 pods "m" is forbidden: node "n1" can only create pods with an owner reference set to itself');
  assert.equal(await refusal(withNode.validate?.(mirror([{ ...ref, controller: false }]))), '403 pods "m" is forbidden: node "n1" can only create pods with a controller owner reference set to itself');
  assert.equal(await refusal(withNode.validate?.(mirror([{ ...ref, blockOwnerDeletion: true }]))), '403 pods "m" is forbidden: node "n1" must not set blockOwnerDeletion on an owner reference');
  assert.equal(await refusal(withNode.validate?.(mirror([{ ...ref, uid: 'u-0' }]))), '403 pods "m" is forbidden: node n1 UID mismatch: expected u-0 got u-1');
  assert.equal(await refusal(withNode.validate?.(mirror([{ ...ref, name: 'n2' }]))), '403 pods "m" is forbidden: node "n1" can only create pods with an owner reference set to itself');
});

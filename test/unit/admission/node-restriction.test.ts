// NodeRestriction on a node's DELETE, lease and eviction requests (create/update of pods and nodes are driven
// end to end in test/e2e/node-restriction.test.ts).
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

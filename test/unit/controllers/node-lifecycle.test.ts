import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { FakeClock } from '../../../src/client/workqueue.js';
import { podsByNodeIndex, reconcileNode, tolerationWindowSeconds, type NodeLifecycleDeps } from '../../../src/controllers/node-lifecycle.js';
import { FakeApi, RecordingRecorder } from './fake-client.js';

const nodesPath = '/api/v1/nodes';
const leasesPath = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
const podsPath = '/api/v1/namespaces/ns/pods';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function node(readyStatus: string, at: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', resourceVersion: '1' },
    spec: {},
    status: { conditions: [{ type: 'Ready', status: readyStatus, reason: 'KubeletReady', lastHeartbeatTime: iso(at), lastTransitionTime: iso(at) }, { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: iso(at), lastTransitionTime: iso(at) }] },
  };
}

const lease = (at: number): KubeObject => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'n1', renewTime: new Date(at).toISOString() } });

function pod(name: string, tolerations: Record<string, unknown>[]): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid: `uid-${name}` }, spec: { nodeName: 'n1', tolerations, containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
}

test('a node that stops renewing its Lease turns Unknown, is tainted unreachable, and its pods go by their tolerations; recovery removes the taints', async () => {
  const clock = new FakeClock();
  const start = clock.now();
  const api = new FakeApi();
  api.seed(nodesPath, node('True', start));
  api.seed(leasesPath, lease(start));
  api.seed(podsPath,
    pod('plain', []),
    pod('patient', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]),
    pod('daemon', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }]),
  );
  const recorder = new RecordingRecorder();
  const heartbeats: NodeLifecycleDeps['heartbeats'] = new Map();
  const deps = (): NodeLifecycleDeps => ({
    client: api,
    nodes: api.indexer(nodesPath),
    leases: api.indexer(leasesPath),
    pods: api.indexer(podsPath, { [podsByNodeIndex]: (p: KubeObject) => [String((p['spec'] as { nodeName?: string }).nodeName ?? '')] }),
    clock,
    recorder,
    gracePeriodMs: 40_000,
    heartbeats,
  });
  const current = () => api.objects.get(`${nodesPath}/n1`) as KubeObject;

  assert.equal(await reconcileNode('n1', deps()), undefined);
  assert.equal(api.writes().length, 0, 'a fresh node is left alone');

  clock.advance(30_000);
  assert.equal(await reconcileNode('n1', deps()), undefined);
  assert.equal(api.writes().length, 0, 'within the grace period');

  clock.advance(15_000);
  const result = await reconcileNode('n1', deps());
  const conditions = (current()['status'] as { conditions: Record<string, unknown>[] }).conditions;
  assert.deepEqual(conditions.map((c) => [c['type'], c['status'], c['reason'], c['message']]), [
    ['Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'],
    ['MemoryPressure', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'],
    ['DiskPressure', 'Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.'],
    ['PIDPressure', 'Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.'],
  ]);
  assert.equal(conditions.find((c) => c['type'] === 'Ready')?.['status'], 'Unknown');
  assert.equal(conditions.find((c) => c['type'] === 'Ready')?.['message'], 'Kubelet stopped posting node status.');
  const taints = (current()['spec'] as { taints: Record<string, unknown>[] }).taints;
  assert.deepEqual(taints.map((t) => `${String(t['key'])}:${String(t['effect'])}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
  assert.equal(taints[1]?.['timeAdded'], iso(clock.now()));
  assert.equal(api.objects.has(`${podsPath}/plain`), false, 'a pod that does not tolerate the taint is evicted at once');
  assert.ok(api.objects.has(`${podsPath}/patient`) && api.objects.has(`${podsPath}/daemon`));
  assert.deepEqual(result, { requeueAfterMs: 300_000 }, 'back when the patient pod\'s toleration runs out');
  const readyOf = (name: string) => ((api.objects.get(`${podsPath}/${name}`) as KubeObject)['status'] as { conditions: Record<string, unknown>[] }).conditions[0]?.['status'];
  assert.equal(readyOf('patient'), 'False', 'pods on the node are no longer Ready');
  assert.ok(recorder.events.includes('Normal TaintManagerEviction plain: Marking for deletion Pod ns/plain'));
  assert.ok(recorder.events.includes('Normal NodeNotReady n1: Node n1 status is now: NodeNotReady'));

  clock.advance(300_000);
  assert.equal(await reconcileNode('n1', deps()), undefined);
  assert.equal(api.objects.has(`${podsPath}/patient`), false, 'evicted once its tolerationSeconds passed');
  assert.ok(api.objects.has(`${podsPath}/daemon`), 'a toleration without seconds keeps the pod');

  // The agent comes back: it renews its Lease and reports Ready.
  api.seed(leasesPath, lease(clock.now()));
  const back = current();
  back['status'] = node('True', clock.now())['status'];
  api.objects.set(`${nodesPath}/n1`, back);
  await reconcileNode('n1', deps());
  assert.deepEqual((current()['spec'] as { taints: unknown[] }).taints, [], 'the lifecycle taints are gone');
});

test('a node that reports Ready=False is tainted not-ready; a restart of the controller gives every node a full grace period', async () => {
  const clock = new FakeClock();
  const api = new FakeApi();
  // a heartbeat from long ago, as after a control-plane restart
  api.seed(nodesPath, node('False', clock.now() - 3_600_000));
  api.seed(leasesPath, lease(clock.now() - 3_600_000));
  const deps: NodeLifecycleDeps = { client: api, nodes: api.indexer(nodesPath), leases: api.indexer(leasesPath), pods: api.indexer(podsPath, { [podsByNodeIndex]: () => [] }), clock, gracePeriodMs: 40_000, heartbeats: new Map() };
  await reconcileNode('n1', deps);
  const n = api.objects.get(`${nodesPath}/n1`) as KubeObject;
  assert.equal(((n['status'] as { conditions: Record<string, unknown>[] }).conditions[0])?.['status'], 'False', 'not marked Unknown: the controller has only just seen it');
  assert.deepEqual(((n['spec'] as { taints: Record<string, unknown>[] }).taints).map((t) => `${String(t['key'])}:${String(t['effect'])}`), ['node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute']);
});

test('tolerationWindowSeconds: the shortest matching toleration, 0 for an untolerated taint, forever without seconds', () => {
  const taint = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }];
  assert.equal(tolerationWindowSeconds([], taint), 0);
  assert.equal(tolerationWindowSeconds([{ operator: 'Exists' }], taint), Infinity);
  assert.equal(tolerationWindowSeconds([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 60 }, { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }], taint), 30);
  assert.equal(tolerationWindowSeconds([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }], taint), 0, 'another effect does not count');
});

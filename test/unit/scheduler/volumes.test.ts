import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { Indexer } from '../../../src/client/informer.js';
import { FakeClock } from '../../../src/client/workqueue.js';
import { NodeCache } from '../../../src/scheduler/node-cache.js';
import { scheduleOne, type SchedulerDeps } from '../../../src/scheduler/scheduler.js';
import { FakeApi, RecordingRecorder } from '../controllers/fake-client.js';

const PVC = '/api/v1/namespaces/ns/persistentvolumeclaims';
const node = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  spec: {},
  status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
});
const pod = (claim: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns', uid: 'uid-p' },
  spec: { schedulerName: 'default-scheduler', containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: claim } }] },
  status: { phase: 'Pending' },
});
const claim = (name: string, cls: string, extra: Record<string, unknown> = {}, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, ...(annotations ? { annotations } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: cls, ...extra },
});
const sc = (name: string, mode: string): KubeObject => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: 'a-kube.io/local-path', volumeBindingMode: mode });
const pinnedVolume = (name: string, nodeName: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/x' }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] } } },
});

function deps(api: FakeApi, p: KubeObject, claims: KubeObject[], volumes: KubeObject[] = [], classes: KubeObject[] = [sc('wait', 'WaitForFirstConsumer'), sc('now', 'Immediate')]): SchedulerDeps {
  return {
    client: api,
    pods: new Indexer({}, [p]),
    nodes: new Indexer({}, [node('a'), node('b')]),
    cache: new NodeCache(),
    recorder: new RecordingRecorder(),
    clock: new FakeClock(),
    unschedulable: new Set(),
    volumes: { claims: new Indexer({}, claims), volumes: new Indexer({}, volumes), classes: new Indexer({}, classes) },
  };
}

test('a missing claim or an unbound Immediate claim keeps the pod pending with the scheduler\'s words', async () => {
  const api = new FakeApi();
  const missing = deps(api, pod('gone'), []);
  assert.deepEqual(await scheduleOne('ns/p', missing), { requeueAfterMs: 60_000 });
  assert.deepEqual((missing.recorder as RecordingRecorder).events, ['Warning FailedScheduling p: 0/2 nodes are available: persistentvolumeclaim "gone" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.']);
  const immediate = deps(api, pod('c'), [claim('c', 'now')]);
  await scheduleOne('ns/p', immediate);
  assert.match((immediate.recorder as RecordingRecorder).events[0] ?? '', /pod has unbound immediate PersistentVolumeClaims/);
});

test('a bound claim takes the pod to its volume\'s node', async () => {
  const api = new FakeApi();
  api.seed('/api/v1/namespaces/ns/pods', pod('c'));
  const d = deps(api, pod('c'), [claim('c', 'wait', { volumeName: 'pv-b' })], [pinnedVolume('pv-b', 'b')]);
  await scheduleOne('ns/p', d);
  assert.deepEqual((api.writes('create')[0]?.body as KubeObject)['target'], { apiVersion: 'v1', kind: 'Node', name: 'b' });
});

test('a WaitForFirstConsumer claim is told the chosen node, and the pod waits for the binding', async () => {
  const api = new FakeApi();
  api.seed(PVC, claim('c', 'wait'));
  const d = deps(api, pod('c'), [claim('c', 'wait')]);
  const r = await scheduleOne('ns/p', d);
  assert.deepEqual(r, { requeueAfterMs: 500 });
  const update = api.writes('update')[0];
  assert.equal(update?.path, `${PVC}/c`);
  const selected = (update?.body as KubeObject).metadata.annotations?.['volume.kubernetes.io/selected-node'];
  assert.ok(selected === 'a' || selected === 'b');
  assert.equal(api.writes('create').length, 0, 'not bound before the claim is');
  // Still unbound but annotated: the pod stays with that node and keeps waiting.
  const again = deps(api, pod('c'), [claim('c', 'wait', {}, { 'volume.kubernetes.io/selected-node': selected ?? '' })]);
  assert.deepEqual(await scheduleOne('ns/p', again), { requeueAfterMs: 500 });
  assert.equal(api.writes('update').length, 1);
});

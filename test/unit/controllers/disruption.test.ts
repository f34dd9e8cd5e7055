import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { deletionTimeoutMs, reconcileDisruption, type DisruptionDeps } from '../../../src/controllers/disruption.js';
import { FakeApi, RecordingRecorder } from './fake-client.js';

const pdbPath = '/apis/policy/v1/namespaces/ns/poddisruptionbudgets';
const podPath = '/api/v1/namespaces/ns/pods';
const rsPath = '/apis/apps/v1/namespaces/ns/replicasets';
const deployPath = '/apis/apps/v1/namespaces/ns/deployments';
const stsPath = '/apis/apps/v1/namespaces/ns/statefulsets';
const rcPath = '/api/v1/namespaces/ns/replicationcontrollers';
const T0 = Date.parse('2024-05-01T12:00:00Z');

const pdb = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: 'web', namespace: 'ns', generation: 1 },
  spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
  status: { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0, ...status },
});
const pod = (name: string, ready: boolean, owner?: { kind: string; name: string; apiVersion?: string }, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: 'ns',
    labels: { app: 'web' },
    ...(owner ? { ownerReferences: [{ apiVersion: owner.apiVersion ?? 'apps/v1', kind: owner.kind, name: owner.name, uid: `uid-${owner.name}`, controller: true }] } : {}),
    ...extra,
  },
  spec: { containers: [{ name: 'c', image: 'i' }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

function deps(api: FakeApi, recorder = new RecordingRecorder(), now = T0): DisruptionDeps {
  return {
    client: api,
    recorder,
    now: () => now,
    pdbs: api.indexer(pdbPath),
    pods: api.indexer(podPath),
    replicasets: api.indexer(rsPath),
    deployments: api.indexer(deployPath),
    statefulsets: api.indexer(stsPath),
    replicationcontrollers: api.indexer(rcPath),
  };
}

const statusOf = (api: FakeApi) => (api.objects.get(`${pdbPath}/web`) as KubeObject)['status'] as Record<string, unknown>;

test('minAvailable 2 of 3 ready pods allows one disruption: counters, SufficientPods condition, observedGeneration', async () => {
  const api = new FakeApi();
  api.seed(pdbPath, pdb({ minAvailable: 2 }));
  api.seed(podPath, pod('a', true), pod('b', true), pod('c', true), pod('d', false), { ...pod('other', true), metadata: { name: 'other', namespace: 'ns', labels: { app: 'x' } } });
  await reconcileDisruption('ns/web', deps(api));
  const status = statusOf(api);
  assert.deepEqual(
    { ...status, conditions: undefined },
    { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 4, observedGeneration: 1, conditions: undefined },
  );
  assert.deepEqual(status['conditions'], [
    { type: 'DisruptionAllowed', status: 'True', observedGeneration: 1, lastTransitionTime: '2024-05-01T12:00:00Z', reason: 'SufficientPods', message: '' },
  ]);
  assert.equal(api.writes().at(-1)?.path, `${pdbPath}/web/status`);
  const writes = api.actions.length;
  await reconcileDisruption('ns/web', deps(api));
  assert.equal(api.actions.length, writes, 'an up-to-date status is not written again');
});

test('maxUnavailable and percentages use the controllers\' scale (a Deployment through its ReplicaSet)', async () => {
  const api = new FakeApi();
  api.seed(deployPath, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ns', uid: 'uid-web' }, spec: { replicas: 4 } });
  api.seed(rsPath, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-1', namespace: 'ns', uid: 'uid-web-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web', controller: true }] },
    spec: { replicas: 4 },
  });
  api.seed(podPath, pod('a', true, { kind: 'ReplicaSet', name: 'web-1' }), pod('b', true, { kind: 'ReplicaSet', name: 'web-1' }), pod('c', true, { kind: 'ReplicaSet', name: 'web-1' }));
  api.seed(pdbPath, pdb({ maxUnavailable: '25%' }));
  await reconcileDisruption('ns/web', deps(api));
  // 4 expected, 25% rounds up to 1 unavailable → 3 desired healthy; 3 healthy → nothing to spare.
  assert.deepEqual([statusOf(api)['expectedPods'], statusOf(api)['desiredHealthy'], statusOf(api)['currentHealthy'], statusOf(api)['disruptionsAllowed']], [4, 3, 3, 0]);
  assert.equal((statusOf(api)['conditions'] as { reason: string }[])[0]?.reason, 'InsufficientPods');

  api.seed(pdbPath, pdb({ minAvailable: '50%' }));
  await reconcileDisruption('ns/web', deps(api));
  assert.deepEqual([statusOf(api)['expectedPods'], statusOf(api)['desiredHealthy'], statusOf(api)['disruptionsAllowed']], [4, 2, 1]);
});

test('a controller that cannot be found fails safe: no disruptions, SyncFailed with the reason, a Warning event', async () => {
  const api = new FakeApi();
  const recorder = new RecordingRecorder();
  api.seed(podPath, pod('a', true, { kind: 'ReplicaSet', name: 'gone' }));
  api.seed(pdbPath, pdb({ maxUnavailable: 1 }, { disruptionsAllowed: 3 }));
  await reconcileDisruption('ns/web', deps(api, recorder));
  assert.equal(statusOf(api)['disruptionsAllowed'], 0);
  assert.deepEqual((statusOf(api)['conditions'] as Record<string, unknown>[])[0], {
    type: 'DisruptionAllowed', status: 'False', observedGeneration: 0, lastTransitionTime: '2024-05-01T12:00:00Z', reason: 'SyncFailed', message: 'found no controllers for pod "a"',
  });
  assert.deepEqual(recorder.events, ['Warning CalculateExpectedPodCountFailed web: Failed to calculate the number of expected pods: found no controllers for pod "a"']);
});

test('pods the eviction API let go stop counting as healthy until deleted or two minutes pass', async () => {
  const api = new FakeApi();
  api.seed(podPath, pod('a', true), pod('b', true), pod('c', true), pod('d', true, undefined, { deletionTimestamp: '2024-05-01T11:59:59Z' }));
  const evictedAt = '2024-05-01T11:59:30Z';
  api.seed(pdbPath, pdb({ minAvailable: 1 }, { disruptedPods: { a: evictedAt, d: evictedAt, gone: evictedAt } }));
  const result = await reconcileDisruption('ns/web', deps(api));
  // a: still expected to go (not counted); d: already being deleted (dropped); gone: no such pod (dropped).
  assert.deepEqual(statusOf(api)['disruptedPods'], { a: evictedAt });
  assert.deepEqual([statusOf(api)['currentHealthy'], statusOf(api)['disruptionsAllowed']], [2, 1]);
  assert.deepEqual(result, { requeueAfterMs: Date.parse(evictedAt) + deletionTimeoutMs - T0 });

  const recorder = new RecordingRecorder();
  await reconcileDisruption('ns/web', deps(api, recorder, Date.parse(evictedAt) + deletionTimeoutMs + 1000));
  assert.equal(statusOf(api)['disruptedPods'], undefined);
  assert.deepEqual([statusOf(api)['currentHealthy'], statusOf(api)['disruptionsAllowed']], [3, 2]);
  assert.deepEqual(recorder.events, ["Warning NotDeleted a: Pod was expected by PDB ns/web to be deleted but it wasn't"]);
});

test('no matching pods: a NoPods event and nothing allowed', async () => {
  const api = new FakeApi();
  const recorder = new RecordingRecorder();
  api.seed(pdbPath, pdb({ maxUnavailable: 1 }));
  await reconcileDisruption('ns/web', deps(api, recorder));
  assert.deepEqual([statusOf(api)['expectedPods'], statusOf(api)['disruptionsAllowed']], [0, 0]);
  assert.deepEqual(recorder.events, ['Normal NoPods web: No matching pods found']);
});

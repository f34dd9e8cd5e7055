import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { FakeClock } from '../../../src/client/workqueue.js';
import { Expectations } from '../../../src/controllers/expectations.js';
import { reconcileReplicaSet, replicationControllerKind, type ReplicaSetDeps } from '../../../src/controllers/replicaset.js';
import { FakeApi, RecordingRecorder } from './fake-client.js';

const rsPath = '/apis/apps/v1/namespaces/ns/replicasets';
const podPath = '/api/v1/namespaces/ns/pods';

const replicaSet = (replicas: number, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'web-abc', namespace: 'ns', uid: 'rs-uid', generation: 2, resourceVersion: '7' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, ...extra },
});

const ownerRef = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-uid', controller: true, blockOwnerDeletion: true };

function pod(name: string, opts: { ready?: boolean; node?: string; phase?: string; owned?: boolean; labels?: Record<string, string>; created?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: opts.labels ?? { app: 'web' }, creationTimestamp: opts.created ?? '2024-05-01T10:00:00Z', ...(opts.owned === false ? {} : { ownerReferences: [ownerRef] }) },
    spec: { ...(opts.node ? { nodeName: opts.node } : {}) },
    status: { phase: opts.phase ?? (opts.ready ? 'Running' : 'Pending'), conditions: [{ type: 'Ready', status: opts.ready ? 'True' : 'False', lastTransitionTime: '2024-05-01T10:00:00Z' }] },
  };
}

function setup(rs: KubeObject, pods: KubeObject[]) {
  const api = new FakeApi();
  api.seed(rsPath, rs);
  api.seed(podPath, ...pods);
  const recorder = new RecordingRecorder();
  const clock = new FakeClock();
  const deps = (): ReplicaSetDeps => ({ client: api, replicaSets: api.indexer(rsPath), pods: api.indexer(podPath), expectations, recorder, clock });
  const expectations = new Expectations(clock);
  return { api, recorder, deps, expectations, clock };
}

test('creates the missing pods from the template with generateName and a controller reference', async () => {
  const { api, recorder, deps } = setup(replicaSet(3), [pod('web-abc-1', { ready: true, node: 'n1' })]);
  await reconcileReplicaSet('ns/web-abc', deps());
  const creates = api.writes('create');
  assert.equal(creates.length, 2);
  const body = creates[0]?.body as KubeObject;
  assert.equal(creates[0]?.path, podPath);
  assert.equal(body.metadata.generateName, 'web-abc-');
  assert.deepEqual(body.metadata.labels, { app: 'web' });
  assert.deepEqual(body.metadata.ownerReferences, [ownerRef]);
  assert.deepEqual(body['spec'], { containers: [{ name: 'c', image: 'nginx' }] });
  assert.equal(recorder.events.filter((e) => e.startsWith('Normal SuccessfulCreate web-abc: Created pod: web-abc-')).length, 2);
});

test('expectations stop a second pass from creating again before the informer has seen the pods', async () => {
  const { api, deps, expectations } = setup(replicaSet(2), []);
  const stale = deps();
  await reconcileReplicaSet('ns/web-abc', stale);
  await reconcileReplicaSet('ns/web-abc', { ...stale, pods: stale.pods }); // cache still empty
  assert.equal(api.writes('create').length, 2);
  expectations.creationObserved('ns/web-abc');
  expectations.creationObserved('ns/web-abc');
  await reconcileReplicaSet('ns/web-abc', deps()); // cache now has both
  assert.equal(api.writes('create').length, 2);
});

test('scaling down deletes unscheduled, then not-ready, then newest pods first', async () => {
  const { api, deps } = setup(replicaSet(1), [
    pod('old-ready', { ready: true, node: 'n1', created: '2024-05-01T09:00:00Z' }),
    pod('unscheduled'),
    pod('not-ready', { node: 'n1' }),
    pod('new-ready', { ready: true, node: 'n1', created: '2024-05-01T09:30:00Z' }),
  ]);
  await reconcileReplicaSet('ns/web-abc', deps());
  assert.deepEqual(
    api.writes('delete').map((a) => a.path).sort(),
    [`${podPath}/new-ready`, `${podPath}/not-ready`, `${podPath}/unscheduled`],
  );
});

test('adopts a matching orphan and releases an owned pod whose labels no longer match', async () => {
  const { api, deps } = setup(replicaSet(2), [pod('orphan', { owned: false, ready: true, node: 'n1' }), pod('strayed', { labels: { app: 'other' } }), pod('mine', { ready: true, node: 'n1' })]);
  await reconcileReplicaSet('ns/web-abc', deps());
  const patches = api.writes('patch');
  const adopt = patches.find((p) => p.path.endsWith('/orphan'));
  const release = patches.find((p) => p.path.endsWith('/strayed'));
  assert.deepEqual((adopt?.body as KubeObject).metadata.ownerReferences, [ownerRef]);
  assert.equal((release?.body as KubeObject).metadata.ownerReferences, null);
  assert.equal(api.writes('create').length, 0, 'the adopted pod counts');
});

test('status counts replicas, ready, available (minReadySeconds) and observedGeneration', async () => {
  const { api, deps, clock } = setup(replicaSet(2, { minReadySeconds: 10 }), [pod('a', { ready: true, node: 'n1' }), pod('b', { node: 'n1' })]);
  clock.advance(0);
  const result = await reconcileReplicaSet('ns/web-abc', { ...deps(), clock: { now: () => Date.parse('2024-05-01T10:00:05Z'), setTimer: clock.setTimer.bind(clock) } });
  const status = api.writes('update').find((a) => a.path === `${rsPath}/web-abc/status`);
  assert.deepEqual((status?.body as KubeObject)['status'], { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 1, observedGeneration: 2 });
  assert.deepEqual(result, { requeueAfterMs: 5001 }, 'looks again when the ready pod becomes available');
});

test('a ReplicaSet that is gone needs nothing', async () => {
  const { api, deps } = setup(replicaSet(1), []);
  await reconcileReplicaSet('ns/missing', deps());
  assert.equal(api.actions.length, 0);
});

test('a failed create is reported as an event and a ReplicaFailure condition, and retried', async () => {
  const { api, deps, recorder } = setup(replicaSet(1), []);
  api.failWith = (a) => (a.verb === 'create' ? new Error('pods "x" is forbidden: exceeded quota') : undefined);
  await assert.rejects(reconcileReplicaSet('ns/web-abc', deps()), /exceeded quota/);
  assert.deepEqual(recorder.events, ['Warning FailedCreate web-abc: Error creating: pods "x" is forbidden: exceeded quota']);
  const status = (api.writes('update')[0]?.body as KubeObject)['status'] as { conditions: { reason: string }[] };
  assert.equal(status.conditions[0]?.reason, 'FailedCreate');
});

test('a ReplicationController: label-map selector, v1 owner reference, status written to replicationcontrollers/status', async () => {
  const rcPath = '/api/v1/namespaces/ns/replicationcontrollers';
  const rc: KubeObject = {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'web-rc', namespace: 'ns', uid: 'rc-uid', generation: 1, resourceVersion: '3' },
    spec: { replicas: 2, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
  const orphan = pod('loose', { owned: false, ready: true, node: 'n1' });
  const api = new FakeApi();
  api.seed(rcPath, rc);
  api.seed(podPath, orphan);
  const clock = new FakeClock();
  const deps: ReplicaSetDeps = { client: api, kind: replicationControllerKind, replicaSets: api.indexer(rcPath), pods: api.indexer(podPath), expectations: new Expectations(clock), recorder: new RecordingRecorder(), clock };
  await reconcileReplicaSet('ns/web-rc', deps);
  const rcRef = { apiVersion: 'v1', kind: 'ReplicationController', name: 'web-rc', uid: 'rc-uid', controller: true, blockOwnerDeletion: true };
  // The orphan is adopted (patched with the RC as owner) and one more pod is created.
  const creates = api.writes('create');
  assert.equal(creates.length, 1);
  assert.deepEqual((creates[0]?.body as KubeObject).metadata.ownerReferences, [rcRef]);
  assert.ok(api.writes('patch').some((w) => w.path === `${podPath}/loose`));
  const status = api.writes('update').find((w) => w.path === `${rcPath}/web-rc/status`);
  assert.ok(status, 'status written');
  assert.equal(((status.body as KubeObject)['status'] as Record<string, unknown>)['replicas'], 1);
});

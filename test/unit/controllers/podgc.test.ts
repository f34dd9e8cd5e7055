import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { ApiError } from '../../../src/client/api-error.js';
import { Indexer } from '../../../src/client/informer.js';
import { FakeClock } from '../../../src/client/workqueue.js';
import { collectPods, outOfServiceTaintKey, quarantineMs, type PodGcDeps } from '../../../src/controllers/podgc.js';
import { FakeApi } from './fake-client.js';

const podsPath = '/api/v1/namespaces/ns/pods';
const nodesPath = '/api/v1/nodes';

function pod(name: string, o: { phase?: string; node?: string; created?: number; reason?: string; terminating?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      creationTimestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, o.created ?? 0)).toISOString(),
      ...(o.terminating ? { deletionTimestamp: '2024-05-01T09:00:00Z', deletionGracePeriodSeconds: 30 } : {}),
    },
    spec: { ...(o.node !== undefined ? { nodeName: o.node } : { nodeName: 'n1' }), containers: [{ name: 'c', image: 'i' }] },
    status: { phase: o.phase ?? 'Running', ...(o.reason ? { reason: o.reason } : {}) },
  };
}

function node(name: string, ready: boolean, taints: { key: string; effect: string }[] = []): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { taints }, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } };
}

function setUp(pods: KubeObject[], nodes: KubeObject[], threshold = 12_500): { api: FakeApi; clock: FakeClock; deps: PodGcDeps; logs: string[] } {
  const api = new FakeApi();
  api.seed(podsPath, ...structuredClone(pods));
  api.seed(nodesPath, ...structuredClone(nodes));
  const clock = new FakeClock();
  const logs: string[] = [];
  const deps: PodGcDeps = { client: api, pods: new Indexer({}, pods), nodes: new Indexer({}, nodes), clock, log: (l) => logs.push(l), terminatedPodThreshold: threshold, missingNodes: new Map() };
  return { api, clock, deps, logs };
}

const deleted = (api: FakeApi) => api.writes('delete').map((a) => a.path.split('/').pop());
const statusPatches = (api: FakeApi) => api.writes('patch').filter((a) => a.path.endsWith('/status'));

test('terminated pods beyond the threshold are deleted, evicted ones first, then oldest first; running pods are kept', async () => {
  const pods = [
    pod('done-3', { phase: 'Succeeded', created: 3 }),
    pod('done-1', { phase: 'Succeeded', created: 1 }),
    pod('failed-2', { phase: 'Failed', created: 2 }),
    pod('evicted-9', { phase: 'Failed', created: 9, reason: 'Evicted' }),
    pod('failed-5', { phase: 'Failed', created: 5 }),
    pod('running-0', { created: 0 }),
    pod('pending-0', { phase: 'Pending', created: 0 }),
  ];
  const { api, deps } = setUp(pods, [node('n1', true)], 2);
  assert.deepEqual(await collectPods(deps), { requeueAfterMs: 20_000 });
  assert.deepEqual(deleted(api), ['evicted-9', 'done-1', 'failed-2']);
  assert.deepEqual(api.writes('delete')[0]?.body, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid: 'uid-evicted-9' } });
  assert.equal(statusPatches(api).length, 0, 'terminal pods keep their phase');
});

test('a threshold of 0 keeps every terminated pod; at or below the threshold nothing is deleted', async () => {
  const pods = [pod('a', { phase: 'Succeeded' }), pod('b', { phase: 'Failed' })];
  for (const threshold of [0, -1, 2, 5]) {
    const { api, deps } = setUp(pods, [node('n1', true)], threshold);
    await collectPods(deps);
    assert.deepEqual(deleted(api), [], `threshold ${threshold}`);
  }
});

test('terminating pods on a NotReady node with the out-of-service taint are marked Failed and force-deleted', async () => {
  const taint = { key: outOfServiceTaintKey, effect: 'NoExecute' };
  const nodes = [node('down', false, [taint]), node('notready', false), node('ready', true, [taint])];
  const pods = [
    pod('stuck', { node: 'down', terminating: true, created: 2 }),
    pod('stuck-older', { node: 'down', terminating: true, created: 1 }),
    pod('live-on-down', { node: 'down' }),
    pod('stuck-no-taint', { node: 'notready', terminating: true }),
    pod('stuck-on-ready', { node: 'ready', terminating: true }),
  ];
  const { api, deps } = setUp(pods, nodes);
  await collectPods(deps);
  assert.deepEqual(deleted(api), ['stuck-older', 'stuck']);
  const patch = statusPatches(api)[0];
  assert.equal(patch?.path, '/api/v1/namespaces/ns/pods/stuck-older/status');
  assert.deepEqual(patch?.body, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stuck-older', namespace: 'ns' }, status: { phase: 'Failed' } });
});

test('pods of a node that is gone are deleted only after the quarantine and once the API server confirms the node is gone', async () => {
  const pods = [pod('orphan', { node: 'gone' }), pod('cache-behind', { node: 'late' }), pod('fine', { node: 'n1' })];
  const { api, clock, deps } = setUp(pods, [node('n1', true)]);
  api.seed(nodesPath, node('late', true)); // known to the API server, not yet to the cache
  await collectPods(deps);
  assert.deepEqual(deleted(api), [], 'first seen missing: quarantined');
  clock.advance(quarantineMs - 1_000);
  await collectPods(deps);
  assert.deepEqual(deleted(api), []);
  clock.advance(1_000);
  await collectPods(deps);
  assert.deepEqual(deleted(api), ['orphan']);
  const patch = statusPatches(api)[0]?.body as { status: { phase: string; conditions: Record<string, string>[] } };
  assert.equal(patch.status.phase, 'Failed');
  assert.deepEqual(patch.status.conditions, [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: new Date(clock.now()).toISOString().replace(/\.\d+Z$/, 'Z') }]);
  assert.ok(!deps.missingNodes.has('late'), 'a node the API server still has leaves the quarantine');
});

test('a node back in the cache during the quarantine saves its pods', async () => {
  const pods = [pod('p', { node: 'flaky' })];
  const { api, clock, deps } = setUp(pods, []);
  await collectPods(deps);
  deps.nodes.upsert(node('flaky', true));
  await collectPods(deps);
  deps.nodes.remove('flaky');
  clock.advance(quarantineMs);
  await collectPods(deps);
  assert.deepEqual(deleted(api), [], 'the quarantine starts again from when the node went missing again');
  clock.advance(quarantineMs);
  await collectPods(deps);
  assert.deepEqual(deleted(api), ['p']);
});

test('terminating pods that were never scheduled are force-deleted', async () => {
  const { api, deps } = setUp([pod('unscheduled', { node: '', terminating: true, phase: 'Pending' }), pod('waiting', { node: '', phase: 'Pending' })], []);
  await collectPods(deps);
  assert.deepEqual(deleted(api), ['unscheduled']);
  assert.equal((statusPatches(api)[0]?.body as { status: { phase: string } }).status.phase, 'Failed');
});

test('a failed deletion does not stop the others; the pass reports it so it is retried', async () => {
  const pods = [pod('a', { phase: 'Failed', created: 1 }), pod('b', { phase: 'Failed', created: 2 }), pod('c', { phase: 'Failed', created: 3 })];
  const { api, deps } = setUp(pods, [node('n1', true)], 1);
  api.failWith = (a) => (a.verb === 'delete' && a.path.endsWith('/a') ? new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'InternalError', message: 'boom', code: 500 }) : undefined);
  await assert.rejects(collectPods(deps), /boom/);
  assert.deepEqual(deleted(api), ['a', 'b']);
  assert.ok(api.objects.has(`${podsPath}/a`) && !api.objects.has(`${podsPath}/b`));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { Indexer } from '../../../src/client/informer.js';
import { FakeClock } from '../../../src/client/workqueue.js';
import { NodeCache } from '../../../src/scheduler/node-cache.js';
import { failureMessage, pickNode, scheduleOne, type SchedulerDeps } from '../../../src/scheduler/scheduler.js';
import { FakeApi, RecordingRecorder } from '../controllers/fake-client.js';

function node(name: string, o: { cpu?: string; memory?: string; pods?: string; ready?: boolean; taints?: unknown[]; labels?: Record<string, string>; unschedulable?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable: { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' }, conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

function pod(name: string, o: { cpu?: string; owner?: string; labels?: Record<string, string>; spec?: Record<string, unknown>; nodeName?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: o.labels ?? { app: 'web' }, ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: o.owner, controller: true }] } : {}) },
    spec: { schedulerName: 'default-scheduler', containers: [{ name: 'c', image: 'x', ...(o.cpu ? { resources: { requests: { cpu: o.cpu } } } : {}) }], ...(o.nodeName ? { nodeName: o.nodeName } : {}), ...o.spec },
    status: { phase: 'Pending' },
  };
}

const controlPlaneTaint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

function pick(p: KubeObject, nodes: KubeObject[], placed: KubeObject[] = []) {
  const cache = new NodeCache();
  for (const x of placed) cache.observe(x);
  return pickNode(p, nodes, cache);
}

const cases: { name: string; pod: KubeObject; nodes: KubeObject[]; placed?: KubeObject[]; want: string }[] = [
  {
    name: 'taints and insufficient cpu, as Kubernetes words them',
    pod: pod('p', { cpu: '3' }),
    nodes: [node('cp', { taints: [controlPlaneTaint] }), node('a', { cpu: '2' }), node('b', { cpu: '2' })],
    want: '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
  },
  {
    name: 'a node that is not Ready carries the not-ready taint',
    pod: pod('p'),
    nodes: [node('a', { ready: false })],
    want: '0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
  },
  {
    name: 'nodeSelector and required node affinity',
    pod: pod('p', { spec: { nodeSelector: { disk: 'ssd' } } }),
    nodes: [node('a'), node('b', { labels: { disk: 'hdd' } })],
    want: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
  },
  {
    name: 'unschedulable (cordoned) nodes',
    pod: pod('p'),
    nodes: [node('a', { unschedulable: true })],
    want: '0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
  },
  {
    name: 'too many pods',
    pod: pod('p'),
    nodes: [node('a', { pods: '1' })],
    placed: [pod('q', { nodeName: 'a' })],
    want: '0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
  },
  {
    name: 'required pod anti-affinity by hostname',
    pod: pod('p', { spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } } } }),
    nodes: [node('a')],
    placed: [pod('q', { nodeName: 'a' })],
    want: "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
  },
];

for (const c of cases) {
  test(`FailedScheduling: ${c.name}`, () => {
    const r = pick(c.pod, c.nodes, c.placed);
    assert.ok('failures' in r, 'no node should fit');
    assert.equal(failureMessage(c.nodes.length, r.failures), c.want);
  });
}

test('no nodes at all', () => {
  assert.equal(failureMessage(0, []), 'no nodes available to schedule pods');
});

test('tolerations, affinity and requests that fit are accepted', () => {
  const p = pod('p', {
    cpu: '500m',
    spec: {
      tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }] } } },
    },
  });
  assert.deepEqual(pick(p, [node('cp', { taints: [controlPlaneTaint], labels: { zone: 'z1' } }), node('other', { labels: { zone: 'z2' } })]), { node: 'cp' });
});

test('replicas of one owner spread across nodes', () => {
  const cache = new NodeCache();
  const nodes = [node('a'), node('b'), node('c')];
  const counts = new Map<string, number>();
  for (let i = 0; i < 9; i++) {
    const p = pod(`p${i}`, { owner: 'rs-1' });
    const r = pickNode(p, nodes, cache);
    assert.ok('node' in r);
    cache.place(p, r.node);
    counts.set(r.node, (counts.get(r.node) ?? 0) + 1);
  }
  assert.deepEqual([...counts.values()], [3, 3, 3]);
});

test('scheduleOne binds through pods/binding and records Scheduled; resources of assumed pods count at once', async () => {
  const api = new FakeApi();
  const recorder = new RecordingRecorder();
  const p1 = pod('p1', { cpu: '3' });
  const p2 = pod('p2', { cpu: '3' });
  const deps: SchedulerDeps = { client: api, pods: new Indexer({}, [p1, p2]), nodes: new Indexer({}, [node('a')]), cache: new NodeCache(), recorder, clock: new FakeClock(), unschedulable: new Set() };
  api.seed('/api/v1/namespaces/ns/pods', structuredClone(p1), structuredClone(p2));
  await scheduleOne('ns/p1', deps);
  const [bind] = api.writes('create');
  assert.equal(bind?.path, '/api/v1/namespaces/ns/pods/p1/binding');
  assert.deepEqual(bind?.body, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p1', namespace: 'ns', uid: 'uid-p1' }, target: { apiVersion: 'v1', kind: 'Node', name: 'a' } });
  assert.deepEqual(recorder.events, ['Normal Scheduled p1: Successfully assigned ns/p1 to a']);
  const r = await scheduleOne('ns/p2', deps);
  assert.deepEqual(r, { requeueAfterMs: 60_000 });
  assert.equal(recorder.events[1], 'Warning FailedScheduling p2: 0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
  const status = api.writes('update')[0];
  assert.equal(status?.path, '/api/v1/namespaces/ns/pods/p2/status');
  const cond = ((status?.body as KubeObject)['status'] as { conditions: Record<string, unknown>[] }).conditions[0];
  assert.equal(cond?.['reason'], 'Unschedulable');
  assert.equal(cond?.['status'], 'False');
  assert.ok(deps.unschedulable.has('ns/p2'));
});

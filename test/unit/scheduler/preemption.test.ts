import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { Indexer } from '../../../src/client/informer.js';
import { FakeClock } from '../../../src/client/workqueue.js';
import { NodeCache } from '../../../src/scheduler/node-cache.js';
import { findPreemption } from '../../../src/scheduler/preemption.js';
import { scheduleOne, type SchedulerDeps } from '../../../src/scheduler/scheduler.js';
import { FakeApi, RecordingRecorder } from '../controllers/fake-client.js';

function node(name: string, cpu = '4', extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: { ...extra },
    status: { allocatable: { cpu, memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function pod(name: string, cpu: string, priority: number, nodeName?: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', uid: `uid-${name}` },
    spec: { schedulerName: 'default-scheduler', priority, containers: [{ name: 'c', image: 'x', resources: { requests: { cpu } } }], ...(nodeName ? { nodeName } : {}), ...extra },
    status: { phase: nodeName ? 'Running' : 'Pending' },
  };
}

function cacheWith(...pods: KubeObject[]): NodeCache {
  const cache = new NodeCache();
  for (const p of pods) cache.observe(p);
  return cache;
}

test('the node needing the least damage is chosen; only as many victims as the pod needs', () => {
  const nodes = [node('a'), node('b')];
  // a: two 2-cpu pods of priority 5 and 1; b: one 4-cpu pod of priority 10.
  const cache = cacheWith(pod('a5', '2', 5, 'a'), pod('a1', '2', 1, 'a'), pod('b10', '4', 10, 'b'));
  const plan = findPreemption(pod('hi', '2', 100), nodes, cache);
  assert.deepEqual(plan && { node: plan.node, victims: plan.victims.map((v) => v.metadata.name) }, { node: 'a', victims: ['a1'] });
  // The search leaves the cache as it found it.
  assert.equal(cache.info('a').pods.size, 2);
  assert.equal(cache.info('a').requested.cpu, 4);

  // Needing all four cpus of a node: a costs both (highest 5), b one pod of priority 10 → a wins by lower top priority.
  const big = findPreemption(pod('hi', '4', 100), nodes, cache);
  assert.deepEqual(big?.victims.map((v) => v.metadata.name).sort(), ['a1', 'a5']);
});

test('no preemption: equal or higher priorities, Never, unresolvable nodes, victims still terminating', () => {
  const nodes = [node('a')];
  assert.equal(findPreemption(pod('hi', '2', 5), nodes, cacheWith(pod('x', '4', 5, 'a'))), undefined);
  assert.equal(findPreemption(pod('hi', '2', 100, undefined, { preemptionPolicy: 'Never' }), nodes, cacheWith(pod('x', '4', 1, 'a'))), undefined);
  assert.equal(findPreemption(pod('hi', '2', 100), [node('a', '4', { unschedulable: true })], cacheWith(pod('x', '4', 1, 'a'))), undefined);
  const going = { ...pod('x', '4', 1, 'a'), metadata: { name: 'x', namespace: 'ns', uid: 'uid-x', deletionTimestamp: '2024-05-01T12:00:00Z' } };
  const waiting = { ...pod('hi', '2', 100), status: { phase: 'Pending', nominatedNodeName: 'a' } };
  assert.equal(findPreemption(waiting, nodes, cacheWith(going, pod('y', '1', 1, 'a'))), undefined);
});

test('scheduleOne preempts: DisruptionTarget, graceful delete, Preempted event, nominatedNodeName', async () => {
  const api = new FakeApi();
  const recorder = new RecordingRecorder();
  const victim = pod('low', '3', 0, 'a');
  const hi = pod('hi', '2', 1000);
  api.seed('/api/v1/namespaces/ns/pods', structuredClone(victim), structuredClone(hi));
  const deps: SchedulerDeps = { client: api, pods: new Indexer({}, [hi, victim]), nodes: new Indexer({}, [node('a')]), cache: cacheWith(victim), recorder, clock: new FakeClock(), unschedulable: new Set() };
  await scheduleOne('ns/hi', deps);
  const writes = api.writes().map((w) => `${w.verb} ${w.path}`);
  assert.deepEqual(writes, ['update /api/v1/namespaces/ns/pods/low/status', 'delete /api/v1/namespaces/ns/pods/low', 'update /api/v1/namespaces/ns/pods/hi/status']);
  const lowStatus = (api.writes('update')[0]?.body as KubeObject)['status'] as { conditions: Record<string, unknown>[] };
  assert.deepEqual(
    lowStatus.conditions.map((c) => [c['type'], c['reason'], c['message']]),
    [['DisruptionTarget', 'PreemptionByScheduler', 'default-scheduler: preempting to accommodate a higher priority pod']],
  );
  const hiStatus = (api.writes('update')[1]?.body as KubeObject)['status'] as { nominatedNodeName: string; conditions: Record<string, unknown>[] };
  assert.equal(hiStatus.nominatedNodeName, 'a');
  assert.deepEqual(recorder.events, ['Warning FailedScheduling hi: 0/1 nodes are available: 1 Insufficient cpu.', 'Normal Preempted low: Preempted by pod uid-hi on node a']);
});

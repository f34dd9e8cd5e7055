import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { FakeClock } from '../../../src/client/workqueue.js';
import { IpAllocator } from '../../../src/kubelet/ip-allocator.js';
import { podSandboxConfig, syncPod, type PodRecord, type PodSyncDeps } from '../../../src/kubelet/pod-sync.js';
import { buildPodStatus } from '../../../src/kubelet/pod-status.js';
import { FakeRuntime, normalizeImage } from '../../../src/kubelet/runtime/fake.js';
import { FakeApi, RecordingRecorder } from '../controllers/fake-client.js';

const podPath = '/api/v1/namespaces/ns/pods';

function pod(extra: { annotations?: Record<string, string>; restartPolicy?: string; deleting?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'ns', uid: 'pod-uid', ...(extra.annotations ? { annotations: extra.annotations } : {}), ...(extra.deleting ? { deletionTimestamp: '2024-05-01T10:00:30Z', deletionGracePeriodSeconds: 30 } : {}) },
    spec: { nodeName: 'node-1', restartPolicy: extra.restartPolicy ?? 'Always', containers: [{ name: 'nginx', image: 'nginx' }] },
    status: { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2024-05-01T09:59:59Z' }] },
  };
}

function setup(p: KubeObject) {
  const api = new FakeApi();
  api.seed(podPath, p);
  const clock = new FakeClock();
  const runtime = new FakeRuntime({ podCIDR: '10.244.3.0/24', clock });
  const records = new Map<string, PodRecord>();
  const recorder = new RecordingRecorder();
  const deps = (): PodSyncDeps => ({ client: api, pods: api.indexer(podPath), runtime, records, nodeName: 'node-1', hostIP: '172.18.0.5', recorder, clock });
  const current = () => api.objects.get(`${podPath}/web`) as KubeObject;
  const status = () => current()['status'] as Record<string, unknown> & { containerStatuses: Record<string, unknown>[]; conditions: Record<string, unknown>[] };
  return { api, clock, runtime, records, recorder, deps, status, current };
}

test('a bound pod becomes Running with an IP from the node CIDR, conditions and container status', async () => {
  const h = setup(pod());
  await syncPod('ns/web', h.deps());
  const s = h.status();
  assert.equal(s['phase'], 'Running');
  assert.equal(s['podIP'], '10.244.3.2');
  assert.deepEqual(s['podIPs'], [{ ip: '10.244.3.2' }]);
  assert.equal(s['hostIP'], '172.18.0.5');
  assert.equal(s['qosClass'], 'BestEffort');
  assert.equal(s['startTime'], '2024-05-01T10:00:00Z');
  assert.deepEqual(s.conditions.map((c) => [c['type'], c['status']]), [
    ['PodReadyToStartContainers', 'True'],
    ['Initialized', 'True'],
    ['Ready', 'True'],
    ['ContainersReady', 'True'],
    ['PodScheduled', 'True'],
  ]);
  const [cs] = s.containerStatuses;
  assert.equal(cs?.['name'], 'nginx');
  assert.equal(cs?.['ready'], true);
  assert.equal(cs?.['started'], true);
  assert.equal(cs?.['restartCount'], 0);
  assert.equal(cs?.['image'], 'docker.io/library/nginx:latest');
  assert.match(String(cs?.['imageID']), /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  assert.match(String(cs?.['containerID']), /^fake:\/\/[0-9a-f]{64}$/);
  assert.deepEqual(cs?.['state'], { running: { startedAt: '2024-05-01T10:00:00Z' } });
  assert.deepEqual(h.recorder.events, ['Normal Pulled web: Container image "nginx" already present on machine', 'Normal Created web: Created container nginx', 'Normal Started web: Started container nginx']);
  const writes = h.api.actions.length;
  await syncPod('ns/web', h.deps());
  assert.equal(h.api.actions.length, writes, 'no status write when nothing changed');
});

test('a pod being deleted is stopped, reports its final status, and is deleted with grace 0 and a UID precondition', async () => {
  const h = setup(pod());
  await syncPod('ns/web', h.deps());
  const cur = h.current();
  cur.metadata.deletionTimestamp = '2024-05-01T10:00:30Z';
  cur.metadata.deletionGracePeriodSeconds = 30;
  await syncPod('ns/web', h.deps());
  const writes = h.api.writes();
  const final = writes.at(-2);
  assert.equal(final?.path, `${podPath}/web/status`);
  const st = (final?.body as KubeObject)['status'] as { containerStatuses: { state: Record<string, { exitCode?: number; reason?: string }> }[] };
  assert.deepEqual([st.containerStatuses[0]?.state['terminated']?.exitCode, st.containerStatuses[0]?.state['terminated']?.reason], [0, 'Completed']);
  assert.deepEqual(writes.at(-1), { verb: 'delete', path: `${podPath}/web`, body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid: 'pod-uid' } } });
  assert.equal(h.records.size, 0);
  assert.deepEqual(await h.runtime.listPodSandboxes(), []);
});

test('restartPolicy Never: a container that exits 0 makes the pod Succeeded', async () => {
  const h = setup(pod({ restartPolicy: 'Never', annotations: { 'a-kube.io/fake-exit-after': '5' } }));
  await syncPod('ns/web', h.deps());
  h.clock.advance(5000);
  await syncPod('ns/web', h.deps());
  const s = h.status();
  assert.equal(s['phase'], 'Succeeded');
  assert.equal((s.containerStatuses[0]?.['state'] as { terminated: { reason: string } }).terminated.reason, 'Completed');
  assert.deepEqual(s.conditions.find((c) => c['type'] === 'Ready')?.['reason'], 'PodCompleted');
});

test('restartPolicy Always: a failing container waits in CrashLoopBackOff, then restarts with a restart count', async () => {
  const h = setup(pod({ annotations: { 'a-kube.io/fake-exit-after': '1', 'a-kube.io/fake-exit-code': '2' } }));
  await syncPod('ns/web', h.deps());
  h.clock.advance(1000);
  const r = await syncPod('ns/web', h.deps());
  assert.deepEqual(r, { requeueAfterMs: 10_000 });
  const waiting = h.status().containerStatuses[0];
  assert.equal((waiting?.['state'] as { waiting: { reason: string } }).waiting.reason, 'CrashLoopBackOff');
  assert.equal(h.status()['phase'], 'Running');
  h.clock.advance(10_000);
  await syncPod('ns/web', h.deps());
  const cs = h.status().containerStatuses[0];
  assert.equal(cs?.['restartCount'], 1);
  assert.equal((cs?.['lastState'] as { terminated: { exitCode: number } }).terminated.exitCode, 2);
  assert.ok('running' in (cs?.['state'] as object));
  // The exited instance stays in the runtime for `logs --previous`; at the next restart the one before it goes.
  const firstId = String((cs?.['lastState'] as { terminated: { containerID: string } }).terminated.containerID).replace('fake://', '');
  assert.deepEqual((await h.runtime.listContainers()).map((c) => c.id).sort(), [firstId, String(cs?.['containerID']).replace('fake://', '')].sort());
  h.clock.advance(1000);
  await syncPod('ns/web', h.deps());
  h.clock.advance(20_000);
  await syncPod('ns/web', h.deps());
  const again = h.status().containerStatuses[0];
  assert.equal(again?.['restartCount'], 2);
  const kept = (await h.runtime.listContainers()).map((c) => c.id);
  assert.equal(kept.length, 2);
  assert.ok(!kept.includes(firstId));
  assert.ok(kept.includes(String((again?.['lastState'] as { terminated: { containerID: string } }).terminated.containerID).replace('fake://', '')));
});

test('in a pod with init containers, containers not created yet wait as PodInitializing (else ContainerCreating)', () => {
  const view = (withInit: boolean) => buildPodStatus({
    pod: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'main', image: 'x' }] } },
    hostIP: '10.0.0.1',
    startTime: 0,
    sandboxReady: true,
    initContainers: withInit ? [{ name: 'setup', image: 'x', restartCount: 0 }] : [],
    containers: [{ name: 'main', image: 'x', restartCount: 0 }],
    now: 0,
  });
  const waiting = (s: Record<string, unknown>, field: string) => ((s[field] as Record<string, any>[])[0]?.['state'] as { waiting: { reason: string } }).waiting.reason;
  assert.equal(waiting(view(true), 'containerStatuses'), 'PodInitializing');
  assert.equal(waiting(view(true), 'initContainerStatuses'), 'PodInitializing');
  assert.equal(waiting(view(false), 'containerStatuses'), 'ContainerCreating');
});

test('pods bound elsewhere are ignored', async () => {
  const p = pod();
  (p['spec'] as Record<string, unknown>)['nodeName'] = 'node-2';
  const h = setup(p);
  await syncPod('ns/web', h.deps());
  assert.equal(h.api.actions.length, 0);
});

test('IP allocation skips network and gateway, reuses per owner, and frees', () => {
  const a = new IpAllocator('10.244.7.0/30');
  assert.equal(a.allocate('x'), '10.244.7.2');
  assert.equal(a.allocate('x'), '10.244.7.2');
  assert.equal(a.allocate('y'), undefined, 'a /30 has one usable pod address');
  a.release('x');
  assert.equal(a.allocate('y'), '10.244.7.2');
});

for (const [input, want] of [
  ['nginx', 'docker.io/library/nginx:latest'],
  ['nginx:1.25', 'docker.io/library/nginx:1.25'],
  ['bitnami/kubectl', 'docker.io/bitnami/kubectl:latest'],
  ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.9'],
  ['localhost:5000/app', 'localhost:5000/app:latest'],
] as const) {
  test(`image reference ${input}`, () => assert.equal(normalizeImage(input), want));
}

test('simulated runtime: a Job pod\'s container exits 0 after a short run, so the pod Succeeds', async () => {
  const p = pod({ restartPolicy: 'Never' });
  p.metadata.labels = { 'batch.kubernetes.io/job-name': 'pi', 'job-name': 'pi' };
  const h = setup(p);
  await syncPod('ns/web', h.deps());
  assert.equal(h.status()['phase'], 'Running');
  h.clock.advance(2000);
  await syncPod('ns/web', { ...h.deps(), pods: h.api.indexer(podPath) });
  assert.equal(h.status()['phase'], 'Succeeded');
  assert.equal((h.status().containerStatuses[0]?.['state'] as Record<string, Record<string, unknown>>)['terminated']?.['reason'], 'Completed');
});

test("a pod's RuntimeClass picks the runtime handler; a missing class or a handler the runtime lacks is reported and retried", async () => {
  const p = pod();
  (p['spec'] as Record<string, unknown>)['runtimeClassName'] = 'sandboxed';
  const h = setup(p);
  assert.deepEqual(await syncPod('ns/web', h.deps()), { requeueAfterMs: 10_000 });
  assert.deepEqual(h.recorder.events, ['Warning FailedCreatePodSandBox web: Failed to create pod sandbox: RuntimeClass "sandboxed" not found']);
  h.api.seed('/apis/node.k8s.io/v1/runtimeclasses', { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'sandboxed' }, handler: 'runsc' });
  assert.deepEqual(await syncPod('ns/web', h.deps()), { requeueAfterMs: 10_000 });
  assert.equal(h.recorder.events.at(-1), 'Warning FailedCreatePodSandBox web: Failed to create pod sandbox: failed to get sandbox runtime: no runtime for "runsc" is configured');
  h.api.seed('/apis/node.k8s.io/v1/runtimeclasses', { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'sandboxed' }, handler: 'runc' });
  await syncPod('ns/web', h.deps());
  assert.equal(h.status()['phase'], 'Running');
  assert.equal([...h.records.values()][0]?.sandboxConfig.runtimeHandler, 'runc');
});

test('a pod with a privileged container (init, regular or ephemeral) gets a privileged sandbox, as the kubelet asks', () => {
  const real = { real: { dataDir: '/d' } } as unknown as Pick<PodSyncDeps, 'real'>;
  const withContainers = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n', uid: 'u' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }], ...spec } });
  const privileged = (o: KubeObject) => podSandboxConfig(o, real).linux?.security_context?.privileged;
  assert.equal(privileged(withContainers({})), undefined);
  assert.equal(privileged(withContainers({ containers: [{ name: 'c', image: 'i', securityContext: { privileged: false } }] })), undefined);
  assert.equal(privileged(withContainers({ containers: [{ name: 'c', image: 'i', securityContext: { privileged: true } }] })), true);
  assert.equal(privileged(withContainers({ initContainers: [{ name: 'i', image: 'i', securityContext: { privileged: true } }] })), true);
  assert.equal(privileged(withContainers({ ephemeralContainers: [{ name: 'e', image: 'i', securityContext: { privileged: true } }] })), true);
});

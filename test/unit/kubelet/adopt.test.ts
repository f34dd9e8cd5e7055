// Adoption after a restart: sandboxes of this node whose pods still exist are taken over with their containers
// and restart counts; sandboxes of deleted pods and of other nodes' pods are left to their owners or removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { FakeClock } from '../../../src/client/workqueue.js';
import { adoptPods } from '../../../src/kubelet/adopt.js';
import { syncPod, type PodRecord } from '../../../src/kubelet/pod-sync.js';
import { FakeRuntime } from '../../../src/kubelet/runtime/fake.js';
import { FakeApi, RecordingRecorder } from '../controllers/fake-client.js';

const podPath = '/api/v1/namespaces/ns/pods';

function pod(name: string, uid: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] }, status: { phase: 'Pending' } } as KubeObject;
}

test('running pods are adopted with their container ids; a deleted pod\'s sandbox is removed', async () => {
  const api = new FakeApi();
  api.seed(podPath, pod('keep', 'u-keep'), pod('gone', 'u-gone'));
  const clock = new FakeClock();
  const runtime = new FakeRuntime({ podCIDR: '10.244.0.0/24', clock });
  const before = new Map<string, PodRecord>();
  const deps = { client: api, runtime, records: before, nodeName: 'node-1', hostIP: '10.0.0.1', recorder: new RecordingRecorder(), clock };
  await syncPod('ns/keep', { ...deps, pods: api.indexer(podPath) });
  await syncPod('ns/gone', { ...deps, pods: api.indexer(podPath) });
  const kept = before.get('ns/keep');
  assert.ok(kept);

  // The process restarts: no records; the pod "gone" was deleted meanwhile.
  api.objects.delete(`${podPath}/gone`);
  const after = new Map<string, PodRecord>();
  const r = await adoptPods({ runtime, pods: api.indexer(podPath), records: after, nodeName: 'node-1' });
  assert.deepEqual(r.adopted, ['ns/keep']);
  assert.equal(r.removed.length, 1);
  assert.match(r.removed[0] ?? '', /^ns\/gone /);
  const adopted = after.get('ns/keep');
  assert.equal(adopted?.sandboxId, kept.sandboxId);
  assert.equal(adopted?.containers.get('c')?.id, kept.containers.get('c')?.id);
  assert.equal((await runtime.listPodSandboxes()).length, 1);
});

test('sandboxes labelled for another node are not touched', async () => {
  const api = new FakeApi();
  api.seed(podPath, pod('p', 'u-p'));
  const runtime = new FakeRuntime({ podCIDR: '10.244.0.0/24' });
  await syncPod('ns/p', { client: api, runtime, records: new Map(), nodeName: 'node-1', hostIP: '10.0.0.1', recorder: new RecordingRecorder(), clock: new FakeClock(), pods: api.indexer(podPath) });
  const r = await adoptPods({ runtime, pods: api.indexer(podPath), records: new Map(), nodeName: 'node-2' });
  assert.deepEqual(r, { adopted: [], removed: [] });
  assert.equal((await runtime.listPodSandboxes()).length, 1);
});

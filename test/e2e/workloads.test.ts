// Issue 4 end to end: `a-kube up --runtime fake` (controllers, scheduler, a simulated node) driven by the real kubectl.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, hasKubectl, type Cluster } from './harness.js';

let cluster: Cluster;

before(async () => {
  cluster = await startCluster({ args: ['--runtime', 'fake'] });
});
after(async () => {
  await cluster?.cleanup();
});

function ok(args: string[], what = args.join(' ')): string {
  const r = kubectl(cluster, args);
  assert.equal(r.status, 0, `kubectl ${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}\n--- server log ---\n${cluster.log().slice(-3000)}`);
  return r.stdout;
}

/** Polls (the API offers no event for "eventually"), up to a deadline. */
async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const names = (out: string) => out.split('\n').filter(Boolean).sort();
const opts = { skip: hasKubectl ? false : 'kubectl is not on the PATH', timeout: 180_000 };

test('deployment → replicaset → running pods; scale 1→3→1; rollout status', opts, async () => {
  ok(['create', 'deployment', 'web', '--image=nginx']);
  assert.match(ok(['rollout', 'status', 'deployment/web', '--timeout=60s']), /deployment "web" successfully rolled out/);
  const [rs] = names(ok(['get', 'rs', '-l', 'app=web', '-o', 'name']));
  assert.match(rs ?? '', /^replicaset\.apps\/web-[456789bcdf]{1,10}$/);
  const pods = ok(['get', 'pods', '-l', 'app=web', '--no-headers']);
  assert.match(pods, /^web-[456789bcdf]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}\s+1\/1\s+Running\s+0\s+/);

  ok(['scale', 'deployment/web', '--replicas=3']);
  ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
  const ips = ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.status.phase} {.status.podIP}{"\\n"}{end}']);
  assert.equal(names(ips).length, 3);
  for (const line of names(ips)) assert.match(line, /^Running 10\.244\.\d+\.\d+$/);

  ok(['scale', 'deployment/web', '--replicas=1']);
  await eventually('one pod left', () => (names(ok(['get', 'pods', '-l', 'app=web', '-o', 'name'])).length === 1 ? true : undefined));
  const status = JSON.parse(ok(['get', 'deployment', 'web', '-o', 'json'])).status;
  assert.equal(status.replicas, 1);
  assert.equal(status.availableReplicas, 1);
});

test('set image rolls out keeping availability; rollout undo returns to the first ReplicaSet', opts, async () => {
  ok(['create', 'deployment', 'roll', '--image=nginx:1.24', '--replicas=4']);
  ok(['rollout', 'status', 'deployment/roll', '--timeout=60s']);
  ok(['set', 'image', 'deployment/roll', 'nginx=nginx:1.25']);
  // 4 replicas with maxUnavailable 25%: at least 3 available at every moment, at most 5 pods (maxSurge 25%).
  await eventually('the rollout to finish', () => {
    const s = JSON.parse(ok(['get', 'deployment', 'roll', '-o', 'json']));
    const st = s.status ?? {};
    assert.ok((st.availableReplicas ?? 0) >= 3, `availability dropped: ${JSON.stringify(st)}`);
    assert.ok((st.replicas ?? 0) <= 5, `surged past maxSurge: ${JSON.stringify(st)}`);
    return st.observedGeneration >= s.metadata.generation && st.updatedReplicas === 4 && st.replicas === 4 && st.availableReplicas === 4 ? true : undefined;
  }, 60_000);
  assert.match(ok(['get', 'deployment', 'roll', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), /^nginx:1\.25$/);
  assert.equal(names(ok(['get', 'rs', '-l', 'app=roll', '-o', 'name'])).length, 2);

  ok(['rollout', 'undo', 'deployment/roll']);
  ok(['rollout', 'status', 'deployment/roll', '--timeout=60s']);
  assert.equal(ok(['get', 'deployment', 'roll', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'nginx:1.24');
  const rsList = JSON.parse(ok(['get', 'rs', '-l', 'app=roll', '-o', 'json'])).items as { metadata: { annotations: Record<string, string> }; spec: { replicas: number } }[];
  assert.equal(rsList.length, 2, 'the old ReplicaSet is reused');
  const active = rsList.find((r) => r.spec.replicas === 4);
  assert.equal(active?.metadata.annotations['deployment.kubernetes.io/revision'], '3');
  assert.match(ok(['rollout', 'history', 'deployment/roll']), /\n2 +<none>\n3 +<none>\n/);
});

test('deleting a deployment removes its ReplicaSets and pods; --cascade=orphan keeps them', opts, async () => {
  ok(['create', 'deployment', 'gone', '--image=nginx', '--replicas=2']);
  ok(['rollout', 'status', 'deployment/gone', '--timeout=60s']);
  ok(['delete', 'deployment', 'gone']);
  await eventually('its replicasets and pods to go', () =>
    ok(['get', 'rs,pods', '-l', 'app=gone', '-o', 'name']).trim() === '' ? true : undefined,
  );

  ok(['create', 'deployment', 'kept', '--image=nginx', '--replicas=2']);
  ok(['rollout', 'status', 'deployment/kept', '--timeout=60s']);
  ok(['delete', 'deployment', 'kept', '--cascade=orphan']);
  await eventually('the ReplicaSet to be orphaned', () => {
    const rs = JSON.parse(ok(['get', 'rs', '-l', 'app=kept', '-o', 'json'])).items as { metadata: { ownerReferences?: unknown[] } }[];
    return rs.length === 1 && !rs[0]?.metadata.ownerReferences ? true : undefined;
  });
  assert.equal(names(ok(['get', 'pods', '-l', 'app=kept', '-o', 'name'])).length, 2, 'the pods stay');
  assert.match(ok(['get', 'deployment', 'kept', '--ignore-not-found', '-o', 'name']), /^$/);
});

test('deleting a namespace removes its content and then the namespace', opts, async () => {
  ok(['create', 'namespace', 'doomed']);
  ok(['create', 'deployment', 'app', '--image=nginx', '-n', 'doomed']);
  ok(['create', 'configmap', 'cfg', '--from-literal=a=b', '-n', 'doomed']);
  ok(['rollout', 'status', 'deployment/app', '-n', 'doomed', '--timeout=60s']);
  await eventually('the default ServiceAccount and root CA', () => (ok(['get', 'sa/default', 'cm/kube-root-ca.crt', '-n', 'doomed', '-o', 'name']).split('\n').filter(Boolean).length === 2 ? true : undefined));
  ok(['delete', 'namespace', 'doomed', '--timeout=90s']);
  const r = kubectl(cluster, ['get', 'namespace', 'doomed']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /namespaces "doomed" not found/);
});

test('controllers restarted mid-way converge', opts, async () => {
  ok(['create', 'deployment', 'restart', '--image=nginx', '--replicas=1']);
  ok(['rollout', 'status', 'deployment/restart', '--timeout=60s']);
  ok(['scale', 'deployment/restart', '--replicas=3']);
  await cluster.restart();
  assert.match(ok(['rollout', 'status', 'deployment/restart', '--timeout=90s']), /successfully rolled out/);
  const pods = names(ok(['get', 'pods', '-l', 'app=restart', '-o', 'jsonpath={range .items[*]}{.status.phase}{"\\n"}{end}']));
  assert.deepEqual(pods, ['Running', 'Running', 'Running']);
});

test('a Job completes; a StatefulSet gets stable ordered names; a DaemonSet runs one pod per node', opts, async () => {
  const manifests = `
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  completions: 2
  template:
    metadata:
      annotations: {a-kube.io/fake-exit-after: "1"}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: c, image: postgres}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: c, image: busybox}]
`;
  const r = kubectl(cluster, ['apply', '-f', '-'], { input: manifests });
  assert.equal(r.status, 0, r.stderr);
  ok(['wait', '--for=condition=complete', 'job/once', '--timeout=60s']);
  assert.equal(ok(['get', 'job', 'once', '-o', 'jsonpath={.status.succeeded}']), '2');
  ok(['rollout', 'status', 'statefulset/db', '--timeout=60s']);
  assert.deepEqual(names(ok(['get', 'pods', '-l', 'app=db', '-o', 'name'])), ['pod/db-0', 'pod/db-1']);
  ok(['rollout', 'status', 'daemonset/agent', '--timeout=60s']);
  const nodes = names(ok(['get', 'nodes', '-o', 'name'])).length;
  assert.equal(names(ok(['get', 'pods', '-l', 'app=agent', '-o', 'name'])).length, nodes);
});

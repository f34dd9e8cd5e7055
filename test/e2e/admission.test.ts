// The admission chain and quota/limit objects against a real `a-kube up` (simulated runtime), driven by the real
// kubectl 1.32: ResourceQuota refusals and status.used, LimitRange defaults on a pod, PodSecurity enforce and warn.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { akubectl, kubectl, hasKubectl, startCluster, type Cluster, type RunResult } from './harness.js';

let cluster: Cluster;

function ok(args: string[], input?: string): RunResult {
  const r = kubectl(cluster, args, input === undefined ? {} : { input });
  assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r;
}

async function eventually<T>(what: string, fn: () => T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

before(async () => {
  if (!hasKubectl) return;
  cluster = await startCluster({ args: ['--runtime', 'fake'] });
});
after(async () => cluster?.cleanup());

const podYaml = (name: string, ns: string, resources = '') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}}
spec:
  containers:
  - name: app
    image: registry.k8s.io/pause:3.9
${resources}`;

test('ResourceQuota pods: "1": the second pod is refused with Kubernetes\' message and status.used counts', { skip: !hasKubectl }, async () => {
  ok(['create', 'namespace', 'quota-e2e']);
  ok(['create', 'quota', 'pod-quota', '-n', 'quota-e2e', '--hard=pods=1,count/configmaps=5']);
  // The controller fills status first; until then the quota cannot be checked.
  await eventually('quota status', () => {
    const used = kubectl(cluster, ['get', 'quota', 'pod-quota', '-n', 'quota-e2e', '-o', 'jsonpath={.status.used.pods}']).stdout;
    return used === '0' ? true : undefined;
  });
  ok(['apply', '-f', '-'], podYaml('first', 'quota-e2e'));
  const second = kubectl(cluster, ['apply', '-f', '-'], { input: podYaml('second', 'quota-e2e') });
  assert.equal(second.status, 1);
  assert.match(second.stderr, /Error from server \(Forbidden\): error when creating "STDIN": pods "second" is forbidden: exceeded quota: pod-quota, requested: pods=1, used: pods=1, limited: pods=1/);
  const q = JSON.parse(ok(['get', 'quota', 'pod-quota', '-n', 'quota-e2e', '-o', 'json']).stdout) as { status: { hard: Record<string, string>; used: Record<string, string> } };
  assert.deepEqual(q.status.hard, { pods: '1', 'count/configmaps': '5' });
  // kube-root-ca.crt is the namespace's one ConfigMap.
  await eventually('configmap count', () => {
    const used = kubectl(cluster, ['get', 'quota', 'pod-quota', '-n', 'quota-e2e', '-o', 'jsonpath={.status.used}']).stdout;
    return used === '{"count/configmaps":"1","pods":"1"}' ? true : undefined;
  });
  assert.match(ok(['get', 'quota', '-n', 'quota-e2e']).stdout, /^NAME\s+AGE\s+REQUEST\s+LIMIT\npod-quota\s+\S+\s+count\/configmaps: 1\/5, pods: 1\/1\s*\n$/);
  const described = ok(['describe', 'quota', 'pod-quota', '-n', 'quota-e2e']).stdout;
  assert.match(described, /Resource\s+Used\s+Hard\n\s*--------\s+----\s+----\n\s*count\/configmaps\s+1\s+5\n\s*pods\s+1\s+1/);
  const ours = akubectl(cluster, ['describe', 'quota', 'pod-quota', '-n', 'quota-e2e']);
  assert.equal(ours.status, 0, ours.stderr);
  assert.equal(ours.stdout, described);
  // Deleting the pod gives the usage back (the controller recounts on deletions); then a new pod fits.
  ok(['delete', 'pod', 'first', '-n', 'quota-e2e', '--wait=true']);
  await eventually('usage released', () => (kubectl(cluster, ['get', 'quota', 'pod-quota', '-n', 'quota-e2e', '-o', 'jsonpath={.status.used.pods}']).stdout === '0' ? true : undefined));
  ok(['apply', '-f', '-'], podYaml('second', 'quota-e2e'));
});

test('compute quota: must specify, and concurrent creates never pass the hard limit', { skip: !hasKubectl }, async () => {
  ok(['create', 'namespace', 'compute-e2e']);
  ok(['create', 'quota', 'compute', '-n', 'compute-e2e', '--hard=requests.cpu=1,limits.memory=1Gi,pods=3']);
  await eventually('quota status', () => (kubectl(cluster, ['get', 'quota', 'compute', '-n', 'compute-e2e', '-o', 'jsonpath={.status.used.pods}']).stdout === '0' ? true : undefined));
  const bare = kubectl(cluster, ['run', 'bare', '-n', 'compute-e2e', '--image=registry.k8s.io/pause:3.9']);
  assert.equal(bare.status, 1);
  assert.match(bare.stderr, /pods "bare" is forbidden: failed quota: compute: must specify limits\.memory for: bare; requests\.cpu for: bare/);
  const sized = '    resources: {requests: {cpu: 300m}, limits: {memory: 100Mi}}\n';
  const runs = Array.from({ length: 6 }, (_, i) =>
    new Promise<RunResult>((resolve) => setImmediate(() => resolve(kubectl(cluster, ['create', '-f', '-'], { input: podYaml(`p${i}`, 'compute-e2e', sized) })))),
  );
  const results = await Promise.all(runs);
  assert.equal(results.filter((r) => r.status === 0).length, 3, results.map((r) => r.stderr).join(''));
  const used = JSON.parse(ok(['get', 'quota', 'compute', '-n', 'compute-e2e', '-o', 'jsonpath={.status.used}']).stdout) as Record<string, string>;
  assert.deepEqual(used, { 'limits.memory': '300Mi', pods: '3', 'requests.cpu': '900m' });
});

test('LimitRange defaults appear on a pod, with the limit-ranger annotation; max is enforced', { skip: !hasKubectl }, async () => {
  ok(['create', 'namespace', 'limits-e2e']);
  ok(['apply', '-f', '-'], `apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: limits-e2e}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 256Mi}
    defaultRequest: {cpu: 100m, memory: 128Mi}
    max: {cpu: "1"}
`);
  ok(['apply', '-f', '-'], podYaml('web', 'limits-e2e'));
  const pod = JSON.parse(ok(['get', 'pod', 'web', '-n', 'limits-e2e', '-o', 'json']).stdout) as { metadata: { annotations: Record<string, string> }; spec: { containers: { resources: unknown }[] } };
  assert.deepEqual(pod.spec.containers[0]!.resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
  assert.equal(pod.metadata.annotations['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app');
  const big = kubectl(cluster, ['apply', '-f', '-'], { input: podYaml('big', 'limits-e2e', '    resources: {limits: {cpu: "2"}}\n') });
  assert.equal(big.status, 1);
  assert.match(big.stderr, /pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2/);
});

const privilegedPod = (name: string, ns: string) => podYaml(name, ns, '    securityContext: {privileged: true}\n');

test('PodSecurity: a restricted namespace refuses a privileged pod; a warn namespace admits it with the warning', { skip: !hasKubectl }, async () => {
  ok(['create', 'namespace', 'psa-restricted']);
  ok(['label', 'namespace', 'psa-restricted', 'pod-security.kubernetes.io/enforce=restricted']);
  const refused = kubectl(cluster, ['apply', '-f', '-'], { input: privilegedPod('root', 'psa-restricted') });
  assert.equal(refused.status, 1);
  assert.match(
    refused.stderr,
    /Error from server \(Forbidden\): error when creating "STDIN": pods "root" is forbidden: violates PodSecurity "restricted:latest": privileged \(container "app" must not set securityContext.privileged=true\), allowPrivilegeEscalation != false \(container "app" must set securityContext.allowPrivilegeEscalation=false\), unrestricted capabilities \(container "app" must set securityContext.capabilities.drop=\["ALL"\]\), runAsNonRoot != true \(pod or container "app" must set securityContext.runAsNonRoot=true\), seccompProfile \(pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"\)/,
  );
  // A Deployment is admitted with a warning; its pods are what enforce refuses.
  const dep = kubectl(cluster, ['create', 'deployment', 'web', '-n', 'psa-restricted', '--image=registry.k8s.io/pause:3.9']);
  assert.equal(dep.status, 0, dep.stderr);
  assert.match(dep.stderr, /^Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/m);

  ok(['create', 'namespace', 'psa-warn']);
  ok(['apply', '-f', '-'], privilegedPod('existing', 'psa-warn'));
  ok(['label', 'namespace', 'psa-warn', 'pod-security.kubernetes.io/warn=baseline']);
  const warned = kubectl(cluster, ['apply', '-f', '-'], { input: privilegedPod('admitted', 'psa-warn') });
  assert.equal(warned.status, 0, warned.stderr);
  assert.match(warned.stderr, /^Warning: would violate PodSecurity "baseline:latest": privileged \(container "app" must not set securityContext.privileged=true\)$/m);
  // Tightening enforce dry-runs the pods already there and warns about them.
  const tightened = kubectl(cluster, ['label', 'namespace', 'psa-warn', 'pod-security.kubernetes.io/enforce=baseline']);
  assert.equal(tightened.status, 0, tightened.stderr);
  assert.match(tightened.stderr, /Warning: existing pods in namespace "psa-warn" violate the new PodSecurity enforce level "baseline:latest"\nWarning: admitted \(and 1 other pod\): privileged/);
  const invalid = kubectl(cluster, ['label', 'namespace', 'psa-warn', 'pod-security.kubernetes.io/audit=strict']);
  assert.equal(invalid.status, 1);
  // A 422 without field causes (the text is in the message, unit-tested): kubectl names the object only.
  assert.equal(invalid.stderr, 'The namespaces "psa-warn" is invalid\n');
});

test('a ReplicationController reaches its replicas; kubectl scale rc and get rc', { skip: !hasKubectl }, async () => {
  ok(['create', 'namespace', 'rc-e2e']);
  ok(['apply', '-f', '-'], `apiVersion: v1
kind: ReplicationController
metadata: {name: web, namespace: rc-e2e}
spec:
  replicas: 2
  selector: {app: web}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: registry.k8s.io/pause:3.9
`);
  const ready = (n: number) => eventually(`${n} ready replicas`, () => (kubectl(cluster, ['get', 'rc', 'web', '-n', 'rc-e2e', '-o', 'jsonpath={.status.readyReplicas}']).stdout === String(n) ? true : undefined), 60_000);
  await ready(2);
  assert.match(ok(['get', 'rc', '-n', 'rc-e2e']).stdout, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\nweb\s+2\s+2\s+2\s+\S+\n$/);
  const pods = JSON.parse(ok(['get', 'pods', '-n', 'rc-e2e', '-l', 'app=web', '-o', 'json']).stdout) as { items: KubeObjectLike[] };
  assert.equal(pods.items.length, 2);
  assert.deepEqual(pods.items[0]!.metadata.ownerReferences?.map((r) => `${r.apiVersion}/${r.kind}/${r.name}`), ['v1/ReplicationController/web']);
  assert.match(ok(['scale', 'rc', 'web', '-n', 'rc-e2e', '--replicas=3']).stdout, /replicationcontroller\/web scaled/);
  await ready(3);
  assert.match(ok(['get', 'rc', 'web', '-n', 'rc-e2e', '-o', 'wide']).stdout, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\nweb\s+3\s+3\s+3\s+\S+\s+app\s+registry.k8s.io\/pause:3.9\s+app=web\n$/);
  ok(['delete', 'rc', 'web', '-n', 'rc-e2e', '--wait=true']);
  await eventually('pods gone', () => (kubectl(cluster, ['get', 'pods', '-n', 'rc-e2e', '-o', 'name']).stdout.trim() === '' ? true : undefined), 60_000);
});

interface KubeObjectLike {
  metadata: { ownerReferences?: { apiVersion: string; kind: string; name: string }[] };
}

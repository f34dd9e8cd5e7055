// Issue 2 end to end: a real `a-kube up` (SQLite, TLS) driven by a-kubectl, the real kubectl (dispatcher, 1.27, 1.33),
// @kubernetes/client-node, Debian's python3-kubernetes and curl.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startCluster, kubectl, akubectl, kubectlBinary, hasKubectl, type Cluster, ok } from './harness.js';

let cluster: Cluster;

before(async () => {
  cluster = await startCluster({ args: ['--runtime', 'fake'] });
});
after(async () => {
  await cluster?.cleanup();
});


function curl(args: string[]): { code: number; body: string } {
  const pki = join(cluster.dataDir, 'pki');
  const r = spawnSync('curl', ['-sk', '--cert', join(pki, 'admin.crt'), '--key', join(pki, 'admin.key'), '-w', '\n%{http_code}', ...args], { encoding: 'utf8' });
  const lines = r.stdout.trimEnd().split('\n');
  const code = Number(lines.pop());
  return { code, body: lines.join('\n') };
}

test('a-kubectl: namespaces, service accounts, configmaps, secrets and deployments round-trip', () => {
  assert.equal(ok(akubectl(cluster, ['create', 'namespace', 'ns-1']), 'create ns'), 'namespace/ns-1 created\n');
  assert.equal(ok(akubectl(cluster, ['create', 'serviceaccount', 'k-sa-1', '--namespace=ns-1']), 'create sa'), 'serviceaccount/k-sa-1 created\n');
  ok(akubectl(cluster, ['create', 'configmap', 'cm1', '--from-literal=a=b', '-n', 'ns-1']), 'create cm');
  ok(akubectl(cluster, ['create', 'secret', 'generic', 's1', '--from-literal=k=v', '-n', 'ns-1']), 'create secret');
  ok(akubectl(cluster, ['create', 'deployment', 'web', '--image=nginx', '-n', 'ns-1']), 'create deploy');

  const sa = ok(akubectl(cluster, ['get', 'sa', '-n', 'ns-1']), 'get sa');
  assert.match(sa, /^NAME\s+SECRETS\s+AGE\n/);
  assert.match(sa, /^k-sa-1\s+0\s+\d+s$/m);
  const deploy = ok(akubectl(cluster, ['get', 'deployments', '-n', 'ns-1']), 'get deploy');
  assert.match(deploy, /^NAME\s+DESIRED\s+CURRENT\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/);
  const cm = JSON.parse(ok(akubectl(cluster, ['get', 'configmap', 'cm1', '-n', 'ns-1', '-o', 'json']), 'get cm json'));
  assert.deepEqual(cm.data, { a: 'b' });
  assert.match(cm.metadata.uid, /^[0-9a-f-]{36}$/);
  const name = ok(akubectl(cluster, ['get', 'cm', 'cm1', '-n', 'ns-1', '-o', 'custom-columns=:metadata.name']), 'custom-columns');
  assert.equal(name.trim().split('\n').pop(), 'cm1');
  ok(akubectl(cluster, ['label', 'cm', 'cm1', 'tier=web', '-n', 'ns-1']), 'label');
  const labelled = ok(akubectl(cluster, ['get', 'cm', '-l', 'tier=web', '-n', 'ns-1', '-o', 'name']), 'get -l');
  assert.equal(labelled, 'configmap/cm1\n');

  const missing = akubectl(cluster, ['get', 'namespace', 'nope']);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim(), 'Error from server (NotFound): namespaces "nope" not found');
  const dup = akubectl(cluster, ['create', 'namespace', 'ns-1']);
  assert.equal(dup.status, 1);
  assert.equal(dup.stderr.trim(), 'Error from server (AlreadyExists): namespaces "ns-1" already exists');

  ok(akubectl(cluster, ['delete', 'configmap', 'cm1', '-n', 'ns-1']), 'delete cm');
  assert.equal(akubectl(cluster, ['get', 'cm', 'cm1', '-n', 'ns-1']).status, 1);
});

test('kubectl (dispatcher, 1.27, 1.33): apply twice, explain, get all -A, protobuf creates', { skip: hasKubectl ? false : 'kubectl is not installed' }, () => {
  const manifest = join(cluster.dataDir, 'app.yaml');
  writeFileSync(
    manifest,
    [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      '  name: apply-ns',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: app',
      '  namespace: apply-ns',
      'spec:',
      '  replicas: 2',
      '  selector:',
      '    matchLabels: {app: app}',
      '  template:',
      '    metadata:',
      '      labels: {app: app}',
      '    spec:',
      '      containers:',
      '      - name: app',
      '        image: nginx:1.25',
      '        env: [{name: A, value: "1"}]',
      '',
    ].join('\n'),
  );
  const binaries: [string, string | undefined][] = [['kubectl', 'kubectl'], ['1.27', kubectlBinary('1.27')], ['1.33', kubectlBinary('1.33')]];
  for (const [label, binary] of binaries) {
    if (!binary) continue;
    const first = ok(kubectl(cluster, ['apply', '-f', manifest], { binary }), `${label} apply`);
    assert.match(first, /deployment.apps\/app (created|configured|unchanged)/, label);
    const second = ok(kubectl(cluster, ['apply', '-f', manifest], { binary }), `${label} apply again`);
    assert.match(second, /namespace\/apply-ns unchanged\ndeployment.apps\/app unchanged/, label);
    const explain = ok(kubectl(cluster, ['explain', 'pod.spec.containers'], { binary }), `${label} explain`);
    assert.match(explain, /KIND:\s+Pod/, label);
    assert.match(explain, /image\s+<string>/, label);
    ok(kubectl(cluster, ['get', 'all', '-A'], { binary }), `${label} get all -A`);
  }
  // 1.32+ send these bodies as protobuf.
  ok(kubectl(cluster, ['create', 'namespace', 'pb-ns'], { binary: kubectlBinary('1.33') ?? 'kubectl' }), 'create ns (protobuf)');
  ok(kubectl(cluster, ['create', 'configmap', 'pb-cm', '--from-literal=x=y', '-n', 'pb-ns'], { binary: kubectlBinary('1.33') ?? 'kubectl' }), 'create cm (protobuf)');
  const cm = JSON.parse(ok(kubectl(cluster, ['get', 'cm', 'pb-cm', '-n', 'pb-ns', '-o', 'json']), 'get cm'));
  assert.deepEqual(cm.data, { x: 'y' });
  // the strategic merge patch merged env by name
  ok(kubectl(cluster, ['patch', 'deployment', 'app', '-n', 'apply-ns', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"B","value":"2"}]}]}}}}']), 'smp');
  const d = JSON.parse(ok(kubectl(cluster, ['get', 'deploy', 'app', '-n', 'apply-ns', '-o', 'json']), 'get deploy'));
  assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'B', value: '2' }, { name: 'A', value: '1' }]);
  assert.equal(d.metadata.generation, 2);
});

test('@kubernetes/client-node: create, get, list, watch, patch, delete', async () => {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'cn-ns' } } });
  const events: string[] = [];
  const watch = new k8s.Watch(kc);
  let resolveSeen!: () => void;
  const seen = new Promise<void>((r) => (resolveSeen = r));
  const controller = await watch.watch('/api/v1/namespaces/cn-ns/configmaps', { fieldSelector: 'metadata.name=c1' }, (phase, obj: k8s.V1ConfigMap) => {
    events.push(`${phase} ${obj.metadata?.name}`);
    if (phase === 'DELETED') resolveSeen();
  }, () => {});
  const created = await core.createNamespacedConfigMap({ namespace: 'cn-ns', body: { metadata: { name: 'c1' }, data: { a: '1' } } });
  assert.equal(created.metadata?.name, 'c1');
  const got = await core.readNamespacedConfigMap({ name: 'c1', namespace: 'cn-ns' });
  assert.deepEqual(got.data, { a: '1' });
  await core.patchNamespacedConfigMap({ name: 'c1', namespace: 'cn-ns', body: { data: { b: '2' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  const list = await core.listNamespacedConfigMap({ namespace: 'cn-ns', labelSelector: '!absent', fieldSelector: 'metadata.name=c1' });
  assert.deepEqual(list.items.map((i) => i.data), [{ a: '1', b: '2' }]);
  await core.deleteNamespacedConfigMap({ name: 'c1', namespace: 'cn-ns' });
  await Promise.race([seen, new Promise((_, rej) => setTimeout(() => rej(new Error(`watch saw only ${events.join(', ')}`)), 10_000))]);
  controller.abort();
  assert.deepEqual(events, ['ADDED c1', 'MODIFIED c1', 'DELETED c1']);
  await assert.rejects(core.readNamespacedConfigMap({ name: 'c1', namespace: 'cn-ns' }), (e: unknown) => (e as { code?: number }).code === 404);
});

test('python3-kubernetes lists namespaces', { skip: existsSync('/usr/lib/python3/dist-packages/kubernetes') ? false : 'python3-kubernetes is not installed' }, () => {
  const script = `
from kubernetes import client, config
config.load_kube_config(config_file=${JSON.stringify(cluster.kubeconfig)})
v1 = client.CoreV1Api()
print(",".join(sorted(n.metadata.name for n in v1.list_namespace().items)))
v1.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-cm"), data={"k": "v"}))
print(v1.read_namespaced_config_map("py-cm", "default").data["k"])
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [names, value] = r.stdout.trim().split('\n');
  assert.ok(names?.split(',').includes('kube-system'), names);
  assert.equal(value, 'v');
});

test('python3-kubernetes: typed reads of a zero-replica ReplicaSet and a DaemonSet, and a watch sent as watch=True', { skip: existsSync('/usr/lib/python3/dist-packages/kubernetes') ? false : 'python3-kubernetes is not installed' }, () => {
  const script = `
from kubernetes import client, config, watch
config.load_kube_config(config_file=${JSON.stringify(cluster.kubeconfig)})
apps = client.AppsV1Api()
labels = {"app": "zero"}
template = client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels=labels), spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx")]))
apps.create_namespaced_replica_set("default", client.V1ReplicaSet(metadata=client.V1ObjectMeta(name="zero"), spec=client.V1ReplicaSetSpec(replicas=0, selector=client.V1LabelSelector(match_labels=labels), template=template)))
apps.create_namespaced_daemon_set("default", client.V1DaemonSet(metadata=client.V1ObjectMeta(name="nowhere"), spec=client.V1DaemonSetSpec(selector=client.V1LabelSelector(match_labels=labels), template=client.V1PodTemplateSpec(metadata=template.metadata, spec=client.V1PodSpec(node_selector={"no": "such-node"}, containers=template.spec.containers)))))
print("rs", apps.read_namespaced_replica_set("zero", "default").status.replicas)
ds = apps.read_namespaced_daemon_set("nowhere", "default").status
print("ds", ds.desired_number_scheduled, ds.number_ready, ds.current_number_scheduled, ds.number_misscheduled)
print("list", len(apps.list_replica_set_for_all_namespaces().items) >= 1)
seen = []
for event in watch.Watch().stream(apps.list_namespaced_replica_set, "default", timeout_seconds=3):
    seen.append(event["type"] + " " + event["object"].metadata.name)
print("watch", seen[0], all(e.endswith(" zero") for e in seen))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['rs 0', 'ds 0 0 0 0', 'list True', 'watch ADDED zero True']);
});

test('an error body is byte for byte what kube-apiserver writes, newline included', () => {
  const pki = join(cluster.dataDir, 'pki');
  const r = spawnSync('curl', ['-sk', '--cert', join(pki, 'admin.crt'), '--key', join(pki, 'admin.key'), `${cluster.url}/api/v1/namespaces/default/configmaps/no-such-map`], { encoding: 'utf8' });
  assert.equal(r.stdout, '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \\"no-such-map\\" not found","reason":"NotFound","details":{"name":"no-such-map","kind":"configmaps"},"code":404}\n');
});

test('bad input gets a Status and the server keeps answering', () => {
  const base = `${cluster.url}/api/v1/namespaces/default/configmaps`;
  const cases: { name: string; args: string[]; code: number; reason: string; message?: RegExp }[] = [
    { name: 'malformed JSON', args: ['-X', 'POST', '-H', 'Content-Type: application/json', '--data', '{"kind": ', base], code: 400, reason: 'BadRequest' },
    { name: 'wrong kind for the URL', args: ['-X', 'POST', '-H', 'Content-Type: application/json', '--data', '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}', base], code: 400, reason: 'BadRequest' },
    { name: 'namespace mismatch', args: ['-X', 'POST', '-H', 'Content-Type: application/json', '--data', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"other"}}', base], code: 400, reason: 'BadRequest', message: /the namespace of the provided object does not match the namespace sent on the request/ },
    { name: 'bad name', args: ['-X', 'POST', '-H', 'Content-Type: application/json', '--data', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}', base], code: 422, reason: 'Invalid', message: /ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"/ },
    { name: 'bad label selector', args: [`${base}?labelSelector=a%20in%20(`], code: 400, reason: 'BadRequest' },
    { name: 'unknown resource', args: [`${cluster.url}/api/v1/namespaces/default/widgets`], code: 404, reason: 'NotFound' },
    { name: 'unknown group', args: [`${cluster.url}/apis/example.com/v1/widgets`], code: 404, reason: 'NotFound' },
    { name: 'unsupported media type', args: ['-X', 'POST', '-H', 'Content-Type: text/csv', '--data', 'a,b', base], code: 415, reason: 'UnsupportedMediaType' },
    { name: 'method not allowed', args: ['-X', 'PUT', '-H', 'Content-Type: application/json', '--data', '{}', base], code: 405, reason: 'MethodNotAllowed' },
  ];
  for (const c of cases) {
    const r = curl(c.args);
    assert.equal(r.code, c.code, `${c.name}: ${r.body}`);
    const status = JSON.parse(r.body);
    assert.equal(status.kind, 'Status', c.name);
    assert.equal(status.reason, c.reason, `${c.name}: ${r.body}`);
    if (c.message) assert.match(status.message, c.message, c.name);
    assert.equal(curl([`${cluster.url}/readyz`]).code, 200, `server answers after ${c.name}`);
  }
  const big = join(cluster.dataDir, 'big.json');
  writeFileSync(big, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { x: 'y'.repeat(4 * 1024 * 1024) } }));
  const r = curl(['-X', 'POST', '-H', 'Content-Type: application/json', '--data-binary', `@${big}`, base]);
  assert.equal(r.code, 413, r.body.slice(0, 200));
  assert.equal(curl([`${cluster.url}/readyz`]).code, 200);
});

test('an acknowledged create survives kill -9', async () => {
  ok(akubectl(cluster, ['create', 'configmap', 'durable', '--from-literal=k=v', '-n', 'default']), 'create');
  await cluster.stop('SIGKILL');
  await cluster.restart();
  const cm = JSON.parse(ok(akubectl(cluster, ['get', 'cm', 'durable', '-n', 'default', '-o', 'json']), 'get after restart'));
  assert.deepEqual(cm.data, { k: 'v' });
});

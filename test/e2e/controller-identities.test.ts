// Each controller acts as its own service account kube-system/<account>, allowed by the ClusterRole
// system:controller:<account> (kube-controller-manager --use-service-account-credentials), driven with the real
// kubectl against `a-kube up --runtime fake`: the roles exist with their bindings, the manager's old
// every-verb role is gone, an account may do only what its role says, and taking a controller's binding away
// stops that controller alone until the binding is back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectl, hasKubectl, startCluster, type Cluster, type RunResult } from './harness.js';

let cluster: Cluster;

function run(args: string[], input?: string): RunResult {
  return kubectl(cluster, args, input === undefined ? {} : { input });
}

function ok(args: string[], input?: string): string {
  const r = run(args, input);
  assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

before(async () => {
  if (!hasKubectl) return;
  cluster = await startCluster({ args: ['--runtime', 'fake'] });
});

after(async () => {
  await cluster?.cleanup();
});

const opts = { skip: hasKubectl ? false : 'kubectl is not on the PATH' };

test('the system:controller:* roles are bound to kube-system service accounts; the every-verb manager role is gone', opts, () => {
  const roles = ok(['get', 'clusterroles', '-o', 'jsonpath={.items[*].metadata.name}']).split(' ');
  for (const name of ['replicaset-controller', 'deployment-controller', 'generic-garbage-collector', 'namespace-controller', 'endpoint-controller', 'endpointslice-controller', 'job-controller', 'cronjob-controller', 'daemon-set-controller', 'statefulset-controller', 'node-controller', 'root-ca-cert-publisher', 'service-account-controller']) {
    assert.ok(roles.includes(`system:controller:${name}`), name);
    const subject = ok(['get', 'clusterrolebinding', `system:controller:${name}`, '-o', 'jsonpath={.subjects[0].kind}/{.subjects[0].namespace}/{.subjects[0].name} {.roleRef.name}']);
    assert.equal(subject, `ServiceAccount/kube-system/${name} system:controller:${name}`);
  }
  assert.ok(!roles.includes('system:a-kube:controller-manager'));
  const rules = JSON.parse(ok(['get', 'clusterrole', 'system:controller:replicaset-controller', '-o', 'jsonpath={.rules}'])) as { resources: string[]; verbs: string[] }[];
  assert.deepEqual(rules.find((r) => r.resources.includes('pods'))?.verbs, ['create', 'delete', 'list', 'patch', 'watch']);
});

test('a controller account may do what its role allows and nothing else', opts, () => {
  const can = (who: string, ...what: string[]) => run(['auth', 'can-i', '--as', `system:serviceaccount:kube-system:${who}`, ...what]).stdout.trim();
  assert.equal(can('replicaset-controller', 'create', 'pods', '-n', 'default'), 'yes');
  assert.equal(can('replicaset-controller', 'update', 'replicasets/status', '-n', 'default'), 'yes');
  assert.equal(can('replicaset-controller', 'get', 'secrets', '-n', 'default'), 'no');
  assert.equal(can('replicaset-controller', 'create', 'deployments', '-n', 'default'), 'no');
  assert.equal(can('deployment-controller', 'create', 'replicasets', '-n', 'default'), 'yes');
  assert.equal(can('deployment-controller', 'create', 'pods', '-n', 'default'), 'no');
  assert.equal(can('endpoint-controller', 'create', 'endpointslices.discovery.k8s.io', '-n', 'default'), 'no');
  assert.equal(can('endpointslice-controller', 'create', 'endpointslices.discovery.k8s.io', '-n', 'default'), 'yes');
  assert.equal(can('generic-garbage-collector', 'delete', 'secrets', '-n', 'default'), 'yes');
  assert.equal(can('generic-garbage-collector', 'create', 'secrets', '-n', 'default'), 'no');
});

test('the replica set controller acts as its own account: without its binding it stops, with it back it goes on', opts, async () => {
  ok(['create', 'deployment', 'web', '--image=nginx', '--replicas=1']);
  ok(['expose', 'deployment', 'web', '--port=80']);
  const ready = () => ok(['get', 'deployment', 'web', '-o', 'jsonpath={.status.readyReplicas}']);
  await until('one ready replica', () => ready() === '1');
  await until('the endpoint slice of web', () => ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={.items[*].endpoints[*].addresses[0]}']).split(' ').filter(Boolean).length === 1);

  const binding = ok(['get', 'clusterrolebinding', 'system:controller:replicaset-controller', '-o', 'json']);
  ok(['delete', 'clusterrolebinding', 'system:controller:replicaset-controller']);
  ok(['scale', 'deployment', 'web', '--replicas=2']);
  // The deployment controller (its own account, still bound) scales the ReplicaSet; the ReplicaSet controller
  // may not create the pod.
  await until('the ReplicaSet asks for 2', () => ok(['get', 'rs', '-l', 'app=web', '-o', 'jsonpath={.items[0].spec.replicas}']) === '2');
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(ok(['get', 'pods', '-l', 'app=web', '-o', 'name']).trim().split('\n').length, 1);

  const { metadata, ...rest } = JSON.parse(binding) as { metadata: Record<string, unknown> };
  ok(['create', '-f', '-'], JSON.stringify({ ...rest, metadata: { name: metadata['name'], labels: metadata['labels'], annotations: metadata['annotations'] } }));
  await until('two ready replicas', () => ready() === '2');
  await until('both pods in the endpoint slice', () => ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={.items[*].endpoints[*].addresses[0]}']).split(' ').filter(Boolean).length === 2);
});

test('the kube-dns Service loop acts as its own user, limited to its own objects', opts, () => {
  const can = (who: string, ...what: string[]) => run(['auth', 'can-i', '--as', who, ...what]).stdout.trim();
  const dns = 'system:a-kube:kube-dns-service-controller';
  assert.equal(can(dns, 'update', 'services/kube-dns', '-n', 'kube-system'), 'yes');
  assert.equal(can(dns, 'update', 'endpointslices.discovery.k8s.io/kube-dns', '-n', 'kube-system'), 'yes');
  assert.equal(can(dns, 'update', 'services/web', '-n', 'kube-system'), 'no');
  assert.equal(can(dns, 'delete', 'services/kube-dns', '-n', 'kube-system'), 'no');
  assert.equal(can(dns, 'update', 'services/kubernetes', '-n', 'default'), 'no');
  assert.equal(can(dns, 'list', 'secrets', '-n', 'kube-system'), 'no');
});

test('ClusterRole aggregation writes as kube-system/clusterrole-aggregation-controller: without its binding it stops, with it back it goes on', opts, async () => {
  const sa = 'system:serviceaccount:kube-system:clusterrole-aggregation-controller';
  const can = (...what: string[]) => run(['auth', 'can-i', '--as', sa, ...what]).stdout.trim();
  assert.equal(can('escalate', 'clusterroles'), 'yes');
  assert.equal(can('update', 'clusterroles'), 'yes');
  assert.equal(can('create', 'clusterrolebindings'), 'no');
  assert.equal(can('get', 'secrets', '-A'), 'no');
  const viewHas = (resource: string) => ok(['get', 'clusterrole', 'view', '-o', 'jsonpath={.rules[*].resources}']).includes(`"${resource}"`);
  const aggregated = (name: string, resource: string) =>
    JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [{ apiGroups: ['example.com'], resources: [resource], verbs: ['get'] }] });
  ok(['create', '-f', '-'], aggregated('aggregate-widgets', 'widgets'));
  await until('view aggregates widgets', () => viewHas('widgets'));

  const binding = ok(['get', 'clusterrolebinding', 'system:controller:clusterrole-aggregation-controller', '-o', 'json']);
  ok(['delete', 'clusterrolebinding', 'system:controller:clusterrole-aggregation-controller']);
  ok(['create', '-f', '-'], aggregated('aggregate-gadgets', 'gadgets'));
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(viewHas('gadgets'), false, 'the controller may not update view without its binding');

  const { metadata, ...rest } = JSON.parse(binding) as { metadata: Record<string, unknown> };
  ok(['create', '-f', '-'], JSON.stringify({ ...rest, metadata: { name: metadata['name'], labels: metadata['labels'], annotations: metadata['annotations'] } }));
  await until('view aggregates gadgets once the binding is back', () => viewHas('gadgets'), 60_000);
  ok(['delete', 'clusterrole', 'aggregate-widgets', 'aggregate-gadgets']);
});

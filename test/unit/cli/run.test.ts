// `run`: the generated objects, the --overrides merge, and what is sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch, applyMergePatch, applyJsonPatch } from '../../../src/api/patch/index.js';
import { applyOverrides, generateRunObject, type RunParams } from '../../../src/cli/commands/run-objects.js';
import { runA, startFakeCluster, type FakeCluster } from './fake-cluster.js';

const patches = { applyStrategicMergePatch, applyMergePatch, applyJsonPatch };
const base: RunParams = { name: 'nginx-1', image: 'nginx:latest', restart: 'Always', replicas: 1, port: '', env: [], labels: '', annotations: [], imagePullPolicy: '', privileged: false, args: [], command: false };

test('Deployment with run=NAME label and selector, one container named NAME', () => {
  assert.deepEqual(generateRunObject({ ...base, namespace: 'ns-1' }), {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name: 'nginx-1', namespace: 'ns-1', creationTimestamp: null, labels: { run: 'nginx-1' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { run: 'nginx-1' } },
      template: { metadata: { creationTimestamp: null, labels: { run: 'nginx-1' } }, spec: { containers: [{ name: 'nginx-1', image: 'nginx:latest', resources: {} }] } },
      strategy: {},
    },
    status: {},
  });
});

test('restart policies pick the kind; container fields from the flags', () => {
  const pod = generateRunObject({ ...base, restart: 'Never', port: '80', env: ['A=1', 'B=x=y'], labels: 'a=b,c=d', imagePullPolicy: 'IfNotPresent', privileged: true, args: ['sh', '-c', 'true'], command: true });
  assert.equal(pod.kind, 'Pod');
  assert.deepEqual(pod.metadata.labels, { a: 'b', c: 'd' });
  assert.deepEqual(pod.spec, {
    containers: [
      {
        name: 'nginx-1',
        image: 'nginx:latest',
        command: ['sh', '-c', 'true'],
        ports: [{ containerPort: 80 }],
        env: [{ name: 'A', value: '1' }, { name: 'B', value: 'x=y' }],
        resources: {},
        imagePullPolicy: 'IfNotPresent',
        securityContext: { privileged: true },
      },
    ],
    restartPolicy: 'Never',
    dnsPolicy: 'ClusterFirst',
  });
  const job = generateRunObject({ ...base, restart: 'OnFailure', args: ['a'] });
  assert.equal(job.kind, 'Job');
  assert.equal(job.apiVersion, 'batch/v1');
  assert.deepEqual((job.spec as { template: { spec: unknown } }).template.spec, { containers: [{ name: 'nginx-1', image: 'nginx:latest', args: ['a'], resources: {} }], restartPolicy: 'OnFailure' });
});

test('bad flag values', () => {
  assert.throws(() => generateRunObject({ ...base, env: ['A'] }), /invalid env: A/);
  assert.throws(() => generateRunObject({ ...base, port: 'abc' }), /strconv.Atoi: parsing "abc": invalid syntax/);
  assert.throws(() => generateRunObject({ ...base, labels: 'a' }), /unexpected label spec: a/);
});

test('overrides: the seed sets serviceAccountName; strategic merges containers by name, merge replaces lists', () => {
  const seed = '{\n"spec": {\n"template": {\n"spec": {\n"serviceAccountName": "k-sa-1"\n}\n}\n}\n}';
  const d = applyOverrides(generateRunObject(base), seed, 'strategic', patches);
  const podSpec = (d.spec as { template: { spec: Record<string, unknown> } }).template.spec;
  assert.equal(podSpec.serviceAccountName, 'k-sa-1');
  assert.deepEqual(podSpec.containers, [{ name: 'nginx-1', image: 'nginx:latest', resources: {} }]);

  const envPatch = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'nginx-1', env: [{ name: 'A', value: '1' }] }] } } } });
  const strategic = applyOverrides(generateRunObject(base), envPatch, 'strategic', patches);
  assert.deepEqual((strategic.spec as { template: { spec: { containers: unknown } } }).template.spec.containers, [{ name: 'nginx-1', image: 'nginx:latest', resources: {}, env: [{ name: 'A', value: '1' }] }]);
  const merged = applyOverrides(generateRunObject(base), envPatch, 'merge', patches);
  assert.deepEqual((merged.spec as { template: { spec: { containers: unknown } } }).template.spec.containers, [{ name: 'nginx-1', env: [{ name: 'A', value: '1' }] }]);
  const json = applyOverrides(generateRunObject(base), '[{"op":"replace","path":"/spec/replicas","value":3}]', 'json', patches);
  assert.equal((json.spec as { replicas: number }).replicas, 3);
  assert.throws(() => applyOverrides(generateRunObject(base), '{bad', 'merge', patches), /Invalid JSON Patch/);
  assert.throws(() => applyOverrides(generateRunObject(base), '[1]', 'strategic', patches), /invalid JSON document/);
});

let cluster: FakeCluster;
before(async () => {
  cluster = await startFakeCluster();
  cluster.on('POST', /^\/(apis\/apps\/v1|api\/v1|apis\/batch\/v1)\/namespaces\/[^/]+\/(deployments|pods|jobs|services)$/, (req) => ({ status: 201, body: req.json() }));
});
after(() => cluster.close());

test('the seed command: POST the Deployment with kubectl-run as field manager', async () => {
  const r = await runA(cluster, ['run', 'nginx-1', '--image=nginx:latest', '--namespace=ns-1', '--overrides={"spec":{"template":{"spec":{"serviceAccountName":"k-sa-1"}}}}']);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'deployment.apps/nginx-1 created\n');
  const call = cluster.calls().at(-1);
  assert.equal(call?.path, '/apis/apps/v1/namespaces/ns-1/deployments');
  assert.equal(call?.query.get('fieldManager'), 'kubectl-run');
  const sent = call?.json() as { metadata: { namespace: string }; spec: { template: { spec: { serviceAccountName: string } } } };
  assert.equal(sent.metadata.namespace, 'ns-1');
  assert.equal(sent.spec.template.spec.serviceAccountName, 'k-sa-1');
});

test('--restart=Never creates a pod, --expose a service first; server dry run', async () => {
  const r = await runA(cluster, ['run', 'web', '--image=nginx', '--restart=Never', '--port=80', '--expose', '--dry-run=server']);
  assert.equal(r.stdout, 'service/web created (server dry run)\npod/web created (server dry run)\n');
  const [svc, pod] = cluster.calls().slice(-2);
  assert.equal(svc?.path, '/api/v1/namespaces/default/services');
  assert.equal(pod?.path, '/api/v1/namespaces/default/pods');
  assert.equal(pod?.query.get('dryRun'), 'All');
});

test('client dry run sends nothing and prints the object', async () => {
  const before = cluster.calls().length;
  const r = await runA(cluster, ['run', 'j', '--image=busybox', '--restart=OnFailure', '--dry-run=client', '-o', 'name']);
  assert.equal(r.stdout, 'job.batch/j\n');
  assert.equal(cluster.calls().length, before);
});

const usageErrors: [string[], string][] = [
  [['run', 'x'], 'error: required flag(s) "image" not set\n'],
  [['run', '--image=x'], "error: NAME is required for run\nSee 'a-kubectl run -h' for help and examples\n"],
  [['run', 'x', '--image=x', '--restart=Sometimes'], 'error: invalid restart policy: Sometimes\n'],
  [['run', 'x', '--image=x', '--expose'], "error: --port must be set when exposing a service\nSee 'a-kubectl run -h' for help and examples\n"],
];
for (const [argv, stderr] of usageErrors) {
  test(`run refuses: ${argv.join(' ')}`, async () => {
    const r = await runA(cluster, argv);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, stderr);
  });
}

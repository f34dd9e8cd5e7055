// `set image|env`, `expose`, `logs`, `wait` against a fake API server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { applyEnv, globMatches, parseEnvArgs } from '../../../src/cli/commands/set-env.js';
import { parseWaitFor, conditionMet } from '../../../src/cli/commands/wait.js';
import { notFound, runA, startFakeCluster, type FakeCluster } from './fake-cluster.js';

const deployments = '/apis/apps/v1/namespaces/ns-1/deployments';
const web = (): KubeObject => ({
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: { name: 'web', namespace: 'ns-1', generation: 2, labels: { app: 'web' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        initContainers: [{ name: 'init', image: 'busybox' }],
        containers: [
          { name: 'nginx', image: 'nginx:1', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80 }, { containerPort: 443, protocol: 'TCP' }] },
          { name: 'side', image: 'side:1' },
        ],
      },
    },
  },
  status: { observedGeneration: 2, conditions: [{ type: 'Available', status: 'True' }] },
});
const pod = (name: string): KubeObject => ({
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: { name, namespace: 'ns-1', labels: { app: 'web' } },
  spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 8080 }] }] },
  status: { phase: 'Running' },
});

let cluster: FakeCluster;
before(async () => {
  cluster = await startFakeCluster();
  cluster.on('GET', `${deployments}/web`, { body: web() });
  cluster.on('PATCH', `${deployments}/web`, { body: web() });
  cluster.on('GET', '/api/v1/namespaces/ns-1/pods/p1', { body: pod('p1') });
  cluster.on('POST', '/api/v1/namespaces/ns-1/services', (req) => ({ status: 201, body: req.json() }));
  cluster.on('GET', '/api/v1/namespaces/ns-1/pods/p1/log', (req) => ({ body: `log of ${req.query.get('container') ?? ''}\nline 2\n`, contentType: 'text/plain' }));
  cluster.on('GET', '/api/v1/namespaces/ns-1/pods', { body: { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [pod('p1')] } });
  cluster.on('GET', deployments, (req) =>
    req.query.get('watch') === 'true'
      ? { stream: [{ type: 'DELETED', object: web() }] }
      : { body: { kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: { resourceVersion: '7' }, items: req.query.get('fieldSelector') === 'metadata.name=web' ? [web()] : [] } },
  );
  cluster.on('GET', `${deployments}/nope`, notFound('deployments', 'nope', 'apps'));
});
after(() => cluster.close());

test('set image: a strategic merge patch of just the images, kubectl-set as field manager', async () => {
  let r = await runA(cluster, ['set', 'image', 'deployment/web', 'nginx=nginx:2', 'init=busybox:2', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'deployment.apps/web image updated\n', '']);
  const call = cluster.calls().at(-1);
  assert.equal(call?.headers['content-type'], 'application/strategic-merge-patch+json');
  assert.equal(call?.query.get('fieldManager'), 'kubectl-set');
  assert.deepEqual(call?.json(), {
    spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'side' }], '$setElementOrder/initContainers': [{ name: 'init' }], containers: [{ image: 'nginx:2', name: 'nginx' }], initContainers: [{ image: 'busybox:2', name: 'init' }] } } },
  });
  const before = cluster.calls().length;
  r = await runA(cluster, ['set', 'image', 'deployment/web', 'nginx=nginx:1', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stdout], [0, '']);
  assert.equal(cluster.calls().length, before + 1, 'only the GET: nothing changed, nothing sent');
  r = await runA(cluster, ['set', 'image', 'deployment/web', 'foo=x', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stderr], [1, 'error: unable to find container named "foo"\n']);
  r = await runA(cluster, ['set', 'image', 'deployment/web', '-n', 'ns-1']);
  assert.equal(r.stderr, 'error: at least one image update is required\n');
  r = await runA(cluster, ['set', 'image', '*=nginx:3', 'deploy/web', '-n', 'ns-1', '--dry-run=client', '-o', 'jsonpath={.spec.template.spec.containers[*].image}']);
  assert.equal(r.stdout, 'nginx:3 nginx:3');
});

test('set env: add, change, remove, --overwrite=false, wildcard containers, --list', async () => {
  const d = web();
  applyEnv(d, 'ng*', parseEnvArgs(['B=2', 'A-']), true, 'deployments/web');
  const containers = (d.spec as { template: { spec: { containers: { env?: unknown }[] } } }).template.spec.containers;
  assert.deepEqual(containers[0]?.env, [{ name: 'B', value: '2' }]);
  assert.equal(containers[1]?.env, undefined);
  assert.throws(() => applyEnv(web(), '*', parseEnvArgs(['A=9']), false, 'deployments/web'), /deployments\/web 'A' already has a value \(1\), and --overwrite is false/);
  assert.throws(() => parseEnvArgs(['1X=1']), /"1X" is not a valid key name/);
  assert.equal(globMatches('s?de', 'side'), true);
  assert.equal(globMatches('n*', 'side'), false);

  let r = await runA(cluster, ['set', 'env', 'deployment/web', 'B=2', '-c', 'nginx', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stdout], [0, 'deployment.apps/web env updated\n']);
  r = await runA(cluster, ['set', 'env', 'deployment/web', '--list', '-n', 'ns-1']);
  assert.equal(r.stdout, '# Deployment web, container init\n# Deployment web, container nginx\nA=1\n# Deployment web, container side\n');
  r = await runA(cluster, ['set', 'env', 'deployment/web', 'X=1', '-c', 'nope', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stderr], [0, 'Warning: Deployment/web does not have any containers matching "nope"\n']);
});

test('expose: selector, labels and ports from the object; flags override', async () => {
  let r = await runA(cluster, ['expose', 'deployment', 'web', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stdout], [0, 'service/web exposed\n']);
  const call = cluster.calls().at(-1);
  assert.equal(call?.query.get('fieldManager'), 'kubectl-expose');
  assert.deepEqual(call?.json(), {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { name: 'web', namespace: 'ns-1', creationTimestamp: null, labels: { app: 'web' } },
    spec: {
      ports: [
        { name: 'port-1', port: 80, protocol: 'TCP', targetPort: 80 },
        { name: 'port-2', port: 443, protocol: 'TCP', targetPort: 443 },
      ],
      selector: { app: 'web' },
    },
    status: { loadBalancer: {} },
  });
  r = await runA(cluster, ['expose', 'pod/p1', '--port=80', '--target-port=http', '--name=front', '--type=NodePort', '-n', 'ns-1', '--dry-run=client', '-o', 'json']);
  const svc = JSON.parse(r.stdout) as { metadata: { name: string }; spec: unknown };
  assert.equal(svc.metadata.name, 'front');
  assert.deepEqual(svc.spec, { ports: [{ port: 80, protocol: 'TCP', targetPort: 'http' }], selector: { app: 'web' }, type: 'NodePort' });
});

test('logs: the pod’s log with kubectl’s query; deployment/NAME picks a pod; --prefix', async () => {
  let r = await runA(cluster, ['logs', 'p1', '-n', 'ns-1', '--tail=5', '--since=90s', '--timestamps', '-p']);
  assert.deepEqual([r.code, r.stdout], [0, 'log of nginx\nline 2\n']);
  const q = cluster.calls().at(-1)?.query;
  assert.deepEqual([q?.get('container'), q?.get('tailLines'), q?.get('sinceSeconds'), q?.get('timestamps'), q?.get('previous'), q?.get('follow')], ['nginx', '5', '90', 'true', 'true', null]);
  r = await runA(cluster, ['logs', 'deployment/web', '-n', 'ns-1', '--prefix']);
  assert.equal(r.stdout, '[pod/p1/nginx] log of nginx\n[pod/p1/nginx] line 2\n');
  r = await runA(cluster, ['logs', '-l', 'app=web', '-n', 'ns-1']);
  assert.equal(cluster.calls().at(-1)?.query.get('tailLines'), '10');
  // an unknown container is refused before the server is asked, in kubectl's words
  const asked = cluster.calls().length;
  r = await runA(cluster, ['logs', 'p1', '-c', 'nope', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stderr], [1, 'error: container nope is not valid for pod p1\n']);
  assert.equal(cluster.calls().slice(asked).filter((c) => c.path.endsWith('/log')).length, 0);
  r = await runA(cluster, ['logs', '-n', 'ns-1']);
  assert.equal(r.stderr, "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'a-kubectl logs -h' for help and examples\n");
});

test('wait: --for parsing and condition semantics', () => {
  assert.deepEqual(parseWaitFor('condition=Available'), { kind: 'condition', type: 'Available', value: 'true' });
  assert.deepEqual(parseWaitFor('condition=Ready=false'), { kind: 'condition', type: 'Ready', value: 'false' });
  assert.deepEqual(parseWaitFor("jsonpath={.status.phase}=Running"), { kind: 'jsonpath', expression: '{.status.phase}', value: 'Running' });
  assert.deepEqual(parseWaitFor('jsonpath={.status.loadBalancer.ingress}'), { kind: 'jsonpath', expression: '{.status.loadBalancer.ingress}', value: undefined });
  assert.deepEqual(parseWaitFor('delete'), { kind: 'delete' });
  assert.throws(() => parseWaitFor(''), /unrecognized condition: ""/);
  assert.throws(() => parseWaitFor('foo'), /unrecognized condition: "foo"/);
  assert.equal(conditionMet(web(), 'available', 'TRUE'), true);
  assert.equal(conditionMet({ ...web(), metadata: { ...web().metadata, generation: 3 } }, 'Available', 'True'), false, 'status not observed at this generation');
  assert.equal(conditionMet(web(), 'Progressing', 'True'), false);
});

test('wait: condition met, jsonpath, deleted, timeout, missing object', async () => {
  let r = await runA(cluster, ['wait', '--for=condition=Available', 'deployment/web', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stdout], [0, 'deployment.apps/web condition met\n']);
  r = await runA(cluster, ['wait', '--for=jsonpath={.spec.replicas}=1', 'deployment/web', '-n', 'ns-1']);
  assert.equal(r.stdout, 'deployment.apps/web condition met\n');
  r = await runA(cluster, ['wait', '--for=delete', 'deployment/web', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stdout], [0, 'deployment.apps/web deleted\n']);
  r = await runA(cluster, ['wait', '--for=condition=Progressing', 'deployment/web', '-n', 'ns-1', '--timeout=0']);
  assert.deepEqual([r.code, r.stderr], [1, 'error: timed out waiting for the condition on deployments/web\n']);
  r = await runA(cluster, ['wait', '--for=condition=Available', 'deployment/nope', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stderr], [1, 'Error from server (NotFound): deployments.apps "nope" not found\n']);
  r = await runA(cluster, ['wait', '--for=delete', 'deployment/nope', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stdout], [0, '']);
});

// `scale` and `rollout status|history|undo|pause|resume|restart` against a fake API server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deploymentStatus, statefulSetStatus, daemonSetStatus } from '../../../src/cli/commands/rollout-status-viewers.js';
import { planRollback } from '../../../src/cli/commands/rollout-undo.js';
import type { KubeObject } from '../../../src/api/object.js';
import { notFound, runA, startFakeCluster, type FakeCluster } from './fake-cluster.js';

const deployments = '/apis/apps/v1/namespaces/ns-1/deployments';
function deployment(status: Record<string, unknown>, extra: { generation?: number; paused?: boolean; template?: unknown } = {}): KubeObject {
  return {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name: 'web', namespace: 'ns-1', uid: 'd-uid', generation: extra.generation ?? 2, resourceVersion: '10', annotations: { 'deployment.kubernetes.io/revision': '2' } },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: extra.template ?? { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } }, ...(extra.paused ? { paused: true } : {}) },
    status: { observedGeneration: 2, ...status },
  };
}
function replicaSet(revision: number, image: string, cause?: string): KubeObject {
  return {
    kind: 'ReplicaSet',
    metadata: {
      name: `web-${revision}`,
      namespace: 'ns-1',
      labels: { app: 'web', 'pod-template-hash': `h${revision}` },
      annotations: { 'deployment.kubernetes.io/revision': String(revision), ...(cause ? { 'kubernetes.io/change-cause': cause } : {}) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true }],
    },
    spec: { template: { metadata: { labels: { app: 'web', 'pod-template-hash': `h${revision}` } }, spec: { containers: [{ name: 'c', image }] } } },
  };
}

test('deployment status messages, as kubectl words them', () => {
  const cases: [Record<string, unknown>, number | undefined, string, boolean][] = [
    [{}, 3, 'Waiting for deployment spec update to be observed...\n', false],
    [{ replicas: 3, updatedReplicas: 1 }, undefined, 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...\n', false],
    [{ replicas: 4, updatedReplicas: 3 }, undefined, 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...\n', false],
    [{ replicas: 3, updatedReplicas: 3, availableReplicas: 1 }, undefined, 'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...\n', false],
    [{ replicas: 3, updatedReplicas: 3, availableReplicas: 3 }, undefined, 'deployment "web" successfully rolled out\n', true],
  ];
  for (const [status, generation, message, done] of cases) {
    assert.deepEqual(deploymentStatus(deployment(status, generation ? { generation } : {}), 0), { message, done });
  }
  assert.throws(() => deploymentStatus(deployment({ conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }] }), 0), /deployment "web" exceeded its progress deadline/);
  assert.throws(() => deploymentStatus(deployment({}), 3), /desired revision \(3\) is different from the running revision \(2\)/);
  const sts = { metadata: { name: 's', generation: 1 }, spec: { replicas: 2 }, status: { observedGeneration: 1, readyReplicas: 2, currentRevision: 'r1', updateRevision: 'r1', currentReplicas: 2 } };
  assert.deepEqual(statefulSetStatus(sts), { message: 'statefulset rolling update complete 2 pods at revision r1...\n', done: true });
  const ds = { metadata: { name: 'd', generation: 1 }, spec: {}, status: { observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 1 } };
  assert.deepEqual(daemonSetStatus(ds), { message: 'Waiting for daemon set "d" rollout to finish: 1 of 2 updated pods are available...\n', done: false });
});

test('rollback plan: previous revision, hash label dropped, annotations from the ReplicaSet', () => {
  const history = new Map([[1, replicaSet(1, 'nginx:1', 'first')], [2, replicaSet(2, 'nginx:2')]]);
  const plan = planRollback(deployment({}), history, 0);
  assert.equal(plan.toRevision, 1);
  assert.deepEqual(plan.patch, [
    { op: 'replace', path: '/spec/template', value: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
    { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '2', 'kubernetes.io/change-cause': 'first' } },
  ]);
  assert.equal(planRollback(deployment({}), history, 2).patch, undefined);
  assert.throws(() => planRollback(deployment({}), history, 7), /unable to find specified revision 7 in history/);
  assert.throws(() => planRollback(deployment({}), new Map([[2, replicaSet(2, 'x')]]), 0), /no rollout history found for deployment "web"/);
  assert.throws(() => planRollback(deployment({}, { paused: true }), history, 0), /you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment\/web' and try again/);
});

let cluster: FakeCluster;
let current: KubeObject;
before(async () => {
  cluster = await startFakeCluster();
  current = deployment({ replicas: 3, updatedReplicas: 1 });
  cluster.on('GET', `${deployments}/web`, () => ({ body: current }));
  cluster.on('GET', `${deployments}/nope`, notFound('deployments', 'nope', 'apps'));
  cluster.on('GET', deployments, (req) =>
    req.query.get('watch') === 'true'
      ? {
          stream: [
            { type: 'MODIFIED', object: deployment({ replicas: 3, updatedReplicas: 3, availableReplicas: 2 }) },
            { type: 'MODIFIED', object: deployment({ replicas: 3, updatedReplicas: 3, availableReplicas: 3 }) },
          ],
        }
      : { body: { kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: { resourceVersion: '10' }, items: req.query.get('fieldSelector') === 'metadata.name=web' ? [current] : [] } },
  );
  cluster.on('GET', '/apis/apps/v1/namespaces/ns-1/replicasets', { body: { kind: 'ReplicaSetList', apiVersion: 'apps/v1', metadata: {}, items: [replicaSet(2, 'nginx:2'), replicaSet(1, 'nginx:1', 'kubectl set image')] } });
  cluster.on('PATCH', /\/deployments\/web(\/scale)?$/, (req) => ({ body: req.path.endsWith('/scale') ? { kind: 'Scale', metadata: { name: 'web' }, spec: req.json() } : current }));
  cluster.on('GET', `${deployments}/web/scale`, { body: { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'web', namespace: 'ns-1', resourceVersion: '10' }, spec: { replicas: 3 } } });
  cluster.on('PUT', `${deployments}/web/scale`, (req) => ({ body: req.json() }));
});
after(() => cluster.close());

test('scale: merge patch on /scale; preconditions checked then an update', async () => {
  let r = await runA(cluster, ['scale', 'deployment', 'web', '--replicas=5', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'deployment.apps/web scaled\n', '']);
  let call = cluster.calls().at(-1);
  assert.equal(`${call?.method} ${call?.path} ${call?.headers['content-type']}`, `PATCH ${deployments}/web/scale application/merge-patch+json`);
  assert.deepEqual(call?.json(), { spec: { replicas: 5 } });
  r = await runA(cluster, ['scale', 'deploy/web', '--replicas=4', '--current-replicas=3', '-n', 'ns-1']);
  assert.equal(r.stdout, 'deployment.apps/web scaled\n');
  call = cluster.calls().at(-1);
  assert.equal(call?.method, 'PUT');
  assert.equal((call?.json() as { spec: { replicas: number } }).spec.replicas, 4);
  r = await runA(cluster, ['scale', 'deploy/web', '--replicas=4', '--current-replicas=2', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stderr], [1, 'error: Expected replicas to be 2, was 3\n']);
  r = await runA(cluster, ['scale', 'deploy/web', '--replicas=4', '--resource-version=9', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stderr], [1, 'error: Expected resource version to be 9, was 10\n']);
  const errors: [string[], string][] = [
    [['scale', 'deploy/web'], 'error: required flag(s) "replicas" not set\n'],
    [['scale', 'deploy/web', '--replicas=-1'], 'error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n'],
    [['scale', 'deploy', '--replicas=1'], 'error: resource(s) were provided, but no name was specified\n'],
    [['scale', 'deploy/nope', '--replicas=1', '-n', 'ns-1'], 'error: no objects passed to scale deployments.apps "nope" not found\n'],
  ];
  for (const [argv, stderr] of errors) {
    r = await runA(cluster, argv);
    assert.deepEqual([r.code, r.stderr], [1, stderr], argv.join(' '));
  }
});

test('rollout status: the listed state, then each watched change, until done', async () => {
  const r = await runA(cluster, ['rollout', 'status', 'deployment/web', '-n', 'ns-1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
      'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
      'deployment "web" successfully rolled out',
      '',
    ].join('\n'),
  );
  const watch = cluster.calls().find((c) => c.query.get('watch') === 'true');
  assert.equal(watch?.query.get('fieldSelector'), 'metadata.name=web');
  assert.equal(watch?.query.get('resourceVersion'), '10');
  const once = await runA(cluster, ['rollout', 'status', 'deployment/web', '-n', 'ns-1', '--watch=false']);
  assert.equal(once.stdout, 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...\n');
  const pods = await runA(cluster, ['rollout', 'status', 'pod/x', '-n', 'ns-1']);
  assert.equal(pods.stderr, 'error: no status viewer has been implemented for Pod\n');
});

test('rollout status --timeout ends with kubectl’s message', async () => {
  const slow = await startFakeCluster();
  slow.on('GET', deployments, (req) => (req.query.get('watch') === 'true' ? new Promise(() => undefined) : { body: { kind: 'DeploymentList', metadata: { resourceVersion: '1' }, items: [current] } }));
  const r = await runA(slow, ['rollout', 'status', 'deployment/web', '-n', 'ns-1', '--timeout=200ms']);
  assert.deepEqual([r.code, r.stderr], [1, 'error: timed out waiting for the condition\n']);
  await slow.close();
});

test('rollout history, undo, pause, resume, restart', async () => {
  let r = await runA(cluster, ['rollout', 'history', 'deployment/web', '-n', 'ns-1']);
  assert.equal(r.stdout, 'deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         kubectl set image\n2         <none>\n\n');
  r = await runA(cluster, ['rollout', 'undo', 'deployment/web', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stdout], [0, 'deployment.apps/web rolled back\n']);
  let call = cluster.calls().at(-1);
  assert.equal(call?.headers['content-type'], 'application/json-patch+json');
  r = await runA(cluster, ['rollout', 'undo', 'deployment/web', '-n', 'ns-1', '--to-revision=2']);
  assert.equal(r.stdout, 'deployment.apps/web skipped rollback (current template already matches revision 2)\n');

  r = await runA(cluster, ['rollout', 'pause', 'deployment/web', '-n', 'ns-1']);
  assert.equal(r.stdout, 'deployment.apps/web paused\n');
  call = cluster.calls().at(-1);
  assert.deepEqual([call?.headers['content-type'], call?.query.get('fieldManager'), call?.json()], ['application/strategic-merge-patch+json', 'kubectl-rollout', { spec: { paused: true } }]);
  r = await runA(cluster, ['rollout', 'resume', 'deployment/web', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stderr], [1, 'error: deployments.apps "web" is not paused\n']);
  r = await runA(cluster, ['rollout', 'restart', 'deployment/web', '-n', 'ns-1']);
  assert.equal(r.stdout, 'deployment.apps/web restarted\n');
  const restartedAt = (cluster.calls().at(-1)?.json() as { spec: { template: { metadata: { annotations: Record<string, string> } } } }).spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'];
  assert.match(restartedAt ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  current = deployment({}, { paused: true });
  r = await runA(cluster, ['rollout', 'pause', 'deployment/web', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stderr], [1, 'error: deployments.apps "web" is already paused\n']);
  r = await runA(cluster, ['rollout', 'restart', 'deployment/web', '-n', 'ns-1']);
  assert.deepEqual([r.code, r.stderr], [1, `error: deployments.apps "web" can't restart paused deployment (run rollout resume first)\n`]);
  r = await runA(cluster, ['rollout', 'resume', 'deployment/web', '-n', 'ns-1']);
  assert.equal(r.stdout, 'deployment.apps/web resumed\n');
  assert.deepEqual(cluster.calls().at(-1)?.json(), { spec: { paused: null } });
});

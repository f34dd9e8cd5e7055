import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { FakeClock } from '../../../src/client/workqueue.js';
import { reconcileDeployment, type DeploymentDeps } from '../../../src/controllers/deployment/controller.js';
import { computeHash, safeEncode } from '../../../src/controllers/deployment/hash.js';
import { FakeApi, RecordingRecorder } from './fake-client.js';

const dPath = '/apis/apps/v1/namespaces/ns/deployments';
const rsPath = '/apis/apps/v1/namespaces/ns/replicasets';

function deployment(replicas: number, image: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns', uid: 'd-uid', generation: 1, annotations: { 'kubernetes.io/change-cause': 'first' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      ...extra,
    },
  };
}

/** The Deployment controller plus a stand-in ReplicaSet controller whose pods become available one step after creation. */
function harness(d: KubeObject) {
  const api = new FakeApi();
  api.seed(dPath, d);
  const recorder = new RecordingRecorder();
  const clock = new FakeClock();
  const deps = (): DeploymentDeps => ({ client: api, deployments: api.indexer(dPath), replicaSets: api.indexer(rsPath), pods: api.indexer('/api/v1/namespaces/ns/pods'), recorder, clock });
  const replicaSets = () => api.under(rsPath).sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
  const simulateReplicaSets = () => {
    for (const rs of api.under(rsPath)) {
      const want = (rs['spec'] as { replicas: number }).replicas;
      const prev = (rs['status'] as { replicas?: number } | undefined)?.replicas ?? 0;
      const avail = Math.min(want, prev);
      rs['status'] = { replicas: want, readyReplicas: avail, availableReplicas: avail, observedGeneration: rs.metadata.generation ?? 1 };
    }
  };
  const available = () => api.under(rsPath).reduce((n, rs) => n + ((rs['status'] as { availableReplicas?: number } | undefined)?.availableReplicas ?? 0), 0);
  const total = () => api.under(rsPath).reduce((n, rs) => n + (rs['spec'] as { replicas: number }).replicas, 0);
  const step = async () => {
    const r = await reconcileDeployment('ns/web', deps());
    simulateReplicaSets();
    return r;
  };
  const dep = () => api.objects.get(`${dPath}/web`) as KubeObject;
  const setSpec = (patch: Record<string, unknown>) => {
    const cur = dep();
    cur['spec'] = { ...(cur['spec'] as object), ...patch };
    cur.metadata.generation = (cur.metadata.generation ?? 1) + 1;
  };
  return { api, recorder, clock, step, replicaSets, available, total, dep, setSpec };
}

const status = (o: KubeObject) => (o['status'] ?? {}) as Record<string, unknown> & { conditions?: { type: string; status: string; reason: string; message: string }[] };

test('pod-template-hash: stable, key-order independent, Kubernetes alphabet, collisionCount moves it', () => {
  const a = computeHash({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  const b = computeHash({ spec: { containers: [{ image: 'x', name: 'c' }] }, metadata: { labels: { app: 'web' } } });
  assert.equal(a, b);
  assert.match(a, /^[456789bcdf]{1,10}$/);
  assert.notEqual(computeHash({ spec: {} }, 1), computeHash({ spec: {} }));
  assert.equal(computeHash({ metadata: { creationTimestamp: null, labels: { app: 'web' } } }), computeHash({ metadata: { labels: { app: 'web' } } }), 'null fields are absent');
  assert.equal(safeEncode('0123456789'), '456789bcdf');
});

test('a new Deployment gets ReplicaSet <name>-<hash> with labels, selector, annotations, owner and revision 1', async () => {
  const h = harness(deployment(3, 'nginx:1'));
  await h.step();
  const [rs] = h.replicaSets();
  assert.ok(rs);
  const hash = computeHash((deployment(3, 'nginx:1')['spec'] as Record<string, unknown>)['template']);
  assert.equal(rs.metadata.name, `web-${hash}`);
  assert.deepEqual(rs.metadata.labels, { app: 'web', 'pod-template-hash': hash });
  assert.deepEqual(rs.metadata.annotations, {
    'kubernetes.io/change-cause': 'first',
    'deployment.kubernetes.io/revision': '1',
    'deployment.kubernetes.io/desired-replicas': '3',
    'deployment.kubernetes.io/max-replicas': '4',
  });
  assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true, blockOwnerDeletion: true }]);
  const spec = rs['spec'] as { replicas: number; selector: unknown; template: { metadata: { labels: unknown } } };
  assert.equal(spec.replicas, 3);
  assert.deepEqual(spec.selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
  assert.deepEqual(spec.template.metadata.labels, { app: 'web', 'pod-template-hash': hash });
  assert.deepEqual(h.recorder.events, [`Normal ScalingReplicaSet web: Scaled up replica set web-${hash} from 0 to 3`]);
  assert.equal(h.dep().metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  const st = status(h.dep());
  assert.deepEqual(
    st.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
    [
      ['Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "web-${hash}"`],
      ['Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'],
    ],
  );
  for (let i = 0; i < 3; i++) await h.step();
  const done = status(h.dep());
  assert.equal(done['availableReplicas'], 3);
  assert.equal(done['updatedReplicas'], 3);
  assert.equal(done['observedGeneration'], 1);
  assert.deepEqual(done.conditions?.map((c) => [c.type, c.reason, c.message]), [
    ['Available', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
    ['Progressing', 'NewReplicaSetAvailable', `ReplicaSet "web-${hash}" has successfully progressed.`],
  ]);
});

test("the Deployment's annotations follow onto its current ReplicaSet; old ones keep theirs (rollout history)", async () => {
  const h = harness(deployment(1, 'nginx:1'));
  await h.step();
  h.dep().metadata.annotations = { ...h.dep().metadata.annotations, 'kubernetes.io/change-cause': 'scaled', 'example.com/team': 'a' };
  await h.step();
  const [first] = h.replicaSets();
  assert.equal(first?.metadata.annotations?.['kubernetes.io/change-cause'], 'scaled');
  assert.equal(first?.metadata.annotations?.['example.com/team'], 'a');
  assert.equal(first?.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  h.setSpec({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } });
  h.dep().metadata.annotations = { ...h.dep().metadata.annotations, 'kubernetes.io/change-cause': 'image 2' };
  for (let i = 0; i < 4; i++) await h.step();
  const causes = h.replicaSets().map((rs) => [rs.metadata.annotations?.['deployment.kubernetes.io/revision'], rs.metadata.annotations?.['kubernetes.io/change-cause']]);
  assert.deepEqual(causes, [['1', 'scaled'], ['2', 'image 2']]);
});

test('a rolling update keeps availability within maxUnavailable and pods within maxSurge, and ends on the new ReplicaSet', async () => {
  const h = harness(deployment(4, 'nginx:1'));
  for (let i = 0; i < 4; i++) await h.step();
  assert.equal(h.available(), 4);
  h.setSpec({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } });
  for (let i = 0; i < 20; i++) {
    await h.step();
    assert.ok(h.available() >= 3, `availability dropped to ${h.available()} at step ${i}`);
    assert.ok(h.total() <= 5, `surged to ${h.total()} at step ${i}`);
  }
  const [oldRS, newRS] = h.replicaSets();
  assert.equal((oldRS?.['spec'] as { replicas: number }).replicas, 0);
  assert.equal((newRS?.['spec'] as { replicas: number }).replicas, 4);
  assert.equal(newRS?.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  assert.equal(h.dep().metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  assert.ok(h.recorder.events.some((e) => /Scaled down replica set web-\w+ to 0 from 1$/.test(e)));
});

test('rollback to the old template reuses the old ReplicaSet with the next revision and a revision history', async () => {
  const h = harness(deployment(2, 'nginx:1'));
  for (let i = 0; i < 3; i++) await h.step();
  h.setSpec({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } });
  for (let i = 0; i < 8; i++) await h.step();
  h.setSpec({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1' }] } } });
  for (let i = 0; i < 8; i++) await h.step();
  const rsList = h.replicaSets();
  assert.equal(rsList.length, 2, 'no third ReplicaSet');
  const first = rsList[0];
  assert.equal(first?.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal(first?.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
  assert.equal((first?.['spec'] as { replicas: number }).replicas, 2);
  assert.equal(h.dep().metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
});

test('Recreate scales old ReplicaSets to zero before creating the new one', async () => {
  const h = harness(deployment(2, 'nginx:1', { strategy: { type: 'Recreate' } }));
  for (let i = 0; i < 3; i++) await h.step();
  h.setSpec({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } });
  await h.step();
  assert.equal(h.replicaSets().length, 1, 'no new ReplicaSet while old pods remain');
  assert.equal((h.replicaSets()[0]?.['spec'] as { replicas: number }).replicas, 0);
  await h.step();
  const rsList = h.replicaSets();
  assert.equal(rsList.length, 2);
  assert.equal((rsList[1]?.['spec'] as { replicas: number }).replicas, 2);
});

test('a paused Deployment scales but does not roll out, and says so in Progressing', async () => {
  const h = harness(deployment(2, 'nginx:1'));
  for (let i = 0; i < 3; i++) await h.step();
  h.setSpec({ paused: true, replicas: 3, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } });
  await h.step();
  assert.equal(h.replicaSets().length, 1);
  assert.equal((h.replicaSets()[0]?.['spec'] as { replicas: number }).replicas, 3);
  const progressing = status(h.dep()).conditions?.find((c) => c.type === 'Progressing');
  assert.deepEqual([progressing?.status, progressing?.reason, progressing?.message], ['Unknown', 'DeploymentPaused', 'Deployment is paused']);
  h.setSpec({ paused: false });
  await h.step();
  assert.equal(h.replicaSets().length, 2, 'resumed: the rollout starts');
});

test('old ReplicaSets beyond revisionHistoryLimit are deleted once the rollout completes', async () => {
  const h = harness(deployment(1, 'v0', { revisionHistoryLimit: 1 }));
  for (let v = 1; v <= 3; v++) {
    for (let i = 0; i < 6; i++) await h.step();
    h.setSpec({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: `v${v}` }] } } });
  }
  for (let i = 0; i < 6; i++) await h.step();
  assert.equal(h.replicaSets().length, 2, 'the new one and one old one');
  assert.ok(h.api.writes('delete').length >= 1);
});

test('no progress within progressDeadlineSeconds gives Progressing False ProgressDeadlineExceeded', async () => {
  const h = harness(deployment(1, 'nginx:1', { progressDeadlineSeconds: 60 }));
  await h.step();
  // The pod is created but never becomes available.
  for (const rs of h.api.under(rsPath)) rs['status'] = { replicas: 1, observedGeneration: 1 };
  const seen = await reconcileDeployment('ns/web', { client: h.api, deployments: h.api.indexer(dPath), replicaSets: h.api.indexer(rsPath), pods: h.api.indexer('/api/v1/namespaces/ns/pods'), recorder: h.recorder, clock: h.clock });
  assert.deepEqual(seen, { requeueAfterMs: 60_000 }, 'asks to look again at the deadline');
  h.clock.advance(61_000);
  await reconcileDeployment('ns/web', { client: h.api, deployments: h.api.indexer(dPath), replicaSets: h.api.indexer(rsPath), pods: h.api.indexer('/api/v1/namespaces/ns/pods'), recorder: h.recorder, clock: h.clock });
  const p = status(h.dep()).conditions?.find((c) => c.type === 'Progressing');
  assert.equal(p?.status, 'False');
  assert.equal(p?.reason, 'ProgressDeadlineExceeded');
  assert.match(p?.message ?? '', /^ReplicaSet "web-\w+" has timed out progressing\.$/);
});

// StatefulSet, DaemonSet, Job and CronJob reconciles, and cron schedules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { byOwnerUid, ownerUidIndex } from '../../../src/client/informer.js';
import { FakeClock } from '../../../src/client/workqueue.js';
import { parseCron } from '../../../src/controllers/cron.js';
import { mostRecentSchedule, reconcileCronJob } from '../../../src/controllers/cronjob.js';
import { reconcileDaemonSet, targetNode } from '../../../src/controllers/daemonset.js';
import { Expectations } from '../../../src/controllers/expectations.js';
import { reconcileJob } from '../../../src/controllers/job.js';
import { reconcileStatefulSet } from '../../../src/controllers/statefulset.js';
import { FakeApi, RecordingRecorder } from './fake-client.js';

const podPath = '/api/v1/namespaces/ns/pods';
const idx = { [ownerUidIndex]: byOwnerUid };
const iso = (s: string) => Date.parse(s);

for (const [schedule, after, want] of [
  ['*/15 * * * *', '2024-05-01T10:07:30Z', '2024-05-01T10:15:00Z'],
  ['0 3 * * *', '2024-05-01T10:00:00Z', '2024-05-02T03:00:00Z'],
  ['@hourly', '2024-05-01T10:00:00Z', '2024-05-01T11:00:00Z'],
  ['30 9 * * mon-fri', '2024-05-03T10:00:00Z', '2024-05-06T09:30:00Z'],
  ['0 0 1 jan *', '2024-05-01T00:00:00Z', '2025-01-01T00:00:00Z'],
  ['0 0 13 * 5', '2024-05-01T00:00:00Z', '2024-05-03T00:00:00Z'],
] as const) {
  test(`cron "${schedule}" after ${after} is ${want}`, () => {
    assert.equal(new Date(parseCron(schedule).next(iso(after))).toISOString().replace('.000', ''), want);
  });
}

test('cron: bad schedules are refused', () => {
  assert.throws(() => parseCron('* * *'), /expected exactly 5 fields/);
  assert.throws(() => parseCron('61 * * * *'), /above maximum/);
});

function owned(kind: string, ownerName: string, ownerUid: string, name: string, o: { phase?: string; ready?: boolean; labels?: Record<string, string>; node?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: o.labels ?? {}, ownerReferences: [{ apiVersion: 'apps/v1', kind, name: ownerName, uid: ownerUid, controller: true }] },
    spec: { ...(o.node ? { nodeName: o.node } : {}) },
    status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

test('Job: creates up to parallelism pods, completes after completions succeed', async () => {
  const api = new FakeApi();
  const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'ns', uid: 'job-uid' }, spec: { completions: 3, parallelism: 2, template: { metadata: {}, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } };
  api.seed('/apis/batch/v1/namespaces/ns/jobs', job);
  const recorder = new RecordingRecorder();
  const deps = () => ({ client: api, jobs: api.indexer('/apis/batch/v1/namespaces/ns/jobs'), pods: api.indexer(podPath, idx), recorder, clock: new FakeClock(), expectations: new Expectations() });
  await reconcileJob('ns/pi', deps());
  const created = api.writes('create').map((a) => a.body as KubeObject);
  assert.equal(created.length, 2);
  assert.equal(created[0]?.metadata.generateName, 'pi-');
  assert.equal(created[0]?.metadata.labels?.['batch.kubernetes.io/job-name'], 'pi');
  for (const p of api.under(podPath)) p['status'] = { phase: 'Succeeded' };
  await reconcileJob('ns/pi', deps());
  assert.equal(api.writes('create').length, 3, 'one more for the third completion');
  for (const p of api.under(podPath)) p['status'] = { phase: 'Succeeded' };
  await reconcileJob('ns/pi', deps());
  const status = (api.objects.get('/apis/batch/v1/namespaces/ns/jobs/pi') as KubeObject)['status'] as { succeeded: number; conditions: { type: string; reason: string }[] };
  assert.equal(status.succeeded, 3);
  assert.deepEqual(status.conditions.map((c) => [c.type, c.reason]), [['SuccessCriteriaMet', 'CompletionsReached'], ['Complete', 'CompletionsReached']]);
  assert.ok(recorder.events.includes('Normal Completed pi: Job completed'));
});

test('Job: more failed pods than backoffLimit fails it', async () => {
  const api = new FakeApi();
  api.seed('/apis/batch/v1/namespaces/ns/jobs', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ns', uid: 'j-uid' }, spec: { backoffLimit: 1, template: { spec: {} } } });
  api.seed(podPath, owned('Job', 'j', 'j-uid', 'j-1', { phase: 'Failed' }), owned('Job', 'j', 'j-uid', 'j-2', { phase: 'Failed' }));
  await reconcileJob('ns/j', { client: api, jobs: api.indexer('/apis/batch/v1/namespaces/ns/jobs'), pods: api.indexer(podPath, idx), recorder: new RecordingRecorder(), clock: new FakeClock(), expectations: new Expectations() });
  const st = (api.objects.get('/apis/batch/v1/namespaces/ns/jobs/j') as KubeObject)['status'] as { conditions: { type: string; message: string }[] };
  assert.equal(st.conditions.at(-1)?.type, 'Failed');
  assert.equal(st.conditions.at(-1)?.message, 'Job has reached the specified backoff limit');
  assert.equal(api.writes('create').length, 0);
});

test('CronJob: creates <name>-<minutes> at the due time, and looks again at the next one', async () => {
  const api = new FakeApi();
  const clock = new FakeClock(iso('2024-05-01T10:07:30Z'));
  api.seed('/apis/batch/v1/namespaces/ns/cronjobs', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'tick', namespace: 'ns', uid: 'cj-uid', creationTimestamp: '2024-05-01T10:04:00Z' }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: {} } } } } });
  const r = await reconcileCronJob('ns/tick', { client: api, cronJobs: api.indexer('/apis/batch/v1/namespaces/ns/cronjobs'), jobs: api.indexer('/apis/batch/v1/namespaces/ns/jobs', idx), recorder: new RecordingRecorder(), clock });
  const [job] = api.writes('create');
  assert.equal((job?.body as KubeObject).metadata.name, `tick-${iso('2024-05-01T10:05:00Z') / 60_000}`);
  assert.equal((job?.body as KubeObject).metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2024-05-01T10:05:00Z');
  assert.deepEqual(r, { requeueAfterMs: 150_000 + 50 });
  assert.equal(mostRecentSchedule('*/5 * * * *', iso('2024-05-01T10:05:00Z'), iso('2024-05-01T10:09:59Z')), undefined);
});

test('StatefulSet: ordered creation waits for the predecessor to be ready; scale-down removes the highest ordinal', async () => {
  const api = new FakeApi();
  const set: KubeObject = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'ns', uid: 'sts-uid', generation: 2 }, spec: { replicas: 3, serviceName: 'db', template: { metadata: { labels: { app: 'db' } }, spec: { containers: [] } } } };
  api.seed('/apis/apps/v1/namespaces/ns/statefulsets', set);
  const deps = () => ({ client: api, statefulSets: api.indexer('/apis/apps/v1/namespaces/ns/statefulsets'), pods: api.indexer(podPath, idx), recorder: new RecordingRecorder(), clock: new FakeClock() });
  await reconcileStatefulSet('ns/db', deps());
  assert.deepEqual(api.writes('create').map((a) => (a.body as KubeObject).metadata.name), ['db-0']);
  assert.equal(((api.objects.get('/apis/apps/v1/namespaces/ns/statefulsets/db') as KubeObject)['status'] as Record<string, number>)['observedGeneration'], 2);
  const pod0 = api.writes('create')[0]?.body as KubeObject;
  assert.equal((pod0['spec'] as Record<string, unknown>)['hostname'], 'db-0');
  assert.equal((pod0['spec'] as Record<string, unknown>)['subdomain'], 'db');
  assert.equal(pod0.metadata.labels?.['apps.kubernetes.io/pod-index'], '0');
  (api.objects.get(`${podPath}/db-0`) as KubeObject)['status'] = { phase: 'Pending' };
  await reconcileStatefulSet('ns/db', deps());
  assert.equal(api.writes('create').length, 1, 'db-1 waits for db-0');
  (api.objects.get(`${podPath}/db-0`) as KubeObject)['status'] = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
  await reconcileStatefulSet('ns/db', deps());
  assert.equal((api.writes('create')[1]?.body as KubeObject).metadata.name, 'db-1');
  (api.objects.get('/apis/apps/v1/namespaces/ns/statefulsets/db') as KubeObject)['spec'] = { ...(set['spec'] as object), replicas: 1 };
  (api.objects.get(`${podPath}/db-1`) as KubeObject)['status'] = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
  await reconcileStatefulSet('ns/db', deps());
  assert.deepEqual(api.writes('delete').map((a) => a.path), [`${podPath}/db-1`]);
});

test('StatefulSet: volumeClaimTemplates give each ordinal its own claim, created before the pod and kept after', async () => {
  const api = new FakeApi();
  const set: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'web-uid' },
    spec: {
      replicas: 1,
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] }], volumes: [{ name: 'www', emptyDir: {} }, { name: 'tmp', emptyDir: {} }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www', labels: { tier: 'data' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };
  api.seed('/apis/apps/v1/namespaces/ns/statefulsets', set);
  const recorder = new RecordingRecorder();
  await reconcileStatefulSet('ns/web', { client: api, statefulSets: api.indexer('/apis/apps/v1/namespaces/ns/statefulsets'), pods: api.indexer(podPath, idx), recorder, clock: new FakeClock() });
  const creates = api.writes('create');
  assert.deepEqual(creates.map((a) => a.path), ['/api/v1/namespaces/ns/persistentvolumeclaims', podPath]);
  const claim = creates[0]?.body as KubeObject;
  assert.equal(claim.metadata.name, 'www-web-0');
  assert.deepEqual(claim.metadata.labels, { tier: 'data', app: 'web' });
  assert.deepEqual(claim['spec'], { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
  assert.deepEqual(((creates[1]?.body as KubeObject)['spec'] as Record<string, unknown>)['volumes'], [{ name: 'tmp', emptyDir: {} }, { name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }]);
  assert.ok(recorder.events.includes('Normal SuccessfulCreate web: create Claim www-web-0 Pod web-0 in StatefulSet web success'));
});

test('DaemonSet: one pod per eligible node, pinned by node affinity; tainted nodes skipped', async () => {
  const api = new FakeApi();
  api.seed('/apis/apps/v1/namespaces/ns/daemonsets', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'ns', uid: 'ds-uid', generation: 3 }, spec: { template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [] } } } });
  const node = (name: string, taints?: unknown[]) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: taints ? { taints } : {} });
  api.seed('/api/v1/nodes', node('a'), node('b'), node('cp', [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]));
  await reconcileDaemonSet('ns/agent', { client: api, daemonSets: api.indexer('/apis/apps/v1/namespaces/ns/daemonsets'), pods: api.indexer(podPath, idx), nodes: api.indexer('/api/v1/nodes'), recorder: new RecordingRecorder(), clock: new FakeClock() });
  const targets = api.writes('create').map((a) => targetNode(a.body as KubeObject)).sort();
  assert.deepEqual(targets, ['a', 'b']);
  const st = (api.objects.get('/apis/apps/v1/namespaces/ns/daemonsets/agent') as KubeObject)['status'] as Record<string, number>;
  assert.equal(st['desiredNumberScheduled'], 2);
  assert.equal(st['observedGeneration'], 3);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../../src/api/object.js';
import { syncClaim, syncVolume, type BinderDeps } from '../../../src/controllers/volume/binder.js';
import { localPathStorageClass, ownedDirectory, provisionClaim, reclaimVolume } from '../../../src/controllers/volume/local-path.js';
import { byClaim, podClaimIndex, syncClaimProtection, syncVolumeProtection } from '../../../src/controllers/volume/protection.js';
import { FakeApi, RecordingRecorder } from './fake-client.js';

const PV = '/api/v1/persistentvolumes';
const PVC = '/api/v1/namespaces/ns/persistentvolumeclaims';
const SC = '/apis/storage.k8s.io/v1/storageclasses';
const NODES = '/api/v1/nodes';
const PODS = '/api/v1/namespaces/ns/pods';

const pv = (name: string, size: string, extra: Record<string, unknown> = {}, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, ...(labels ? { labels } : {}) },
  spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem', storageClassName: '', hostPath: { path: `/tmp/${name}` }, ...extra },
  status: { phase: 'Pending' },
});
const pvc = (name: string, size: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'ns', ...(annotations ? { annotations } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, volumeMode: 'Filesystem', storageClassName: '', ...spec },
  status: { phase: 'Pending' },
});
const node = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } });

function binderDeps(api: FakeApi, recorder: RecordingRecorder): BinderDeps {
  return { client: api, claims: api.indexer(PVC), volumes: api.indexer(PV), classes: api.indexer(SC), nodes: api.indexer(NODES), recorder, enqueueClaim: () => {} };
}

/** Every controller pass over every object, a few times (each pass sees the writes of the one before). */
async function converge(api: FakeApi, recorder: RecordingRecorder, baseDir?: string, passes = 5): Promise<void> {
  for (let i = 0; i < passes; i++) {
    for (const c of api.under(PVC)) await syncClaim(binderDeps(api, recorder), `ns/${c.metadata.name}`);
    for (const v of api.under(PV)) await syncVolume(binderDeps(api, recorder), v.metadata.name ?? '');
    if (baseDir) {
      const lp = { client: api, claims: api.indexer(PVC), volumes: api.indexer(PV), classes: api.indexer(SC), nodes: api.indexer(NODES), recorder, baseDir };
      for (const c of api.under(PVC)) await provisionClaim(lp, `ns/${c.metadata.name}`);
      for (const v of api.under(PV)) await reclaimVolume({ ...lp, volumes: api.indexer(PV) }, v.metadata.name ?? '');
    }
  }
}

const get = (api: FakeApi, path: string) => api.objects.get(path) as KubeObject & { spec: Record<string, unknown>; status: Record<string, unknown> };

test('static binding: the smallest fitting volume, selectors, both sides bound with upstream annotations', async () => {
  const api = new FakeApi();
  const recorder = new RecordingRecorder();
  api.seed(PV, pv('big', '10Gi'), pv('small', '2Gi'), pv('tiny', '512Mi'), pv('gold', '5Gi', {}, { tier: 'gold' }), pv('rwx', '1Gi', { accessModes: ['ReadWriteMany'] }));
  api.seed(PVC, pvc('a', '1Gi'), pvc('g', '1Gi', { selector: { matchLabels: { tier: 'gold' } } }), pvc('none', '100Gi'));
  await converge(api, recorder);
  const a = get(api, `${PVC}/a`);
  assert.equal(a.spec['volumeName'], 'small');
  assert.deepEqual(a.status, { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' } });
  assert.equal(a.metadata.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
  assert.equal(a.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  const small = get(api, `${PV}/small`);
  assert.equal(small.status['phase'], 'Bound');
  assert.deepEqual({ ns: (small.spec['claimRef'] as Record<string, unknown>)['namespace'], name: (small.spec['claimRef'] as Record<string, unknown>)['name'], uid: (small.spec['claimRef'] as Record<string, unknown>)['uid'] }, { ns: 'ns', name: 'a', uid: 'uid-a' });
  assert.equal(get(api, `${PVC}/g`).spec['volumeName'], 'gold');
  assert.equal(get(api, `${PVC}/none`).status['phase'], 'Pending');
  assert.ok(recorder.events.includes('Normal FailedBinding none: no persistent volumes available for this claim and no storage class is set'));
  for (const free of ['big', 'tiny', 'rwx']) assert.equal(get(api, `${PV}/${free}`).status['phase'], 'Available', free);
});

test('pre-bound claims and volumes: volumeName that does not fit is reported, claimRef reserves a volume', async () => {
  const api = new FakeApi();
  const recorder = new RecordingRecorder();
  api.seed(PV, pv('reserved', '1Gi', { claimRef: { namespace: 'ns', name: 'mine' } }), pv('little', '1Gi'));
  api.seed(PVC, pvc('other', '1Gi', { accessModes: ['ReadWriteMany'] }), pvc('mine', '1Gi'), pvc('wants', '5Gi', { volumeName: 'little' }));
  await converge(api, recorder);
  assert.equal(get(api, `${PVC}/mine`).spec['volumeName'], 'reserved');
  assert.equal(get(api, `${PVC}/other`).status['phase'], 'Pending');
  assert.equal(get(api, `${PVC}/wants`).status['phase'], 'Pending');
  assert.ok(recorder.events.includes('Warning VolumeMismatch wants: Cannot bind to requested volume "little": requested PV is too small'));
});

test('reclaim: Retain keeps a Released volume; Delete without a provisioner fails it', async () => {
  const api = new FakeApi();
  const recorder = new RecordingRecorder();
  api.seed(PV, pv('keep', '1Gi'), pv('drop', '1Gi', { persistentVolumeReclaimPolicy: 'Delete', accessModes: ['ReadOnlyMany'] }));
  api.seed(PVC, pvc('k', '1Gi'), pvc('d', '1Gi', { accessModes: ['ReadOnlyMany'] }));
  await converge(api, recorder);
  assert.equal(get(api, `${PV}/keep`).status['phase'], 'Bound');
  assert.equal(get(api, `${PV}/drop`).status['phase'], 'Bound');
  api.objects.delete(`${PVC}/k`);
  api.objects.delete(`${PVC}/d`);
  await converge(api, recorder);
  assert.equal(get(api, `${PV}/keep`).status['phase'], 'Released');
  assert.equal(get(api, `${PV}/drop`).status['phase'], 'Failed');
  assert.ok(recorder.events.includes('Warning VolumeFailedDelete drop: error getting deleter volume plugin for volume "drop": no deletable volume plugin matched'));
  // A new claim does not get a Released volume.
  api.seed(PVC, pvc('again', '1Gi'));
  await converge(api, recorder);
  assert.equal(get(api, `${PVC}/again`).status['phase'], 'Pending');
});

test('local-path: waits for the first consumer, provisions on the selected node, binds, and deletes with the claim', async () => {
  const baseDir = mkdtempSync(join(tmpdir(), 'local-path-'));
  try {
    const api = new FakeApi();
    const recorder = new RecordingRecorder();
    api.seed(SC, localPathStorageClass());
    api.seed(NODES, node('node-a'), node('node-b'));
    api.seed(PVC, pvc('data', '1Gi', { storageClassName: 'local-path' }));
    await converge(api, recorder, baseDir);
    assert.equal(api.under(PV).length, 0, 'nothing is provisioned before a pod is scheduled');
    assert.ok(recorder.events.includes('Normal WaitForFirstConsumer data: waiting for first consumer to be created before binding'));

    const claim = get(api, `${PVC}/data`);
    claim.metadata.annotations = { ...(claim.metadata.annotations ?? {}), 'volume.kubernetes.io/selected-node': 'node-b' };
    await converge(api, recorder, baseDir);
    const bound = get(api, `${PVC}/data`);
    assert.equal(bound.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'], 'a-kube.io/local-path');
    assert.equal(bound.spec['volumeName'], 'pvc-uid-data');
    assert.equal(bound.status['phase'], 'Bound');
    const vol = get(api, `${PV}/pvc-uid-data`);
    assert.equal(vol.status['phase'], 'Bound');
    assert.equal(vol.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], 'a-kube.io/local-path');
    assert.deepEqual(vol.spec['hostPath'], { path: join(baseDir, 'pvc-uid-data'), type: 'DirectoryOrCreate' });
    assert.deepEqual(vol.spec['nodeAffinity'], { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-b'] }] }] } });
    assert.equal(vol.spec['persistentVolumeReclaimPolicy'], 'Delete');
    assert.ok(existsSync(join(baseDir, 'pvc-uid-data')));
    writeFileSync(join(baseDir, 'pvc-uid-data', 'file'), 'x');
    assert.ok(recorder.events.includes('Normal Provisioning data: External provisioner is provisioning volume for claim "ns/data"'));
    assert.ok(recorder.events.includes('Normal ProvisioningSucceeded data: Successfully provisioned volume pvc-uid-data'));

    api.objects.delete(`${PVC}/data`);
    await converge(api, recorder, baseDir);
    assert.equal(api.objects.get(`${PV}/pvc-uid-data`), undefined);
    assert.equal(existsSync(join(baseDir, 'pvc-uid-data')), false);
  } finally {
    rmSync(baseDir, { recursive: true, force: true });
  }
});

test('local-path never deletes a directory outside its own', () => {
  const mk = (name: string, path: string): KubeObject => ({ metadata: { name }, spec: { hostPath: { path } } });
  assert.equal(ownedDirectory('/data/local-path', mk('pvc-1', '/data/local-path/pvc-1')), '/data/local-path/pvc-1');
  assert.equal(ownedDirectory('/data/local-path', mk('pvc-1', '/etc')), undefined);
  assert.equal(ownedDirectory('/data/local-path', mk('pvc-1', '/data/local-path/pvc-1/../../x')), undefined);
  assert.equal(ownedDirectory('/data/local-path', mk('pvc-1', '/data/local-path/other')), undefined);
});

test('a claim without a class gets the default class; an unknown class is reported', async () => {
  const api = new FakeApi();
  const recorder = new RecordingRecorder();
  api.seed(SC, { ...localPathStorageClass(), volumeBindingMode: 'Immediate' });
  const noClass = pvc('c', '1Gi');
  delete (noClass['spec'] as Record<string, unknown>)['storageClassName'];
  api.seed(PVC, noClass, pvc('ghost', '1Gi', { storageClassName: 'gone' }));
  await converge(api, recorder);
  assert.equal(get(api, `${PVC}/c`).spec['storageClassName'], 'local-path');
  assert.equal(get(api, `${PVC}/c`).metadata.annotations?.['volume.kubernetes.io/storage-provisioner'], 'a-kube.io/local-path');
  assert.ok(recorder.events.includes('Warning ProvisioningFailed ghost: storageclass.storage.k8s.io "gone" not found'));
});

test('protection: a claim in use by a running pod keeps its finalizer; a bound volume keeps its own', async () => {
  const api = new FakeApi();
  const claim = pvc('data', '1Gi');
  claim.metadata.finalizers = ['kubernetes.io/pvc-protection'];
  claim.metadata.deletionTimestamp = '2024-05-01T12:00:00Z';
  const free = pvc('fresh', '1Gi');
  api.seed(PVC, claim, free);
  const pod: KubeObject = { metadata: { name: 'p', namespace: 'ns' }, spec: { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] }, status: { phase: 'Running' } };
  api.seed(PODS, pod);
  const vol = pv('v1', '1Gi');
  vol.metadata.finalizers = ['kubernetes.io/pv-protection'];
  vol.metadata.deletionTimestamp = '2024-05-01T12:00:00Z';
  (vol['status'] as Record<string, unknown>)['phase'] = 'Bound';
  api.seed(PV, vol);
  const deps = () => ({ client: api, claims: api.indexer(PVC), volumes: api.indexer(PV), pods: api.indexer(PODS, { [podClaimIndex]: byClaim }) });
  await syncClaimProtection(deps(), 'ns/data');
  await syncVolumeProtection(deps(), 'v1');
  assert.deepEqual(get(api, `${PVC}/data`).metadata.finalizers, ['kubernetes.io/pvc-protection']);
  assert.deepEqual(get(api, `${PV}/v1`).metadata.finalizers, ['kubernetes.io/pv-protection']);
  await syncClaimProtection(deps(), 'ns/fresh');
  assert.deepEqual(get(api, `${PVC}/fresh`).metadata.finalizers, ['kubernetes.io/pvc-protection'], 'added to claims that lack it');

  get(api, `${PODS}/p`).status['phase'] = 'Succeeded';
  get(api, `${PV}/v1`).status['phase'] = 'Released';
  await syncClaimProtection(deps(), 'ns/data');
  await syncVolumeProtection(deps(), 'v1');
  assert.deepEqual(get(api, `${PVC}/data`).metadata.finalizers, []);
  assert.deepEqual(get(api, `${PV}/v1`).metadata.finalizers, []);
});

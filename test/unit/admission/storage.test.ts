import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { StatusError } from '../../../src/api/status.js';
import { defaultStorageClassAdmission } from '../../../src/admission/default-storage-class.js';
import { persistentVolumeClaimResizeAdmission } from '../../../src/admission/pvc-resize.js';
import { storageObjectInUseProtectionAdmission } from '../../../src/admission/storage-object-in-use.js';
import type { AdmissionReader } from '../../../src/admission/reader.js';
import type { AdmissionRequest } from '../../../src/admission/types.js';

const sc = (name: string, created: string, extra: Record<string, unknown> = {}, isDefault = true): KubeObject => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name, creationTimestamp: created, ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  provisioner: 'x.io/y',
  ...extra,
});

function reader(classes: KubeObject[]): AdmissionReader {
  return {
    list: async () => classes,
    get: async (_gr, _ns, name) => classes.find((c) => c.metadata.name === name),
  };
}

const claim = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'ns' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec }, status });

function req(resource: string, operation: AdmissionRequest['operation'], object: KubeObject, oldObject?: KubeObject): AdmissionRequest {
  return { operation, resource: { group: '', version: 'v1', resource, kind: object.kind ?? '' }, subresource: '', namespace: object.metadata.namespace ?? '', name: object.metadata.name ?? '', object, ...(oldObject ? { oldObject } : {}), user: { name: 'u', groups: [] }, dryRun: false };
}

test('DefaultStorageClass: the newest default class fills a missing class; "" and the beta annotation are left alone', async () => {
  const p = defaultStorageClassAdmission({ reader: reader([sc('old', '2024-01-01T00:00:00Z'), sc('new', '2024-06-01T00:00:00Z'), sc('plain', '2025-01-01T00:00:00Z', {}, false)]) });
  const none = claim({});
  await p.admit?.(req('persistentvolumeclaims', 'CREATE', none));
  assert.equal((none['spec'] as Record<string, unknown>)['storageClassName'], 'new');
  const empty = claim({ storageClassName: '' });
  await p.admit?.(req('persistentvolumeclaims', 'CREATE', empty));
  assert.equal((empty['spec'] as Record<string, unknown>)['storageClassName'], '');
  const beta = claim({});
  beta.metadata.annotations = { 'volume.beta.kubernetes.io/storage-class': 'old' };
  await p.admit?.(req('persistentvolumeclaims', 'CREATE', beta));
  assert.equal((beta['spec'] as Record<string, unknown>)['storageClassName'], undefined);
  assert.equal(p.handles(req('persistentvolumeclaims', 'UPDATE', claim({}), claim({}))), false);
  const noDefault = defaultStorageClassAdmission({ reader: reader([sc('plain', '2025-01-01T00:00:00Z', {}, false)]) });
  const left = claim({});
  await noDefault.admit?.(req('persistentvolumeclaims', 'CREATE', left));
  assert.equal((left['spec'] as Record<string, unknown>)['storageClassName'], undefined);
});

test('StorageObjectInUseProtection: new claims and volumes carry their protection finalizer once', async () => {
  const p = storageObjectInUseProtectionAdmission();
  const c = claim({});
  await p.admit?.(req('persistentvolumeclaims', 'CREATE', c));
  await p.admit?.(req('persistentvolumeclaims', 'CREATE', c));
  assert.deepEqual(c.metadata.finalizers, ['kubernetes.io/pvc-protection']);
  const v: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv', finalizers: ['example.com/keep'] } };
  await p.admit?.(req('persistentvolumes', 'CREATE', v));
  assert.deepEqual(v.metadata.finalizers, ['example.com/keep', 'kubernetes.io/pv-protection']);
  assert.equal(p.handles(req('pods', 'CREATE', { metadata: { name: 'p' } })), false);
});

test('PersistentVolumeClaimResize: a bound claim grows only when its class allows expansion', async () => {
  const p = persistentVolumeClaimResizeAdmission({ reader: reader([sc('fixed', '2024-01-01T00:00:00Z'), sc('elastic', '2024-01-01T00:00:00Z', { allowVolumeExpansion: true })]) });
  const bound = (cls: string, size: string) => claim({ storageClassName: cls, volumeName: 'pv', resources: { requests: { storage: size } } }, { phase: 'Bound' });
  await p.validate?.(req('persistentvolumeclaims', 'UPDATE', bound('elastic', '2Gi'), bound('elastic', '1Gi')));
  await assert.rejects(p.validate?.(req('persistentvolumeclaims', 'UPDATE', bound('fixed', '2Gi'), bound('fixed', '1Gi'))) ?? Promise.resolve(), (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.status.code, 403);
    assert.equal(e.status.message, 'persistentvolumeclaims "data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
    return true;
  });
  // Not growing, or not bound: nothing for this plugin to say.
  await p.validate?.(req('persistentvolumeclaims', 'UPDATE', bound('fixed', '1Gi'), bound('fixed', '1Gi')));
  await p.validate?.(req('persistentvolumeclaims', 'UPDATE', claim({ storageClassName: 'fixed', resources: { requests: { storage: '2Gi' } } }), claim({ storageClassName: 'fixed' })));
});

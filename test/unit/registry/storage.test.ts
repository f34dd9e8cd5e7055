import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { NOW, create, strategy, update } from './helpers.js';

const meta = (name: string, namespace?: string, extra: Record<string, unknown> = {}) => ({ name, ...(namespace ? { namespace } : {}), creationTimestamp: '2024-05-01T11:00:00Z', ...extra });
const columnNames = (s: ReturnType<typeof strategy>) => s.table?.columns.map((c) => `${c.name}${c.priority ? '*' : ''}`);

test('storageclass: defaults, (default) in the table, immutable parameters/provisioner/reclaimPolicy/binding mode', () => {
  const sc = strategy('storage.k8s.io', 'v1', 'storageclasses');
  const { obj, errors } = create(sc, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: meta('fast', undefined, { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }), provisioner: 'example.com/fast' });
  assert.deepEqual(errors, []);
  assert.equal(obj['reclaimPolicy'], 'Delete');
  assert.equal(obj['volumeBindingMode'], 'Immediate');
  assert.deepEqual(columnNames(sc), ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']);
  assert.deepEqual(sc.table?.cells(obj, NOW), ['fast (default)', 'example.com/fast', 'Delete', 'Immediate', false, '60m']);
  const plain = { ...structuredClone(obj), metadata: meta('slow') };
  assert.equal(sc.table?.cells(plain, NOW)[0], 'slow');

  assert.deepEqual(create(sc, { metadata: meta('x'), provisioner: '', reclaimPolicy: 'Recycle', volumeBindingMode: 'Later' }).errors, [
    'provisioner: Required value',
    'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
    'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
  ]);
  const changed = update(sc, { ...structuredClone(obj), provisioner: 'other.io/x', parameters: { a: 'b' }, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' }, obj);
  assert.deepEqual(changed.errors, [
    'parameters: Forbidden: updates to parameters are forbidden.',
    'provisioner: Forbidden: updates to provisioner are forbidden.',
    'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
    'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
  ]);
  assert.deepEqual(update(sc, { ...structuredClone(obj), allowVolumeExpansion: true }, obj).errors, []);
});

test('persistentvolume: defaults, Pending status, validation texts, Kubernetes columns', () => {
  const pv = strategy('', 'v1', 'persistentvolumes');
  const { obj, errors } = create(pv, {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: meta('pv1'),
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], hostPath: { path: '/data/pv1' }, storageClassName: 'manual', claimRef: { namespace: 'ns', name: 'c' } },
  });
  assert.deepEqual(errors, []);
  assert.equal((obj['spec'] as Record<string, unknown>)['persistentVolumeReclaimPolicy'], 'Retain');
  assert.equal((obj['status'] as Record<string, unknown>)['phase'], 'Pending');
  assert.ok((obj['status'] as Record<string, unknown>)['lastPhaseTransitionTime']);
  assert.deepEqual(columnNames(pv), ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode*']);
  assert.deepEqual(pv.table?.cells(obj, NOW), ['pv1', '1Gi', 'RWO,RWX', 'Retain', 'Pending', 'ns/c', 'manual', '<unset>', '', '60m', 'Filesystem']);
  const deleting = { ...structuredClone(obj), metadata: { ...obj.metadata, deletionTimestamp: '2024-05-01T11:59:00Z' } };
  assert.equal(pv.table?.cells(deleting, NOW)[4], 'Terminating');

  assert.deepEqual(create(pv, { metadata: meta('bad'), spec: { persistentVolumeReclaimPolicy: 'Keep' } }).errors, [
    'spec.accessModes: Required value',
    'spec.capacity: Required value',
    'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
    'spec: Required value: must specify a volume type',
  ]);
  assert.deepEqual(create(pv, { metadata: meta('two'), spec: { capacity: { storage: '0' }, accessModes: ['ReadWriteOncePod', 'ReadWriteOnce'], hostPath: { path: '/a/../b' }, nfs: { server: 'x', path: '/' } } }).errors, [
    'spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes',
    'spec.capacity[storage]: Invalid value: "0": must be greater than zero',
    'spec.nfs: Forbidden: may not specify more than 1 volume type',
    'spec.hostPath.path: Invalid value: "/a/../b": must not contain \'..\'',
  ]);
  assert.deepEqual(create(pv, { metadata: meta('local'), spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], local: { path: '/mnt/disk' } } }).errors, ['spec.nodeAffinity: Required value: Local volume requires node affinity']);
  const moved = update(pv, { ...structuredClone(obj), spec: { ...(obj['spec'] as object), hostPath: { path: '/elsewhere' } } }, obj);
  assert.deepEqual(moved.errors, ['spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation']);
});

test('persistentvolume status: a phase change stamps lastPhaseTransitionTime', () => {
  const pv = strategy('', 'v1', 'persistentvolumes');
  const old = create(pv, { metadata: meta('pv1'), spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/x' } } }).obj;
  (old['status'] as Record<string, unknown>)['lastPhaseTransitionTime'] = '2020-01-01T00:00:00Z';
  const same = structuredClone(old);
  pv.prepareForStatusUpdate?.(same, old);
  assert.equal((same['status'] as Record<string, unknown>)['lastPhaseTransitionTime'], '2020-01-01T00:00:00Z');
  const bound = { ...structuredClone(old), status: { phase: 'Bound' } };
  pv.prepareForStatusUpdate?.(bound, old);
  assert.notEqual((bound['status'] as Record<string, unknown>)['lastPhaseTransitionTime'], '2020-01-01T00:00:00Z');
  assert.match(String((bound['status'] as Record<string, unknown>)['lastPhaseTransitionTime']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('persistentvolumeclaim: Pending, columns, bound-claim resize only, spec immutability text', () => {
  const pvc = strategy('', 'v1', 'persistentvolumeclaims');
  const { obj, errors } = create(pvc, { metadata: meta('data', 'ns'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local-path' } });
  assert.deepEqual(errors, []);
  assert.deepEqual(obj['status'], { phase: 'Pending' });
  assert.deepEqual(columnNames(pvc), ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode*']);
  assert.deepEqual(pvc.table?.cells(obj, NOW), ['data', 'Pending', '', '', '', 'local-path', '<unset>', '60m', 'Filesystem']);
  const bound: KubeObject = { ...structuredClone(obj), spec: { ...(obj['spec'] as object), volumeName: 'pvc-1' }, status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } };
  assert.deepEqual(pvc.table?.cells(bound, NOW), ['data', 'Bound', 'pvc-1', '1Gi', 'RWO', 'local-path', '<unset>', '60m', 'Filesystem']);

  assert.deepEqual(create(pvc, { metadata: meta('x', 'ns'), spec: { accessModes: [], resources: { requests: {} }, storageClassName: 'Bad_Name' } }).errors, [
    'spec.accessModes: Required value: at least 1 access mode is required',
    'spec.resources[storage]: Required value',
    'spec.storageClassName: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
  ]);
  // Binding (volumeName on an unbound claim) and a late default class are allowed; other spec edits are not.
  assert.deepEqual(update(pvc, { ...structuredClone(obj), spec: { ...(obj['spec'] as object), volumeName: 'pv9' } }, obj).errors, []);
  const noClass = create(pvc, { metadata: meta('nc', 'ns'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }).obj;
  assert.deepEqual(update(pvc, { ...structuredClone(noClass), spec: { ...(noClass['spec'] as object), storageClassName: 'local-path' } }, noClass).errors, []);
  assert.deepEqual(update(pvc, { ...structuredClone(obj), spec: { ...(obj['spec'] as object), accessModes: ['ReadOnlyMany'] } }, obj).errors, ['spec: Forbidden: spec is immutable after creation except resources.requests for bound claims']);
  const grow = (o: KubeObject, size: string): KubeObject => ({ ...structuredClone(o), spec: { ...(o['spec'] as object), resources: { requests: { storage: size } } } });
  assert.deepEqual(update(pvc, grow(obj, '2Gi'), obj).errors, ['spec: Forbidden: spec is immutable after creation except resources.requests for bound claims']);
  assert.deepEqual(update(pvc, grow(bound, '2Gi'), bound).errors, []);
  assert.deepEqual(update(pvc, grow(bound, '512Mi'), bound).errors, ['spec.resources.requests.storage: Forbidden: field can not be less than status.capacity']);
});

test('csidriver, csinode, csistoragecapacity, volumeattachment: defaults, validation and columns', () => {
  const d = strategy('storage.k8s.io', 'v1', 'csidrivers');
  const drv = create(d, { metadata: meta('hostpath.csi.k8s.io'), spec: {} });
  assert.deepEqual(drv.errors, []);
  assert.deepEqual(columnNames(d), ['Name', 'AttachRequired', 'PodInfoOnMount', 'StorageCapacity', 'TokenRequests', 'RequiresRepublish', 'Modes', 'Age']);
  assert.deepEqual(d.table?.cells(drv.obj, NOW), ['hostpath.csi.k8s.io', true, false, false, '<unset>', false, 'Persistent', '60m']);
  assert.deepEqual(update(d, { ...structuredClone(drv.obj), spec: { ...(drv.obj['spec'] as object), attachRequired: false } }, drv.obj).errors, ['spec.attachRequired: Invalid value: false: field is immutable']);

  const n = strategy('storage.k8s.io', 'v1', 'csinodes');
  const node = create(n, { metadata: meta('node-1'), spec: { drivers: [{ name: 'hostpath.csi.k8s.io', nodeID: 'node-1' }, { name: 'hostpath.csi.k8s.io', nodeID: '' }] } });
  assert.deepEqual(node.errors, ['spec.drivers[1].name: Duplicate value: "hostpath.csi.k8s.io"', 'spec.drivers[1].nodeID: Required value']);
  assert.deepEqual(n.table?.cells(node.obj, NOW), ['node-1', 2, '60m']);

  const c = strategy('storage.k8s.io', 'v1', 'csistoragecapacities');
  const cap = create(c, { metadata: meta('cap', 'kube-system'), storageClassName: 'fast', capacity: '10Gi' });
  assert.deepEqual(cap.errors, []);
  assert.deepEqual(c.table?.cells(cap.obj, NOW), ['cap', 'fast', '10Gi']);

  const va = strategy('storage.k8s.io', 'v1', 'volumeattachments');
  const att = create(va, { metadata: meta('csi-123'), spec: { attacher: 'hostpath.csi.k8s.io', source: { persistentVolumeName: 'pv1' }, nodeName: 'node-1' }, status: { attached: true } });
  assert.deepEqual(att.errors, []);
  assert.deepEqual(att.obj['status'], { attached: false }, 'status is the status subresource\'s, starting with its always-serialised fields');
  assert.deepEqual(columnNames(va), ['Name', 'Attacher', 'PV', 'Node', 'Attached', 'Age']);
  assert.deepEqual(va.table?.cells(att.obj, NOW), ['csi-123', 'hostpath.csi.k8s.io', 'pv1', 'node-1', false, '60m']);
  assert.deepEqual(create(va, { metadata: meta('x'), spec: { source: {} } }).errors, ['spec.attacher: Required value', 'spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName', 'spec.nodeName: Required value']);
  assert.deepEqual(update(va, { ...structuredClone(att.obj), spec: { attacher: 'hostpath.csi.k8s.io', source: { persistentVolumeName: 'pv2' }, nodeName: 'node-1' } }, att.obj).errors.length, 1);
});

test('statefulset: mounts of volumeClaimTemplates validate, and the templates are validated as claims', () => {
  const sts = strategy('apps', 'v1', 'statefulsets');
  const set = (claimSpec: Record<string, unknown>) => ({
    metadata: meta('web', 'ns'),
    spec: {
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'www', mountPath: '/www' }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: claimSpec }],
    },
  });
  assert.deepEqual(create(sts, set({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } })).errors, []);
  assert.deepEqual(create(sts, set({ resources: { requests: { storage: '1Gi' } } })).errors, ['spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required']);
});

// core/v1 PersistentVolume and PersistentVolumeClaim: defaults, validation (Kubernetes' texts), status rules
// and the tables `kubectl get pv,pvc` print.
import { canonicalQuantity } from '../api/quantity.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { semanticEqual } from '../api/validation/equality.js';
import { isDNS1123Subdomain } from '../api/validation/names.js';
import { validateImmutableField } from '../api/validation/object-meta.js';
import { parseQuantity, QUANTITY_FORMAT_ERROR } from '../api/validation/quantity.js';
import { accessModesString, annotations, claimClass, volumeClass } from '../api/volume-util.js';
import { asObj, child, get, objects, setDefault, str, strings } from './fields.js';
import { defineStrategy } from './define.js';
import { validateLabelSelector } from './label-selector.js';
import { storageDocs } from './storage-docs.js';
import type { Strategy } from './strategy.js';
import { age, ageColumn, column, nameColumn } from './table.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
/** PersistentVolumeSource's members: a volume names exactly one. */
export const PV_SOURCES = [
  'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'csi', 'fc', 'flexVolume', 'flocker', 'gcePersistentDisk', 'glusterfs',
  'hostPath', 'iscsi', 'local', 'nfs', 'photonPersistentDisk', 'portworxVolume', 'quobyte', 'rbd', 'scaleIO', 'storageos', 'vsphereVolume',
];

function validateAccessModes(modes: string[], path: string, required: FieldError): FieldError[] {
  if (modes.length === 0) return [required];
  const errs = modes.filter((m) => !ACCESS_MODES.includes(m)).map((m) => field.notSupported(path, m, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) errs.push(field.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validateClassName(name: unknown, path: string): FieldError[] {
  if (typeof name !== 'string' || name === '') return [];
  return isDNS1123Subdomain(name).map((msg) => field.invalid(path, name, msg));
}

function validateVolumeMode(mode: unknown, path: string): FieldError[] {
  if (mode === undefined || mode === null) return [];
  return VOLUME_MODES.includes(str(mode)) ? [] : [field.notSupported(path, mode, VOLUME_MODES)];
}

function positiveQuantity(q: unknown, path: string): FieldError[] {
  const v = parseQuantity(q);
  if (v === undefined) return [field.invalid(path, q, QUANTITY_FORMAT_ERROR)];
  return v > 0 ? [] : [field.invalid(path, String(q), 'must be greater than zero')];
}

function noBacksteps(path: string, value: string): FieldError[] {
  return value.split('/').includes('..') ? [field.invalid(path, value, "must not contain '..'")] : [];
}

function validateNodeAffinity(affinity: unknown, path: string): FieldError[] {
  const required = asObj(get(affinity, 'required'));
  if (!required) return affinity === undefined ? [] : [field.required(`${path}.required`, 'must specify required node constraints')];
  const terms = objects(required.nodeSelectorTerms);
  if (terms.length === 0) return [field.required(`${path}.required.nodeSelectorTerms`, 'must have at least one node selector term')];
  const errs: FieldError[] = [];
  terms.forEach((t, i) => {
    objects(t.matchExpressions).forEach((e, j) => {
      const p = `${path}.required.nodeSelectorTerms[${i}].matchExpressions[${j}]`;
      const op = str(e.operator);
      const values = strings(e.values);
      if ((op === 'In' || op === 'NotIn') && values.length === 0) errs.push(field.required(`${p}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
      else if (!['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'].includes(op)) errs.push(field.invalid(`${p}.operator`, op, 'not a valid selector operator'));
    });
  });
  return errs;
}

function validatePvSource(spec: Record<string, unknown>): FieldError[] {
  const given = PV_SOURCES.filter((k) => spec[k] !== undefined && spec[k] !== null);
  if (given.length === 0) return [field.required('spec', 'must specify a volume type')];
  const errs: FieldError[] = given.slice(1).map((k) => field.forbidden(`spec.${k}`, 'may not specify more than 1 volume type'));
  const hostPath = asObj(spec.hostPath);
  if (hostPath) {
    const path = str(hostPath.path);
    if (path === '') errs.push(field.required('spec.hostPath.path', ''));
    else errs.push(...noBacksteps('spec.hostPath.path', path));
    if (hostPath.type !== undefined && hostPath.type !== null && !HOST_PATH_TYPES.includes(str(hostPath.type))) errs.push(field.notSupported('spec.hostPath.type', hostPath.type, HOST_PATH_TYPES));
  }
  const local = asObj(spec.local);
  if (local) {
    const path = str(local.path);
    if (path === '') errs.push(field.required('spec.local.path', ''));
    else errs.push(...noBacksteps('spec.local.path', path));
    if (spec.nodeAffinity === undefined) errs.push(field.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  return errs;
}

export function validatePersistentVolume(pv: KubeObject): FieldError[] {
  const spec = asObj(pv.spec) ?? {};
  const errs = validateAccessModes(strings(spec.accessModes), 'spec.accessModes', field.required('spec.accessModes', ''));
  const capacity = asObj(spec.capacity) ?? {};
  const keys = Object.keys(capacity);
  if (keys.length === 0) errs.push(field.required('spec.capacity', ''));
  else if (!keys.includes('storage') || keys.length > 1) errs.push(field.notSupported('spec.capacity', capacity, ['storage']));
  for (const k of keys) errs.push(...positiveQuantity(capacity[k], `spec.capacity[${k}]`));
  const policy = spec.persistentVolumeReclaimPolicy;
  if (policy !== undefined && !RECLAIM_POLICIES.includes(str(policy))) errs.push(field.notSupported('spec.persistentVolumeReclaimPolicy', policy, RECLAIM_POLICIES));
  errs.push(...validateClassName(spec.storageClassName, 'spec.storageClassName'));
  errs.push(...validateVolumeMode(spec.volumeMode, 'spec.volumeMode'));
  errs.push(...validateNodeAffinity(spec.nodeAffinity, 'spec.nodeAffinity'));
  errs.push(...validatePvSource(spec));
  return errs;
}

function sourceOf(spec: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of PV_SOURCES) if (spec[k] !== undefined) out[k] = spec[k];
  return out;
}

export function validatePersistentVolumeUpdate(pv: KubeObject, old: KubeObject): FieldError[] {
  const spec = asObj(pv.spec) ?? {};
  const oldSpec = asObj(old.spec) ?? {};
  const errs: FieldError[] = [];
  if (!semanticEqual(sourceOf(spec), sourceOf(oldSpec))) errs.push(field.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  errs.push(...validateImmutableField(spec.volumeMode, oldSpec.volumeMode, 'spec.volumeMode'));
  return errs;
}

export function validatePersistentVolumeClaimSpec(spec: Record<string, unknown>, path = 'spec'): FieldError[] {
  const errs = validateAccessModes(strings(spec.accessModes), `${path}.accessModes`, field.required(`${path}.accessModes`, 'at least 1 access mode is required'));
  errs.push(...validateLabelSelector(spec.selector, `${path}.selector`));
  const storage = get(spec, 'resources', 'requests', 'storage');
  if (storage === undefined) errs.push(field.required(`${path}.resources[storage]`, ''));
  else errs.push(...positiveQuantity(storage, `${path}.resources[storage]`));
  errs.push(...validateClassName(spec.storageClassName, `${path}.storageClassName`));
  errs.push(...validateVolumeMode(spec.volumeMode, `${path}.volumeMode`));
  return errs;
}

/**
 * Only resources.requests of a bound claim may change; an unbound claim may gain its volumeName (binding)
 * and a claim without a class may gain one (the default class, assigned after the fact).
 */
export function validatePersistentVolumeClaimUpdate(pvc: KubeObject, old: KubeObject): FieldError[] {
  const spec = structuredClone(asObj(pvc.spec) ?? {});
  const oldSpec = structuredClone(asObj(old.spec) ?? {});
  const errs: FieldError[] = [];
  const bound = str(oldSpec.volumeName) !== '';
  if (!bound) {
    if (spec.volumeName !== undefined) oldSpec.volumeName = spec.volumeName;
  }
  if ((oldSpec.storageClassName === undefined || oldSpec.storageClassName === null) && typeof spec.storageClassName === 'string' && old.metadata.annotations?.[annotations.betaStorageClass] === undefined) {
    oldSpec.storageClassName = spec.storageClassName;
  }
  const newSize = parseQuantity(get(spec, 'resources', 'requests', 'storage'));
  const oldSize = parseQuantity(get(oldSpec, 'resources', 'requests', 'storage'));
  if (bound) {
    const cur = child(oldSpec, 'resources');
    cur.requests = get(spec, 'resources', 'requests');
    const statusSize = parseQuantity(get(old, 'status', 'capacity', 'storage'));
    if (newSize !== undefined && oldSize !== undefined && newSize < oldSize && (statusSize === undefined || newSize <= statusSize)) {
      errs.push(field.forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
    }
  }
  if (!semanticEqual(spec, oldSpec)) errs.push(field.forbidden('spec', 'spec is immutable after creation except resources.requests for bound claims'));
  return errs;
}

/** Phase changes stamp status.lastPhaseTransitionTime (the registry does it, whoever writes the status). */
function stampPhaseTransition(obj: KubeObject, old: KubeObject | undefined, now: () => Date): void {
  const status = asObj(obj.status);
  if (!status) return;
  const oldPhase = str(get(old, 'status', 'phase'));
  if (old && str(status.phase) === oldPhase) {
    const prev = get(old, 'status', 'lastPhaseTransitionTime');
    if (status.lastPhaseTransitionTime === undefined && prev !== undefined) status.lastPhaseTransitionTime = prev;
    return;
  }
  if (status.phase !== undefined) status.lastPhaseTransitionTime = now().toISOString().replace(/\.\d+Z$/, 'Z');
}

export function persistentVolumeStrategy(resource: ResourceInfo, now: () => Date = () => new Date()): Strategy {
  return defineStrategy(resource, {
    defaults(pv) {
      const spec = child(pv, 'spec');
      setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain');
      setDefault(spec, 'volumeMode', 'Filesystem');
      const hostPath = asObj(spec.hostPath);
      if (hostPath) setDefault(hostPath, 'type', '');
    },
    initialStatus: () => ({ phase: 'Pending', lastPhaseTransitionTime: now().toISOString().replace(/\.\d+Z$/, 'Z') }),
    validate: validatePersistentVolume,
    validateUpdate: validatePersistentVolumeUpdate,
    prepareForStatusUpdate: (pv, old) => stampPhaseTransition(pv, old, now),
    table: {
      columns: [
        nameColumn,
        column('Capacity', storageDocs['PersistentVolumeSpec.capacity']),
        column('Access Modes', storageDocs['PersistentVolumeSpec.accessModes']),
        column('Reclaim Policy', storageDocs['PersistentVolumeSpec.persistentVolumeReclaimPolicy']),
        column('Status', storageDocs['PersistentVolumeStatus.phase']),
        column('Claim', storageDocs['PersistentVolumeSpec.claimRef']),
        column('StorageClass', 'StorageClass of the pv'),
        column('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
        column('Reason', storageDocs['PersistentVolumeStatus.reason']),
        ageColumn,
        column('VolumeMode', storageDocs['PersistentVolumeSpec.volumeMode'], { wide: true }),
      ],
      cells(pv, at) {
        const spec = asObj(pv.spec) ?? {};
        const ref = asObj(spec.claimRef);
        const claim = ref ? `${str(ref.namespace)}/${str(ref.name)}` : '';
        const phase = pv.metadata.deletionTimestamp ? 'Terminating' : str(get(pv, 'status', 'phase'));
        return [
          pv.metadata.name ?? '',
          quantityText(get(spec, 'capacity', 'storage')),
          accessModesString(spec.accessModes),
          str(spec.persistentVolumeReclaimPolicy),
          phase,
          claim,
          volumeClass(pv),
          typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
          str(get(pv, 'status', 'reason')),
          age(pv, at),
          typeof spec.volumeMode === 'string' ? spec.volumeMode : '<unset>',
        ];
      },
    },
  });
}

/** A quantity as the tables print it: the stored text, "0" when absent. */
/** The quantity as Kubernetes prints it (canonical: 1024Mi → 1Gi, 1000m → 1), "0" when unset. */
function quantityText(q: unknown): string {
  if ((typeof q === 'string' && q !== '') || typeof q === 'number') return canonicalQuantity(q);
  return '0';
}

export function persistentVolumeClaimStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    defaults: (pvc) => setDefault(child(pvc, 'spec'), 'volumeMode', 'Filesystem'),
    initialStatus: () => ({ phase: 'Pending' }),
    validate: (pvc) => validatePersistentVolumeClaimSpec(asObj(pvc.spec) ?? {}),
    validateUpdate: validatePersistentVolumeClaimUpdate,
    table: {
      columns: [
        nameColumn,
        column('Status', storageDocs['PersistentVolumeClaimStatus.phase']),
        column('Volume', storageDocs['PersistentVolumeClaimSpec.volumeName']),
        column('Capacity', storageDocs['PersistentVolumeClaimStatus.capacity']),
        column('Access Modes', storageDocs['PersistentVolumeClaimStatus.accessModes']),
        column('StorageClass', 'StorageClass of the pvc'),
        column('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
        ageColumn,
        column('VolumeMode', storageDocs['PersistentVolumeClaimSpec.volumeMode'], { wide: true }),
      ],
      cells(pvc, at) {
        const spec = asObj(pvc.spec) ?? {};
        const volumeName = str(spec.volumeName);
        const phase = pvc.metadata.deletionTimestamp ? 'Terminating' : str(get(pvc, 'status', 'phase'));
        const bound = volumeName !== '';
        return [
          pvc.metadata.name ?? '',
          phase,
          volumeName,
          bound ? quantityText(get(pvc, 'status', 'capacity', 'storage')) : '',
          bound ? accessModesString(get(pvc, 'status', 'accessModes')) : '',
          claimClass(pvc) ?? '',
          typeof spec.volumeAttributesClassName === 'string' ? spec.volumeAttributesClassName : '<unset>',
          age(pvc, at),
          typeof spec.volumeMode === 'string' ? spec.volumeMode : '<unset>',
        ];
      },
    },
  });
}

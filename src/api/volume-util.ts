// Facts about PersistentVolumes, PersistentVolumeClaims and StorageClasses that the registry, the binder,
// the provisioner, admission, the scheduler and the node agent all read (below all of them).
import { newestObject, type KubeObject } from './object.js';
import { rec, str } from './pod-util.js';
import { parseQuantity } from './validation/quantity.js';

export const annotations = {
  /** The claim is bound (set by the binder once both sides agree). */
  bindCompleted: 'pv.kubernetes.io/bind-completed',
  /** The binder (not a user) filled in claimRef / volumeName. */
  boundByController: 'pv.kubernetes.io/bound-by-controller',
  /** The provisioner that created a volume. */
  provisionedBy: 'pv.kubernetes.io/provisioned-by',
  /** Which provisioner is asked to provision a claim (and its beta twin). */
  storageProvisioner: 'volume.kubernetes.io/storage-provisioner',
  betaStorageProvisioner: 'volume.beta.kubernetes.io/storage-provisioner',
  /** The node the scheduler picked for a claim of a WaitForFirstConsumer class. */
  selectedNode: 'volume.kubernetes.io/selected-node',
  /** The old way of naming a class. */
  betaStorageClass: 'volume.beta.kubernetes.io/storage-class',
  isDefaultClass: 'storageclass.kubernetes.io/is-default-class',
  betaIsDefaultClass: 'storageclass.beta.kubernetes.io/is-default-class',
} as const;

export const finalizers = {
  pvProtection: 'kubernetes.io/pv-protection',
  pvcProtection: 'kubernetes.io/pvc-protection',
} as const;

/** The default StorageClass's annotation is "true" (either the GA or the beta key). */
export function isDefaultClass(sc: Readonly<KubeObject>): boolean {
  const a = sc.metadata.annotations ?? {};
  return a[annotations.isDefaultClass] === 'true' || a[annotations.betaIsDefaultClass] === 'true';
}

/** Of several default classes the newest wins (then the name, for a stable answer), as Kubernetes ≥ 1.26 does. */
export function pickDefaultClass(classes: readonly Readonly<KubeObject>[]): Readonly<KubeObject> | undefined {
  return newestObject(classes.filter(isDefaultClass));
}

/** A volume's class: the beta annotation first, then spec.storageClassName ("" = no class). */
export function volumeClass(pv: Readonly<KubeObject>): string {
  const beta = pv.metadata.annotations?.[annotations.betaStorageClass];
  if (beta !== undefined) return beta;
  return str(rec(pv['spec'])['storageClassName']);
}

/** A claim's class, the same way round; undefined when the claim names none at all (nil in Go). */
export function claimClass(pvc: Readonly<KubeObject>): string | undefined {
  const beta = pvc.metadata.annotations?.[annotations.betaStorageClass];
  if (beta !== undefined) return beta;
  const v = rec(pvc['spec'])['storageClassName'];
  return typeof v === 'string' ? v : undefined;
}

const modeShort: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** "RWO,ROX": access modes in Kubernetes' fixed order, each once. */
export function accessModesString(modes: unknown): string {
  const list = Array.isArray(modes) ? modes : [];
  return modeShort.filter(([m]) => list.includes(m)).map(([, s]) => s).join(',');
}

export function accessModes(obj: Readonly<KubeObject>): string[] {
  const v = rec(obj['spec'])['accessModes'];
  return Array.isArray(v) ? v.filter((m): m is string => typeof m === 'string') : [];
}

/** Bytes of spec.capacity.storage (volumes) — undefined when missing or not a quantity. */
export function volumeCapacity(pv: Readonly<KubeObject>): number | undefined {
  return parseQuantity(rec(rec(pv['spec'])['capacity'])['storage']);
}

/** Bytes of spec.resources.requests.storage (claims). */
export function claimRequest(pvc: Readonly<KubeObject>): number | undefined {
  return parseQuantity(rec(rec(rec(pvc['spec'])['resources'])['requests'])['storage']);
}

export function volumeMode(obj: Readonly<KubeObject>): string {
  return str(rec(obj['spec'])['volumeMode'], 'Filesystem');
}

export function phaseOf(obj: Readonly<KubeObject>): string {
  return str(rec(obj['status'])['phase']);
}

/** The claims a pod's volumes name (persistentVolumeClaim.claimName), in order, each once. */
export function podClaimNames(pod: Readonly<KubeObject>): string[] {
  const volumes = rec(pod['spec'])['volumes'];
  const out: string[] = [];
  for (const v of Array.isArray(volumes) ? volumes : []) {
    const name = str(rec(rec(v)['persistentVolumeClaim'])['claimName']);
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

/** Name of a StorageClass's provisioner's binding mode ("Immediate" when unset). */
export function bindingMode(sc: Readonly<KubeObject> | undefined): string {
  return str(sc?.['volumeBindingMode'], 'Immediate');
}

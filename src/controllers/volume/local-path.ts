// The built-in dynamic provisioner `a-kube.io/local-path` (after k3s' local-path provisioner): a claim of a
// class with this provisioner gets a directory DATA_DIR/local-path/<pv-name> on the node it lands on and a
// hostPath PersistentVolume pinned to that node (nodeAffinity on kubernetes.io/hostname), pre-bound to the
// claim; the binder completes the binding. A Released volume whose reclaim policy is Delete loses its
// directory and its object. The provisioner runs where the node's disk is (one machine).
import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KubeObject } from '../../api/object.js';
import { rec, str } from '../../api/pod-util.js';
import { annotations, bindingMode, claimClass, phaseOf } from '../../api/volume-util.js';
import { isAlreadyExists, isNotFound } from '../../client/api-error.js';
import type { Indexer } from '../../client/informer.js';
import { pathFor, R } from '../../client/control/resources.js';
import type { ControllerClient, EventRecorder } from '../../client/control/types.js';

export const localPathProvisioner = 'a-kube.io/local-path';
export const localPathClassName = 'local-path';

export interface LocalPathDeps {
  client: ControllerClient;
  claims: Indexer;
  volumes: Indexer;
  classes: Indexer;
  nodes: Indexer;
  recorder: EventRecorder;
  /** DATA_DIR/local-path: every volume's directory is directly below it. */
  baseDir: string;
}

/** The StorageClass `a-kube up` creates: the default class, bound once a pod is scheduled (as k3s' is). */
export function localPathStorageClass(): KubeObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: localPathClassName, annotations: { [annotations.isDefaultClass]: 'true' } },
    provisioner: localPathProvisioner,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

export const volumeNameFor = (claim: Readonly<KubeObject>): string => `pvc-${claim.metadata.uid ?? ''}`;

/** The directory of a volume we provisioned, or undefined when its hostPath is not ours to touch. */
export function ownedDirectory(baseDir: string, pv: Readonly<KubeObject>): string | undefined {
  const path = str(rec(rec(pv['spec'])['hostPath'])['path']);
  const expected = join(resolve(baseDir), pv.metadata.name ?? '');
  return path !== '' && resolve(path) === expected && (pv.metadata.name ?? '') !== '' ? expected : undefined;
}

function pickNode(d: LocalPathDeps, claim: Readonly<KubeObject>): Readonly<KubeObject> | undefined {
  const selected = claim.metadata.annotations?.[annotations.selectedNode];
  if (selected) return d.nodes.get(selected);
  // Immediate binding: any node will do; the volume then decides where its pods go.
  return d.nodes.list().sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
}

export async function provisionClaim(d: LocalPathDeps, key: string): Promise<void> {
  const claim = d.claims.get(key);
  if (!claim || claim.metadata.deletionTimestamp) return;
  if (claim.metadata.annotations?.[annotations.storageProvisioner] !== localPathProvisioner) return;
  if (str(rec(claim['spec'])['volumeName']) !== '') return;
  const sc = d.classes.get(claimClass(claim) ?? '');
  if (!sc || str(sc['provisioner']) !== localPathProvisioner) return;
  const name = volumeNameFor(claim);
  if (d.volumes.get(name)) return;
  if (bindingMode(sc) === 'WaitForFirstConsumer' && !claim.metadata.annotations?.[annotations.selectedNode]) return;
  const claimName = `${claim.metadata.namespace ?? ''}/${claim.metadata.name ?? ''}`;
  const node = pickNode(d, claim);
  if (!node) {
    d.recorder.event(claim as KubeObject, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name}": no node to place the volume on`);
    return;
  }
  const spec = rec(claim['spec']);
  if (str(spec['volumeMode'], 'Filesystem') === 'Block') {
    d.recorder.event(claim as KubeObject, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name}": only Filesystem volumes are supported`);
    return;
  }
  d.recorder.event(claim as KubeObject, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${claimName}"`);
  const dir = join(resolve(d.baseDir), name);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o777 });
    chmodSync(dir, 0o777); // the pod's user, whoever it is, writes here (mkdir's mode passes the umask)
  } catch (e) {
    d.recorder.event(claim as KubeObject, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name}": ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  }
  const hostname = node.metadata.labels?.['kubernetes.io/hostname'] ?? node.metadata.name ?? '';
  const pv: KubeObject = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations: { [annotations.provisionedBy]: localPathProvisioner, [annotations.selectedNode]: node.metadata.name ?? '' } },
    spec: {
      capacity: { storage: str(rec(rec(spec['resources'])['requests'])['storage']) },
      accessModes: structuredClone(spec['accessModes']),
      persistentVolumeReclaimPolicy: str(sc['reclaimPolicy'], 'Delete'),
      storageClassName: sc.metadata.name,
      volumeMode: 'Filesystem',
      hostPath: { path: dir, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] }] } },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion },
    },
  };
  try {
    await d.client.create(pathFor(R.persistentvolumes), pv);
  } catch (e) {
    if (!isAlreadyExists(e)) {
      d.recorder.event(claim as KubeObject, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name}": ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  }
  d.recorder.event(claim as KubeObject, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${name}`);
}

/** A Released volume of ours with reclaim policy Delete: directory first, then the object. */
export async function reclaimVolume(d: LocalPathDeps, key: string): Promise<void> {
  const pv = d.volumes.get(key);
  if (!pv || pv.metadata.deletionTimestamp) return;
  if (pv.metadata.annotations?.[annotations.provisionedBy] !== localPathProvisioner) return;
  if (phaseOf(pv) !== 'Released' || str(rec(pv['spec'])['persistentVolumeReclaimPolicy']) !== 'Delete') return;
  const dir = ownedDirectory(d.baseDir, pv);
  if (!dir) {
    d.recorder.event(pv, 'Warning', 'VolumeFailedDelete', `path ${JSON.stringify(str(rec(rec(pv['spec'])['hostPath'])['path']))} is not a directory of the local-path provisioner under ${d.baseDir}`);
    return;
  }
  try {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    d.recorder.event(pv, 'Warning', 'VolumeFailedDelete', e instanceof Error ? e.message : String(e));
    throw e;
  }
  try {
    await d.client.delete(pathFor(R.persistentvolumes, undefined, pv.metadata.name));
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

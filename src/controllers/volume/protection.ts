// Storage object in-use protection (the pvc-protection and pv-protection controllers): a claim keeps its
// kubernetes.io/pvc-protection finalizer while a pod that is not finished names it, and a volume keeps
// kubernetes.io/pv-protection while it is Bound. Objects created before the admission plugin added the
// finalizer get it here.
import type { KubeObject } from '../../api/object.js';
import { podPhase } from '../../api/pod-util.js';
import { finalizers, phaseOf, podClaimNames } from '../../api/volume-util.js';
import { isNotFound } from '../../client/api-error.js';
import type { Indexer } from '../../client/informer.js';
import { pathFor, R, type GroupVersionResource } from '../../client/control/resources.js';
import type { ControllerClient } from '../../client/control/types.js';

/** Index name of pods by the claims they use: value "namespace/claim". */
export const podClaimIndex = 'byClaim';
export const byClaim = (pod: KubeObject): string[] => podClaimNames(pod).map((c) => `${pod.metadata.namespace ?? ''}/${c}`);

export interface ProtectionDeps {
  client: ControllerClient;
  claims: Indexer;
  volumes: Indexer;
  /** Pods indexed by podClaimIndex. */
  pods: Indexer;
}

/** A pod uses its claims until it has finished (Succeeded/Failed) or is gone. */
export function claimInUse(pods: Indexer, claimKey: string): boolean {
  return pods.byIndex(podClaimIndex, claimKey).some((p) => podPhase(p) !== 'Succeeded' && podPhase(p) !== 'Failed');
}

async function setFinalizer(client: ControllerClient, r: GroupVersionResource, obj: Readonly<KubeObject>, name: string, present: boolean): Promise<void> {
  const list = obj.metadata.finalizers ?? [];
  if (list.includes(name) === present) return;
  const next = structuredClone(obj as KubeObject);
  next.metadata.finalizers = present ? [...list, name] : list.filter((f) => f !== name);
  try {
    await client.update(pathFor(r, obj.metadata.namespace, obj.metadata.name), next);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

export async function syncClaimProtection(d: ProtectionDeps, key: string): Promise<void> {
  const claim = d.claims.get(key);
  if (!claim) return;
  if (!claim.metadata.deletionTimestamp) return setFinalizer(d.client, R.persistentvolumeclaims, claim, finalizers.pvcProtection, true);
  if (claimInUse(d.pods, key)) return;
  await setFinalizer(d.client, R.persistentvolumeclaims, claim, finalizers.pvcProtection, false);
}

export async function syncVolumeProtection(d: ProtectionDeps, key: string): Promise<void> {
  const pv = d.volumes.get(key);
  if (!pv) return;
  if (!pv.metadata.deletionTimestamp) return setFinalizer(d.client, R.persistentvolumes, pv, finalizers.pvProtection, true);
  if (phaseOf(pv) === 'Bound') return;
  await setFinalizer(d.client, R.persistentvolumes, pv, finalizers.pvProtection, false);
}

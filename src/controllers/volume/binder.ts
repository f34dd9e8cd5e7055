// The PersistentVolume binder (kube-controller-manager's persistentvolume-binder): matches claims to volumes
// by class, capacity, access modes, volume mode, selector and pre-binding (claimRef / volumeName), asks
// provisioners for volumes where nothing matches, waits for the scheduler's node on WaitForFirstConsumer
// classes, and walks volumes through Pending → Available → Bound → Released (→ Failed) with their reclaim policy.
// Binding writes in the order upstream does, each step visible to the next sync: volume claimRef, volume phase,
// claim volumeName (+ bind-completed), claim status — a crash between steps is repaired by the next sync.
import type { KubeObject } from '../../api/object.js';
import { rec, str } from '../../api/pod-util.js';
import { claimRefOf, findBestMatch, isVolumeBoundToClaim, volumeMismatch } from '../../api/volume-match.js';
import { annotations, bindingMode, claimClass, phaseOf, pickDefaultClass } from '../../api/volume-util.js';
import { isConflict, isNotFound } from '../../client/api-error.js';
import type { Indexer } from '../../client/informer.js';
import { pathFor, R } from '../../client/control/resources.js';
import type { ControllerClient, EventRecorder } from '../../client/control/types.js';

export const noProvisioner = 'kubernetes.io/no-provisioner';

export interface BinderDeps {
  client: ControllerClient;
  claims: Indexer;
  volumes: Indexer;
  classes: Indexer;
  nodes: Indexer;
  recorder: EventRecorder;
  /** Asks for a claim to be synced again soon (a volume's sync found its claim half-bound). */
  enqueueClaim(key: string): void;
}

async function putIgnoringGone(client: ControllerClient, path: string, body: KubeObject): Promise<KubeObject | undefined> {
  try {
    return await client.update<KubeObject>(path, body);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export async function updateVolumePhase(d: BinderDeps, pv: Readonly<KubeObject>, phase: string, message?: string, reason?: string): Promise<KubeObject | undefined> {
  const status = rec(pv['status']);
  if (str(status['phase']) === phase && str(status['message']) === (message ?? '') && str(status['reason']) === (reason ?? '')) return pv as KubeObject;
  const next: KubeObject = { ...structuredClone(pv as KubeObject), status: { ...structuredClone(status), phase } };
  const s = rec(next['status']);
  if (message) s['message'] = message;
  else delete s['message'];
  if (reason) s['reason'] = reason;
  else delete s['reason'];
  return putIgnoringGone(d.client, pathFor(R.persistentvolumes, undefined, pv.metadata.name, 'status'), next);
}

async function updateClaimStatus(d: BinderDeps, claim: Readonly<KubeObject>, phase: string, pv?: Readonly<KubeObject>): Promise<KubeObject | undefined> {
  const status = structuredClone(rec(claim['status']));
  const want: Record<string, unknown> = { ...status, phase };
  if (pv) {
    want['accessModes'] = structuredClone(rec(pv['spec'])['accessModes']);
    want['capacity'] = structuredClone(rec(pv['spec'])['capacity']);
  } else if (phase === 'Pending') {
    delete want['accessModes'];
    delete want['capacity'];
  }
  if (JSON.stringify(want) === JSON.stringify(status)) return claim as KubeObject;
  return putIgnoringGone(d.client, pathFor(R.persistentvolumeclaims, claim.metadata.namespace, claim.metadata.name, 'status'), { ...structuredClone(claim as KubeObject), status: want });
}

/** bind(): volume → claim in upstream's order. Returns false when an object went away meanwhile. */
export async function bind(d: BinderDeps, pvIn: Readonly<KubeObject>, claimIn: Readonly<KubeObject>): Promise<boolean> {
  let pv: KubeObject | undefined = structuredClone(pvIn as KubeObject);
  const ref = claimRefOf(pv);
  const refWanted = { kind: 'PersistentVolumeClaim', namespace: claimIn.metadata.namespace, name: claimIn.metadata.name, uid: claimIn.metadata.uid, apiVersion: 'v1', resourceVersion: claimIn.metadata.resourceVersion };
  if (!ref || str(ref['uid']) !== claimIn.metadata.uid) {
    const spec = rec(pv['spec']);
    pv['spec'] = { ...spec, claimRef: refWanted };
    if (!ref) pv.metadata.annotations = { ...(pv.metadata.annotations ?? {}), [annotations.boundByController]: 'yes' };
    pv = await putIgnoringGone(d.client, pathFor(R.persistentvolumes, undefined, pv.metadata.name), pv);
    if (!pv) return false;
  }
  pv = await updateVolumePhase(d, pv, 'Bound');
  if (!pv) return false;

  let claim: KubeObject | undefined = structuredClone(claimIn as KubeObject);
  const spec = rec(claim['spec']);
  const a = claim.metadata.annotations ?? {};
  if (str(spec['volumeName']) !== pv.metadata.name || a[annotations.bindCompleted] !== 'yes') {
    const byController = str(spec['volumeName']) === '';
    claim['spec'] = { ...spec, volumeName: pv.metadata.name };
    claim.metadata.annotations = { ...a, [annotations.bindCompleted]: 'yes', ...(byController ? { [annotations.boundByController]: 'yes' } : {}) };
    claim = await putIgnoringGone(d.client, pathFor(R.persistentvolumeclaims, claim.metadata.namespace, claim.metadata.name), claim);
    if (!claim) return false;
  }
  return (await updateClaimStatus(d, claim, 'Bound', pv)) !== undefined;
}

function classOf(d: BinderDeps, name: string): Readonly<KubeObject> | undefined {
  return name ? d.classes.get(name) : undefined;
}

async function syncUnboundClaim(d: BinderDeps, claim: Readonly<KubeObject>): Promise<void> {
  const spec = rec(claim['spec']);
  const volumeName = str(spec['volumeName']);
  if (volumeName === '') {
    // A claim that names no class at all gets today's default class (retroactive default StorageClass).
    if (claimClass(claim) === undefined) {
      const dflt = pickDefaultClass(d.classes.list());
      if (dflt) {
        const next = structuredClone(claim as KubeObject);
        next['spec'] = { ...spec, storageClassName: dflt.metadata.name };
        await putIgnoringGone(d.client, pathFor(R.persistentvolumeclaims, claim.metadata.namespace, claim.metadata.name), next);
        return;
      }
    }
    const className = claimClass(claim) ?? '';
    const sc = classOf(d, className);
    const delayed = bindingMode(sc) === 'WaitForFirstConsumer';
    const selectedNodeName = claim.metadata.annotations?.[annotations.selectedNode];
    const node = selectedNodeName ? d.nodes.get(selectedNodeName) : undefined;
    const pv = findBestMatch(claim, d.volumes.list(), node);
    if (pv && (!delayed || selectedNodeName || isVolumeBoundToClaim(pv, claim))) {
      await bind(d, pv, claim);
      return;
    }
    await updateClaimStatus(d, claim, 'Pending');
    if (delayed && !selectedNodeName) {
      d.recorder.event(claim as KubeObject, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return;
    }
    if (className === '') {
      d.recorder.event(claim as KubeObject, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      return;
    }
    if (!sc) {
      d.recorder.event(claim as KubeObject, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
      return;
    }
    const provisioner = str(sc['provisioner']);
    if (provisioner === noProvisioner) {
      d.recorder.event(claim as KubeObject, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      return;
    }
    await askProvisioner(d, claim, provisioner);
    return;
  }
  // Pre-bound claim: the user named the volume.
  const pv = d.volumes.get(volumeName);
  if (!pv) {
    await updateClaimStatus(d, claim, 'Pending');
    d.recorder.event(claim as KubeObject, 'Warning', 'FailedBinding', `volume "${volumeName}" not found`);
    return;
  }
  const ref = claimRefOf(pv);
  if (!ref || isVolumeBoundToClaim(pv, claim)) {
    const why = volumeMismatch(pv, claim);
    if (why) {
      await updateClaimStatus(d, claim, 'Pending');
      d.recorder.event(claim as KubeObject, 'Warning', 'VolumeMismatch', `Cannot bind to requested volume "${volumeName}": ${why}`);
      return;
    }
    await bind(d, pv, claim);
    return;
  }
  await updateClaimStatus(d, claim, 'Pending');
  d.recorder.event(claim as KubeObject, 'Warning', 'FailedBinding', `volume "${volumeName}" already bound to a different claim.`);
}

/** An external (or our built-in) provisioner is asked through the claim's annotations. */
async function askProvisioner(d: BinderDeps, claim: Readonly<KubeObject>, provisioner: string): Promise<void> {
  const a = claim.metadata.annotations ?? {};
  // Said once, when the provisioner is first asked (later syncs of the waiting claim stay quiet).
  if (a[annotations.storageProvisioner] === provisioner && a[annotations.betaStorageProvisioner] === provisioner) return;
  const next = structuredClone(claim as KubeObject);
  next.metadata.annotations = { ...a, [annotations.storageProvisioner]: provisioner, [annotations.betaStorageProvisioner]: provisioner };
  if (!(await putIgnoringGone(d.client, pathFor(R.persistentvolumeclaims, claim.metadata.namespace, claim.metadata.name), next))) return;
  d.recorder.event(
    claim as KubeObject,
    'Normal',
    'ExternalProvisioning',
    `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
  );
}

async function syncBoundClaim(d: BinderDeps, claim: Readonly<KubeObject>): Promise<void> {
  const volumeName = str(rec(claim['spec'])['volumeName']);
  if (volumeName === '') {
    if (phaseOf(claim) !== 'Lost') {
      await updateClaimStatus(d, claim, 'Lost');
      d.recorder.event(claim as KubeObject, 'Warning', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
    }
    return;
  }
  const pv = d.volumes.get(volumeName);
  if (!pv) {
    if (phaseOf(claim) !== 'Lost') {
      await updateClaimStatus(d, claim, 'Lost');
      d.recorder.event(claim as KubeObject, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
    }
    return;
  }
  const ref = claimRefOf(pv);
  if (!ref || str(ref['uid']) === '' || isVolumeBoundToClaim(pv, claim)) {
    await bind(d, pv, claim);
    return;
  }
  if (phaseOf(claim) !== 'Lost') {
    await updateClaimStatus(d, claim, 'Lost');
    d.recorder.event(claim as KubeObject, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
  }
}

export async function syncClaim(d: BinderDeps, key: string): Promise<void> {
  const claim = d.claims.get(key);
  if (!claim) return;
  try {
    if (claim.metadata.annotations?.[annotations.bindCompleted] === undefined) await syncUnboundClaim(d, claim);
    else await syncBoundClaim(d, claim);
  } catch (e) {
    if (isNotFound(e)) return;
    throw e;
  }
}

/** What a volume's reclaim policy does once its claim is gone (Delete for our own provisioner is its job). */
async function reclaim(d: BinderDeps, pv: KubeObject): Promise<void> {
  const policy = str(rec(pv['spec'])['persistentVolumeReclaimPolicy'], 'Retain');
  if (policy === 'Retain') return;
  if (policy === 'Delete' && pv.metadata.annotations?.[annotations.provisionedBy]) return; // the provisioner deletes it
  if (phaseOf(pv) === 'Failed') return;
  const message = policy === 'Delete' ? `error getting deleter volume plugin for volume "${pv.metadata.name}": no deletable volume plugin matched` : `no volume plugin matched`;
  d.recorder.event(pv, 'Warning', policy === 'Delete' ? 'VolumeFailedDelete' : 'VolumeFailedRecycle', message);
  await updateVolumePhase(d, pv, 'Failed', message);
}

export async function syncVolume(d: BinderDeps, key: string): Promise<void> {
  const found = d.volumes.get(key);
  if (!found) return;
  let pv: KubeObject | undefined = found;
  try {
    const ref = claimRefOf(pv);
    if (!ref) {
      await updateVolumePhase(d, pv, 'Available');
      return;
    }
    const claimKey = `${str(ref['namespace'])}/${str(ref['name'])}`;
    if (str(ref['uid']) === '') {
      // Pre-bound by a user to a claim that may not exist yet: available to that claim only.
      await updateVolumePhase(d, pv, 'Available');
      if (d.claims.get(claimKey)) d.enqueueClaim(claimKey);
      return;
    }
    const claim = d.claims.get(claimKey);
    if (!claim || claim.metadata.uid !== str(ref['uid'])) {
      if (phaseOf(pv) !== 'Released' && phaseOf(pv) !== 'Failed') {
        pv = await updateVolumePhase(d, pv, 'Released');
        if (!pv) return;
      }
      await reclaim(d, pv);
      return;
    }
    const volumeName = str(rec(claim['spec'])['volumeName']);
    if (volumeName === '') {
      d.enqueueClaim(claimKey); // the claim's sync finishes the binding
      return;
    }
    if (volumeName === pv.metadata.name) {
      await updateVolumePhase(d, pv, 'Bound');
      return;
    }
    // The claim is bound to another volume. If this binding was ours, undo it.
    if (pv.metadata.annotations?.[annotations.boundByController] !== undefined) {
      const next = structuredClone(pv);
      delete rec(next['spec'])['claimRef'];
      const a = { ...(next.metadata.annotations ?? {}) };
      delete a[annotations.boundByController];
      next.metadata.annotations = a;
      pv = await putIgnoringGone(d.client, pathFor(R.persistentvolumes, undefined, pv.metadata.name), next);
      if (pv) await updateVolumePhase(d, pv, 'Available');
    }
  } catch (e) {
    if (isNotFound(e)) return;
    if (isConflict(e)) throw e;
    throw e;
  }
}

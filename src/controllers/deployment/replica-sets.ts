// The Deployment's ReplicaSets: finding or creating the new one, scaling one with its annotations and
// event, and deleting old ones beyond revisionHistoryLimit.
import type { KubeObject } from '../../api/object.js';
import { isAlreadyExists } from '../../client/api-error.js';
import type { Clock } from '../../client/workqueue.js';
import type { Indexer } from '../../client/informer.js';
import { timestamp } from '../../client/control/events.js';
import { controllerRef, ownerRefTo } from '../owner-refs.js';
import { num, rec, specOf, statusOf } from '../../api/pod-util.js';
import { pathFor, R } from '../../client/control/resources.js';
import type { ControllerClient, EventRecorder } from '../../client/control/types.js';
import { computeHash } from './hash.js';
import {
  copiedAnnotations,
  desiredReplicasAnnotation,
  equalIgnoreHash,
  hasProgressDeadline,
  maxReplicasAnnotation,
  maxSurge,
  newCondition,
  podTemplateHashLabel,
  replicasOf,
  revisionAnnotation,
  revisionHistoryAnnotation,
  revisionOf,
  rsReplicas,
  setCondition,
} from './util.js';

export interface DeploymentDeps {
  client: ControllerClient;
  deployments: Indexer;
  replicaSets: Indexer;
  pods: Indexer;
  recorder: EventRecorder;
  clock: Clock;
}

/** The working state of one sync: a private copy of the Deployment whose status we build up. */
export interface SyncState {
  d: KubeObject;
  deps: DeploymentDeps;
  now: number;
  /** The Deployment's own metadata needs writing (revision annotation). */
  annotationsChanged: boolean;
}

const byCreation = (a: KubeObject, b: KubeObject) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

/** The ReplicaSet whose template equals the Deployment's (the oldest, if several), and the rest. */
export function splitNewAndOld(d: KubeObject, rsList: KubeObject[]): { newRS: KubeObject | undefined; oldRSs: KubeObject[] } {
  const sorted = [...rsList].sort(byCreation);
  const newRS = sorted.find((rs) => equalIgnoreHash(specOf(rs)['template'], specOf(d)['template']));
  return { newRS, oldRSs: sorted.filter((rs) => rs !== newRS) };
}

function setDeploymentRevision(s: SyncState, revision: string): void {
  const ann = s.d.metadata.annotations ?? {};
  if (ann[revisionAnnotation] === revision) return;
  s.d.metadata.annotations = { ...ann, [revisionAnnotation]: revision };
  s.annotationsChanged = true;
}

/** getAllReplicaSetsAndSyncRevision: the new RS (created when asked) with its revision brought up to date. */
export async function newAndOld(s: SyncState, rsList: KubeObject[], createIfMissing: boolean): Promise<{ newRS: KubeObject | undefined; oldRSs: KubeObject[] }> {
  const { newRS: existing, oldRSs } = splitNewAndOld(s.d, rsList);
  const maxOld = Math.max(0, ...oldRSs.map(revisionOf));
  const newRevision = String(maxOld + 1);
  const ts = timestamp(s.now);
  if (existing) {
    let rs = existing;
    const ann = existing.metadata.annotations ?? {};
    const oldRevision = ann[revisionAnnotation];
    const minReady = num(specOf(s.d)['minReadySeconds']);
    // the Deployment's own annotations (kubernetes.io/change-cause, …) follow onto its current ReplicaSet
    const copied = copiedAnnotations(s.d);
    const annotationsBehind = Object.entries(copied).some(([k, v]) => !Object.hasOwn(ann, k) || ann[k] !== v);
    if (annotationsBehind || Number(oldRevision ?? '0') < Number(newRevision) || num(specOf(existing)['minReadySeconds']) !== minReady) {
      const next: Record<string, string> = { ...ann, ...copied };
      if (Number(oldRevision ?? '0') < Number(newRevision)) {
        next[revisionAnnotation] = newRevision;
        if (oldRevision) next[revisionHistoryAnnotation] = ann[revisionHistoryAnnotation] ? `${ann[revisionHistoryAnnotation]},${oldRevision}` : oldRevision;
      }
      const body = structuredClone(existing);
      body.metadata.annotations = next;
      body['spec'] = { ...specOf(existing), minReadySeconds: minReady };
      rs = await s.deps.client.update<KubeObject>(pathFor(R.replicasets, existing.metadata.namespace, existing.metadata.name), body);
    }
    setDeploymentRevision(s, rs.metadata.annotations?.[revisionAnnotation] ?? newRevision);
    if (hasProgressDeadline(s.d) && !progressing(s)) {
      setCondition(statusOf(s.d), newCondition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${rs.metadata.name ?? ''}"`, ts));
    }
    return { newRS: rs, oldRSs };
  }
  if (!createIfMissing) return { newRS: undefined, oldRSs };
  return { newRS: await createNewReplicaSet(s, oldRSs, newRevision), oldRSs };
}

function progressing(s: SyncState): boolean {
  const status = statusOf(s.d);
  return Array.isArray(status['conditions']) && (status['conditions'] as { type?: string }[]).some((c) => c.type === 'Progressing');
}

/** NewRSNewReplicas: how many replicas the new RS may have right now. */
export function newRSReplicas(d: KubeObject, allRSs: KubeObject[], newRS: KubeObject | undefined): number {
  const wanted = replicasOf(d);
  const current = newRS ? rsReplicas(newRS) : 0;
  if (rec(specOf(d)['strategy'])['type'] === 'Recreate') return wanted;
  const total = allRSs.reduce((n, rs) => n + rsReplicas(rs), 0);
  const maxTotal = wanted + maxSurge(d);
  if (total >= maxTotal) return current;
  return current + Math.min(maxTotal - total, wanted - current);
}

async function createNewReplicaSet(s: SyncState, oldRSs: KubeObject[], revision: string): Promise<KubeObject> {
  const d = s.d;
  const status = statusOf(d);
  const collisionCount = typeof status['collisionCount'] === 'number' ? status['collisionCount'] : undefined;
  const dTemplate = rec(specOf(d)['template']);
  const hash = computeHash(dTemplate, collisionCount);
  const template = structuredClone(dTemplate);
  const tmeta = rec(template['metadata']);
  template['metadata'] = { ...tmeta, labels: { ...rec(tmeta['labels']), [podTemplateHashLabel]: hash } };
  const selector = structuredClone(rec(specOf(d)['selector']));
  selector['matchLabels'] = { ...rec(selector['matchLabels']), [podTemplateHashLabel]: hash };
  const name = `${d.metadata.name ?? ''}-${hash}`;
  const namespace = d.metadata.namespace ?? '';
  const replicas = newRSReplicas(d, oldRSs, undefined);
  const body: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace,
      labels: { ...(rec(tmeta['labels']) as Record<string, string>), [podTemplateHashLabel]: hash },
      annotations: {
        ...copiedAnnotations(d),
        [revisionAnnotation]: revision,
        [desiredReplicasAnnotation]: String(replicasOf(d)),
        [maxReplicasAnnotation]: String(replicasOf(d) + maxSurge(d)),
      },
      ownerReferences: [ownerRefTo(d, 'apps/v1', 'Deployment')],
    },
    spec: { replicas, minReadySeconds: num(specOf(d)['minReadySeconds']), selector, template },
  };
  let created: KubeObject;
  try {
    created = await s.deps.client.create<KubeObject>(pathFor(R.replicasets, namespace), body);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    const existing = await s.deps.client.get<KubeObject>(pathFor(R.replicasets, namespace, name));
    if (controllerRef(existing)?.uid === d.metadata.uid && equalIgnoreHash(specOf(existing)['template'], dTemplate)) return existing;
    // A different object holds our name: move the hash on and try again next sync.
    status['collisionCount'] = (collisionCount ?? 0) + 1;
    throw new Error(`hash collision: replica set ${name} already exists; collisionCount is now ${String(status['collisionCount'])}`);
  }
  if (replicas > 0) s.deps.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${name} from 0 to ${replicas}`);
  setDeploymentRevision(s, revision);
  if (hasProgressDeadline(d)) setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${name}"`, timestamp(s.now)));
  return created;
}

/** Scales one ReplicaSet (and refreshes its desired/max annotations); returns the updated RS. */
export async function scaleReplicaSet(s: SyncState, rs: KubeObject, newScale: number): Promise<{ rs: KubeObject; scaled: boolean }> {
  const d = s.d;
  const oldScale = rsReplicas(rs);
  const ann = rs.metadata.annotations ?? {};
  const desired = String(replicasOf(d));
  const max = String(replicasOf(d) + maxSurge(d));
  const sizeChanged = oldScale !== newScale;
  if (!sizeChanged && ann[desiredReplicasAnnotation] === desired && ann[maxReplicasAnnotation] === max) return { rs, scaled: false };
  const body = structuredClone(rs);
  body.metadata.annotations = { ...ann, [desiredReplicasAnnotation]: desired, [maxReplicasAnnotation]: max };
  body['spec'] = { ...specOf(rs), replicas: newScale };
  const updated = await s.deps.client.update<KubeObject>(pathFor(R.replicasets, rs.metadata.namespace, rs.metadata.name), body);
  if (sizeChanged) {
    s.deps.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${newScale > oldScale ? 'up' : 'down'} replica set ${rs.metadata.name ?? ''} to ${newScale} from ${oldScale}`);
  }
  return { rs: updated, scaled: sizeChanged };
}

/** Deletes old, empty ReplicaSets beyond revisionHistoryLimit, oldest revision first. */
export async function cleanupOldReplicaSets(s: SyncState, oldRSs: KubeObject[]): Promise<void> {
  const limit = specOf(s.d)['revisionHistoryLimit'];
  if (typeof limit !== 'number') return;
  const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const excess = alive.length - limit;
  if (excess <= 0) return;
  const sorted = [...alive].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
  for (const rs of sorted.slice(0, excess)) {
    const st = statusOf(rs);
    if (num(st['replicas']) !== 0 || rsReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > num(st['observedGeneration'])) continue;
    await s.deps.client.delete(pathFor(R.replicasets, rs.metadata.namespace, rs.metadata.name));
  }
}

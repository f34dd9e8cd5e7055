// Deployment status and its Available/Progressing conditions (k8s deployment/sync.go, progress.go).
import type { KubeObject } from '../../api/object.js';
import { timestamp } from '../../client/control/events.js';
import { num, statusOf } from '../../api/pod-util.js';
import { R } from '../../client/control/resources.js';
import { updateStatus } from '../replicaset.js';
import type { ReconcileResult } from '../../client/control/types.js';
import type { SyncState } from './replica-sets.js';
import {
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  hasProgressDeadline,
  maxUnavailable,
  newCondition,
  removeCondition,
  replicasOf,
  rsReplicas,
  setCondition,
} from './util.js';

export function calculateStatus(s: SyncState, all: KubeObject[], newRS: KubeObject | undefined): Record<string, unknown> {
  const d = s.d;
  const old = statusOf(d);
  const sumOf = (f: string, list = all) => list.reduce((n, rs) => n + num(statusOf(rs)[f]), 0);
  const availableReplicas = sumOf('availableReplicas');
  const status: Record<string, unknown> = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: sumOf('replicas'),
    updatedReplicas: newRS ? sumOf('replicas', [newRS]) : 0,
    readyReplicas: sumOf('readyReplicas'),
    availableReplicas,
    unavailableReplicas: Math.max(0, all.reduce((n, rs) => n + rsReplicas(rs), 0) - availableReplicas),
  };
  if (old['collisionCount'] !== undefined) status['collisionCount'] = old['collisionCount'];
  if (Array.isArray(old['conditions'])) status['conditions'] = structuredClone(old['conditions']);
  const ts = timestamp(s.now);
  if (availableReplicas >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', ts));
  } else {
    setCondition(status, newCondition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', ts));
  }
  return status;
}

/** Status only (paused, deleting, scaling events). */
export async function syncStatusOnly(s: SyncState, all: KubeObject[], newRS: KubeObject | undefined): Promise<ReconcileResult> {
  await writeStatus(s, calculateStatus(s, all, newRS));
}

export async function syncRolloutStatus(s: SyncState, all: KubeObject[], newRS: KubeObject | undefined): Promise<ReconcileResult> {
  const d = s.d;
  const status = calculateStatus(s, all, newRS);
  const ts = timestamp(s.now);
  if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
  const current = getCondition(status, 'Progressing');
  const complete = num(status['replicas']) === num(status['updatedReplicas']) && current?.reason === 'NewReplicaSetAvailable';
  const rsName = newRS?.metadata.name;
  if (hasProgressDeadline(d) && !complete) {
    if (deploymentComplete(d, status)) {
      const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : 'Deployment has successfully progressed.';
      setCondition(status, newCondition('Progressing', 'True', 'NewReplicaSetAvailable', msg, ts));
    } else if (deploymentProgressing(d, status)) {
      const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : 'Deployment is progressing.';
      const c = newCondition('Progressing', 'True', 'ReplicaSetUpdated', msg, ts);
      if (current?.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, 'Progressing');
      setCondition(status, c);
    } else if (deploymentTimedOut(d, status, s.now)) {
      const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata.name ?? ''}" has timed out progressing.`;
      setCondition(status, newCondition('Progressing', 'False', 'ProgressDeadlineExceeded', msg, ts));
    }
  }
  await writeStatus(s, status);
  return requeueWhenStuck(d, status, s.now);
}

/** While progressing, look again when the progress deadline would pass. */
function requeueWhenStuck(d: KubeObject, status: Record<string, unknown>, now: number): ReconcileResult {
  const c = getCondition(status, 'Progressing');
  if (!hasProgressDeadline(d) || !c || c.reason === 'NewReplicaSetAvailable' || c.reason === 'ProgressDeadlineExceeded' || deploymentComplete(d, status)) return undefined;
  const after = Date.parse(c.lastUpdateTime) + num((d['spec'] as Record<string, unknown>)['progressDeadlineSeconds']) * 1000 - now;
  return { requeueAfterMs: Math.max(1000, after) };
}

/** Paused/resumed shows as Progressing Unknown (checkPausedConditions). */
export function pausedConditions(s: SyncState): void {
  const d = s.d;
  if (!hasProgressDeadline(d)) return;
  const status = statusOf(d);
  const c = getCondition(status, 'Progressing');
  if (c?.reason === 'ProgressDeadlineExceeded') return;
  const paused = (d['spec'] as Record<string, unknown>)['paused'] === true;
  const pausedShown = c?.reason === 'DeploymentPaused';
  const ts = timestamp(s.now);
  if (paused && !pausedShown) setCondition(status, newCondition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', ts));
  else if (!paused && pausedShown) setCondition(status, newCondition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed', ts));
}

async function writeStatus(s: SyncState, status: Record<string, unknown>): Promise<void> {
  const d = s.d;
  d['status'] = status;
  const client = s.deps.client;
  const path = `/apis/apps/v1/namespaces/${d.metadata.namespace ?? ''}/deployments/${d.metadata.name ?? ''}`;
  if (s.annotationsChanged) {
    // An update, as upstream's controller writes it: system:controller:deployment-controller may update
    // deployments but not patch them. A conflict requeues the sync.
    const updated = await client.update<KubeObject>(path, d);
    s.annotationsChanged = false;
    const cached = s.deps.deployments.get(`${d.metadata.namespace ?? ''}/${d.metadata.name ?? ''}`);
    await updateStatus(client, { ...updated, status: cached ? statusOf(cached) : {} }, status, R.deployments);
    return;
  }
  const cached = s.deps.deployments.get(`${d.metadata.namespace ?? ''}/${d.metadata.name ?? ''}`) ?? d;
  await updateStatus(client, cached, status, R.deployments);
}

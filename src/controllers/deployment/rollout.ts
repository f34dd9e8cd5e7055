// The two strategies and proportional scaling (k8s deployment/rolling.go, recreate.go, sync.go scale()).
import type { KubeObject } from '../../api/object.js';
import { isPodActive, num, statusOf } from '../../api/pod-util.js';
import { cleanupOldReplicaSets, newAndOld, newRSReplicas, scaleReplicaSet, type SyncState } from './replica-sets.js';
import { syncRolloutStatus } from './status.js';
import { deploymentComplete, isRollingUpdate, maxReplicasAnnotation, desiredReplicasAnnotation, maxSurge, maxUnavailable, replicasOf, rsReplicas } from './util.js';
import type { ReconcileResult } from '../../client/control/types.js';
import { controllerRef } from '../owner-refs.js';

const active = (rsList: KubeObject[]) => rsList.filter((rs) => rsReplicas(rs) > 0);
const available = (rs: KubeObject) => num(statusOf(rs)['availableReplicas']);
const oldestFirst = (a: KubeObject, b: KubeObject) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '');
const sum = (rsList: KubeObject[], f: (rs: KubeObject) => number) => rsList.reduce((n, rs) => n + f(rs), 0);

/** Replaces rs in the list by its updated version. */
function replace(list: KubeObject[], rs: KubeObject): KubeObject[] {
  return list.map((x) => (x.metadata.uid === rs.metadata.uid ? rs : x));
}

export async function rolloutRolling(s: SyncState, rsList: KubeObject[]): Promise<ReconcileResult> {
  const { newRS: created, oldRSs } = await newAndOld(s, rsList, true);
  let newRS = created;
  if (!newRS) return syncRolloutStatus(s, oldRSs, undefined);
  let all = [...oldRSs, newRS];
  // Scale the new ReplicaSet up (within maxSurge) or down (when the Deployment shrank).
  const want = replicasOf(s.d);
  const cur = rsReplicas(newRS);
  if (cur !== want) {
    const target = cur > want ? want : newRSReplicas(s.d, all, newRS);
    const r = await scaleReplicaSet(s, newRS, target);
    newRS = r.rs;
    all = [...oldRSs, newRS];
    if (r.scaled) return syncRolloutStatus(s, all, newRS);
  }
  const scaledDown = await reconcileOldReplicaSets(s, all, active(oldRSs), newRS);
  if (scaledDown) return syncRolloutStatus(s, all, newRS);
  if (deploymentComplete(s.d, statusOf(s.d))) await cleanupOldReplicaSets(s, oldRSs);
  return syncRolloutStatus(s, all, newRS);
}

async function reconcileOldReplicaSets(s: SyncState, all: KubeObject[], oldActive: KubeObject[], newRS: KubeObject): Promise<boolean> {
  if (sum(oldActive, rsReplicas) === 0) return false;
  const minAvailable = replicasOf(s.d) - maxUnavailable(s.d);
  const newUnavailable = rsReplicas(newRS) - available(newRS);
  const maxScaledDown = sum(all, rsReplicas) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;

  // First drop old replicas that are not available anyway (they cost no availability).
  let olds = [...oldActive].sort(oldestFirst);
  let cleaned = 0;
  for (const rs of olds) {
    if (cleaned >= maxScaledDown) break;
    const replicas = rsReplicas(rs);
    if (replicas === 0 || available(rs) === replicas) continue;
    const down = Math.min(maxScaledDown - cleaned, replicas - available(rs));
    const r = await scaleReplicaSet(s, rs, replicas - down);
    olds = replace(olds, r.rs);
    cleaned += down;
  }
  // Then scale old ReplicaSets down as far as availability allows.
  const availableNow = sum([...olds, newRS], available);
  let scaled = 0;
  if (availableNow > minAvailable) {
    const total = availableNow - minAvailable;
    for (const rs of olds) {
      if (scaled >= total) break;
      const replicas = rsReplicas(rs);
      if (replicas === 0) continue;
      const down = Math.min(replicas, total - scaled);
      await scaleReplicaSet(s, rs, replicas - down);
      scaled += down;
    }
  }
  return cleaned + scaled > 0;
}

export async function rolloutRecreate(s: SyncState, rsList: KubeObject[]): Promise<ReconcileResult> {
  let { newRS, oldRSs } = await newAndOld(s, rsList, false);
  let scaledDown = false;
  for (const rs of active(oldRSs)) {
    const r = await scaleReplicaSet(s, rs, 0);
    scaledDown ||= r.scaled;
  }
  const all = () => (newRS ? [...oldRSs, newRS] : oldRSs);
  if (scaledDown) return syncRolloutStatus(s, all(), newRS);
  // Wait until no pod of an old ReplicaSet is still running (or terminating).
  const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
  const oldPodsRunning = s.deps.pods
    .byNamespace(s.d.metadata.namespace ?? '')
    .some((p) => oldUids.has(controllerRef(p)?.uid) && (isPodActive(p) || p.metadata.deletionTimestamp !== undefined));
  if (oldPodsRunning || sum(oldRSs, (rs) => num(statusOf(rs)['replicas'])) > 0) return syncRolloutStatus(s, all(), newRS);
  if (!newRS) ({ newRS, oldRSs } = await newAndOld(s, rsList, true));
  if (newRS && rsReplicas(newRS) !== replicasOf(s.d)) newRS = (await scaleReplicaSet(s, newRS, replicasOf(s.d))).rs;
  if (deploymentComplete(s.d, statusOf(s.d))) await cleanupOldReplicaSets(s, oldRSs);
  return syncRolloutStatus(s, all(), newRS);
}

/** A replicas change while a rollout is in flight (or while paused): scale without rolling. */
export function isScalingEvent(d: KubeObject, rsList: KubeObject[]): boolean {
  const want = String(replicasOf(d));
  return active(rsList).some((rs) => {
    const desired = rs.metadata.annotations?.[desiredReplicasAnnotation];
    return desired !== undefined && desired !== want;
  });
}

export async function scaleDeployment(s: SyncState, newRS: KubeObject | undefined, oldRSs: KubeObject[]): Promise<void> {
  const d = s.d;
  const want = replicasOf(d);
  const all = newRS ? [newRS, ...oldRSs] : oldRSs;
  const activeRSs = active(all);
  // One active (or none): that one, or the newest, gets all replicas.
  if (activeRSs.length <= 1) {
    const target = activeRSs[0] ?? newRS ?? [...oldRSs].sort(oldestFirst).at(-1);
    if (target && rsReplicas(target) !== want) await scaleReplicaSet(s, target, want);
    return;
  }
  // The new ReplicaSet is saturated: old ones go to zero.
  if (newRS && rsReplicas(newRS) === want && newRS.metadata.annotations?.[desiredReplicasAnnotation] === String(want) && available(newRS) === want) {
    for (const rs of active(oldRSs)) await scaleReplicaSet(s, rs, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  // Proportional scaling: share the change by each ReplicaSet's part of the previous size.
  const allowed = want > 0 ? want + maxSurge(d) : 0;
  const toAdd = allowed - sum(activeRSs, rsReplicas);
  const sorted = [...activeRSs].sort((a, b) => (toAdd > 0 ? rsReplicas(b) - rsReplicas(a) || oldestFirst(b, a) : rsReplicas(b) - rsReplicas(a) || oldestFirst(a, b)));
  let added = 0;
  const sizes = new Map<KubeObject, number>();
  if (toAdd !== 0) {
    for (const rs of sorted) {
      const annotated = Number(rs.metadata.annotations?.[maxReplicasAnnotation] ?? num(statusOf(d)['replicas']));
      let fraction = want === 0 || !annotated ? -rsReplicas(rs) : Math.round((rsReplicas(rs) * allowed) / annotated) - rsReplicas(rs);
      const left = toAdd - added;
      fraction = toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
      sizes.set(rs, rsReplicas(rs) + fraction);
      added += fraction;
    }
  }
  const first = sorted[0];
  if (first && added !== toAdd) sizes.set(first, Math.max(0, (sizes.get(first) ?? rsReplicas(first)) + toAdd - added));
  for (const rs of sorted) await scaleReplicaSet(s, rs, Math.max(0, sizes.get(rs) ?? rsReplicas(rs)));
}

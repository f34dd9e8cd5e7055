// Deployment controller: owns ReplicaSets named "<deployment>-<pod-template-hash>" and moves replicas
// from old to new ones by the Deployment's strategy; paused Deployments only scale.
import { isRecord, type KubeObject } from '../../api/object.js';
import { byOwnerUid, objectKey, ownerUidIndex, splitKey } from '../../client/informer.js';
import { WorkQueue } from '../../client/workqueue.js';
import { claimObjects, controllerRef } from '../owner-refs.js';
import { rec, specOf } from '../../api/pod-util.js';
import { pathFor, R } from '../../client/control/resources.js';
import { runController } from '../../client/control/run.js';
import { selectorMatches } from '../../api/selectors/spec-match.js';
import type { ControllerContext, ReconcileResult } from '../../client/control/types.js';
import { cleanupOldReplicaSets, newAndOld, type DeploymentDeps, type SyncState } from './replica-sets.js';
import { isScalingEvent, rolloutRecreate, rolloutRolling, scaleDeployment } from './rollout.js';
import { pausedConditions, syncStatusOnly } from './status.js';

export type { DeploymentDeps } from './replica-sets.js';

export async function reconcileDeployment(key: string, deps: DeploymentDeps): Promise<ReconcileResult> {
  const cached = deps.deployments.get(key);
  if (!cached) return;
  const { namespace } = splitKey(key);
  const s: SyncState = { d: structuredClone(cached), deps, now: deps.clock.now(), annotationsChanged: false };
  if (!isRecord(s.d['status'])) s.d['status'] = {}; // conditions set along the way land on this object
  const spec = specOf(s.d);
  const selector = rec(spec['selector']);
  if (Object.keys(rec(selector['matchLabels'])).length + (Array.isArray(selector['matchExpressions']) ? selector['matchExpressions'].length : 0) === 0) {
    deps.recorder.event(cached, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
    return;
  }
  const rsList = await claimObjects(deps.replicaSets.byNamespace(namespace), {
    client: deps.client,
    owner: cached,
    ownerApiVersion: 'apps/v1',
    ownerKind: 'Deployment',
    selector: spec['selector'],
    pathOf: (rs) => pathFor(R.replicasets, namespace, rs.metadata.name),
  });
  if (s.d.metadata.deletionTimestamp) {
    const { newRS, oldRSs } = await newAndOld(s, rsList, false);
    return syncStatusOnly(s, newRS ? [...oldRSs, newRS] : oldRSs, newRS);
  }
  pausedConditions(s);
  if (spec['paused'] === true || isScalingEvent(s.d, rsList)) {
    const { newRS, oldRSs } = await newAndOld(s, rsList, false);
    await scaleDeployment(s, newRS, oldRSs);
    if (spec['paused'] === true) await cleanupOldReplicaSets(s, oldRSs);
    // Read the scaled sizes back from the cache next time; status now from what we have.
    return syncStatusOnly(s, newRS ? [...oldRSs, newRS] : oldRSs, newRS);
  }
  return rec(spec['strategy'])['type'] === 'Recreate' ? rolloutRecreate(s, rsList) : rolloutRolling(s, rsList);
}

export function startDeploymentController(ctx: ControllerContext): Promise<void> {
  const dInformer = ctx.factory.informerFor({ path: pathFor(R.deployments) });
  const rsInformer = ctx.factory.informerFor({ path: pathFor(R.replicasets), indexers: { [ownerUidIndex]: byOwnerUid } });
  const podInformer = ctx.factory.informerFor({ path: pathFor(R.pods), indexers: { [ownerUidIndex]: byOwnerUid } });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  const enqueueOwner = (rs: KubeObject) => {
    const ref = controllerRef(rs);
    if (ref) {
      if (ref.kind === 'Deployment') queue.add(`${rs.metadata.namespace ?? ''}/${ref.name}`);
      return;
    }
    // An orphan: any Deployment whose selector matches may adopt it.
    for (const d of dInformer.store.byNamespace(rs.metadata.namespace ?? '')) {
      if (selectorMatches(specOf(d)['selector'], rs.metadata.labels)) queue.add(objectKey(d));
    }
  };
  dInformer.addEventHandler({ add: (d) => queue.add(objectKey(d)), update: (_o, d) => queue.add(objectKey(d)), delete: (d) => queue.add(objectKey(d)) });
  rsInformer.addEventHandler({ add: enqueueOwner, update: (o, n) => (enqueueOwner(o), enqueueOwner(n)), delete: enqueueOwner });
  // Recreate waits for old pods to go: their deletion wakes the Deployment.
  podInformer.addEventHandler({
    delete(pod) {
      const ref = controllerRef(pod);
      if (ref?.kind !== 'ReplicaSet') return;
      const rs = rsInformer.store.get(`${pod.metadata.namespace ?? ''}/${ref.name}`);
      if (rs) enqueueOwner(rs);
    },
  });
  const deps: DeploymentDeps = { client: ctx.client, deployments: dInformer.store, replicaSets: rsInformer.store, pods: podInformer.store, recorder: ctx.recorder, clock: ctx.clock };
  return runController({ name: 'deployment', informers: [dInformer, rsInformer, podInformer], queue, primary: { informer: dInformer, resource: R.deployments }, recorder: ctx.recorder, reconcile: (key) => reconcileDeployment(key, deps), workers: ctx.workers ?? 5, signal: ctx.signal, log: ctx.log });
}

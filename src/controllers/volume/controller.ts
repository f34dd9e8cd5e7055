// Wiring of the storage controllers: the PV binder, the PVC/PV protection controllers and (when the
// manager is given a directory) the local-path provisioner, over shared informers.
import type { KubeObject } from '../../api/object.js';
import { podClaimNames } from '../../api/volume-util.js';
import { objectKey } from '../../client/informer.js';
import { WorkQueue } from '../../client/workqueue.js';
import { pathFor, R } from '../../client/control/resources.js';
import { runController } from '../../client/control/run.js';
import type { ControllerContext } from '../../client/control/types.js';
import type { ControllerAccount } from '../policy.js';
import { syncClaim, syncVolume, type BinderDeps } from './binder.js';
import { provisionClaim, reclaimVolume, type LocalPathDeps } from './local-path.js';
import { byClaim, podClaimIndex, syncClaimProtection, syncVolumeProtection, type ProtectionDeps } from './protection.js';

export interface VolumeControllerOptions {
  /** DATA_DIR/local-path: runs the a-kube.io/local-path provisioner over it. */
  localPathDir?: string;
}

/** Periodic full resync, as the binder's own resync (volumes may change outside of watches' reach). */
const resyncMs = 15_000;

export function startVolumeControllers(ctx: (component: string, account: ControllerAccount) => ControllerContext, o: VolumeControllerOptions = {}): Promise<void>[] {
  const binderCtx = ctx('persistentvolume-controller', 'persistent-volume-binder');
  const f = binderCtx.factory;
  const claims = f.informerFor({ path: pathFor(R.persistentvolumeclaims) });
  const volumes = f.informerFor({ path: pathFor(R.persistentvolumes) });
  const classes = f.informerFor({ path: pathFor(R.storageclasses) });
  const nodes = f.informerFor({ path: pathFor(R.nodes) });
  const pods = f.informerFor({ path: pathFor(R.pods), indexers: { [podClaimIndex]: byClaim } });

  const claimQueue = new WorkQueue<string>({ clock: binderCtx.clock });
  const volumeQueue = new WorkQueue<string>({ clock: binderCtx.clock });
  const claimOfVolume = (pv: KubeObject) => {
    const ref = (pv['spec'] as Record<string, unknown> | undefined)?.['claimRef'] as Record<string, unknown> | undefined;
    if (ref && typeof ref['namespace'] === 'string' && typeof ref['name'] === 'string') claimQueue.add(`${ref['namespace']}/${ref['name']}`);
  };
  claims.addEventHandler({
    add: (c) => claimQueue.add(objectKey(c)),
    update: (_o, c) => claimQueue.add(objectKey(c)),
    delete: (c) => {
      const name = (c['spec'] as Record<string, unknown> | undefined)?.['volumeName'];
      if (typeof name === 'string' && name) volumeQueue.add(name);
      for (const pv of volumes.store.list()) if ((pv['spec'] as Record<string, unknown> | undefined)?.['claimRef']) volumeQueue.add(objectKey(pv));
    },
  });
  volumes.addEventHandler({
    add: (v) => (volumeQueue.add(objectKey(v)), claimOfVolume(v)),
    update: (_o, v) => (volumeQueue.add(objectKey(v)), claimOfVolume(v)),
    delete: (v) => claimOfVolume(v),
  });
  const requeuePending = () => {
    for (const c of claims.store.list()) if (!c.metadata.annotations?.['pv.kubernetes.io/bind-completed']) claimQueue.add(objectKey(c));
  };
  classes.addEventHandler({ add: requeuePending, update: requeuePending });
  const binder: BinderDeps = {
    client: binderCtx.client,
    claims: claims.store,
    volumes: volumes.store,
    classes: classes.store,
    nodes: nodes.store,
    recorder: binderCtx.recorder,
    enqueueClaim: (k) => claimQueue.add(k),
  };
  const resync = () => {
    for (const c of claims.store.list()) claimQueue.add(objectKey(c));
    for (const v of volumes.store.list()) volumeQueue.add(objectKey(v));
  };
  const timer = setInterval(resync, resyncMs);
  timer.unref();
  binderCtx.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  const informers = [claims, volumes, classes, nodes, pods];
  const running: Promise<void>[] = [
    runController({ name: 'persistentvolume-binder (claims)', informers, queue: claimQueue, primary: { informer: claims, resource: R.persistentvolumeclaims }, recorder: binderCtx.recorder, reconcile: (k) => syncClaim(binder, k), workers: 2, signal: binderCtx.signal, log: binderCtx.log }),
    runController({ name: 'persistentvolume-binder (volumes)', informers, queue: volumeQueue, primary: { informer: volumes, resource: R.persistentvolumes }, recorder: binderCtx.recorder, reconcile: (k) => syncVolume(binder, k), workers: 2, signal: binderCtx.signal, log: binderCtx.log }),
  ];

  // Protection: claims in use by pods, volumes while bound.
  const protCtx = ctx('persistentvolumeclaim-protection-controller', 'pvc-protection-controller');
  const pvProtCtx = ctx('persistentvolume-protection-controller', 'pv-protection-controller');
  const protection: ProtectionDeps = { client: protCtx.client, claims: claims.store, volumes: volumes.store, pods: pods.store };
  const pvProtection: ProtectionDeps = { ...protection, client: pvProtCtx.client };
  const pvcProtQueue = new WorkQueue<string>({ clock: protCtx.clock });
  const pvProtQueue = new WorkQueue<string>({ clock: protCtx.clock });
  claims.addEventHandler({ add: (c) => pvcProtQueue.add(objectKey(c)), update: (_o, c) => pvcProtQueue.add(objectKey(c)) });
  volumes.addEventHandler({ add: (v) => pvProtQueue.add(objectKey(v)), update: (_o, v) => pvProtQueue.add(objectKey(v)) });
  const podClaims = (p: KubeObject) => {
    for (const c of podClaimNames(p)) pvcProtQueue.add(`${p.metadata.namespace ?? ''}/${c}`);
  };
  pods.addEventHandler({ add: podClaims, update: (_o, p) => podClaims(p), delete: podClaims });
  running.push(
    runController({ name: 'pvc-protection', informers, queue: pvcProtQueue, primary: { informer: claims, resource: R.persistentvolumeclaims }, recorder: protCtx.recorder, reconcile: (k) => syncClaimProtection(protection, k), workers: 1, signal: protCtx.signal, log: protCtx.log }),
    runController({ name: 'pv-protection', informers, queue: pvProtQueue, primary: { informer: volumes, resource: R.persistentvolumes }, recorder: pvProtCtx.recorder, reconcile: (k) => syncVolumeProtection(pvProtection, k), workers: 1, signal: pvProtCtx.signal, log: pvProtCtx.log }),
  );

  if (o.localPathDir) {
    // The provisioner creates and deletes volumes with the binder's permissions (as an in-tree plugin would).
    const lpCtx = ctx('a-kube.io/local-path', 'persistent-volume-binder');
    const lp: LocalPathDeps = { client: lpCtx.client, claims: claims.store, volumes: volumes.store, classes: classes.store, nodes: nodes.store, recorder: lpCtx.recorder, baseDir: o.localPathDir };
    const provisionQueue = new WorkQueue<string>({ clock: lpCtx.clock });
    const reclaimQueue = new WorkQueue<string>({ clock: lpCtx.clock });
    claims.addEventHandler({ add: (c) => provisionQueue.add(objectKey(c)), update: (_o, c) => provisionQueue.add(objectKey(c)) });
    volumes.addEventHandler({ add: (v) => reclaimQueue.add(objectKey(v)), update: (_o, v) => reclaimQueue.add(objectKey(v)) });
    running.push(
      runController({ name: 'local-path provisioner', informers, queue: provisionQueue, primary: { informer: claims, resource: R.persistentvolumeclaims }, recorder: lpCtx.recorder, reconcile: (k) => provisionClaim(lp, k), workers: 2, signal: lpCtx.signal, log: lpCtx.log }),
      runController({ name: 'local-path deleter', informers, queue: reclaimQueue, primary: { informer: volumes, resource: R.persistentvolumes }, recorder: lpCtx.recorder, reconcile: (k) => reclaimVolume(lp, k), workers: 1, signal: lpCtx.signal, log: lpCtx.log }),
    );
  }
  return running;
}

// The node agent: registers its Node, keeps its CSINode, renews its Lease in kube-node-lease, watches the pods
// bound to it (fieldSelector spec.nodeName=<node>) and syncs each through the container runtime.
import { setMaxListeners } from 'node:events';
import type { KubeObject } from '../api/object.js';
import { isAlreadyExists, isConflict, isNotFound } from '../client/api-error.js';
import { Informer, objectKey, restListerWatcher, sleep } from '../client/informer.js';
import { microTime } from '../client/leader-election.js';
import type { RestClient } from '../client/rest.js';
import { realClock, WorkQueue, type Clock } from '../client/workqueue.js';
import { createEventRecorder } from '../client/control/events.js';
import { pathFor, R } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import { adoptPods } from './adopt.js';
import { ensureCSINode } from './csi-node.js';
import { nodeObject, nodeStatus, type NodeReadiness, type NodeSpecOptions } from './node-status.js';
import { shutDownNode } from './node-shutdown.js';
import { defaultShutdownGracePeriods, type ShutdownGracePeriods } from './shutdown-periods.js';
import { removePodFiles, stopPodContainers, syncPod, type PodRecord, type PodSyncDeps, type RealNodeContext } from './pod-sync.js';
import type { RuntimeService } from './runtime/types.js';

export const nodeLeaseDurationSeconds = 40;
const leaseRenewMs = 10_000;
const statusReportMs = 5 * 60_000;

export interface NodeAgentOptions extends Omit<NodeSpecOptions, 'kubeletVersion' | 'runtimeVersion'> {
  client: RestClient;
  runtime: RuntimeService;
  signal: AbortSignal;
  clock?: Clock;
  log?: (line: string) => void;
  /**
   * Pods synced at once. A real node defaults to its pod capacity: like the kubelet's per-pod workers, pods start side
   * by side, since one sync holds its worker through the sandbox, the pull and the container start (seconds each).
   * Simulated nodes, many to a process, default to 4.
   */
  workers?: number;
  /** Per-pod events (Pulled/Created/Started); on by default. */
  podEvents?: boolean;
  /** A pod informer shared by several agents (run by whoever made it); without it the agent watches its own pods. */
  sharedPods?: Informer;
  /** A node with a real runtime: volumes, logs and DNS for its pods. */
  real?: RealNodeContext;
  /** On shutdown, stop the pods' containers (default) or leave them running for the next start to adopt. */
  keepPods?: boolean;
  /** How long pods get to stop on shutdown, critical ones last (default 30 s, 10 s of it for critical pods). */
  shutdownGracePeriods?: ShutdownGracePeriods;
  /** Why the runtime cannot work at all (missing binaries, not root): the node registers NotReady with it. */
  runtimeProblem?: string;
}

export interface RunningNodeAgent {
  /** Resolves once the Node is registered and the pod informer has synced. */
  ready: Promise<void>;
  /** Resolves when the agent has stopped (signal aborted). */
  done: Promise<void>;
}

async function readinessOf(o: NodeAgentOptions): Promise<NodeReadiness> {
  if (o.runtimeProblem) return { ready: false, message: `container runtime is down: ${o.runtimeProblem}` };
  try {
    const h = await o.runtime.status();
    if (h.runtimeReady && h.networkReady) return { ready: true };
    return { ready: false, message: h.message ?? 'container runtime is not ready' };
  } catch (e) {
    return { ready: false, message: `container runtime is down: ${e instanceof Error ? e.message : String(e)}` };
  }
}

async function registerNode(o: NodeAgentOptions, spec: NodeSpecOptions, clock: Clock, readiness: NodeReadiness): Promise<KubeObject> {
  const desired = nodeObject(spec);
  let node: KubeObject;
  try {
    node = await o.client.create<KubeObject>(pathFor(R.nodes), desired);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    node = await o.client.get<KubeObject>(pathFor(R.nodes, undefined, spec.name));
  }
  const now = clock.now();
  return o.client.update<KubeObject>(pathFor(R.nodes, undefined, spec.name, 'status'), { ...node, status: nodeStatus(spec, now, now, readiness) });
}

/** Renews the node's Lease, reusing the last written version (one PUT per renewal; a GET only after a conflict). */
async function renewLease(o: NodeAgentOptions, node: KubeObject, clock: Clock, last: KubeObject | undefined): Promise<KubeObject> {
  const path = pathFor(R.leases, 'kube-node-lease', o.name);
  const spec = { holderIdentity: o.name, leaseDurationSeconds: nodeLeaseDurationSeconds, renewTime: microTime(clock.now()) };
  try {
    const lease = last ?? (await o.client.get<KubeObject>(path));
    return await o.client.update<KubeObject>(path, { ...lease, spec: { ...(lease['spec'] as object), ...spec } });
  } catch (e) {
    if (isConflict(e) && last) return renewLease(o, node, clock, undefined);
    if (!isNotFound(e)) throw e;
    try {
      return await o.client.create<KubeObject>(pathFor(R.leases, 'kube-node-lease'), {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: o.name, namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: o.name, uid: node.metadata.uid ?? '' }] },
        spec,
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      return renewLease(o, node, clock, undefined);
    }
  }
}

export function startNodeAgent(o: NodeAgentOptions): RunningNodeAgent {
  setMaxListeners(0, o.signal); // shared by every agent of a multi-node process
  const clock = o.clock ?? realClock;
  const log = o.log ?? (() => {});
  let markReady: () => void = () => {};
  let markFailed: (e: unknown) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });

  const done = (async () => {
    const [version, runtimeVersion] = await Promise.all([
      o.client.get<{ gitVersion?: string }>('/version', { signal: o.signal }).catch(() => ({ gitVersion: 'v1.33.0' })),
      o.runtime.version().catch(() => ({ runtimeName: 'containerd', runtimeVersion: 'unknown' })),
    ]);
    let readiness = await readinessOf(o);
    const spec: NodeSpecOptions = { ...o, kubeletVersion: version.gitVersion ?? 'v1.33.0', runtimeVersion: `${runtimeVersion.runtimeName}://${runtimeVersion.runtimeVersion}` };
    let node: KubeObject | undefined;
    for (let attempt = 0; !node && !o.signal.aborted; attempt++) {
      try {
        node = await registerNode(o, spec, clock, readiness);
      } catch (e) {
        log(`node ${o.name}: registering: ${e instanceof Error ? e.message : String(e)}`);
        await sleep(clock, Math.min(7000, 500 * 2 ** attempt), o.signal);
      }
    }
    if (!node) return;
    const registered = node;
    const keepCSINode = (n: KubeObject) =>
      ensureCSINode(o.client, n).catch((e: unknown) => {
        if (!o.signal.aborted) log(`node ${o.name}: CSINode: ${e instanceof Error ? e.message : String(e)}`);
      });
    await keepCSINode(registered);
    const heartbeat = (async () => {
      let lastStatus = clock.now();
      let readySince = clock.now();
      let lease: KubeObject | undefined;
      while (!o.signal.aborted) {
        try {
          lease = await renewLease(o, registered, clock, lease).catch((e: unknown) => {
            lease = undefined;
            throw e;
          });
          const now = await readinessOf(o);
          const changed = now.ready !== readiness.ready || now.message !== readiness.message;
          if (now.ready !== readiness.ready) readySince = clock.now();
          readiness = now;
          if (changed || clock.now() - lastStatus >= statusReportMs) {
            if (changed) log(`node ${o.name}: ${now.ready ? 'Ready' : `NotReady: ${now.message ?? ''}`}`);
            const cur = await o.client.get<KubeObject>(pathFor(R.nodes, undefined, o.name));
            await o.client.update(pathFor(R.nodes, undefined, o.name, 'status'), { ...cur, status: nodeStatus(spec, clock.now(), readySince, readiness) });
            lastStatus = clock.now();
            // With each full report, the CSINode is checked again (it is recreated if something removed it).
            await keepCSINode(cur);
          }
        } catch (e) {
          if (!o.signal.aborted) log(`node ${o.name}: heartbeat: ${e instanceof Error ? e.message : String(e)}`);
        }
        await sleep(clock, leaseRenewMs, o.signal);
      }
    })();

    // A real node watches its own pods; many simulated nodes in one process share one pod informer.
    const pods = o.sharedPods ?? new Informer({ listerWatcher: restListerWatcher(o.client, { path: pathFor(R.pods), fieldSelector: `spec.nodeName=${o.name}` }), clock, name: `pods on ${o.name}`, log });
    const queue = new WorkQueue<string>({ clock, baseDelayMs: 200 });
    const records = new Map<string, PodRecord>();
    const enqueue = (p: KubeObject) => {
      if ((p['spec'] as { nodeName?: string } | undefined)?.nodeName === o.name) queue.add(objectKey(p));
    };
    pods.addEventHandler({ add: enqueue, update: (_old, p) => enqueue(p), delete: enqueue });
    // A mounted configMap or secret changed: sync the pods that mount it.
    o.real?.volumes.onContentChange((key) => queue.add(key));
    const unsubscribe = o.runtime.subscribe((e) => {
      for (const [key, rec] of records) if (rec.sandboxId === e.sandboxId) queue.add(key);
    });
    const recorder = o.podEvents === false ? { event() {} } : createEventRecorder({ client: o.client, component: 'kubelet', host: o.name, clock, log });
    const informerDone = o.sharedPods ? Promise.resolve() : pods.run(o.signal);
    const synced = await pods.waitForSync(o.signal);
    if (synced && !o.runtime.simulated && !o.runtimeProblem) {
      // Take over the pods the runtime still runs from an earlier start; remove what no longer belongs.
      try {
        const r = await adoptPods({ runtime: o.runtime, pods: pods.store, records, nodeName: o.name, ...(o.real ? { real: o.real } : {}), log });
        if (r.adopted.length) log(`node ${o.name}: adopted ${r.adopted.length} running pod${r.adopted.length === 1 ? '' : 's'}: ${r.adopted.join(', ')}`);
        if (r.removed.length) log(`node ${o.name}: removed ${r.removed.length} sandbox${r.removed.length === 1 ? '' : 'es'} of pods that are gone or stopped`);
      } catch (e) {
        log(`node ${o.name}: adopting running pods: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (synced) markReady();
    const runtimeName = (await o.runtime.version().catch(() => ({ runtimeName: o.runtime.simulated ? 'fake' : 'containerd' }))).runtimeName;
    const syncDeps: PodSyncDeps = { client: o.client, pods: pods.store, runtime: o.runtime, records, nodeName: o.name, hostIP: o.hostIP, recorder, clock, runtimeName, ...(o.real ? { real: o.real } : {}) };
    await runController({
      name: `kubelet ${o.name}`,
      informers: [pods],
      queue,
      reconcile: async (key) => {
        // Nothing starts on a node whose runtime is not ready; look again shortly.
        if (!readiness.ready && !o.runtime.simulated) return { requeueAfterMs: 5000 };
        return syncPod(key, syncDeps);
      },
      workers: o.workers ?? (o.runtime.simulated ? 4 : Math.max(1, o.maxPods)),
      signal: o.signal,
      log,
    });
    unsubscribe();
    if (!o.runtime.simulated && !o.keepPods && !o.runtimeProblem) {
      await shutDownNode(
        {
          nodeName: o.name,
          runtime: o.runtime,
          records,
          pods: pods.store,
          stopContainers: (rec, grace, pod) => stopPodContainers(syncDeps, rec, grace, pod),
          removeFiles: (pod) => removePodFiles(o.real, pod),
          clock,
          log,
        },
        o.shutdownGracePeriods ?? defaultShutdownGracePeriods,
      );
    }
    await Promise.all([heartbeat, informerDone]);
  })();
  done.catch(markFailed);
  return { ready, done };
}

// The scheduler: binds each pending pod (schedulerName default-scheduler, no nodeName) to the best node
// that passes every filter, through POST pods/<name>/binding; when none fits it says why, per node, in
// a FailedScheduling event and the pod's PodScheduled condition.
import type { KubeObject } from '../api/object.js';
import { isConflict, isNotFound } from '../client/api-error.js';
import { byOwnerUid, objectKey, ownerUidIndex, splitKey, type Indexer } from '../client/informer.js';
import { WorkQueue, type Clock } from '../client/workqueue.js';
import { timestamp } from '../client/control/events.js';
import { rec, specOf, statusOf, str } from '../api/pod-util.js';
import { pathFor, R } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import type { ControllerClient, ControllerContext, EventRecorder, ReconcileResult } from '../client/control/types.js';
import { parseQuantity } from '../api/validation/quantity.js';
import { filters, type Failure } from './filters.js';
import { findPreemption, type PreemptionPlan } from './preemption.js';
import { NodeCache, podRequests } from './node-cache.js';
import { podClaims, volumeFailures, type PodClaims, type VolumeListers } from './volumes.js';
import { annotations } from '../api/volume-util.js';

export const schedulerName = 'default-scheduler';

export interface SchedulerDeps {
  client: ControllerClient;
  pods: Indexer;
  nodes: Indexer;
  cache: NodeCache;
  recorder: EventRecorder;
  clock: Clock;
  /** Keys of pods that did not fit, retried when nodes change or pods go away. */
  unschedulable: Set<string>;
  /** Claims, volumes and classes, for pods with persistentVolumeClaim volumes. */
  volumes?: VolumeListers;
}

export function needsScheduling(pod: KubeObject): boolean {
  const spec = specOf(pod);
  const phase = str(statusOf(pod)['phase'], 'Pending');
  return !pod.metadata.deletionTimestamp && !spec['nodeName'] && str(spec['schedulerName'], schedulerName) === schedulerName && phase !== 'Succeeded' && phase !== 'Failed';
}

/**
 * FitError.Error(): "0/3 nodes are available: 1 node(s) had untolerated taint {…}, 2 Insufficient cpu. preemption: …";
 * without the preemption part when preemption found victims.
 */
export function failureMessage(nodeCount: number, perNode: Failure[][], preempting = false): string {
  if (nodeCount === 0) return 'no nodes available to schedule pods';
  const histogram = (entries: string[]) => {
    const counts = new Map<string, number>();
    for (const e of entries) counts.set(e, (counts.get(e) ?? 0) + 1);
    return [...counts].map(([reason, n]) => `${n} ${reason}`).sort();
  };
  const reasons = histogram(perNode.flatMap((f) => [...new Set(f.map((x) => x.reason))]));
  if (preempting) return `0/${nodeCount} nodes are available: ${reasons.join(', ')}.`;
  const preemption = histogram(perNode.map((f) => (f.some((x) => x.unresolvable) ? 'Preemption is not helpful for scheduling' : 'No preemption victims found for incoming pod')));
  return `0/${nodeCount} nodes are available: ${reasons.join(', ')}. preemption: 0/${nodeCount} nodes are available: ${preemption.join(', ')}.`;
}

let rotation = 0;

/** Picks the feasible node running fewest pods of the same owner, then fewest pods, then least requested. */
export function pickNode(pod: KubeObject, nodes: KubeObject[], cache: NodeCache, extra?: (node: KubeObject) => Failure[]): { node: string } | { failures: Failure[][] } {
  const req = podRequests(pod);
  const owner = (pod.metadata.ownerReferences ?? []).find((r) => r.controller)?.uid;
  const failures: Failure[][] = [];
  let best: { name: string; score: number[] } | undefined;
  const start = rotation++ % Math.max(1, nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[(start + i) % nodes.length] as KubeObject;
    const f = [...filters.flatMap((filter) => filter({ pod, podRequests: req, node, nodes, cache })), ...(extra?.(node) ?? [])];
    if (f.length) {
      failures.push(f);
      continue;
    }
    const info = cache.info(node.metadata.name ?? '');
    const alloc = rec(statusOf(node)['allocatable']);
    const frac = (used: number, cap: unknown) => {
      const c = parseQuantity(cap) ?? 0;
      return c > 0 ? used / c : 0;
    };
    const score = [owner ? (info.byOwner.get(owner) ?? 0) : 0, info.pods.size, frac(info.requested.cpu + req.cpu, alloc['cpu']) + frac(info.requested.memory + req.memory, alloc['memory'])];
    if (!best || lexLess(score, best.score)) best = { name: node.metadata.name ?? '', score };
  }
  return best ? { node: best.name } : { failures };
}

function lexLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
}

export async function scheduleOne(key: string, d: SchedulerDeps): Promise<ReconcileResult> {
  const pod = d.pods.get(key);
  if (!pod || !needsScheduling(pod) || d.cache.nodeOf(key)) {
    d.unschedulable.delete(key);
    return;
  }
  const { namespace, name } = splitKey(key);
  const nodes = d.nodes.list().sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  let claims: PodClaims | undefined;
  if (d.volumes) {
    const c = podClaims(pod, d.volumes);
    if ('unschedulable' in c) {
      // A pre-filter failure: no node is looked at.
      const message = nodes.length === 0 ? 'no nodes available to schedule pods' : `0/${nodes.length} nodes are available: ${c.unschedulable}. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`;
      d.unschedulable.add(key);
      d.recorder.event(pod, 'Warning', 'FailedScheduling', message);
      await markUnschedulable(d, pod, message);
      return { requeueAfterMs: 60_000 };
    }
    claims = c;
  }
  const volumes = d.volumes;
  const choice = pickNode(pod, nodes, d.cache, claims && volumes && claims.bound.length + claims.delayed.length > 0 ? (n) => volumeFailures(claims, n, volumes) : undefined);
  if ('failures' in choice) {
    const plan = findPreemption(pod, nodes, d.cache);
    const message = failureMessage(nodes.length, choice.failures, plan !== undefined);
    d.unschedulable.add(key);
    d.recorder.event(pod, 'Warning', 'FailedScheduling', message);
    if (plan) await preempt(d, pod, plan);
    await markUnschedulable(d, pod, message, plan?.node);
    return { requeueAfterMs: 60_000 };
  }
  d.unschedulable.delete(key);
  // Claims that wait for their first consumer are told the node; the pod is bound once they all are.
  if (claims && claims.delayed.length > 0) {
    for (const claim of claims.delayed) {
      if (claim.metadata.annotations?.[annotations.selectedNode] === choice.node) continue;
      const next = structuredClone(claim as KubeObject);
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [annotations.selectedNode]: choice.node };
      try {
        await d.client.update(pathFor(R.persistentvolumeclaims, next.metadata.namespace, next.metadata.name), next);
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
    return { requeueAfterMs: 500 };
  }
  // Assume first (synchronously, so concurrent workers see it), then bind.
  d.cache.place(pod, choice.node);
  try {
    await d.client.create(pathFor(R.pods, namespace, name, 'binding'), {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace, ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}) },
      target: { apiVersion: 'v1', kind: 'Node', name: choice.node },
    });
  } catch (e) {
    d.cache.remove(key);
    if (isNotFound(e) || isConflict(e)) return; // gone, or bound by someone else: the informer will tell
    throw e;
  }
  d.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${choice.node}`);
  return undefined;
}

/** Deletes the victims (with their grace period), saying why first, as kube-scheduler does. */
async function preempt(d: SchedulerDeps, pod: KubeObject, plan: PreemptionPlan): Promise<void> {
  for (const victim of plan.victims) {
    const ns = victim.metadata.namespace ?? '';
    const name = victim.metadata.name ?? '';
    const status = structuredClone(statusOf(victim));
    const conditions = (Array.isArray(status['conditions']) ? (status['conditions'] as Record<string, unknown>[]) : []).filter((c) => c['type'] !== 'DisruptionTarget');
    conditions.push({ type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(d.clock.now()), reason: 'PreemptionByScheduler', message: `${schedulerName}: preempting to accommodate a higher priority pod` });
    try {
      await d.client.update(pathFor(R.pods, ns, name, 'status'), { ...victim, status: { ...status, conditions } });
      await d.client.delete(pathFor(R.pods, ns, name));
    } catch (e) {
      if (isNotFound(e)) continue; // already gone: one victim fewer to wait for
      throw e;
    }
    d.recorder.event(victim, 'Normal', 'Preempted', `Preempted by pod ${pod.metadata.uid ?? ''} on node ${plan.node}`);
  }
}

async function markUnschedulable(d: SchedulerDeps, pod: KubeObject, message: string, nominatedNodeName?: string): Promise<void> {
  const status = structuredClone(statusOf(pod));
  const conditions = Array.isArray(status['conditions']) ? (status['conditions'] as Record<string, unknown>[]) : [];
  const cur = conditions.find((c) => c['type'] === 'PodScheduled');
  const nominationChanges = nominatedNodeName !== undefined && status['nominatedNodeName'] !== nominatedNodeName;
  if (nominatedNodeName !== undefined) status['nominatedNodeName'] = nominatedNodeName;
  if (!nominationChanges && cur && cur['status'] === 'False' && cur['reason'] === 'Unschedulable' && cur['message'] === message) return;
  const cond = { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: cur?.['status'] === 'False' ? cur['lastTransitionTime'] : timestamp(d.clock.now()), reason: 'Unschedulable', message };
  status['conditions'] = [...conditions.filter((c) => c['type'] !== 'PodScheduled'), cond];
  try {
    await d.client.update(pathFor(R.pods, pod.metadata.namespace, pod.metadata.name, 'status'), { ...pod, status });
  } catch (e) {
    if (!isNotFound(e) && !isConflict(e)) throw e;
  }
}

export function startScheduler(ctx: ControllerContext): Promise<void> {
  const podInf = ctx.factory.informerFor({ path: pathFor(R.pods), indexers: { [ownerUidIndex]: byOwnerUid } });
  const nodeInf = ctx.factory.informerFor({ path: pathFor(R.nodes) });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  const cache = new NodeCache();
  const unschedulable = new Set<string>();
  const retryUnschedulable = () => {
    for (const k of unschedulable) queue.add(k);
  };
  podInf.addEventHandler({
    add(pod) {
      cache.observe(pod);
      if (needsScheduling(pod)) queue.add(objectKey(pod));
    },
    update(old, pod) {
      cache.observe(pod);
      if (needsScheduling(pod)) queue.add(objectKey(pod));
      if (specOf(old)['nodeName'] && pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) retryUnschedulable();
    },
    delete(pod) {
      const key = objectKey(pod);
      cache.remove(key);
      unschedulable.delete(key);
      retryUnschedulable();
    },
  });
  nodeInf.addEventHandler({ add: retryUnschedulable, update: retryUnschedulable });
  const claimInf = ctx.factory.informerFor({ path: pathFor(R.persistentvolumeclaims) });
  const volumeInf = ctx.factory.informerFor({ path: pathFor(R.persistentvolumes) });
  const classInf = ctx.factory.informerFor({ path: pathFor(R.storageclasses) });
  claimInf.addEventHandler({ add: retryUnschedulable, update: retryUnschedulable });
  volumeInf.addEventHandler({ add: retryUnschedulable });
  const volumes: VolumeListers = { claims: claimInf.store, volumes: volumeInf.store, classes: classInf.store };
  const deps: SchedulerDeps = { client: ctx.client, pods: podInf.store, nodes: nodeInf.store, cache, recorder: ctx.recorder, clock: ctx.clock, unschedulable, volumes };
  return runController({ name: 'scheduler', informers: [podInf, nodeInf, claimInf, volumeInf, classInf], queue, primary: { informer: podInf, resource: R.pods }, recorder: ctx.recorder, reconcile: (k) => scheduleOne(k, deps), workers: ctx.workers ?? 16, signal: ctx.signal, log: ctx.log });
}

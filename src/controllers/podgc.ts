// Pod garbage collection (kube-controller-manager's podgc controller). Every 20 s, from the informers' caches:
// - terminated pods (phase neither Pending, Running nor Unknown) beyond --terminated-pod-gc-threshold are deleted,
//   evicted ones first, then oldest first (a threshold of 0 or less turns this off);
// - terminating pods on a node that is not Ready and carries the node.kubernetes.io/out-of-service taint are
//   force-deleted (their node will not finish them; the taint is the administrator's word that it is down);
// - pods bound to a node that does not exist are force-deleted once the node has been missing for a quarantine of
//   40 s and a read from the API server (not the cache) confirms it is gone, with the DisruptionTarget condition
//   DeletionByPodGC;
// - terminating pods that were never scheduled are force-deleted.
// Before a force delete, a pod not yet terminal is marked Failed (a server-side apply of its status as "PodGC"),
// so that what watches it sees how it ended; the delete has grace period 0.
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';
import { isNotFound } from '../client/api-error.js';
import type { Indexer } from '../client/informer.js';
import { WorkQueue, type Clock } from '../client/workqueue.js';
import { pathFor, R } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import type { ControllerClient, ControllerContext, ReconcileResult } from '../client/control/types.js';

/** kube-controller-manager's default --terminated-pod-gc-threshold. */
export const defaultTerminatedPodThreshold = 12_500;
export const outOfServiceTaintKey = 'node.kubernetes.io/out-of-service';
const gcCheckPeriodMs = 20_000;
/** How long a node must be missing from the cache before it is looked up and its pods collected. */
export const quarantineMs = 40_000;
const fieldManager = 'PodGC';

export interface PodGcDeps {
  client: ControllerClient;
  pods: Indexer;
  nodes: Indexer;
  clock: Clock;
  log: (line: string) => void;
  /** Terminated pods kept; 0 or less keeps them all. */
  terminatedPodThreshold: number;
  /** Names of nodes missing from the cache, and since when (this controller's clock). */
  missingNodes: Map<string, number>;
}

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const phaseOf = (p: KubeObject) => str(rec(p['status'])['phase']);
const nodeNameOf = (p: KubeObject) => str(rec(p['spec'])['nodeName']);
const isTerminated = (p: KubeObject) => !['Pending', 'Running', 'Unknown'].includes(phaseOf(p));
const isTerminating = (p: KubeObject) => p.metadata.deletionTimestamp !== undefined && p.metadata.deletionTimestamp !== null;

function isNodeReady(node: KubeObject): boolean {
  const conditions = rec(node['status'])['conditions'];
  return Array.isArray(conditions) && conditions.some((c) => isRecord(c) && c['type'] === 'Ready' && c['status'] === 'True');
}

function hasTaint(node: KubeObject, key: string): boolean {
  const taints = rec(node['spec'])['taints'];
  return Array.isArray(taints) && taints.some((t) => isRecord(t) && t['key'] === key);
}

/** Evicted pods first (their status.reason), then by creation time, then by name (upstream's byEvictionAndCreationTimestamp). */
export function byEvictionAndCreation(a: KubeObject, b: KubeObject): number {
  const evicted = (p: KubeObject) => str(rec(p['status'])['reason']) === 'Evicted';
  if (evicted(a) !== evicted(b)) return evicted(a) ? -1 : 1;
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  const na = `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`;
  const nb = `${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`;
  return na < nb ? -1 : na > nb ? 1 : 0;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** Marks the pod Failed when it is not terminal yet (with `condition`, if any), then deletes it with grace period 0. */
async function markFailedAndDelete(d: PodGcDeps, pod: KubeObject, condition?: { reason: string; message: string }): Promise<void> {
  const namespace = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  d.log(`podgc: force deleting pod ${namespace}/${name}`);
  try {
    if (phaseOf(pod) !== 'Succeeded' && phaseOf(pod) !== 'Failed') {
      const status: Record<string, unknown> = { phase: 'Failed' };
      if (condition) status['conditions'] = [{ type: 'DisruptionTarget', status: 'True', reason: condition.reason, message: condition.message, lastTransitionTime: iso(d.clock.now()) }];
      await d.client.patch(pathFor(R.pods, namespace, name, 'status'), { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, status }, 'apply', { query: { fieldManager, force: 'true' } });
    }
    await d.client.delete(pathFor(R.pods, namespace, name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, ...(pod.metadata.uid ? { preconditions: { uid: pod.metadata.uid } } : {}) } });
  } catch (e) {
    // Gone already (another deleter, or the node finished it): nothing left to do.
    if (!isNotFound(e)) throw e;
  }
}

/** Runs every deletion, then throws the first failure (the pass is retried with back-off). */
async function deleteAll(d: PodGcDeps, pods: KubeObject[], condition?: { reason: string; message: string }): Promise<unknown[]> {
  const failures: unknown[] = [];
  for (const pod of pods) {
    try {
      await markFailedAndDelete(d, pod, condition);
    } catch (e) {
      failures.push(e);
    }
  }
  return failures;
}

async function gcTerminated(d: PodGcDeps, pods: KubeObject[]): Promise<unknown[]> {
  if (d.terminatedPodThreshold <= 0) return [];
  const terminated = pods.filter(isTerminated);
  const count = terminated.length - d.terminatedPodThreshold;
  if (count <= 0) return [];
  d.log(`podgc: garbage collecting ${count} terminated pods`);
  return deleteAll(d, terminated.sort(byEvictionAndCreation).slice(0, count));
}

async function gcTerminatingOutOfService(d: PodGcDeps, pods: KubeObject[]): Promise<unknown[]> {
  const doomed = pods.filter((p) => {
    if (!isTerminating(p)) return false;
    const node = d.nodes.get(nodeNameOf(p));
    return node !== undefined && !isNodeReady(node) && hasTaint(node, outOfServiceTaintKey);
  });
  return deleteAll(d, doomed.sort(byEvictionAndCreation));
}

/** Nodes missing from the cache for the whole quarantine that the API server confirms are gone. */
async function deletedNodes(d: PodGcDeps, pods: KubeObject[]): Promise<Set<string>> {
  const now = d.clock.now();
  const missing = new Set<string>();
  for (const p of pods) {
    const node = nodeNameOf(p);
    if (node !== '' && !d.nodes.get(node)) missing.add(node);
  }
  for (const name of d.missingNodes.keys()) if (!missing.has(name)) d.missingNodes.delete(name);
  const gone = new Set<string>();
  for (const name of missing) {
    const since = d.missingNodes.get(name);
    if (since === undefined) {
      d.missingNodes.set(name, now);
      continue;
    }
    if (now - since < quarantineMs) continue;
    try {
      await d.client.get(pathFor(R.nodes, undefined, name));
      // The cache was behind: the node is there.
      d.missingNodes.delete(name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      gone.add(name);
    }
  }
  return gone;
}

async function gcOrphaned(d: PodGcDeps, pods: KubeObject[]): Promise<unknown[]> {
  const gone = await deletedNodes(d, pods);
  if (gone.size === 0) return [];
  return deleteAll(d, pods.filter((p) => gone.has(nodeNameOf(p))), { reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' });
}

async function gcUnscheduledTerminating(d: PodGcDeps, pods: KubeObject[]): Promise<unknown[]> {
  return deleteAll(d, pods.filter((p) => isTerminating(p) && nodeNameOf(p) === ''));
}

/** One collection pass over the cached pods and nodes; failures are reported after every step has run. */
export async function collectPods(d: PodGcDeps): Promise<ReconcileResult> {
  const pods = () => d.pods.list();
  const failures = [...(await gcTerminated(d, pods())), ...(await gcTerminatingOutOfService(d, pods())), ...(await gcOrphaned(d, pods())), ...(await gcUnscheduledTerminating(d, pods()))];
  if (failures.length > 0) throw failures[0];
  return { requeueAfterMs: gcCheckPeriodMs };
}

const passKey = 'podgc';

export function startPodGcController(ctx: ControllerContext, opts: { terminatedPodThreshold?: number } = {}): Promise<void> {
  const pods = ctx.factory.informerFor({ path: pathFor(R.pods) });
  const nodes = ctx.factory.informerFor({ path: pathFor(R.nodes) });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  const deps: PodGcDeps = {
    client: ctx.client,
    pods: pods.store,
    nodes: nodes.store,
    clock: ctx.clock,
    log: ctx.log,
    terminatedPodThreshold: opts.terminatedPodThreshold ?? defaultTerminatedPodThreshold,
    missingNodes: new Map(),
  };
  // One key: each pass schedules the next one a period later (failures come back sooner, with back-off).
  queue.add(passKey);
  return runController({ name: 'pod-garbage-collector', informers: [pods, nodes], queue, reconcile: () => collectPods(deps), workers: 1, signal: ctx.signal, log: ctx.log, clock: ctx.clock });
}

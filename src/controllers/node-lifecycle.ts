// Node lifecycle (kube-controller-manager's node lifecycle controller with its taint-based eviction):
// - a node whose agent stops renewing its Lease (kube-node-lease) for the grace period gets its conditions set to
//   Unknown ("Kubelet stopped posting node status."), and its pods' Ready condition turns False;
// - a node that is not Ready carries node.kubernetes.io/unreachable (Ready Unknown) or node.kubernetes.io/not-ready
//   (Ready False) as NoSchedule and NoExecute taints, removed again when it is Ready;
// - a pod on a node with NoExecute taints is deleted at once when it does not tolerate them all, else once the
//   shortest matching tolerationSeconds has passed since the taint was added (DefaultTolerationSeconds gives 300 s).
// Heartbeats are timed by this controller's own clock from the moment it sees a renewal change, so a restart of the
// control plane gives every node a full grace period and clock skew between machines does not matter.
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';
import { isConflict, isNotFound } from '../client/api-error.js';
import { objectKey, type Indexer } from '../client/informer.js';
import { WorkQueue, type Clock } from '../client/workqueue.js';
import { pathFor, R } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import type { ControllerClient, ControllerContext, EventRecorder, ReconcileResult } from '../client/control/types.js';

export const unreachableTaintKey = 'node.kubernetes.io/unreachable';
export const notReadyTaintKey = 'node.kubernetes.io/not-ready';
/** kube-controller-manager's --node-monitor-grace-period. */
export const defaultNodeMonitorGracePeriodMs = 40_000;
const monitorPeriodMs = 5_000;
const stoppedPosting = 'Kubelet stopped posting node status.';
const unknownConditions = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

type Taint = { key: string; effect: string; value?: string; timeAdded?: string };
type Toleration = Record<string, unknown>;

export interface NodeLifecycleDeps {
  client: ControllerClient;
  nodes: Indexer;
  leases: Indexer;
  pods: Indexer;
  clock: Clock;
  recorder?: EventRecorder;
  gracePeriodMs: number;
  /** Per node: the last renewal seen and when this controller saw it change. */
  heartbeats: Map<string, { renewTime: string; seenAt: number }>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);

function conditionsOf(node: KubeObject): Record<string, unknown>[] {
  return list(rec(node['status'])['conditions']);
}

function readyStatus(node: KubeObject): string {
  return str(conditionsOf(node).find((c) => c['type'] === 'Ready')?.['status']) || 'Unknown';
}

function taintsOf(node: KubeObject): Taint[] {
  return list(rec(node['spec'])['taints']).map((t) => ({ ...t, key: str(t['key']), effect: str(t['effect']) }) as Taint);
}

const isLifecycleTaint = (t: Taint) => (t.key === unreachableTaintKey || t.key === notReadyTaintKey) && (t.effect === 'NoSchedule' || t.effect === 'NoExecute');

/** Whether the agent has renewed its Lease (or posted status) within the grace period, by this controller's clock. */
function heartbeatFresh(name: string, node: KubeObject, d: NodeLifecycleDeps): boolean {
  const lease = d.leases.get(`kube-node-lease/${name}`);
  const ready = conditionsOf(node).find((c) => c['type'] === 'Ready');
  const renewTime = `${str(rec(lease?.['spec'])['renewTime'])}|${str(ready?.['lastHeartbeatTime'])}`;
  const now = d.clock.now();
  const seen = d.heartbeats.get(name);
  if (!seen || seen.renewTime !== renewTime) {
    d.heartbeats.set(name, { renewTime, seenAt: now });
    return true;
  }
  return now - seen.seenAt <= d.gracePeriodMs;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Sets the node's conditions to Unknown; returns the node as stored. */
async function markUnknown(node: KubeObject, d: NodeLifecycleDeps): Promise<KubeObject> {
  const now = iso(d.clock.now());
  const existing = conditionsOf(node);
  const conditions = existing.map((c) =>
    unknownConditions.includes(str(c['type'])) && c['status'] !== 'Unknown'
      ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: stoppedPosting, lastTransitionTime: now }
      : c,
  );
  for (const type of unknownConditions) {
    if (!existing.some((c) => c['type'] === type)) conditions.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: now, lastTransitionTime: now });
  }
  const stored = await d.client.update<KubeObject>(pathFor(R.nodes, undefined, node.metadata.name, 'status'), { ...node, status: { ...rec(node['status']), conditions } });
  d.recorder?.event(node, 'Normal', 'NodeNotReady', `Node ${node.metadata.name ?? ''} status is now: NodeNotReady`);
  return stored;
}

/** The lifecycle taints a node should carry for its Ready status; the time a kept NoExecute taint was added stays. */
function desiredTaints(node: KubeObject, now: number): Taint[] {
  const current = taintsOf(node);
  const others = current.filter((t) => !isLifecycleTaint(t));
  const status = readyStatus(node);
  if (status === 'True') return others;
  const key = status === 'False' ? notReadyTaintKey : unreachableTaintKey;
  const kept = current.find((t) => t.key === key && t.effect === 'NoExecute');
  return [...others, { key, effect: 'NoSchedule' }, { key, effect: 'NoExecute', timeAdded: kept?.timeAdded ?? iso(now) }];
}

function sameTaints(a: Taint[], b: Taint[]): boolean {
  const text = (ts: Taint[]) => ts.map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`).sort().join(',');
  return text(a) === text(b);
}

/** How long a pod may stay on a node with these NoExecute taints: 0 if it does not tolerate one, Infinity if forever. */
export function tolerationWindowSeconds(tolerations: readonly Toleration[], taints: readonly Taint[]): number {
  let window = Infinity;
  for (const taint of taints) {
    const matching = tolerations.filter((t) => {
      const key = str(t['key']);
      const op = str(t['operator']) || 'Equal';
      if (str(t['effect']) !== '' && str(t['effect']) !== taint.effect) return false;
      if (key === '') return op === 'Exists';
      if (key !== taint.key) return false;
      return op === 'Exists' || str(t['value']) === (taint.value ?? '');
    });
    if (matching.length === 0) return 0;
    for (const t of matching) if (typeof t['tolerationSeconds'] === 'number') window = Math.min(window, Math.max(0, t['tolerationSeconds']));
  }
  return window;
}

async function markPodNotReady(pod: KubeObject, d: NodeLifecycleDeps): Promise<void> {
  const conditions = list(rec(pod['status'])['conditions']);
  const ready = conditions.find((c) => c['type'] === 'Ready');
  if (!ready || ready['status'] === 'False') return;
  const now = iso(d.clock.now());
  const next = conditions.map((c) => (c['type'] === 'Ready' ? { ...c, status: 'False', lastTransitionTime: now } : c));
  try {
    await d.client.patch(pathFor(R.pods, pod.metadata.namespace, pod.metadata.name, 'status'), { metadata: { uid: pod.metadata.uid }, status: { conditions: next } }, 'strategic');
  } catch (e) {
    if (!isNotFound(e) && !isConflict(e)) throw e;
  }
}

async function evict(pod: KubeObject, d: NodeLifecycleDeps): Promise<void> {
  d.recorder?.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`);
  try {
    await d.client.delete(pathFor(R.pods, pod.metadata.namespace, pod.metadata.name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: pod.metadata.uid } } });
  } catch (e) {
    if (!isNotFound(e) && !isConflict(e)) throw e;
  }
}

export async function reconcileNode(name: string, d: NodeLifecycleDeps): Promise<ReconcileResult> {
  let node = d.nodes.get(name);
  if (!node) {
    d.heartbeats.delete(name);
    return;
  }
  if (!heartbeatFresh(name, node, d) && readyStatus(node) !== 'Unknown') {
    try {
      node = await markUnknown(node, d);
    } catch (e) {
      if (isConflict(e)) return { requeueAfterMs: 100 };
      if (isNotFound(e)) return;
      throw e;
    }
  }

  const now = d.clock.now();
  const taints = desiredTaints(node, now);
  if (!sameTaints(taints, taintsOf(node))) {
    try {
      await d.client.update(pathFor(R.nodes, undefined, name), { ...node, spec: { ...rec(node['spec']), taints } });
    } catch (e) {
      if (isConflict(e)) return { requeueAfterMs: 100 };
      if (isNotFound(e)) return;
      throw e;
    }
  }

  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  if (readyStatus(node) === 'True' || noExecute.length === 0) return;
  let next = Infinity;
  const addedAt = Math.min(...noExecute.map((t) => Date.parse(t.timeAdded ?? '') || now));
  for (const pod of d.pods.byIndex(podsByNodeIndex, name)) {
    if (pod.metadata.deletionTimestamp) continue;
    await markPodNotReady(pod, d);
    const window = tolerationWindowSeconds(list(rec(pod['spec'])['tolerations']), noExecute);
    if (window === Infinity) continue;
    const due = addedAt + window * 1000;
    if (due <= now) await evict(pod, d);
    else next = Math.min(next, due - now);
  }
  return next === Infinity ? undefined : { requeueAfterMs: next };
}

export const podsByNodeIndex = 'spec.nodeName';

export function startNodeLifecycleController(ctx: ControllerContext, opts: { gracePeriodMs?: number } = {}): Promise<void> {
  const nodes = ctx.factory.informerFor({ path: pathFor(R.nodes) });
  const leases = ctx.factory.informerFor({ path: pathFor(R.leases, 'kube-node-lease') });
  const pods = ctx.factory.informerFor({
    path: pathFor(R.pods),
    indexers: { [podsByNodeIndex]: (p) => [str(rec(p['spec'])['nodeName'])].filter((n) => n !== '') },
  });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  const enqueue = (n: KubeObject) => queue.add(objectKey(n));
  nodes.addEventHandler({ add: enqueue, update: (_o, n) => enqueue(n), delete: enqueue });
  leases.addEventHandler({ add: (l) => queue.add(l.metadata.name ?? ''), update: (_o, l) => queue.add(l.metadata.name ?? '') });
  const deps: NodeLifecycleDeps = {
    client: ctx.client,
    nodes: nodes.store,
    leases: leases.store,
    pods: pods.store,
    clock: ctx.clock,
    recorder: ctx.recorder,
    gracePeriodMs: opts.gracePeriodMs ?? defaultNodeMonitorGracePeriodMs,
    heartbeats: new Map(),
  };
  // Every node is looked at on a period too: a node whose agent died sends no event at all.
  const tick = () => {
    if (ctx.signal.aborted) return;
    for (const n of nodes.store.list()) enqueue(n);
    cancel = ctx.clock.setTimer(tick, monitorPeriodMs);
  };
  let cancel = ctx.clock.setTimer(tick, monitorPeriodMs);
  ctx.signal.addEventListener('abort', () => cancel(), { once: true });
  return runController({ name: 'node-lifecycle-controller', informers: [nodes, leases, pods], queue, reconcile: (k) => reconcileNode(k, deps), workers: 1, signal: ctx.signal, log: ctx.log });
}

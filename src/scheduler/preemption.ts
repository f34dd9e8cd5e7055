// Preemption (the scheduler's default PostFilter, simplified): when a pod fits no node, find the node where
// removing pods of lower priority makes it fit, with the least damage; those pods are then deleted and the
// pod waits for them, nominated to that node.
// Simplifications against kube-scheduler: PodDisruptionBudgets are not weighed when choosing victims or nodes,
// and pods nominated elsewhere do not reserve room for themselves on their nominated nodes.
import type { KubeObject } from '../api/object.js';
import { objectKey } from '../client/informer.js';
import { specOf, statusOf, str } from '../api/pod-util.js';
import { filters } from './filters.js';
import { podRequests, type NodeCache } from './node-cache.js';

export interface PreemptionPlan {
  node: string;
  victims: KubeObject[];
}

export function podPriority(pod: KubeObject): number {
  const p = specOf(pod)['priority'];
  return typeof p === 'number' && Number.isFinite(p) ? p : 0;
}

function fits(pod: KubeObject, node: KubeObject, nodes: KubeObject[], cache: NodeCache): boolean {
  const req = podRequests(pod);
  return filters.every((filter) => filter({ pod, podRequests: req, node, nodes, cache }).length === 0);
}

/**
 * Whether the pod may preempt at all: not with preemptionPolicy Never, and not while pods it already preempted on
 * its nominated node are still going away (it waits for them instead of taking more).
 */
export function mayPreempt(pod: KubeObject, cache: NodeCache): boolean {
  if (specOf(pod)['preemptionPolicy'] === 'Never') return false;
  const nominated = str(statusOf(pod)['nominatedNodeName']);
  if (nominated === '') return true;
  const priority = podPriority(pod);
  for (const other of cache.info(nominated).pods.values()) {
    if (other.metadata.deletionTimestamp && podPriority(other) < priority) return false;
  }
  return true;
}

/**
 * The fewest pods of lower priority on one node whose removal lets the pod fit there (found by removing every
 * lower-priority pod, then giving back as many as still fit, highest priority first). The cache is changed only
 * for the duration of the synchronous search.
 */
export function victimsOn(pod: KubeObject, node: KubeObject, nodes: KubeObject[], cache: NodeCache): KubeObject[] | undefined {
  const name = node.metadata.name ?? '';
  const priority = podPriority(pod);
  const candidates = [...cache.info(name).pods.values()].filter((p) => !p.metadata.deletionTimestamp && podPriority(p) < priority);
  if (candidates.length === 0) return undefined;
  for (const c of candidates) cache.remove(objectKey(c));
  const victims: KubeObject[] = [];
  try {
    if (!fits(pod, node, nodes, cache)) return undefined;
    const byPriority = [...candidates].sort((a, b) => podPriority(b) - podPriority(a) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    for (const c of byPriority) {
      cache.place(c, name);
      if (!fits(pod, node, nodes, cache)) {
        cache.remove(objectKey(c));
        victims.push(c);
      }
    }
    return victims;
  } finally {
    for (const c of candidates) if (!cache.nodeOf(objectKey(c))) cache.place(c, name);
  }
}

/** pickOneNodeForPreemption's order, PDBs aside: lowest highest victim priority, lowest sum, fewest victims. */
function damage(victims: KubeObject[]): number[] {
  const priorities = victims.map(podPriority);
  return [Math.max(...priorities), priorities.reduce((a, b) => a + b, 0), victims.length];
}

/** Nodes the pod fails on only for reasons removing pods can fix (resources, pod count, pod (anti-)affinity). */
function resolvable(pod: KubeObject, node: KubeObject, nodes: KubeObject[], cache: NodeCache): boolean {
  const req = podRequests(pod);
  return filters.every((filter) => filter({ pod, podRequests: req, node, nodes, cache }).every((f) => !f.unresolvable));
}

export function findPreemption(pod: KubeObject, nodes: KubeObject[], cache: NodeCache): PreemptionPlan | undefined {
  if (!mayPreempt(pod, cache)) return undefined;
  let best: { plan: PreemptionPlan; score: number[] } | undefined;
  for (const node of nodes) {
    if (!resolvable(pod, node, nodes, cache)) continue;
    const victims = victimsOn(pod, node, nodes, cache);
    if (!victims || victims.length === 0) continue;
    const score = damage(victims);
    if (!best || less(score, best.score)) best = { plan: { node: node.metadata.name ?? '', victims }, score };
  }
  return best?.plan;
}

function less(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
}

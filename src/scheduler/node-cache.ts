// What the scheduler knows per node: the pods on it (bound or assumed), their summed requests, and how many
// pods of each owner it runs (for spreading). Kept incrementally from pod events, so scheduling one pod
// costs O(nodes), not O(pods).
import type { KubeObject } from '../api/object.js';
import { parseQuantity } from '../api/validation/quantity.js';
import { objectKey } from '../client/informer.js';
import { arr, podPhase, rec, specOf } from '../api/pod-util.js';

export interface Requests {
  cpu: number;
  memory: number;
  ephemeralStorage: number;
}

export interface NodeInfo {
  pods: Map<string, KubeObject>;
  requested: Requests;
  byOwner: Map<string, number>;
}

function containerRequests(c: Record<string, unknown>): Requests {
  const resources = rec(c['resources']);
  const req = { ...rec(resources['limits']), ...rec(resources['requests']) };
  return { cpu: parseQuantity(req['cpu']) ?? 0, memory: parseQuantity(req['memory']) ?? 0, ephemeralStorage: parseQuantity(req['ephemeral-storage']) ?? 0 };
}

/** Sum over containers, at least the largest init container, plus overhead (k8s computePodResourceRequest). */
export function podRequests(pod: KubeObject): Requests {
  const spec = specOf(pod);
  const sum: Requests = { cpu: 0, memory: 0, ephemeralStorage: 0 };
  for (const c of arr(spec['containers'])) {
    const r = containerRequests(c);
    sum.cpu += r.cpu;
    sum.memory += r.memory;
    sum.ephemeralStorage += r.ephemeralStorage;
  }
  for (const c of arr(spec['initContainers'])) {
    const r = containerRequests(c);
    sum.cpu = Math.max(sum.cpu, r.cpu);
    sum.memory = Math.max(sum.memory, r.memory);
    sum.ephemeralStorage = Math.max(sum.ephemeralStorage, r.ephemeralStorage);
  }
  const overhead = rec(spec['overhead']);
  sum.cpu += parseQuantity(overhead['cpu']) ?? 0;
  sum.memory += parseQuantity(overhead['memory']) ?? 0;
  return sum;
}

const ownerOf = (pod: KubeObject): string | undefined => (pod.metadata.ownerReferences ?? []).find((r) => r.controller)?.uid;

export class NodeCache {
  readonly #nodes = new Map<string, NodeInfo>();
  /** Where each counted pod sits, so an update or delete removes exactly what was added. */
  readonly #placed = new Map<string, { node: string; pod: KubeObject; req: Requests }>();
  /** Placed pods with required anti-affinity terms: the only ones that can refuse a newcomer. */
  readonly #antiAffinity = new Map<string, { node: string; pod: KubeObject }>();

  podsWithAntiAffinity(): Iterable<{ node: string; pod: KubeObject }> {
    return this.#antiAffinity.values();
  }

  info(node: string): NodeInfo {
    let n = this.#nodes.get(node);
    if (!n) this.#nodes.set(node, (n = { pods: new Map(), requested: { cpu: 0, memory: 0, ephemeralStorage: 0 }, byOwner: new Map() }));
    return n;
  }

  nodeOf(podKey: string): string | undefined {
    return this.#placed.get(podKey)?.node;
  }

  /** Counts a pod on a node (a bound pod from the informer, or one we just assumed). */
  place(pod: KubeObject, node: string): void {
    const key = objectKey(pod);
    this.remove(key);
    const req = podRequests(pod);
    const n = this.info(node);
    n.pods.set(key, pod);
    n.requested.cpu += req.cpu;
    n.requested.memory += req.memory;
    n.requested.ephemeralStorage += req.ephemeralStorage;
    const owner = ownerOf(pod);
    if (owner) n.byOwner.set(owner, (n.byOwner.get(owner) ?? 0) + 1);
    this.#placed.set(key, { node, pod, req });
    if (arr(rec(rec(specOf(pod)['affinity'])['podAntiAffinity'])['requiredDuringSchedulingIgnoredDuringExecution']).length) this.#antiAffinity.set(key, { node, pod });
  }

  remove(podKey: string): void {
    const p = this.#placed.get(podKey);
    if (!p) return;
    this.#placed.delete(podKey);
    this.#antiAffinity.delete(podKey);
    const n = this.info(p.node);
    n.pods.delete(podKey);
    n.requested.cpu -= p.req.cpu;
    n.requested.memory -= p.req.memory;
    n.requested.ephemeralStorage -= p.req.ephemeralStorage;
    const owner = ownerOf(p.pod);
    if (owner) {
      const c = (n.byOwner.get(owner) ?? 1) - 1;
      if (c > 0) n.byOwner.set(owner, c);
      else n.byOwner.delete(owner);
    }
  }

  /** Follows a pod from the informer: counted while bound and active, dropped otherwise. */
  observe(pod: KubeObject): void {
    const node = specOf(pod)['nodeName'];
    // A terminating pod still holds its resources until it is gone.
    const finished = podPhase(pod) === 'Succeeded' || podPhase(pod) === 'Failed';
    if (typeof node === 'string' && node !== '' && !finished) this.place(pod, node);
    else if (typeof node === 'string' && node !== '') this.remove(objectKey(pod));
  }
}

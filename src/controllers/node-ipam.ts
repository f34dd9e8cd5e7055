// Node IPAM (kube-controller-manager's range allocator): every node gets its own pod CIDR, a /24 (by default)
// out of --cluster-cidr, written once into spec.podCIDR and spec.podCIDRs. Blocks already set on nodes (a node
// agent that registered with one) count as taken; a deleted node's block is free again.
import type { KubeObject } from '../api/object.js';
import { isNotFound } from '../client/api-error.js';
import { objectKey, type Indexer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { cidrSize, formatCidr, nthSubnet, parseCidr, type Cidr } from '../api/ipv4.js';
import { defaultClusterCidr } from '../api/cluster-network.js';
import { pathFor, R } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import type { ControllerClient, ControllerContext, ReconcileResult } from '../client/control/types.js';

export const defaultNodeCidrMaskSize = 24;

export interface NodeIpamDeps {
  client: ControllerClient;
  nodes: Indexer;
  clusterCidr: Cidr;
  maskSize: number;
  /** Blocks this controller handed out that the node cache may not show yet (node name → block). */
  pending: Map<string, string>;
  recorder?: ControllerContext['recorder'];
}

function podCidrsOf(node: KubeObject): string[] {
  const spec = (node['spec'] ?? {}) as { podCIDR?: unknown; podCIDRs?: unknown };
  const out = Array.isArray(spec.podCIDRs) ? spec.podCIDRs.filter((c): c is string => typeof c === 'string') : [];
  if (typeof spec.podCIDR === 'string' && spec.podCIDR && !out.includes(spec.podCIDR)) out.unshift(spec.podCIDR);
  return out;
}

/** The first free block of the cluster CIDR, given the blocks in use. */
export function nextFreeBlock(cluster: Cidr, maskSize: number, used: ReadonlySet<string>): string | undefined {
  const count = cidrSize(cluster) / 2 ** (32 - maskSize);
  for (let i = 0; i < count; i++) {
    const block = nthSubnet(cluster, maskSize, i);
    if (!block) return undefined;
    const text = formatCidr(block);
    if (!used.has(text)) return text;
  }
  return undefined;
}

export async function reconcileNodeCidr(name: string, d: NodeIpamDeps): Promise<ReconcileResult> {
  const node = d.nodes.get(name);
  if (!node) {
    d.pending.delete(name);
    return;
  }
  if (podCidrsOf(node).length > 0) {
    d.pending.delete(name);
    return;
  }
  const used = new Set<string>(d.pending.values());
  for (const other of d.nodes.list()) for (const c of podCidrsOf(other)) used.add(formatCidr(parseCidr(c) ?? { base: 0, prefix: 32 }));
  let block = d.pending.get(name);
  if (!block) {
    block = nextFreeBlock(d.clusterCidr, d.maskSize, used);
    if (!block) {
      d.recorder?.event(node, 'Warning', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      return { requeueAfterMs: 30_000 };
    }
    d.pending.set(name, block);
  }
  try {
    await d.client.patch(pathFor(R.nodes, undefined, name), { spec: { podCIDR: block, podCIDRs: [block] } }, 'merge');
    d.recorder?.event(node, 'Normal', 'CIDRAssignmentSucceeded', `Node ${name} was assigned pod CIDR ${block}`);
  } catch (e) {
    if (isNotFound(e)) {
      d.pending.delete(name);
      return;
    }
    throw e;
  }
}

export function startNodeIpamController(ctx: ControllerContext, opts: { clusterCidr?: string; nodeCidrMaskSize?: number } = {}): Promise<void> {
  const text = opts.clusterCidr ?? defaultClusterCidr;
  const clusterCidr = parseCidr(text);
  const maskSize = opts.nodeCidrMaskSize ?? defaultNodeCidrMaskSize;
  if (!clusterCidr) return Promise.reject(new Error(`node-ipam-controller: invalid cluster CIDR ${JSON.stringify(text)}`));
  if (maskSize < clusterCidr.prefix || maskSize > 30) return Promise.reject(new Error(`node-ipam-controller: node CIDR mask size ${maskSize} does not fit in ${text}`));
  const nodes = ctx.factory.informerFor({ path: pathFor(R.nodes) });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  nodes.addEventHandler({ add: (n) => queue.add(objectKey(n)), update: (_o, n) => queue.add(objectKey(n)), delete: (n) => queue.add(objectKey(n)) });
  const deps: NodeIpamDeps = { client: ctx.client, nodes: nodes.store, clusterCidr, maskSize, pending: new Map(), recorder: ctx.recorder };
  // One worker: allocation reads every node's block, so two at once could hand out the same one.
  return runController({ name: 'node-ipam-controller', informers: [nodes], queue, reconcile: (k) => reconcileNodeCidr(k, deps), workers: 1, signal: ctx.signal, log: ctx.log });
}

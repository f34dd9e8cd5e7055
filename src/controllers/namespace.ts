// Namespace controller: once a namespace is being deleted (the API server marks it Terminating), delete
// everything of every namespaced resource in it, and when nothing is left remove the `kubernetes`
// finalizer through the namespaces/finalize subresource so the API server can remove the namespace.
import type { KubeObject } from '../api/object.js';
import { catalog } from '../api/catalog.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { isNotFound } from '../client/api-error.js';
import { objectKey } from '../client/informer.js';
import type { Indexer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { rec, specOf } from '../api/pod-util.js';
import { pathFor, R } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import { discoverCustomResources } from '../client/control/served-resources.js';
import type { ControllerClient, ControllerContext, ReconcileResult } from '../client/control/types.js';

export interface NamespaceDeps {
  client: ControllerClient;
  namespaces: Indexer;
  /** How soon to look again while content remains. */
  retryMs?: number;
}

export function namespacedContentResources(): ResourceInfo[] {
  // Prefer one group/version per resource name+group (catalog lists each once today).
  return catalog.filter((r) => r.namespaced && r.verbs.includes('list') && r.verbs.includes('delete'));
}

async function deleteAll(client: ControllerClient, r: ResourceInfo, ns: string): Promise<number> {
  const collection = pathFor(r, ns);
  if (r.verbs.includes('deletecollection')) {
    try {
      await client.delete(collection);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  const left = await client.list(collection);
  let remaining = 0;
  for (const item of left.items) {
    remaining++;
    if (item.metadata.deletionTimestamp) continue;
    try {
      await client.delete(pathFor(r, ns, item.metadata.name));
    } catch (e) {
      if (!isNotFound(e)) throw e;
      remaining--;
    }
  }
  return remaining;
}

export async function reconcileNamespace(key: string, d: NamespaceDeps): Promise<ReconcileResult> {
  const ns = d.namespaces.get(key);
  if (!ns || !ns.metadata.deletionTimestamp) return;
  const finalizers = Array.isArray(specOf(ns)['finalizers']) ? (specOf(ns)['finalizers'] as string[]) : [];
  if (!finalizers.includes('kubernetes')) return;
  let remaining = 0;
  // custom resources are namespace content too: whatever discovery lists now
  const custom = (await discoverCustomResources(d.client)).filter((r) => r.namespaced && r.verbs.includes('list') && r.verbs.includes('delete'));
  for (const r of [...namespacedContentResources(), ...custom]) remaining += await deleteAll(d.client, r, key);
  if (remaining > 0) return { requeueAfterMs: d.retryMs ?? 1000 };
  const body: KubeObject = structuredClone(ns);
  body['spec'] = { ...rec(body['spec']), finalizers: finalizers.filter((f) => f !== 'kubernetes') };
  try {
    await d.client.update(pathFor(R.namespaces, undefined, key, 'finalize'), body);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  return undefined;
}

export function startNamespaceController(ctx: ControllerContext): Promise<void> {
  const inf = ctx.factory.informerFor({ path: pathFor(R.namespaces) });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  inf.addEventHandler({ add: (o) => queue.add(objectKey(o)), update: (_o, n) => queue.add(objectKey(n)) });
  const deps: NamespaceDeps = { client: ctx.client, namespaces: inf.store };
  return runController({ name: 'namespace', informers: [inf], queue, primary: { informer: inf, resource: R.namespaces }, recorder: ctx.recorder, reconcile: (k) => reconcileNamespace(k, deps), workers: ctx.workers ?? 2, signal: ctx.signal, log: ctx.log });
}

// ResourceQuota controller: keeps each quota's status.hard equal to spec.hard and status.used equal to what the
// namespace's objects count for (src/api/quota-usage.ts). Between recounts the quota admission plugin charges new
// objects as they are created; so, like kube-controller-manager, this recounts when a quota's spec changes, when
// something that held usage goes away (a deletion, a pod that finished), and on a periodic full resync — never on
// every create, which would race the admission plugin's charges.
import { deepEqual } from '../api/deep-equal.js';
import { findResource } from '../api/catalog.js';
import { isRecord, type KubeObject } from '../api/object.js';
import { getOwn, setOwn } from '../api/own.js';
import { formatQuantity, quantityOf, toQuantity } from '../api/quantity.js';
import { addUsage, evaluatorCovers, objectUsage, podCountsForQuota, quotaMatches, resourceOfQuotaName, type Usage } from '../api/quota-usage.js';
import { isConflict, isNotFound } from '../client/api-error.js';
import { objectKey, splitKey, type Indexer } from '../client/informer.js';
import { WorkQueue, type Clock } from '../client/workqueue.js';
import { pathFor, R, type GroupVersionResource } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import type { ControllerClient, ControllerContext, ReconcileResult } from '../client/control/types.js';

/** Full recount of every quota this often (kube-controller-manager's --resource-quota-sync-period is 5 minutes). */
export const quotaResyncMs = 60_000;

const resourcequotas: GroupVersionResource = { group: '', version: 'v1', resource: 'resourcequotas' };

type Dict = Record<string, unknown>;

function dict(v: unknown): Dict {
  return isRecord(v) ? v : {};
}

export interface QuotaDeps {
  client: ControllerClient;
  quotas: Indexer;
  /** Objects of a resource in a namespace: from an informer where one runs, else a LIST. */
  objectsOf(group: string, resource: string, namespace: string): Promise<readonly KubeObject[]>;
  clock: Clock;
}

/** The status a quota should have: hard from spec, used counted over the namespace's objects. */
export async function computeQuotaStatus(quota: KubeObject, d: Pick<QuotaDeps, 'objectsOf' | 'clock'>): Promise<{ hard: Dict; used: Dict }> {
  const hard = { ...dict(dict(quota['spec'])['hard']) };
  const namespace = quota.metadata.namespace ?? '';
  const names = Object.keys(hard);
  const now = new Date(d.clock.now());
  // Group the hard names by the resource whose objects count them.
  const byResource = new Map<string, { group: string; resource: string; names: string[] }>();
  for (const name of names) {
    const r = resourceOfQuotaName(name);
    if (!r) continue;
    const key = `${r.resource}.${r.group}`;
    const entry = byResource.get(key) ?? { ...r, names: [] };
    entry.names.push(name);
    byResource.set(key, entry);
  }
  const used: Dict = {};
  for (const { group, resource, names: tracked } of byResource.values()) {
    // Every other name this resource's evaluator counts is filled in by the same pass.
    const covered = names.filter((n) => evaluatorCovers(group, resource, n) || tracked.includes(n));
    let total: Usage = new Map(covered.map((n) => [n, quantityOf(0n)]));
    for (const obj of await d.objectsOf(group, resource, namespace)) {
      if (!quotaMatches(quota, group, resource, obj)) continue;
      const usage = objectUsage(group, resource, obj, now);
      total = addUsage(total, new Map([...usage].filter(([n]) => covered.includes(n))));
    }
    for (const [n, q] of total) setOwn(used, n, formatQuantity(q));
  }
  // Names no evaluator counts keep what admission charged them (or nothing).
  const previous = dict(dict(quota['status'])['used']);
  for (const n of names) if (getOwn(used, n) === undefined && getOwn(previous, n) !== undefined) setOwn(used, n, getOwn(previous, n));
  return { hard, used };
}

export async function reconcileQuota(key: string, d: QuotaDeps): Promise<ReconcileResult> {
  const quota = d.quotas.get(key);
  if (!quota || quota.metadata.deletionTimestamp) return;
  const status = await computeQuotaStatus(quota, d);
  if (!deepEqual(status, dict(quota['status']))) {
    const { namespace, name } = splitKey(key);
    try {
      await d.client.update(pathFor(resourcequotas, namespace, name, 'status'), { ...quota, status });
    } catch (e) {
      if (isNotFound(e)) return;
      // Admission charged the quota in between: count again from the fresh object.
      if (isConflict(e)) return { requeueAfterMs: 50 };
      throw e;
    }
  }
  return { requeueAfterMs: quotaResyncMs };
}

/** Whether hard changed, or status does not yet say what spec asks for. */
function needsRecount(quota: KubeObject): boolean {
  const hard = dict(dict(quota['spec'])['hard']);
  const status = dict(quota['status']);
  if (!deepEqual(hard, dict(status['hard']))) return true;
  const used = dict(status['used']);
  return Object.keys(hard).some((n) => getOwn(used, n) === undefined);
}

function sameQuantities(a: unknown, b: unknown): boolean {
  const qa = toQuantity(a), qb = toQuantity(b);
  return !!qa && !!qb && qa.nanos === qb.nanos;
}

export function startResourceQuotaController(ctx: ControllerContext): Promise<void> {
  const quotaInformer = ctx.factory.informerFor({ path: pathFor(resourcequotas) });
  // Kinds whose deletions (and pods' completions) release usage: watched, and read from their caches.
  const watched: GroupVersionResource[] = [R.pods, R.services, R.configmaps, R.secrets, { group: '', version: 'v1', resource: 'persistentvolumeclaims' }];
  const informers = new Map(watched.map((r) => [`${r.resource}.${r.group}`, ctx.factory.informerFor({ path: pathFor(r) })]));
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  const recountNamespace = (namespace: string) => {
    for (const q of quotaInformer.store.byNamespace(namespace)) queue.add(objectKey(q));
  };
  quotaInformer.addEventHandler({
    add: (q) => queue.add(objectKey(q)),
    update: (old, q) => {
      const specChanged = !deepEqual(dict(old['spec']), dict(q['spec']));
      if (specChanged || needsRecount(q)) queue.add(objectKey(q));
    },
  });
  for (const [key, informer] of informers) {
    informer.addEventHandler({
      delete: (obj) => recountNamespace(obj.metadata.namespace ?? ''),
      update: (old, obj) => {
        if (key === 'pods.') {
          const now = new Date(ctx.clock.now());
          if (podCountsForQuota(old, now) && !podCountsForQuota(obj, now)) recountNamespace(obj.metadata.namespace ?? '');
          else if (obj.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) recountNamespace(obj.metadata.namespace ?? '');
        } else if (key === 'services.' && dict(old['spec'])['type'] !== dict(obj['spec'])['type']) recountNamespace(obj.metadata.namespace ?? '');
        else if (key === 'persistentvolumeclaims.') {
          const storage = (o: KubeObject) => dict(dict(dict(o['spec'])['resources'])['requests'])['storage'];
          if (!sameQuantities(storage(old), storage(obj))) recountNamespace(obj.metadata.namespace ?? '');
        }
      },
    });
  }
  const objectsOf = async (group: string, resource: string, namespace: string): Promise<readonly KubeObject[]> => {
    const informer = informers.get(`${resource}.${group}`);
    if (informer) return informer.store.byNamespace(namespace);
    const info = ['v1', 'v2', 'v1beta1'].map((v) => findResource(group, v, resource)).find((x) => x !== undefined);
    if (!info || !info.namespaced) return [];
    const list = await ctx.client.list(pathFor({ group, version: info.version, resource }, namespace));
    return list.items;
  };
  const deps: QuotaDeps = { client: ctx.client, quotas: quotaInformer.store, objectsOf, clock: ctx.clock };
  return runController({
    name: 'resourcequota',
    informers: [quotaInformer, ...informers.values()],
    queue,
    primary: { informer: quotaInformer, resource: resourcequotas },
    recorder: ctx.recorder,
    reconcile: (key) => reconcileQuota(key, deps),
    workers: ctx.workers ?? 5,
    signal: ctx.signal,
    log: ctx.log,
  });
}


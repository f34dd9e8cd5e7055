// ServiceAccount controller: every active namespace has a `default` ServiceAccount.
import { isAlreadyExists } from '../client/api-error.js';
import { objectKey, type Indexer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { statusOf } from '../api/pod-util.js';
import { pathFor, R } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import type { ControllerClient, ControllerContext, ReconcileResult } from '../client/control/types.js';

export interface ServiceAccountDeps {
  client: ControllerClient;
  namespaces: Indexer;
  serviceAccounts: Indexer;
}

export const defaultServiceAccounts = ['default'];

export async function reconcileServiceAccounts(ns: string, d: ServiceAccountDeps): Promise<ReconcileResult> {
  const namespace = d.namespaces.get(ns);
  if (!namespace || namespace.metadata.deletionTimestamp || statusOf(namespace)['phase'] === 'Terminating') return;
  for (const name of defaultServiceAccounts) {
    if (d.serviceAccounts.get(`${ns}/${name}`)) continue;
    try {
      await d.client.create(pathFor(R.serviceaccounts, ns), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }
}

export function startServiceAccountController(ctx: ControllerContext): Promise<void> {
  const nsInf = ctx.factory.informerFor({ path: pathFor(R.namespaces) });
  const saInf = ctx.factory.informerFor({ path: pathFor(R.serviceaccounts) });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  nsInf.addEventHandler({ add: (o) => queue.add(objectKey(o)), update: (_o, n) => queue.add(objectKey(n)) });
  saInf.addEventHandler({ delete: (sa) => defaultServiceAccounts.includes(sa.metadata.name ?? '') && queue.add(sa.metadata.namespace ?? '') });
  const deps: ServiceAccountDeps = { client: ctx.client, namespaces: nsInf.store, serviceAccounts: saInf.store };
  return runController({ name: 'serviceaccount', informers: [nsInf, saInf], queue, reconcile: (k) => reconcileServiceAccounts(k, deps), workers: ctx.workers ?? 2, signal: ctx.signal, log: ctx.log });
}

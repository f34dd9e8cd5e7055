// Root CA publisher: every active namespace has the ConfigMap kube-root-ca.crt holding the cluster CA
// (pods mount it through their projected service-account volume).
import type { KubeObject } from '../api/object.js';
import { isAlreadyExists } from '../client/api-error.js';
import { objectKey, type Indexer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { statusOf } from '../api/pod-util.js';
import { pathFor, R } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import type { ControllerClient, ControllerContext, ReconcileResult } from '../client/control/types.js';

export const rootCAConfigMapName = 'kube-root-ca.crt';
const description =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface RootCADeps {
  client: ControllerClient;
  namespaces: Indexer;
  configMaps: Indexer;
  caPem: string;
}

export async function reconcileRootCA(ns: string, d: RootCADeps): Promise<ReconcileResult> {
  const namespace = d.namespaces.get(ns);
  if (!namespace || namespace.metadata.deletionTimestamp || statusOf(namespace)['phase'] === 'Terminating') return;
  const existing = d.configMaps.get(`${ns}/${rootCAConfigMapName}`);
  const data = { 'ca.crt': d.caPem };
  if (!existing) {
    try {
      await d.client.create(pathFor(R.configmaps, ns), {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: rootCAConfigMapName, namespace: ns, annotations: { 'kubernetes.io/description': description } },
        data,
      });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    return;
  }
  const cur = existing['data'] as Record<string, string> | undefined;
  const annotated = existing.metadata.annotations?.['kubernetes.io/description'] === description;
  if (cur && Object.keys(cur).length === 1 && cur['ca.crt'] === d.caPem && annotated) return;
  const body: KubeObject = { ...structuredClone(existing), data };
  body.metadata.annotations = { ...body.metadata.annotations, 'kubernetes.io/description': description };
  await d.client.update(pathFor(R.configmaps, ns, rootCAConfigMapName), body);
}

export function startRootCAPublisher(ctx: ControllerContext, caPem: string): Promise<void> {
  const nsInf = ctx.factory.informerFor({ path: pathFor(R.namespaces) });
  const cmInf = ctx.factory.informerFor({ path: pathFor(R.configmaps) });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  nsInf.addEventHandler({ add: (o) => queue.add(objectKey(o)), update: (_o, n) => queue.add(objectKey(n)) });
  const mine = (cm: KubeObject) => cm.metadata.name === rootCAConfigMapName;
  cmInf.addEventHandler({ update: (_o, cm) => mine(cm) && queue.add(cm.metadata.namespace ?? ''), delete: (cm) => mine(cm) && queue.add(cm.metadata.namespace ?? '') });
  const deps: RootCADeps = { client: ctx.client, namespaces: nsInf.store, configMaps: cmInf.store, caPem };
  return runController({ name: 'root-ca-cert-publisher', informers: [nsInf, cmInf], queue, reconcile: (k) => reconcileRootCA(k, deps), workers: ctx.workers ?? 2, signal: ctx.signal, log: ctx.log });
}

// Services whose one endpoint is a-kube itself (`kube-dns` → the DNS server): no selector, so the endpoints
// controller leaves them alone and these objects are kept in place here — the Service's ports, the Endpoints and
// the EndpointSlice — as kube-apiserver keeps its `kubernetes` Service. ensureObject also serves the `kubernetes`
// Service (kubernetes-service.ts), whose endpoints are every live API server.
import type { KubeObject } from '../api/object.js';
import { deepEqual } from '../api/deep-equal.js';
import { isAlreadyExists, isNotFound } from '../client/api-error.js';
import { pathFor, R } from '../client/control/resources.js';
import type { ControllerClient } from '../client/control/types.js';
import { sleep } from '../client/informer.js';
import { realClock, type Clock } from '../client/workqueue.js';

export interface SelfServiceSpec {
  namespace: string;
  name: string;
  clusterIP: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  /** The Service's ports (port, targetPort). */
  servicePorts: Record<string, unknown>[];
  /** Where a-kube answers, and on which ports (name, port, protocol). */
  address: string;
  endpointPorts: Record<string, unknown>[];
  /** Labels of the Endpoints beyond `endpointslice.kubernetes.io/skip-mirror`. */
  endpointsLabels?: Record<string, string>;
  /** Labels of the EndpointSlice beyond `kubernetes.io/service-name`. */
  sliceLabels?: Record<string, string>;
  sliceConditions: Record<string, boolean>;
}

/** Creates `desired` when absent; otherwise updates it with `merge` unless `same` says it is as wanted. */
export async function ensureObject(client: ControllerClient, collection: string, desired: KubeObject, same: (cur: KubeObject) => boolean, merge: (cur: KubeObject) => KubeObject): Promise<void> {
  const path = `${collection}/${desired.metadata.name ?? ''}`;
  let cur: KubeObject;
  try {
    cur = await client.get<KubeObject>(path);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    try {
      await client.create(collection, desired);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    return;
  }
  if (!same(cur)) await client.update(path, merge(cur));
}

export async function reconcileSelfService(client: ControllerClient, s: SelfServiceSpec): Promise<void> {
  const ports = s.servicePorts;
  await ensureObject(
    client,
    pathFor(R.services, s.namespace),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.name, namespace: s.namespace, labels: s.labels, ...(s.annotations ? { annotations: s.annotations } : {}) },
      spec: { type: 'ClusterIP', clusterIP: s.clusterIP, clusterIPs: [s.clusterIP], ports, sessionAffinity: 'None', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] },
    },
    (cur) => deepEqual((cur['spec'] as Record<string, unknown> | undefined)?.['ports'], ports),
    (cur) => ({ ...cur, spec: { ...(cur['spec'] as object), ports } }),
  );
  const subsets = [{ addresses: [{ ip: s.address }], ports: s.endpointPorts }];
  await ensureObject(
    client,
    pathFor(R.endpoints, s.namespace),
    { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: s.name, namespace: s.namespace, labels: { ...s.endpointsLabels, 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets },
    (cur) => deepEqual(cur['subsets'], subsets),
    (cur) => ({ ...cur, subsets }),
  );
  const slice = { addressType: 'IPv4', endpoints: [{ addresses: [s.address], conditions: s.sliceConditions }], ports: s.endpointPorts };
  await ensureObject(
    client,
    pathFor(R.endpointslices, s.namespace),
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: s.name, namespace: s.namespace, labels: { 'kubernetes.io/service-name': s.name, ...s.sliceLabels } }, ...slice },
    (cur) => deepEqual({ addressType: cur['addressType'], endpoints: cur['endpoints'], ports: cur['ports'] }, slice),
    (cur) => ({ ...cur, ...slice }),
  );
}

export interface LoopOptions {
  signal: AbortSignal;
  clock?: Clock;
  intervalMs?: number;
  log?: (line: string) => void;
}

/**
 * Runs `reconcile` now and then every interval (10 s by default) until the signal. A failure is logged and tried
 * again sooner: after 1 s, doubling up to the interval (at start, the loop's own role may not be in force yet).
 */
export async function keepInPlace(what: string, reconcile: () => Promise<void>, o: LoopOptions): Promise<void> {
  const clock = o.clock ?? realClock;
  const interval = o.intervalMs ?? 10_000;
  let retry = Math.min(1_000, interval);
  while (!o.signal.aborted) {
    let wait = interval;
    try {
      await reconcile();
      retry = Math.min(1_000, interval);
    } catch (e) {
      if (!o.signal.aborted) o.log?.(`${what}: ${e instanceof Error ? e.message : String(e)}`);
      wait = retry;
      retry = Math.min(retry * 2, interval);
    }
    await sleep(clock, wait, o.signal);
  }
}

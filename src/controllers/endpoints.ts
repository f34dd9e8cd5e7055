// Endpoints and EndpointSlice controllers (one loop): for each Service with a selector, the pods it
// selects, their IPs and the resolved target ports; ready pods as addresses, others as not ready.
import { getOwn } from '../api/own.js';
import type { KubeObject } from '../api/object.js';
import { isAlreadyExists, isNotFound } from '../client/api-error.js';
import { byOwnerUid, objectKey, ownerUidIndex, splitKey, type Indexer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { ownerRefTo } from './owner-refs.js';
import { arr, isPodReady, podPhase, rec, specOf, statusOf, str } from '../api/pod-util.js';
import { deepEqual } from '../api/deep-equal.js';
import { pathFor, R } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import type { ControllerClient, ControllerContext, ReconcileResult } from '../client/control/types.js';

export const serviceNameLabel = 'kubernetes.io/service-name';
export const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
export const sliceControllerName = 'endpointslice-controller.k8s.io';

export interface EndpointsDeps {
  /** Writes Endpoints (as endpoint-controller). */
  client: ControllerClient;
  /** Writes EndpointSlices (as endpointslice-controller); default: client. */
  sliceClient?: ControllerClient;
  services: Indexer;
  pods: Indexer;
  endpoints: Indexer;
  slices: Indexer;
}

interface ServicePort {
  name?: string;
  port: number;
  protocol: string;
  targetPort?: number | string;
}

function labelsMatch(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => getOwn(labels, k) === v);
}

/** The pod's port for a Service port: a number as is, a name looked up among the containers' ports. */
function resolvePort(pod: KubeObject, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of arr(specOf(pod)['containers'])) {
    for (const p of arr(c['ports'])) if (p['name'] === target && str(p['protocol'], 'TCP') === sp.protocol && typeof p['containerPort'] === 'number') return p['containerPort'];
  }
  return undefined;
}

export async function reconcileEndpoints(key: string, d: EndpointsDeps): Promise<ReconcileResult> {
  const { namespace, name } = splitKey(key);
  const svc = d.services.get(key);
  if (!svc) {
    try {
      if (d.endpoints.get(key)) await d.client.delete(pathFor(R.endpoints, namespace, name));
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    return; // our EndpointSlices are owned by the Service: the garbage collector removes them
  }
  const selector = specOf(svc)['selector'];
  if (!selector || typeof selector !== 'object' || Object.keys(selector).length === 0) return;
  const ports: ServicePort[] = arr(specOf(svc)['ports']).map((p) => ({
    ...(typeof p['name'] === 'string' && p['name'] ? { name: p['name'] } : {}),
    port: Number(p['port']),
    protocol: str(p['protocol'], 'TCP'),
    ...(p['targetPort'] !== undefined ? { targetPort: p['targetPort'] as number | string } : {}),
  }));
  const pods = d.pods
    .byNamespace(namespace)
    .filter((p) => labelsMatch(selector as Record<string, string>, p.metadata.labels))
    .filter((p) => str(statusOf(p)['podIP']) !== '' && podPhase(p) !== 'Succeeded' && podPhase(p) !== 'Failed')
    .sort((a, b) => str(statusOf(a)['podIP']).localeCompare(str(statusOf(b)['podIP'])));

  // Endpoints: pods grouped by the ports they resolve to.
  const subsets = new Map<string, { addresses: unknown[]; notReadyAddresses: unknown[]; ports: unknown[] }>();
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const resolved = ports.flatMap((sp) => {
      const port = resolvePort(pod, sp);
      return port === undefined ? [] : [{ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol }];
    });
    const sig = JSON.stringify(resolved);
    let subset = subsets.get(sig);
    if (!subset) subsets.set(sig, (subset = { addresses: [], notReadyAddresses: [], ports: resolved }));
    const hostname = str(specOf(pod)['hostname']);
    const address = { ip: str(statusOf(pod)['podIP']), ...(hostname && str(specOf(pod)['subdomain']) === svc.metadata.name ? { hostname } : {}), ...(str(specOf(pod)['nodeName']) ? { nodeName: str(specOf(pod)['nodeName']) } : {}), targetRef: { kind: 'Pod', namespace, name: pod.metadata.name, uid: pod.metadata.uid } };
    (isPodReady(pod) ? subset.addresses : subset.notReadyAddresses).push(address);
  }
  const subsetList = [...subsets.values()].map((s) => ({
    ...(s.addresses.length ? { addresses: s.addresses } : {}),
    ...(s.notReadyAddresses.length ? { notReadyAddresses: s.notReadyAddresses } : {}),
    ...(s.ports.length ? { ports: s.ports } : {}),
  }));
  const labels = { ...(svc.metadata.labels ?? {}) };
  if (specOf(svc)['clusterIP'] === 'None') labels['service.kubernetes.io/headless'] = '';
  const desired = { labels, subsets: subsetList };
  const existing = d.endpoints.get(key);
  if (!existing) {
    try {
      await d.client.create(pathFor(R.endpoints, namespace), { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels }, ...(subsetList.length ? { subsets: subsetList } : {}) });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  } else if (!deepEqual({ labels: existing.metadata.labels ?? {}, subsets: existing['subsets'] ?? [] }, desired)) {
    const body: KubeObject = { ...structuredClone(existing), metadata: { ...existing.metadata, labels } };
    if (subsetList.length) body['subsets'] = subsetList;
    else delete body['subsets'];
    await d.client.update(pathFor(R.endpoints, namespace, name), body);
  }

  await reconcileSlice(svc, pods, ports, d);
  return undefined;
}

async function reconcileSlice(svc: KubeObject, pods: KubeObject[], ports: ServicePort[], d: EndpointsDeps): Promise<void> {
  const namespace = svc.metadata.namespace ?? '';
  const name = svc.metadata.name ?? '';
  const slicePorts = ports.map((sp) => {
    const port = pods.map((p) => resolvePort(p, sp)).find((x) => x !== undefined);
    return { name: sp.name ?? '', ...(port !== undefined ? { port } : {}), protocol: sp.protocol };
  });
  const endpoints = pods.map((pod) => {
    const ready = isPodReady(pod);
    const terminating = pod.metadata.deletionTimestamp !== undefined;
    // A pod naming this Service as its subdomain is reachable in DNS as HOSTNAME.SERVICE.NS.svc.
    const hostname = str(specOf(pod)['hostname']);
    const ownHostname = hostname && str(specOf(pod)['subdomain']) === name ? { hostname } : {};
    return {
      addresses: [str(statusOf(pod)['podIP'])],
      ...ownHostname,
      conditions: { ready: ready && !terminating, serving: ready, terminating },
      ...(str(specOf(pod)['nodeName']) ? { nodeName: str(specOf(pod)['nodeName']) } : {}),
      targetRef: { kind: 'Pod', namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    };
  });
  const labels = { ...(svc.metadata.labels ?? {}), [serviceNameLabel]: name, [managedByLabel]: sliceControllerName };
  const mine = d.slices
    .byIndex(ownerUidIndex, svc.metadata.uid ?? '')
    .filter((s) => s.metadata.labels?.[managedByLabel] === sliceControllerName)
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const [keep, ...extra] = mine;
  const content = { addressType: 'IPv4', endpoints, ports: slicePorts };
  if (!keep) {
    await (d.sliceClient ?? d.client).create(pathFor(R.endpointslices, namespace), {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { generateName: `${name}-`, namespace, labels, ownerReferences: [ownerRefTo(svc, 'v1', 'Service')] },
      ...content,
    });
  } else if (!deepEqual({ labels: keep.metadata.labels, addressType: keep['addressType'], endpoints: keep['endpoints'] ?? [], ports: keep['ports'] ?? [] }, { labels, ...content })) {
    await (d.sliceClient ?? d.client).update(pathFor(R.endpointslices, namespace, keep.metadata.name), { ...structuredClone(keep), metadata: { ...keep.metadata, labels }, ...content });
  }
  for (const s of extra) {
    try {
      await (d.sliceClient ?? d.client).delete(pathFor(R.endpointslices, namespace, s.metadata.name));
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

/** Upstream runs two controllers with two identities; here one loop writes Endpoints through `ctx` and
 * EndpointSlices through `sliceCtx` (default: ctx). */
export function startEndpointsController(ctx: ControllerContext, sliceCtx: ControllerContext = ctx): Promise<void> {
  const svcInf = ctx.factory.informerFor({ path: pathFor(R.services) });
  const podInf = ctx.factory.informerFor({ path: pathFor(R.pods), indexers: { [ownerUidIndex]: byOwnerUid } });
  const epInf = ctx.factory.informerFor({ path: pathFor(R.endpoints) });
  const sliceInf = ctx.factory.informerFor({ path: pathFor(R.endpointslices), indexers: { [ownerUidIndex]: byOwnerUid } });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  const servicesFor = (pod: KubeObject) => {
    for (const svc of svcInf.store.byNamespace(pod.metadata.namespace ?? '')) {
      const sel = rec(specOf(svc)['selector']) as Record<string, string>;
      if (Object.keys(sel).length && labelsMatch(sel, pod.metadata.labels)) queue.add(objectKey(svc));
    }
  };
  svcInf.addEventHandler({ add: (s) => queue.add(objectKey(s)), update: (_o, s) => queue.add(objectKey(s)), delete: (s) => queue.add(objectKey(s)) });
  podInf.addEventHandler({ add: servicesFor, update: (o, n) => (servicesFor(o), servicesFor(n)), delete: servicesFor });
  epInf.addEventHandler({ delete: (e) => queue.add(objectKey(e)) });
  sliceInf.addEventHandler({
    delete: (s) => {
      const svc = s.metadata.labels?.[serviceNameLabel];
      if (svc) queue.add(`${s.metadata.namespace ?? ''}/${svc}`);
    },
  });
  const deps: EndpointsDeps = { client: ctx.client, sliceClient: sliceCtx.client, services: svcInf.store, pods: podInf.store, endpoints: epInf.store, slices: sliceInf.store };
  return runController({ name: 'endpoints', informers: [svcInf, podInf, epInf, sliceInf], queue, primary: { informer: svcInf, resource: R.services }, recorder: ctx.recorder, reconcile: (k) => reconcileEndpoints(k, deps), workers: ctx.workers ?? 5, signal: ctx.signal, log: ctx.log });
}

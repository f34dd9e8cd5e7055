// The `kubernetes` Service in `default` (ClusterIP 10.96.0.1:443) and its Endpoints/EndpointSlice pointing
// at the API server, kept in place periodically as kube-apiserver's kubernetesservice controller does.
import type { KubeObject } from '../api/object.js';
import { isAlreadyExists, isNotFound } from '../client/api-error.js';
import { sleep } from '../client/informer.js';
import { realClock, type Clock } from '../client/workqueue.js';
import { deepEqual } from '../api/deep-equal.js';
import { pathFor, R } from '../client/control/resources.js';
import type { ControllerClient } from '../client/control/types.js';

export interface KubernetesServiceOptions {
  client: ControllerClient;
  /** The API server's address and secure port, as pods should reach it. */
  address: string;
  port: number;
  serviceIP?: string;
}

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

export async function reconcileKubernetesService(o: KubernetesServiceOptions): Promise<void> {
  const ip = o.serviceIP ?? '10.96.0.1';
  const ports = [{ name: 'https', protocol: 'TCP', port: 443, targetPort: o.port }];
  await ensureObject(
    o.client,
    pathFor(R.services, 'default'),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], ports, sessionAffinity: 'None', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] },
    },
    (cur) => deepEqual((cur['spec'] as Record<string, unknown> | undefined)?.['ports'], ports),
    (cur) => ({ ...cur, spec: { ...(cur['spec'] as object), ports } }),
  );
  const subsets = [{ addresses: [{ ip: o.address }], ports: [{ name: 'https', port: o.port, protocol: 'TCP' }] }];
  await ensureObject(
    o.client,
    pathFor(R.endpoints, 'default'),
    { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets },
    (cur) => deepEqual(cur['subsets'], subsets),
    (cur) => ({ ...cur, subsets }),
  );
  const slice = { addressType: 'IPv4', endpoints: [{ addresses: [o.address], conditions: { ready: true } }], ports: [{ name: 'https', port: o.port, protocol: 'TCP' }] };
  await ensureObject(
    o.client,
    pathFor(R.endpointslices, 'default'),
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } }, ...slice },
    (cur) => deepEqual({ addressType: cur['addressType'], endpoints: cur['endpoints'], ports: cur['ports'] }, slice),
    (cur) => ({ ...cur, ...slice }),
  );
}

export async function runKubernetesServiceController(o: KubernetesServiceOptions & { signal: AbortSignal; clock?: Clock; intervalMs?: number; log?: (line: string) => void }): Promise<void> {
  const clock = o.clock ?? realClock;
  while (!o.signal.aborted) {
    try {
      await reconcileKubernetesService(o);
    } catch (e) {
      if (!o.signal.aborted) o.log?.(`kubernetes service: ${e instanceof Error ? e.message : String(e)}`);
    }
    await sleep(clock, o.intervalMs ?? 10_000, o.signal);
  }
}

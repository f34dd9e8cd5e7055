// The `kubernetes` Service in `default` (ClusterIP 10.96.0.1:443) and its Endpoints/EndpointSlices pointing at
// the live API servers, kept in place as kube-apiserver's kubernetesservice controller and endpoint reconciler do.
// Several API servers may listen on different ports (on one machine): the Endpoints get one subset per port and
// there is one EndpointSlice per port (`kubernetes`, then `kubernetes-<port>`), since a subset or a slice has one
// set of ports for all its addresses.
import type { KubeObject } from '../api/object.js';
import { deepEqual } from '../api/deep-equal.js';
import { isNotFound } from '../client/api-error.js';
import { pathFor, R } from '../client/control/resources.js';
import type { ControllerClient } from '../client/control/types.js';
import { ensureObject } from './self-service.js';

export interface ApiServerEndpoint {
  address: string;
  port: number;
}

export interface KubernetesServiceOptions {
  client: ControllerClient;
  /** The live API servers' addresses and secure ports, as pods should reach them. */
  endpoints: ApiServerEndpoint[];
  serviceIP?: string;
}

const name = 'kubernetes';
const namespace = 'default';
const serviceNameLabel = 'kubernetes.io/service-name';

/** The endpoints grouped by port (ascending), each group's addresses sorted and without repeats. */
export function groupByPort(endpoints: ApiServerEndpoint[]): { port: number; addresses: string[] }[] {
  const byPort = new Map<number, Set<string>>();
  for (const e of endpoints) {
    const set = byPort.get(e.port) ?? new Set<string>();
    set.add(e.address);
    byPort.set(e.port, set);
  }
  return [...byPort.entries()].sort(([a], [b]) => a - b).map(([port, addresses]) => ({ port, addresses: [...addresses].sort() }));
}

const endpointPorts = (port: number) => [{ name: 'https', port, protocol: 'TCP' }];

export async function reconcileKubernetesService(o: KubernetesServiceOptions): Promise<void> {
  const { client } = o;
  const groups = groupByPort(o.endpoints);
  const clusterIP = o.serviceIP ?? '10.96.0.1';
  // The Service's targetPort follows the first live port, the same on every API server; with none live it stays.
  const firstPort = groups[0]?.port;
  const ports = (cur?: KubeObject) => {
    const current = (cur?.['spec'] as Record<string, unknown> | undefined)?.['ports'] as Record<string, unknown>[] | undefined;
    return [{ name: 'https', protocol: 'TCP', port: 443, targetPort: firstPort ?? current?.[0]?.['targetPort'] ?? 6443 }];
  };
  await ensureObject(
    client,
    pathFor(R.services, namespace),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ports: ports(), sessionAffinity: 'None', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] },
    },
    (cur) => deepEqual((cur['spec'] as Record<string, unknown> | undefined)?.['ports'], ports(cur)),
    (cur) => ({ ...cur, spec: { ...(cur['spec'] as object), ports: ports(cur) } }),
  );

  const subsets = groups.map((g) => ({ addresses: g.addresses.map((ip) => ({ ip })), ports: endpointPorts(g.port) }));
  await ensureObject(
    client,
    pathFor(R.endpoints, namespace),
    { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets },
    (cur) => deepEqual(cur['subsets'] ?? [], subsets),
    (cur) => ({ ...cur, subsets }),
  );

  // One slice per port; with no API server live, the `kubernetes` slice stays, empty.
  const slices = (groups.length > 0 ? groups : [undefined]).map((g, i) => ({
    sliceName: i === 0 ? name : `${name}-${g?.port}`,
    body: { addressType: 'IPv4', endpoints: (g?.addresses ?? []).map((a) => ({ addresses: [a], conditions: { ready: true } })), ports: g ? endpointPorts(g.port) : [] },
  }));
  const slicePath = pathFor(R.endpointslices, namespace);
  for (const { sliceName, body } of slices) {
    await ensureObject(
      client,
      slicePath,
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: sliceName, namespace, labels: { [serviceNameLabel]: name } }, ...body },
      (cur) => deepEqual({ addressType: cur['addressType'], endpoints: cur['endpoints'] ?? [], ports: cur['ports'] ?? [] }, body),
      (cur) => ({ ...cur, ...body }),
    );
  }
  const wanted = new Set(slices.map((s) => s.sliceName));
  const existing = await client.list(slicePath, { query: { labelSelector: `${serviceNameLabel}=${name}` } });
  for (const slice of existing.items) {
    const sliceName = slice.metadata.name ?? '';
    if (slice.metadata.labels?.[serviceNameLabel] !== name || wanted.has(sliceName)) continue;
    try {
      await client.delete(`${slicePath}/${sliceName}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

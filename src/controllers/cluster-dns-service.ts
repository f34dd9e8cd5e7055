// The kube-dns Service in kube-system (ClusterIP 10.96.0.10, ports 53/UDP "dns" and 53/TCP "dns-tcp") with
// Endpoints and an EndpointSlice naming the node address where a-kube's DNS server answers. The Service has
// no selector: its endpoint is a-kube itself, kept in place like the kubernetes Service's.
import { sleep } from '../client/informer.js';
import { realClock, type Clock } from '../client/workqueue.js';
import { ensureObject } from './kubernetes-service.js';
import { deepEqual } from '../api/deep-equal.js';
import { pathFor, R } from '../client/control/resources.js';
import type { ControllerClient } from '../client/control/types.js';

export const clusterDnsServiceIP = '10.96.0.10';

export interface ClusterDnsServiceOptions {
  client: ControllerClient;
  /** Where the DNS server listens (the node address). */
  address: string;
  port?: number;
  serviceIP?: string;
}

const labels = { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' };

export async function reconcileClusterDnsService(o: ClusterDnsServiceOptions): Promise<void> {
  const ip = o.serviceIP ?? clusterDnsServiceIP;
  const port = o.port ?? 53;
  const ports = [
    { name: 'dns', protocol: 'UDP', port: 53, targetPort: port },
    { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: port },
  ];
  await ensureObject(
    o.client,
    pathFor(R.services, 'kube-system'),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels, annotations: { 'prometheus.io/scrape': 'false' } },
      spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], ports, sessionAffinity: 'None', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] },
    },
    (cur) => deepEqual((cur['spec'] as Record<string, unknown> | undefined)?.['ports'], ports),
    (cur) => ({ ...cur, spec: { ...(cur['spec'] as object), ports } }),
  );
  const epPorts = [
    { name: 'dns', port, protocol: 'UDP' },
    { name: 'dns-tcp', port, protocol: 'TCP' },
  ];
  const subsets = [{ addresses: [{ ip: o.address }], ports: epPorts }];
  await ensureObject(
    o.client,
    pathFor(R.endpoints, 'kube-system'),
    { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { ...labels, 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets },
    (cur) => deepEqual(cur['subsets'], subsets),
    (cur) => ({ ...cur, subsets }),
  );
  const slice = { addressType: 'IPv4', endpoints: [{ addresses: [o.address], conditions: { ready: true, serving: true, terminating: false } }], ports: epPorts };
  await ensureObject(
    o.client,
    pathFor(R.endpointslices, 'kube-system'),
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'a-kube' } }, ...slice },
    (cur) => deepEqual({ addressType: cur['addressType'], endpoints: cur['endpoints'], ports: cur['ports'] }, slice),
    (cur) => ({ ...cur, ...slice }),
  );
}

export async function runClusterDnsServiceController(o: ClusterDnsServiceOptions & { signal: AbortSignal; clock?: Clock; intervalMs?: number; log?: (line: string) => void }): Promise<void> {
  const clock = o.clock ?? realClock;
  while (!o.signal.aborted) {
    try {
      await reconcileClusterDnsService(o);
    } catch (e) {
      if (!o.signal.aborted) o.log?.(`kube-dns service: ${e instanceof Error ? e.message : String(e)}`);
    }
    await sleep(clock, o.intervalMs ?? 10_000, o.signal);
  }
}

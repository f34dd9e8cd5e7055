// The kube-dns Service in kube-system (ClusterIP 10.96.0.10, ports 53/UDP "dns" and 53/TCP "dns-tcp") with
// Endpoints and an EndpointSlice naming the node address where a-kube's DNS server answers. The Service has
// no selector: its endpoint is a-kube itself, kept in place like the kubernetes Service's.
import type { ControllerClient } from '../client/control/types.js';
import { keepInPlace, reconcileSelfService, type LoopOptions } from './self-service.js';
import type { SelfServiceIdentity } from './self-service-policy.js';

export const clusterDnsServiceIP = '10.96.0.10';

/** The loop's own identity: it may touch only kube-system/kube-dns (self-service-policy.ts). */
export const clusterDnsServiceIdentity: SelfServiceIdentity = { user: 'system:a-kube:kube-dns-service-controller', namespace: 'kube-system', name: 'kube-dns' };

export interface ClusterDnsServiceOptions {
  client: ControllerClient;
  /** Where the DNS server listens (the node address). */
  address: string;
  port?: number;
  serviceIP?: string;
}

const labels = { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' };

export async function reconcileClusterDnsService(o: ClusterDnsServiceOptions): Promise<void> {
  const port = o.port ?? 53;
  await reconcileSelfService(o.client, {
    namespace: clusterDnsServiceIdentity.namespace,
    name: clusterDnsServiceIdentity.name,
    clusterIP: o.serviceIP ?? clusterDnsServiceIP,
    labels,
    annotations: { 'prometheus.io/scrape': 'false' },
    servicePorts: [
      { name: 'dns', protocol: 'UDP', port: 53, targetPort: port },
      { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: port },
    ],
    address: o.address,
    endpointPorts: [
      { name: 'dns', port, protocol: 'UDP' },
      { name: 'dns-tcp', port, protocol: 'TCP' },
    ],
    endpointsLabels: labels,
    sliceLabels: { 'endpointslice.kubernetes.io/managed-by': 'a-kube' },
    sliceConditions: { ready: true, serving: true, terminating: false },
  });
}

export async function runClusterDnsServiceController(o: ClusterDnsServiceOptions & LoopOptions): Promise<void> {
  await keepInPlace('kube-dns service', () => reconcileClusterDnsService(o), o);
}

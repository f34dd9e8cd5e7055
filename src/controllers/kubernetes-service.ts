// The `kubernetes` Service in `default` (ClusterIP 10.96.0.1:443) and its Endpoints/EndpointSlice pointing
// at the API server, kept in place periodically as kube-apiserver's kubernetesservice controller does.
import type { ControllerClient } from '../client/control/types.js';
import { keepInPlace, reconcileSelfService, type LoopOptions } from './self-service.js';

export interface KubernetesServiceOptions {
  client: ControllerClient;
  /** The API server's address and secure port, as pods should reach it. */
  address: string;
  port: number;
  serviceIP?: string;
}

export async function reconcileKubernetesService(o: KubernetesServiceOptions): Promise<void> {
  await reconcileSelfService(o.client, {
    namespace: 'default',
    name: 'kubernetes',
    clusterIP: o.serviceIP ?? '10.96.0.1',
    labels: { component: 'apiserver', provider: 'kubernetes' },
    servicePorts: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: o.port }],
    address: o.address,
    endpointPorts: [{ name: 'https', port: o.port, protocol: 'TCP' }],
    sliceConditions: { ready: true },
  });
}

export async function runKubernetesServiceController(o: KubernetesServiceOptions & LoopOptions): Promise<void> {
  await keepInPlace('kubernetes service', () => reconcileKubernetesService(o), o);
}

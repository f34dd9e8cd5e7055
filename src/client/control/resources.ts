// The resources controllers read and write, and their REST paths.
import { resourcePath } from '../paths.js';

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

const gvr = (group: string, version: string, resource: string): GroupVersionResource => ({ group, version, resource });

export const R = {
  pods: gvr('', 'v1', 'pods'),
  nodes: gvr('', 'v1', 'nodes'),
  namespaces: gvr('', 'v1', 'namespaces'),
  services: gvr('', 'v1', 'services'),
  endpoints: gvr('', 'v1', 'endpoints'),
  events: gvr('', 'v1', 'events'),
  configmaps: gvr('', 'v1', 'configmaps'),
  secrets: gvr('', 'v1', 'secrets'),
  serviceaccounts: gvr('', 'v1', 'serviceaccounts'),
  deployments: gvr('apps', 'v1', 'deployments'),
  replicasets: gvr('apps', 'v1', 'replicasets'),
  replicationcontrollers: gvr('', 'v1', 'replicationcontrollers'),
  statefulsets: gvr('apps', 'v1', 'statefulsets'),
  daemonsets: gvr('apps', 'v1', 'daemonsets'),
  controllerrevisions: gvr('apps', 'v1', 'controllerrevisions'),
  jobs: gvr('batch', 'v1', 'jobs'),
  cronjobs: gvr('batch', 'v1', 'cronjobs'),
  endpointslices: gvr('discovery.k8s.io', 'v1', 'endpointslices'),
  leases: gvr('coordination.k8s.io', 'v1', 'leases'),
  persistentvolumes: gvr('', 'v1', 'persistentvolumes'),
  persistentvolumeclaims: gvr('', 'v1', 'persistentvolumeclaims'),
  storageclasses: gvr('storage.k8s.io', 'v1', 'storageclasses'),
  csinodes: gvr('storage.k8s.io', 'v1', 'csinodes'),
  poddisruptionbudgets: gvr('policy', 'v1', 'poddisruptionbudgets'),
  priorityclasses: gvr('scheduling.k8s.io', 'v1', 'priorityclasses'),
  runtimeclasses: gvr('node.k8s.io', 'v1', 'runtimeclasses'),
} as const;

/** Collection path (name undefined) or object path, all namespaces when namespace is undefined. */
export function pathFor(r: GroupVersionResource, namespace?: string, name?: string, subresource?: string): string {
  return resourcePath({
    group: r.group,
    version: r.version,
    resource: r.resource,
    ...(namespace ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource ? { subresource } : {}),
  });
}

export const apiVersionOf = (r: GroupVersionResource): string => (r.group ? `${r.group}/${r.version}` : r.version);

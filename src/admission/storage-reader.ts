// How the storage admission plugins read StorageClasses: the API server's stores at wiring time, or fixed
// objects in tests. The shape matches a general (group, resource) reader so one reader can serve every plugin.
import type { KubeObject } from '../api/object.js';

export interface GroupResource {
  group: string;
  resource: string;
}

export interface ObjectReader {
  /** The objects of a resource in one namespace ('' = every namespace, or a cluster-scoped resource). */
  list(gr: GroupResource, namespace: string): Promise<readonly Readonly<KubeObject>[]>;
  get(gr: GroupResource, namespace: string, name: string): Promise<Readonly<KubeObject> | undefined>;
}

export const storageClasses: GroupResource = { group: 'storage.k8s.io', resource: 'storageclasses' };

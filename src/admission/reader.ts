// How admission plugins read the objects they decide by (limit ranges, quotas, namespaces, pods): the API server's
// own stores, provided at wiring time (src/cluster/admission.ts), or a fixed set of objects in tests.
import type { KubeObject } from '../api/object.js';

export interface GroupResource {
  group: string;
  resource: string;
}

export interface AdmissionReader {
  /** The objects of a resource in one namespace ('' = every namespace, or a cluster-scoped resource). */
  list(gr: GroupResource, namespace: string): Promise<readonly Readonly<KubeObject>[]>;
  get(gr: GroupResource, namespace: string, name: string): Promise<Readonly<KubeObject> | undefined>;
}

/** A reader over fixed objects, told apart by their apiVersion's group and the resource given. */
export function staticReader(objects: Record<string, Readonly<KubeObject>[]>): AdmissionReader {
  const of = (gr: GroupResource) => objects[gr.group ? `${gr.resource}.${gr.group}` : gr.resource] ?? [];
  return {
    async list(gr, namespace) {
      return of(gr).filter((o) => namespace === '' || o.metadata.namespace === namespace);
    },
    async get(gr, namespace, name) {
      return of(gr).find((o) => o.metadata.name === name && (namespace === '' || o.metadata.namespace === namespace));
    },
  };
}

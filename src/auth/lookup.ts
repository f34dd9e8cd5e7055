// How authentication, TokenRequest and admission read the objects they check (service accounts, secrets,
// pods, nodes): an in-process function the API server provides at wiring time, backed by its stores.
import type { KubeObject } from '../api/object.js';

export type LookupKind = 'ServiceAccount' | 'Secret' | 'Pod' | 'Node';

export interface ObjectLookup {
  /** The current object, or undefined when it does not exist. Nodes ignore the namespace. */
  get(kind: LookupKind, namespace: string, name: string): Promise<Readonly<KubeObject> | undefined>;
}

/** A lookup over a fixed set of objects (tests, and anything that already holds the objects). */
export function staticLookup(objects: Readonly<KubeObject>[]): ObjectLookup {
  return {
    async get(kind, namespace, name) {
      return objects.find((o) => o.kind === kind && o.metadata.name === name && (kind === 'Node' || o.metadata.namespace === namespace));
    },
  };
}

// The shape every API object shares. Kind-specific fields stay `unknown` until a strategy narrows them.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  selfLink?: string;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The newest object by creationTimestamp, the lower name first on a tie (how Kubernetes picks among default classes). */
export function newestObject<T extends Readonly<KubeObject>>(objects: readonly T[]): T | undefined {
  let best: T | undefined;
  let bestAt = -Infinity;
  for (const o of objects) {
    const at = Date.parse(o.metadata.creationTimestamp ?? '') || 0;
    if (!best || at > bestAt || (at === bestAt && (o.metadata.name ?? '') < (best.metadata.name ?? ''))) {
      best = o;
      bestAt = at;
    }
  }
  return best;
}

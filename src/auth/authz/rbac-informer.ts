// Feeds the RBAC index from the API server's watch caches of the four RBAC resources (an in-process
// informer, auth/cache-feed.ts): an initial list, then every event after the list's revision, until the signal aborts.
import type { ResourceCache } from '../../storage/cache-types.js';
import { feedFromCache } from '../cache-feed.js';
import type { RbacIndex, RbacKind } from './rbac-index.js';

export interface RbacSource {
  kind: RbacKind;
  cache: ResourceCache;
  /** Key prefix of the resource in storage, e.g. "/registry/rbac.authorization.k8s.io/roles/". */
  prefix: string;
}

/** Resolves once every source's current state is in the index; keeps following their watches after that. */
export async function runRbacInformer(index: RbacIndex, sources: RbacSource[], signal: AbortSignal, onError: (e: unknown) => void = () => {}): Promise<void> {
  await Promise.all(
    sources.map((src) =>
      feedFromCache(src, { upsert: (o) => index.upsert(src.kind, o), remove: (o) => index.remove(src.kind, o), replace: (items) => index.replace(src.kind, items) }, signal, onError),
    ),
  );
}

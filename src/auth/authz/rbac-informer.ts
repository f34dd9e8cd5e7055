// Feeds the RBAC index from the API server's watch caches of the four RBAC resources (an in-process
// informer): an initial list, then every event after the list's revision, until the signal aborts.
import type { ResourceCache } from '../../storage/cache-types.js';
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
    sources.map(async (src) => {
      await src.cache.ready();
      const initial = await src.cache.list({ prefix: src.prefix });
      for (const obj of initial.items) index.upsert(src.kind, obj);
      void follow(index, src, initial.revision, signal).catch((e: unknown) => {
        if (!signal.aborted) onError(e);
      });
    }),
  );
}

async function follow(index: RbacIndex, src: RbacSource, afterRevision: number, signal: AbortSignal): Promise<void> {
  let after = afterRevision;
  while (!signal.aborted) {
    try {
      for await (const batch of src.cache.watch({ prefix: src.prefix, afterRevision: after, signal })) {
        for (const ev of batch) {
          if (ev.type === 'DELETED') index.remove(src.kind, ev.object);
          else index.upsert(src.kind, ev.object);
          after = ev.revision;
        }
      }
      return;
    } catch {
      if (signal.aborted) return;
      // The watch fell behind the cache's window: list again and carry on from there.
      const relist = await src.cache.list({ prefix: src.prefix });
      index.replace(src.kind, relist.items);
      after = relist.revision;
    }
  }
}

// An in-process informer over one of the API server's watch caches: the current objects first, then every event
// after that list's revision, until the signal aborts; a watch that falls behind the cache's window lists again and
// hands the sink the whole set. Feeds the indexes authorization keeps (RBAC, the Node authorizer's graph).
import type { KubeObject } from '../api/object.js';
import type { ResourceCache } from '../storage/cache-types.js';

export interface CacheSink {
  upsert(obj: Readonly<KubeObject>): void;
  remove(obj: Readonly<KubeObject>): void;
  /** Everything of the resource, after a relist. */
  replace(items: readonly Readonly<KubeObject>[]): void;
}

export interface CacheSource {
  cache: ResourceCache;
  /** Key prefix of the resource in storage, e.g. "/registry/pods/". */
  prefix: string;
}

/** Resolves once the sink holds the resource's current state; keeps following the cache's watch after that. */
export async function feedFromCache(src: CacheSource, sink: CacheSink, signal: AbortSignal, onError: (e: unknown) => void = () => {}): Promise<void> {
  await src.cache.ready();
  const initial = await src.cache.list({ prefix: src.prefix });
  for (const obj of initial.items) sink.upsert(obj);
  void follow(src, sink, initial.revision, signal).catch((e: unknown) => {
    if (!signal.aborted) onError(e);
  });
}

async function follow(src: CacheSource, sink: CacheSink, afterRevision: number, signal: AbortSignal): Promise<void> {
  let after = afterRevision;
  while (!signal.aborted) {
    try {
      for await (const batch of src.cache.watch({ prefix: src.prefix, afterRevision: after, signal })) {
        for (const ev of batch) {
          if (ev.type === 'DELETED') sink.remove(ev.object);
          else sink.upsert(ev.object);
          after = ev.revision;
        }
      }
      return;
    } catch {
      if (signal.aborted) return;
      const relist = await src.cache.list({ prefix: src.prefix });
      sink.replace(relist.items);
      after = relist.revision;
    }
  }
}

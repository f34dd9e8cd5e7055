// A fake of the list/watch calls informers make: objects per collection path, and changes pushed to every
// open watch of that path. Enough to drive the service proxy and the DNS server without an API server.
import type { KubeList, KubeObject } from '../../../../src/api/object.js';
import type { WatchEvent } from '../../../../src/client/watch.js';

export class FakeFeed {
  readonly #items = new Map<string, Map<string, KubeObject>>();
  readonly #watchers = new Map<string, Set<(e: WatchEvent) => void>>();
  #rv = 1;

  #collection(path: string): Map<string, KubeObject> {
    let m = this.#items.get(path);
    if (!m) this.#items.set(path, (m = new Map()));
    return m;
  }

  #emit(path: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    for (const w of this.#watchers.get(path) ?? []) w({ type, object: structuredClone(obj) });
  }

  /** Adds or replaces an object (keyed by namespace/name) in a collection. */
  put(path: string, obj: KubeObject): void {
    const o = structuredClone(obj);
    o.metadata.resourceVersion = String(++this.#rv);
    const key = `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
    const existed = this.#collection(path).has(key);
    this.#collection(path).set(key, o);
    this.#emit(path, existed ? 'MODIFIED' : 'ADDED', o);
  }

  remove(path: string, namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const o = this.#collection(path).get(key);
    if (!o) return;
    this.#collection(path).delete(key);
    this.#emit(path, 'DELETED', { ...o, metadata: { ...o.metadata, resourceVersion: String(++this.#rv) } });
  }

  async list<T extends KubeObject = KubeObject>(path: string): Promise<KubeList<T>> {
    return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: String(this.#rv) }, items: [...this.#collection(path).values()].map((o) => structuredClone(o) as T) };
  }

  async *watch(path: string, _query: unknown, signal?: AbortSignal): AsyncIterable<WatchEvent> {
    const queue: WatchEvent[] = [];
    let wake: (() => void) | undefined;
    const push = (e: WatchEvent) => {
      queue.push(e);
      wake?.();
    };
    let set = this.#watchers.get(path);
    if (!set) this.#watchers.set(path, (set = new Set()));
    set.add(push);
    const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
    try {
      while (!signal?.aborted) {
        while (queue.length > 0) yield queue.shift()!;
        await Promise.race([new Promise<void>((r) => (wake = r)), aborted]);
        wake = undefined;
      }
    } finally {
      set.delete(push);
    }
  }
}

// The configMaps and secrets the node's pods mount, each kept current by a watch of that one object (the
// kubelet's Watch change-detection strategy): a watch starts when the first pod referencing the object is set
// up and ends when the last one lets go. Volume set-up reads the watched copy; a change to an object (data,
// created, deleted) names the pods that mount it, so their volumes are rewritten within moments instead of at
// the next periodic resync.
import type { KubeObject } from '../../api/object.js';
import { Informer, restListerWatcher } from '../../client/informer.js';
import type { RestClient } from '../../client/rest.js';
import type { Clock } from '../../client/workqueue.js';

export type WatchedResource = 'configmaps' | 'secrets';

export interface ObjectRef {
  resource: WatchedResource;
  namespace: string;
  name: string;
}

export function refKey(r: ObjectRef): string {
  return `${r.resource}/${r.namespace}/${r.name}`;
}

interface Watched {
  informer: Informer;
  stop: AbortController;
  /** Pod keys (namespace/name) that mount it. */
  pods: Set<string>;
}

export interface ObjectWatchOptions {
  client: Pick<RestClient, 'list' | 'watch'>;
  signal: AbortSignal;
  clock?: Clock;
  log?: (line: string) => void;
  /** How long a read waits for a new watch's first list before the caller falls back to a GET. */
  syncWaitMs?: number;
}

export class ObjectWatcher {
  readonly #o: ObjectWatchOptions;
  readonly #watched = new Map<string, Watched>();
  /** Pod key → the refs it holds. */
  readonly #byPod = new Map<string, Set<string>>();
  #onChange: (podKeys: string[]) => void = () => {};

  constructor(o: ObjectWatchOptions) {
    this.#o = o;
    o.signal.addEventListener('abort', () => this.#stopAll(), { once: true });
  }

  /** Who hears about changes (the node agent queues the pods for a sync). */
  onChange(fn: (podKeys: string[]) => void): void {
    this.#onChange = fn;
  }

  /** The pod mounts exactly these objects now (earlier references it no longer has are released). */
  hold(podKey: string, refs: ObjectRef[]): void {
    const next = new Set(refs.map(refKey));
    const prev = this.#byPod.get(podKey) ?? new Set<string>();
    for (const key of prev) if (!next.has(key)) this.#releaseOne(podKey, key);
    for (const r of refs) {
      const key = refKey(r);
      if (prev.has(key)) continue;
      (this.#watched.get(key) ?? this.#start(key, r)).pods.add(podKey);
    }
    if (next.size === 0) this.#byPod.delete(podKey);
    else this.#byPod.set(podKey, next);
  }

  /** The pod is gone from the node. */
  release(podKey: string): void {
    for (const key of this.#byPod.get(podKey) ?? []) this.#releaseOne(podKey, key);
    this.#byPod.delete(podKey);
  }

  /**
   * The watched copy: the object, `null` when the watch has listed and the object does not exist, or
   * `undefined` when the watch has not listed yet within the wait (the caller reads it from the server).
   */
  async get(r: ObjectRef): Promise<KubeObject | null | undefined> {
    const w = this.#watched.get(refKey(r));
    if (!w) return undefined;
    if (!w.informer.hasSynced()) {
      const wait = AbortSignal.any([w.stop.signal, AbortSignal.timeout(this.#o.syncWaitMs ?? 5000)]);
      if (!(await w.informer.waitForSync(wait))) return undefined;
    }
    return w.informer.store.get(`${r.namespace}/${r.name}`) ?? null;
  }

  /** How many objects are watched now (tests, diagnostics). */
  get size(): number {
    return this.#watched.size;
  }

  #start(key: string, r: ObjectRef): Watched {
    const stop = new AbortController();
    const informer = new Informer({
      listerWatcher: restListerWatcher(this.#o.client, { path: `/api/v1/namespaces/${encodeURIComponent(r.namespace)}/${r.resource}`, fieldSelector: `metadata.name=${r.name}` }),
      ...(this.#o.clock ? { clock: this.#o.clock } : {}),
      name: `${r.resource} ${r.namespace}/${r.name} for volumes`,
      ...(this.#o.log ? { log: this.#o.log } : {}),
    });
    const w: Watched = { informer, stop, pods: new Set() };
    const changed = () => {
      // The first list is what set-up reads; only later changes concern mounted volumes.
      if (informer.hasSynced() && w.pods.size > 0) this.#onChange([...w.pods]);
    };
    informer.addEventHandler({
      add: changed,
      update: (a, b) => {
        if (a.metadata.resourceVersion !== b.metadata.resourceVersion) changed();
      },
      delete: changed,
    });
    this.#watched.set(key, w);
    void informer.run(AbortSignal.any([stop.signal, this.#o.signal]));
    return w;
  }

  #releaseOne(podKey: string, key: string): void {
    const w = this.#watched.get(key);
    if (!w) return;
    w.pods.delete(podKey);
    if (w.pods.size > 0) return;
    w.stop.abort();
    this.#watched.delete(key);
  }

  #stopAll(): void {
    for (const w of this.#watched.values()) w.stop.abort();
    this.#watched.clear();
    this.#byPod.clear();
  }
}

/** The configMaps and secrets a pod's volumes mount (plain and projected). */
export function volumeRefs(namespace: string, volumes: Record<string, unknown>[]): ObjectRef[] {
  const out = new Map<string, ObjectRef>();
  const add = (resource: WatchedResource, name: unknown) => {
    if (typeof name !== 'string' || name === '') return;
    const r = { resource, namespace, name };
    out.set(refKey(r), r);
  };
  const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  for (const v of volumes) {
    if (v['configMap'] !== undefined) add('configmaps', rec(v['configMap'])['name']);
    if (v['secret'] !== undefined) add('secrets', rec(v['secret'])['secretName']);
    const sources = rec(v['projected'])['sources'];
    if (Array.isArray(sources)) {
      for (const s of sources) {
        if (rec(s)['configMap'] !== undefined) add('configmaps', rec(rec(s)['configMap'])['name']);
        if (rec(s)['secret'] !== undefined) add('secrets', rec(rec(s)['secret'])['name']);
      }
    }
  }
  return [...out.values()];
}

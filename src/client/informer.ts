// Informers (client-go's reflector + indexer + shared informer): list, then watch from the list's
// resourceVersion, keep a local indexed cache, relist when the server says the version is too old (410),
// resync periodically, and tell handlers about adds, updates and deletes. Handlers should only enqueue keys.
import type { KubeList, KubeObject } from '../api/object.js';
import { ApiError } from './api-error.js';
import type { Query } from './paths.js';
import type { RestClient } from './rest.js';
import type { WatchEvent } from './watch.js';
import { realClock, type Clock } from './workqueue.js';

export interface ListerWatcher {
  list(opts: { continue?: string; limit?: number; signal: AbortSignal }): Promise<KubeList>;
  watch(opts: { resourceVersion: string; timeoutSeconds: number; signal: AbortSignal }): AsyncIterable<WatchEvent>;
}

export interface CollectionSelector {
  /** Collection path, e.g. "/api/v1/pods" or "/apis/apps/v1/namespaces/ns-1/deployments". */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export function restListerWatcher(client: Pick<RestClient, 'list' | 'watch'>, sel: CollectionSelector): ListerWatcher {
  const selectors: Record<string, string> = {};
  if (sel.labelSelector) selectors['labelSelector'] = sel.labelSelector;
  if (sel.fieldSelector) selectors['fieldSelector'] = sel.fieldSelector;
  return {
    list: ({ continue: cont, limit, signal }) => client.list(sel.path, { query: { ...selectors, limit, continue: cont }, signal }),
    watch: ({ resourceVersion, timeoutSeconds, signal }) => {
      const query: Query = { ...selectors, resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds };
      return client.watch(sel.path, query, signal);
    },
  };
}

/** "namespace/name", or "name" for cluster-scoped objects (client-go's MetaNamespaceKeyFunc). */
export function objectKey(obj: { metadata: { namespace?: string; name?: string } }): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name ?? ''}` : (obj.metadata.name ?? '');
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export type IndexFunc = (obj: KubeObject) => string[];

export const namespaceIndex = 'namespace';
export const ownerUidIndex = 'ownerUid';
export const byOwnerUid: IndexFunc = (obj) => (obj.metadata.ownerReferences ?? []).map((r) => r.uid);

/**
 * The informer's local cache. Objects in it are shared: never change one, structuredClone it first.
 * Usable on its own as a seeded lister in tests.
 */
export class Indexer {
  readonly #items = new Map<string, KubeObject>();
  readonly #indexers: Record<string, IndexFunc>;
  readonly #indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc> = {}, items: KubeObject[] = []) {
    this.#indexers = { [namespaceIndex]: (o) => [o.metadata.namespace ?? ''], ...indexers };
    for (const name of Object.keys(this.#indexers)) this.#indices.set(name, new Map());
    for (const item of items) this.upsert(item);
  }

  addIndexers(indexers: Record<string, IndexFunc>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.#indexers[name]) continue;
      this.#indexers[name] = fn;
      const index = new Map<string, Set<string>>();
      this.#indices.set(name, index);
      for (const [key, obj] of this.#items) for (const v of fn(obj)) addTo(index, v, key);
    }
  }

  get(key: string): KubeObject | undefined {
    return this.#items.get(key);
  }

  list(): KubeObject[] {
    return [...this.#items.values()];
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  get size(): number {
    return this.#items.size;
  }

  byNamespace(namespace: string): KubeObject[] {
    return this.byIndex(namespaceIndex, namespace);
  }

  byIndex(indexName: string, value: string): KubeObject[] {
    const index = this.#indices.get(indexName);
    if (!index) throw new Error(`no index named ${JSON.stringify(indexName)}`);
    const out: KubeObject[] = [];
    for (const key of index.get(value) ?? []) {
      const obj = this.#items.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** Returns the object it replaced. */
  upsert(obj: KubeObject): KubeObject | undefined {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    if (old) this.#unindex(key, old);
    this.#items.set(key, obj);
    for (const [name, fn] of Object.entries(this.#indexers)) {
      const index = this.#indices.get(name);
      if (index) for (const v of fn(obj)) addTo(index, v, key);
    }
    return old;
  }

  remove(key: string): KubeObject | undefined {
    const old = this.#items.get(key);
    if (!old) return undefined;
    this.#unindex(key, old);
    this.#items.delete(key);
    return old;
  }

  #unindex(key: string, obj: KubeObject): void {
    for (const [name, fn] of Object.entries(this.#indexers)) {
      const index = this.#indices.get(name);
      if (!index) continue;
      for (const v of fn(obj)) {
        const set = index.get(v);
        set?.delete(key);
        if (set?.size === 0) index.delete(v);
      }
    }
  }
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let set = index.get(value);
  if (!set) index.set(value, (set = new Set()));
  set.add(key);
}

export interface EventHandlers {
  add?(obj: KubeObject): void;
  update?(oldObj: KubeObject, newObj: KubeObject): void;
  delete?(obj: KubeObject): void;
}

export interface InformerOptions {
  listerWatcher: ListerWatcher;
  /** 0 or undefined: no periodic resync. */
  resyncPeriodMs?: number;
  indexers?: Record<string, IndexFunc>;
  clock?: Clock;
  /** For log lines. */
  name?: string;
  log?: (line: string) => void;
  pageSize?: number;
}

export class Informer {
  readonly store: Indexer;
  readonly #opts: InformerOptions;
  readonly #clock: Clock;
  readonly #handlers: EventHandlers[] = [];
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #lastResourceVersion = '';
  #running = false;

  constructor(opts: InformerOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
    this.store = new Indexer(opts.indexers);
  }

  get name(): string {
    return this.#opts.name ?? 'informer';
  }

  /** A handler added after the first sync is told about every cached object as an add. */
  addEventHandler(h: EventHandlers): void {
    this.#handlers.push(h);
    if (this.#synced && h.add) for (const obj of this.store.list()) h.add(obj);
  }

  addIndexers(indexers: Record<string, IndexFunc>): void {
    this.store.addIndexers(indexers);
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  get lastResourceVersion(): string {
    return this.#lastResourceVersion;
  }

  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      };
      const onAbort = () => {
        this.#syncWaiters = this.#syncWaiters.filter((w) => w !== done);
        resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push(done);
    });
  }

  /** Lists and watches until the signal aborts. Safe to call once; a second call returns at once. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const stopResync = this.#startResync();
    let failures = 0;
    try {
      let needList = true;
      while (!signal.aborted) {
        try {
          if (needList) {
            await this.#listAndReplace(signal);
            needList = false;
            if (signal.aborted) break;
          }
          const ended = await this.#watch(signal);
          failures = 0;
          if (ended === 'expired') needList = true;
        } catch (e) {
          if (signal.aborted) break;
          if (isExpired(e)) {
            needList = true;
            continue;
          }
          failures++;
          this.#opts.log?.(`${this.name}: ${e instanceof Error ? e.message : String(e)}; retrying`);
          await sleep(this.#clock, Math.min(30_000, 200 * 2 ** Math.min(failures, 8)), signal);
        }
      }
    } finally {
      stopResync();
      this.#running = false;
    }
  }

  async #listAndReplace(signal: AbortSignal): Promise<void> {
    const items: KubeObject[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.#opts.listerWatcher.list({ ...(cont ? { continue: cont } : {}), limit: this.#opts.pageSize ?? 500, signal });
      for (const item of page.items) items.push(withKind(item, page));
      rv = page.metadata.resourceVersion ?? rv;
      cont = page.metadata.continue || undefined;
    } while (cont);
    this.replace(items, rv);
  }

  /** Makes the cache hold exactly `items` (a fresh list), telling handlers what changed. */
  replace(items: KubeObject[], resourceVersion: string): void {
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(objectKey(obj));
      this.#apply('ADDED', obj);
    }
    for (const key of this.store.keys()) {
      if (seen.has(key)) continue;
      const old = this.store.remove(key);
      if (old) for (const h of this.#handlers) h.delete?.(old);
    }
    this.#lastResourceVersion = resourceVersion;
    if (!this.#synced) {
      this.#synced = true;
      const waiters = this.#syncWaiters;
      this.#syncWaiters = [];
      for (const w of waiters) w();
    }
  }

  async #watch(signal: AbortSignal): Promise<'ended' | 'expired'> {
    // A random 5–10 minute server-side timeout, as client-go's reflector asks for, spreads reconnections.
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    const stream = this.#opts.listerWatcher.watch({ resourceVersion: this.#lastResourceVersion, timeoutSeconds, signal });
    for await (const ev of stream) {
      if (ev.type === 'ERROR') {
        if (ev.object.code === 410) return 'expired';
        throw new ApiError(ev.object);
      }
      this.handleEvent(ev);
    }
    return 'ended';
  }

  /** Applies one watch event to the cache (exposed for tests and for feeding the cache by hand). */
  handleEvent(ev: Exclude<WatchEvent, { type: 'ERROR' }>): void {
    const rv = ev.object.metadata.resourceVersion;
    if (ev.type !== 'BOOKMARK') this.#apply(ev.type, ev.object);
    if (rv) this.#lastResourceVersion = rv;
  }

  #apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject): void {
    if (type === 'DELETED') {
      this.store.remove(objectKey(obj));
      for (const h of this.#handlers) h.delete?.(obj);
      return;
    }
    const old = this.store.upsert(obj);
    for (const h of this.#handlers) {
      if (old) h.update?.(old, obj);
      else h.add?.(obj);
    }
  }

  #startResync(): () => void {
    const period = this.#opts.resyncPeriodMs ?? 0;
    if (period <= 0) return () => {};
    let cancel = () => {};
    const tick = () => {
      if (this.#synced) for (const obj of this.store.list()) for (const h of this.#handlers) h.update?.(obj, obj);
      cancel = this.#clock.setTimer(tick, period);
    };
    cancel = this.#clock.setTimer(tick, period);
    return () => cancel();
  }
}

function withKind(item: KubeObject, list: KubeList): KubeObject {
  if (item.kind && item.apiVersion) return item;
  return { ...item, apiVersion: list.apiVersion, kind: list.kind.replace(/List$/, '') };
}

function isExpired(e: unknown): boolean {
  return e instanceof ApiError && (e.code === 410 || e.reason === 'Expired' || e.reason === 'Gone');
}

export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      cancel();
      resolve();
    };
    const cancel = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface InformerRequest extends CollectionSelector {
  indexers?: Record<string, IndexFunc>;
}

/** One informer per (path, selectors), shared by every controller that asks for it. */
export class SharedInformerFactory {
  readonly #informers = new Map<string, Informer>();
  readonly #client: Pick<RestClient, 'list' | 'watch'>;
  readonly #opts: { resyncPeriodMs?: number; clock?: Clock; log?: (line: string) => void };
  #signal: AbortSignal | undefined;

  constructor(client: Pick<RestClient, 'list' | 'watch'>, opts: { resyncPeriodMs?: number; clock?: Clock; log?: (line: string) => void } = {}) {
    this.#client = client;
    this.#opts = opts;
  }

  informerFor(req: InformerRequest): Informer {
    const id = `${req.path}?l=${req.labelSelector ?? ''}&f=${req.fieldSelector ?? ''}`;
    let inf = this.#informers.get(id);
    if (!inf) {
      inf = new Informer({
        listerWatcher: restListerWatcher(this.#client, req),
        name: id,
        ...(req.indexers ? { indexers: req.indexers } : {}),
        ...this.#opts,
      });
      this.#informers.set(id, inf);
      // Informers asked for after start() begin at once.
      if (this.#signal) void inf.run(this.#signal);
    } else if (req.indexers) {
      inf.addIndexers(req.indexers);
    }
    return inf;
  }

  start(signal: AbortSignal): void {
    this.#signal = signal;
    for (const inf of this.#informers.values()) void inf.run(signal);
  }

  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.#informers.values()].map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }
}

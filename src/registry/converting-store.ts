// A custom resource version served through an asynchronous converter (a CRD's conversion webhook): the store
// shares the storage version's watch cache, whose objects stay in the storage version, and converts at its edges —
// reads, list pages and watch batches on the way out (one conversion call per read, page or batch), the
// object being written on the way in, the current object of a write on the way back. The version's own strategy
// (schema, defaults, validation, tables) works on objects of this version, as in kube-apiserver.
// Selectors of lists and watches are evaluated on the converted objects, in the requested version (a
// selectableField may have another path in each version, and a converter may change labels): lists read the
// storage version unfiltered, page by page at one revision, until a page of `limit` matching objects is full;
// watches take every event and turn it, as the cache does for a filtered watcher, into ADDED when the converted
// object starts matching and DELETED when it stops.
import type { KubeObject } from '../api/object.js';
import { groupVersion } from '../api/resource-info.js';
import { eventForFilter } from '../storage/index.js';
import { Store } from './store.js';
import type { ListOptions, ListResult, ObjectConverter, StoreOptions, StoreWatchEvent, WatchOptions } from './store-types.js';

export class ConvertingStore extends Store {
  readonly #converter: ObjectConverter;
  readonly #served: string;
  readonly #stored: string;

  /** `opts.cache` is the storage version's cache; `storageVersion` the version its objects are in. */
  constructor(opts: StoreOptions, storageVersion: string, converter: ObjectConverter) {
    super(opts);
    this.#converter = converter;
    this.#served = groupVersion(this.resource);
    this.#stored = groupVersion({ group: this.resource.group, version: storageVersion });
  }

  #toServed(objs: readonly Readonly<KubeObject>[]): Promise<KubeObject[]> {
    return this.#converter.convert(objs, this.#served, { apiVersion: this.#stored, kind: this.resource.kind });
  }

  protected override async fromStorage(obj: KubeObject): Promise<KubeObject> {
    const [out] = await this.#toServed([obj]);
    return out!;
  }

  protected override async toStorage(obj: KubeObject): Promise<KubeObject> {
    const [out] = await this.#converter.convert([obj], this.#stored, { apiVersion: this.#served, kind: this.resource.kind });
    return out!;
  }

  override async get(namespace: string, name: string, resourceVersion?: string): Promise<Readonly<KubeObject>> {
    return this.fromStorage(await super.get(namespace, name, resourceVersion) as KubeObject);
  }

  override async list(namespace: string, o: ListOptions = {}): Promise<ListResult> {
    const { filter, ...unfiltered } = o;
    let page = await super.list(namespace, unfiltered);
    if (!filter) return page.items.length === 0 ? page : { ...page, items: await this.#toServed(page.items) };
    const limit = o.limit ?? 0;
    const items: KubeObject[] = [];
    for (;;) {
      const converted = page.items.length === 0 ? [] : await this.#toServed(page.items);
      for (const [i, obj] of converted.entries()) {
        if (!filter(obj)) continue;
        items.push(obj);
        if (limit && items.length === limit) {
          const more = i < converted.length - 1 || page.nextKey !== undefined;
          const last = page.items[i]!;
          return more ? { items, revision: page.revision, nextKey: this.keyFor(last.metadata.namespace ?? '', last.metadata.name ?? '') } : { items, revision: page.revision };
        }
      }
      if (page.nextKey === undefined) return { items, revision: page.revision };
      // the next page of the same snapshot
      page = await super.list(namespace, { ...(o.limit ? { limit: o.limit } : {}), continueFrom: { key: page.nextKey, revision: page.revision } });
    }
  }

  override async *watch(namespace: string, o: WatchOptions): AsyncGenerator<StoreWatchEvent[]> {
    const { filter, ...unfiltered } = o;
    for await (const batch of super.watch(namespace, unfiltered)) {
      // every object of the batch (and the previous states some events carry) in one conversion call
      const objs: Readonly<KubeObject>[] = [];
      for (const e of batch) {
        if (e.type === 'INITIAL_END') continue;
        objs.push(e.object);
        if (e.prevObject) objs.push(e.prevObject);
      }
      if (objs.length === 0) {
        yield batch;
        continue;
      }
      const converted = await this.#toServed(objs);
      let i = 0;
      const out: StoreWatchEvent[] = [];
      for (const e of batch) {
        if (e.type === 'INITIAL_END') {
          out.push(e);
          continue;
        }
        const object = converted[i++]!;
        const event = e.prevObject ? { ...e, object, prevObject: converted[i++]! } : { ...e, object };
        const seen = eventForFilter(event, filter);
        if (seen) out.push(seen);
      }
      if (out.length > 0) yield out;
    }
  }
}

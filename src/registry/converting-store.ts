// A custom resource version served through an asynchronous converter (a CRD's conversion webhook): the store
// shares the storage version's watch cache, whose objects stay in the storage version, and converts at its edges —
// reads, list pages and watch batches on the way out (one conversion call per read, page or batch), the
// object being written on the way in, the current object of a write on the way back. The version's own strategy
// (schema, defaults, validation, tables) works on objects of this version, as in kube-apiserver.
// Selectors of lists and watches are evaluated on the stored form (labels, names and namespaces are the same in
// every version unless the converter changes labels).
import type { KubeObject } from '../api/object.js';
import { groupVersion } from '../api/resource-info.js';
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
    const result = await super.list(namespace, o);
    if (result.items.length === 0) return result;
    return { ...result, items: await this.#toServed(result.items) };
  }

  override async *watch(namespace: string, o: WatchOptions): AsyncGenerator<StoreWatchEvent[]> {
    for await (const batch of super.watch(namespace, o)) {
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
      yield batch.map((e) => {
        if (e.type === 'INITIAL_END') return e;
        const object = converted[i++]!;
        if (!e.prevObject) return { ...e, object };
        return { ...e, object, prevObject: converted[i++]! };
      });
    }
  }
}

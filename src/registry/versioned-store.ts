// A Store seen through another served version of its resource: objects are stored in the storage version and
// converted on the way in (create, the result of an update function) and on the way out (reads, watch events,
// write results). Selectors, field labels, tables and validation work on the stored form.
import type { KubeObject } from '../api/object.js';
import { groupVersion, type ResourceInfo } from '../api/resource-info.js';
import type { VersionConversion } from './conversion/index.js';
import { Store } from './store.js';
import type { Strategy } from './strategy.js';
import type { DeleteOptions, ListOptions, ListResult, StoreOptions, StoreWatchEvent, UpdateFn, UpdateOptions, WatchOptions, WriteOptions } from './store-types.js';

export class VersionedStore extends Store {
  readonly view: ResourceInfo;
  readonly #conversion: VersionConversion;

  constructor(opts: StoreOptions, view: ResourceInfo, conversion: VersionConversion) {
    super(opts);
    this.view = view;
    this.#conversion = conversion;
  }

  /** The storage version's rules, with tables and field labels reading any version's objects. */
  override get strategy(): Strategy {
    const base = super.strategy;
    const stored = (obj: Readonly<KubeObject>) => this.#conversion.convert(obj, this.#conversion.storageVersion);
    const table = base.table;
    const fieldLabels = base.fieldLabels;
    return {
      ...base,
      ...(table ? { table: { columns: table.columns, cells: (obj: KubeObject, now: Date) => table.cells(stored(obj), now) } } : {}),
      ...(fieldLabels ? { fieldLabels: (obj: KubeObject) => fieldLabels(stored(obj)) } : {}),
    };
  }

  #out = (obj: Readonly<KubeObject>): KubeObject => this.#conversion.convert(obj, this.view.version);

  #in(obj: Readonly<KubeObject>): KubeObject {
    // A body sent to this version is of this version, whatever apiVersion a patch left in it.
    return this.#conversion.convert({ ...obj, apiVersion: groupVersion(this.view) }, this.#conversion.storageVersion);
  }

  override async get(namespace: string, name: string, resourceVersion?: string): Promise<Readonly<KubeObject>> {
    return this.#out(await super.get(namespace, name, resourceVersion));
  }

  override async list(namespace: string, o: ListOptions = {}): Promise<ListResult> {
    const result = await super.list(namespace, o);
    return { ...result, items: result.items.map(this.#out) };
  }

  override async *watch(namespace: string, o: WatchOptions): AsyncGenerator<StoreWatchEvent[]> {
    for await (const batch of super.watch(namespace, o)) {
      yield batch.map((e) => (e.type === 'INITIAL_END' ? e : { ...e, object: this.#out(e.object), ...(e.prevObject ? { prevObject: this.#out(e.prevObject) } : {}) }));
    }
  }

  override async create(namespace: string, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const stored = input.apiVersion === groupVersion(this.view) ? this.#in(input) : input;
    return this.#out(await super.create(namespace, stored, opts));
  }

  override async update(namespace: string, name: string, tryUpdate: UpdateFn, opts: UpdateOptions = {}): Promise<{ object: KubeObject; created: boolean }> {
    const r = await super.update(namespace, name, async (current) => this.#in(await tryUpdate(current ? this.#out(current) : undefined)), opts);
    return { object: this.#out(r.object), created: r.created };
  }

  override async delete(namespace: string, name: string, opts: DeleteOptions = {}): Promise<{ object: KubeObject; deleted: boolean }> {
    const r = await super.delete(namespace, name, opts);
    return { object: this.#out(r.object), deleted: r.deleted };
  }
}

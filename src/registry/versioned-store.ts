// A Store seen through another served version of its resource (or, for Events, another group): objects are
// stored in the storage version and converted on the way in (create, the result of an update function) and on the
// way out (reads, watch events, write results). Selectors, field labels, tables and validation are the storage
// version's, on the stored form, unless the conversion gives each version its own rules (`servedRules`): then
// the served version's strategy sees each object converted to its form. Keys stay the storage resource's;
// errors name the served resource.
import type { KubeObject } from '../api/object.js';
import { groupVersion, type ResourceInfo } from '../api/resource-info.js';
import type { VersionConversion } from './conversion/index.js';
import { Store } from './store.js';
import type { Strategy } from './strategy.js';
import type { DeleteOptions, ListOptions, ListResult, StoreOptions, StoreWatchEvent, UpdateFn, UpdateOptions, WatchOptions, WriteOptions } from './store-types.js';

export class VersionedStore extends Store {
  readonly view: ResourceInfo;
  readonly #conversion: VersionConversion;
  readonly #viewApiVersion: string;
  readonly #storedApiVersion: string;
  /** The served version's own strategy, when the conversion gives it its own rules. */
  readonly #viewRules: Strategy | undefined;
  #strategy: Strategy | undefined;

  constructor(opts: StoreOptions, view: ResourceInfo, conversion: VersionConversion, viewRules?: Strategy) {
    super(opts);
    this.view = view;
    this.#conversion = conversion;
    this.#viewApiVersion = groupVersion(view);
    this.#storedApiVersion = groupVersion(conversion.storage);
    this.#viewRules = conversion.servedRules ? viewRules : undefined;
  }

  /**
   * The storage version's rules (defaults, preparation, keys), with validation, field labels and tables either
   * the storage version's reading any version's objects, or the served version's reading its own form.
   */
  override get strategy(): Strategy {
    this.#strategy ??= this.#composeStrategy();
    return this.#strategy;
  }

  #composeStrategy(): Strategy {
    const base = super.strategy;
    const own = this.#viewRules;
    if (!own) {
      const stored = (obj: Readonly<KubeObject>) => this.#conversion.convert(obj, this.#storedApiVersion);
      const { table, fieldLabels } = base;
      return {
        ...base,
        ...(table ? { table: { columns: table.columns, cells: (obj: KubeObject, now: Date) => table.cells(stored(obj), now) } } : {}),
        ...(fieldLabels ? { fieldLabels: (obj: KubeObject) => fieldLabels(stored(obj)) } : {}),
      };
    }
    const seen = this.#out;
    const { table, fieldLabels, validateUpdate } = own;
    // what the storage version's strategy says about these is replaced, never mixed in
    const { table: _t, fieldLabels: _f, validateUpdate: _u, ...keep } = base;
    return {
      ...keep,
      validate: (obj) => own.validate(seen(obj)),
      ...(validateUpdate ? { validateUpdate: (obj: KubeObject, old: KubeObject) => validateUpdate(seen(obj), seen(old)) } : {}),
      ...(table ? { table: { columns: table.columns, cells: (obj: KubeObject, now: Date) => table.cells(seen(obj), now) } } : {}),
      ...(fieldLabels ? { fieldLabels: (obj: KubeObject) => fieldLabels(seen(obj)) } : {}),
    };
  }

  protected override get errorResource(): ResourceInfo {
    return this.view;
  }

  #out = (obj: Readonly<KubeObject>): KubeObject => this.#conversion.convert(obj, this.#viewApiVersion);

  #in(obj: Readonly<KubeObject>): KubeObject {
    // A body sent to this version is of this version, whatever apiVersion a patch left in it.
    return this.#conversion.convert({ ...obj, apiVersion: this.#viewApiVersion }, this.#storedApiVersion);
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

  /** Field management records a write in the served version's fields: it sees the objects in that form. */
  #managedIn<T extends { managedFields?: WriteOptions['managedFields'] }>(opts: T): T {
    const record = opts.managedFields;
    return record ? { ...opts, managedFields: (live: Readonly<KubeObject> | undefined, obj: KubeObject) => record(live ? this.#out(live) : undefined, this.#out(obj)) } : opts;
  }

  override async create(namespace: string, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const stored = input.apiVersion === this.#viewApiVersion ? this.#in(input) : input;
    return this.#out(await super.create(namespace, stored, this.#managedIn(opts)));
  }

  override async update(namespace: string, name: string, tryUpdate: UpdateFn, opts: UpdateOptions = {}): Promise<{ object: KubeObject; created: boolean }> {
    const r = await super.update(namespace, name, async (current) => this.#in(await tryUpdate(current ? this.#out(current) : undefined)), this.#managedIn(opts));
    return { object: this.#out(r.object), created: r.created };
  }

  override async delete(namespace: string, name: string, opts: DeleteOptions = {}): Promise<{ object: KubeObject; deleted: boolean }> {
    const r = await super.delete(namespace, name, opts);
    return { object: this.#out(r.object), deleted: r.deleted };
  }
}

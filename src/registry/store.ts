// The one generic store: CRUD + watch for every resource, over Storage (writes, consistent reads),
// a ResourceCache (list/watch/get) and the kind's Strategy (defaults, validation, status rules).
// Storage errors become API errors here, at one seam.
import { setOwn } from '../api/own.js';
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { deepEqual } from '../api/deep-equal.js';
import { decodeError } from '../api/schema/index.js';
import { errors, field, StatusError, type FieldError } from '../api/status.js';
import type { ResourceCache } from '../storage/cache-types.js';
import { StorageError, type KeyValue } from '../storage/types.js';
import type { Strategy } from './strategy.js';
import type { DeleteOptions, Filter, ListOptions, ListResult, StoreOptions, StoreWatchEvent, UpdateFn, UpdateOptions, WatchOptions, WriteOptions } from './store-types.js';
import { generateName, generateNameAttempts } from './generate-name.js';
import { continueExpiredMessage, decode, encode, parseRevision, resourcePrefix, secondsTimestamp } from './storage-codec.js';
import { applyPropagationFinalizers, copyOrDelete, goQuotedList, hasSpecFinalizers } from './deletion-rules.js';

export class Store {
  readonly resource: ResourceInfo;
  readonly prefix: string;
  private readonly now: () => Date;

  constructor(private readonly opts: StoreOptions) {
    this.resource = opts.strategy.resource;
    this.prefix = resourcePrefix(this.resource);
    this.now = opts.now ?? (() => new Date());
  }

  get cache(): ResourceCache {
    return this.opts.cache;
  }

  get strategy(): Strategy {
    return this.opts.strategy;
  }

  keyFor(namespace: string, name: string): string {
    return this.resource.namespaced ? `${this.prefix}${namespace}/${name}` : `${this.prefix}${name}`;
  }

  /** The key prefix of one namespace, or of the whole resource. */
  listPrefix(namespace: string): string {
    return this.resource.namespaced && namespace ? `${this.prefix}${namespace}/` : this.prefix;
  }

  /** The resource errors name: this store's, or the served one of a store seen through another group (VersionedStore). */
  protected get errorResource(): ResourceInfo {
    return this.resource;
  }

  private gr() {
    return { group: this.errorResource.group, resource: this.errorResource.resource };
  }

  /** Wait until the cache reflects everything storage has committed (a consistent read). */
  async syncCache(signal?: AbortSignal): Promise<void> {
    const rev = await this.opts.storage.currentRevision();
    if (this.opts.cache.revision() < rev) await this.opts.cache.waitForRevision(rev, signal);
  }

  async get(namespace: string, name: string, resourceVersion?: string): Promise<Readonly<KubeObject>> {
    if (resourceVersion !== '0') await this.syncCache();
    const obj = this.opts.cache.get(this.keyFor(namespace, name));
    if (!obj) throw errors.notFound(this.gr(), name);
    return obj;
  }

  async list(namespace: string, o: ListOptions = {}): Promise<ListResult> {
    const prefix = this.listPrefix(namespace);
    if (o.continueFrom) return this.listFromStorage(prefix, o, o.continueFrom.revision, o.continueFrom.key + '\u0000');
    const rv = o.resourceVersion;
    if (rv && rv !== '0' && o.resourceVersionMatch === 'Exact') return this.listFromStorage(prefix, o, parseRevision(rv), undefined);
    let minRevision: number | undefined;
    if (!rv) minRevision = await this.opts.storage.currentRevision();
    else if (rv !== '0') minRevision = await this.notNewerThanStorage(parseRevision(rv));
    const r = await this.opts.cache.list({
      prefix,
      ...(o.filter ? { filter: o.filter } : {}),
      ...(o.limit ? { limit: o.limit } : {}),
      ...(minRevision !== undefined ? { minRevision } : {}),
    });
    return {
      items: r.items,
      revision: r.revision,
      ...(r.nextAfterKey !== undefined ? { nextKey: r.nextAfterKey } : {}),
      ...(r.remainingItemCount !== undefined ? { remainingItemCount: r.remainingItemCount } : {}),
    };
  }

  private async notNewerThanStorage(rev: number): Promise<number> {
    const current = await this.opts.storage.currentRevision();
    if (rev > current) {
      throw new StatusError({
        ...errors.timeout(`Too large resource version: ${rev}, current: ${current}`).status,
        details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
      });
    }
    return rev;
  }

  /** A consistent snapshot at `revision` read from storage (continue tokens, resourceVersionMatch=Exact). */
  private async listFromStorage(prefix: string, o: ListOptions, revision: number, fromKey: string | undefined): Promise<ListResult> {
    const items: KubeObject[] = [];
    let from = fromKey;
    const limit = o.limit ?? 0;
    for (;;) {
      let page;
      try {
        page = await this.opts.storage.range(prefix, { revision, ...(from !== undefined ? { fromKey: from } : {}), ...(limit ? { limit: Math.max(limit, 50) } : {}) });
      } catch (e) {
        if (e instanceof StorageError && e.code === 'Compacted') {
          if (fromKey !== undefined && o.continueFrom) throw errors.expired(continueExpiredMessage);
          throw errors.tooOldResourceVersion(revision, (e.revision ?? revision + 1) - 1);
        }
        if (e instanceof StorageError && e.code === 'FutureRevision') await this.notNewerThanStorage(revision);
        throw e;
      }
      for (const kv of page.kvs) {
        const stored = decode(kv);
        const obj = this.opts.convert ? this.opts.convert.fromStorage(stored) : stored;
        if (o.filter && !o.filter(obj)) continue;
        items.push(obj);
        if (limit && items.length === limit) {
          const more = page.more || kv !== page.kvs[page.kvs.length - 1];
          return more ? { items, revision, nextKey: kv.key } : { items, revision };
        }
      }
      if (!page.more || page.kvs.length === 0) return { items, revision };
      from = page.kvs[page.kvs.length - 1]!.key + '\u0000';
    }
  }

  /** Watch events in batches; an INITIAL_END marker follows the synthetic ADDED events of the initial state. */
  async *watch(namespace: string, o: WatchOptions): AsyncGenerator<StoreWatchEvent[]> {
    const prefix = this.listPrefix(namespace);
    let after = o.afterRevision;
    if (after === undefined) {
      const initial = await this.opts.cache.list({
        prefix,
        ...(o.filter ? { filter: o.filter } : {}),
        ...(o.anyInitialState ? {} : { minRevision: await this.opts.storage.currentRevision() }),
      });
      after = initial.revision;
      const added: StoreWatchEvent[] = initial.items.map((object) => ({ type: 'ADDED', object, revision: initial.revision }));
      added.push({ type: 'INITIAL_END', revision: initial.revision });
      yield added;
    }
    yield* this.opts.cache.watch({ prefix, afterRevision: after, signal: o.signal, ...(o.filter ? { filter: o.filter } : {}) });
  }

  // ---- writes ----

  async create(namespace: string, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const obj = structuredClone(input);
    const strategy = this.strategy;
    obj.apiVersion = this.resource.group ? `${this.resource.group}/${this.resource.version}` : this.resource.version;
    obj.kind = this.resource.kind;
    const meta = obj.metadata;
    if (this.resource.namespaced) {
      meta.namespace = namespace;
    } else {
      delete meta.namespace;
    }
    strategy.defaults?.(obj);
    // Field ownership is recorded after defaulting and before mutating admission (admission's changes are nobody's).
    if (opts.managedFields) setManagedFields(obj, opts.managedFields(undefined, obj));
    await opts.admission?.admit?.(obj, undefined);
    // System fields first: strategies derive labels and selectors from the uid and the final name (Job, Namespace).
    delete meta.resourceVersion;
    delete meta.selfLink;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    meta.uid = randomUUID();
    meta.creationTimestamp = secondsTimestamp(this.now());
    const generated = !meta.name && !!meta.generateName;
    if (generated) meta.name = generateName(meta.generateName ?? '');
    strategy.prepareForCreate?.(obj);
    if (opts.user) strategy.fromRequester?.(obj, opts.user);
    this.check(obj, [...(this.opts.validateMeta?.create(obj) ?? []), ...strategy.validate(obj)]);
    // Allocation reads the cache for what is taken: allocate-then-write runs one at a time per store.
    const release = strategy.allocate ? await this.lockAllocations() : undefined;
    try {
      if (strategy.allocate) this.check(obj, await strategy.allocate(obj, undefined, this.allocationContext()));
      await this.opts.validate?.('CREATE', obj, undefined);
      await opts.admission?.validate?.(obj, undefined);
      this.checkTypes(obj);
      if (opts.dryRun) return obj;
      return await this.writeNew(namespace, obj, generated);
    } finally {
      release?.();
    }
  }

  private allocationQueue: Promise<void> = Promise.resolve();

  private async lockAllocations(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const previous = this.allocationQueue;
    this.allocationQueue = previous.then(() => next);
    await previous;
    return release;
  }

  private async writeNew(namespace: string, obj: KubeObject, generated: boolean): Promise<KubeObject> {
    const meta = obj.metadata;
    for (let attempt = 0; ; attempt++) {
      try {
        const rev = await this.opts.storage.create(this.keyFor(namespace, meta.name ?? ''), await this.encodeStored(obj));
        await this.opts.cache.waitForRevision(rev);
        meta.resourceVersion = String(rev);
        return obj;
      } catch (e) {
        if (e instanceof StorageError && e.code === 'KeyExists') {
          if (generated && attempt < generateNameAttempts) {
            meta.name = generateName(meta.generateName ?? '');
            continue;
          }
          throw errors.alreadyExists(this.gr(), meta.name ?? '');
        }
        throw e;
      }
    }
  }

  private allocationContext() {
    return {
      existing: async () => (await this.opts.cache.list({ prefix: this.prefix })).items,
    };
  }

  /**
   * The last word before storage: whatever path built the object (a body, a patch, a subresource, a server-side
   * writer), nothing is stored that the kind's Go types could not hold.
   */
  private checkTypes(obj: KubeObject): void {
    const message = decodeError(this.resource, obj);
    if (message !== undefined) throw errors.badRequest(message);
  }

  private check(obj: KubeObject, errs: FieldError[]): void {
    if (errs.length > 0) throw errors.invalid({ group: this.errorResource.group, kind: this.errorResource.kind }, obj.metadata.name ?? '', errs);
  }

  private async current(key: string): Promise<{ kv: KeyValue; obj: KubeObject } | undefined> {
    const kv = await this.opts.storage.get(key);
    if (!kv) return undefined;
    return { kv, obj: await this.fromStorage(decode(kv)) };
  }

  /** A stored object in the form this store serves (writes read the current object through it). */
  protected fromStorage(obj: KubeObject): KubeObject | Promise<KubeObject> {
    return this.opts.convert ? this.opts.convert.fromStorage(obj) : obj;
  }

  /** An object this store serves in the form it is stored in. */
  protected toStorage(obj: KubeObject): KubeObject | Promise<KubeObject> {
    return this.opts.convert ? this.opts.convert.toStorage(obj) : obj;
  }

  private async encodeStored(obj: KubeObject): Promise<string> {
    return encode(await this.toStorage(obj));
  }

  /**
   * Read-modify-write: `tryUpdate` gets the current object (a private copy) and returns the desired one.
   * A resourceVersion in the result is a precondition. Returns the stored object and whether it was created.
   */
  async update(namespace: string, name: string, tryUpdate: UpdateFn, opts: UpdateOptions = {}): Promise<{ object: KubeObject; created: boolean }> {
    const key = this.keyFor(namespace, name);
    const strategy = this.strategy;
    for (;;) {
      const cur = await this.current(key);
      if (!cur) {
        if (!strategy.allowCreateOnUpdate || opts.subresource) throw errors.notFound(this.gr(), name);
        const desired = await tryUpdate(undefined);
        if (desired.metadata.name !== undefined && desired.metadata.name !== name) throw errors.badRequest(nameMismatch(desired.metadata.name, name));
        desired.metadata.name = name;
        try {
          return { object: await this.create(namespace, desired, opts), created: true };
        } catch (e) {
          if (e instanceof StatusError && e.reason === 'AlreadyExists') continue;
          throw e;
        }
      }
      const old = cur.obj;
      const obj = await tryUpdate(structuredClone(old));
      const meta = obj.metadata;
      if (meta.name !== undefined && meta.name !== name) throw errors.badRequest(nameMismatch(meta.name, name));
      const requestedRV = meta.resourceVersion;
      if (!requestedRV && opts.requireResourceVersion && !strategy.allowUnconditionalUpdate) {
        throw errors.invalid({ group: this.errorResource.group, kind: this.errorResource.kind }, name, [
          { ...field.invalid('metadata.resourceVersion', 0, 'must be specified for an update'), renderedValue: '0x0' },
        ]);
      }
      if (requestedRV && requestedRV !== String(cur.kv.modRevision)) throw errors.conflict(this.gr(), name, errors.optimisticLockMessage);
      if (meta.uid && meta.uid !== old.metadata.uid) {
        throw errors.conflict(this.gr(), name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.metadata.uid ?? ''}`);
      }
      if (opts.managedFields && !opts.raw) {
        strategy.defaults?.(obj);
        setManagedFields(obj, opts.managedFields(old, obj));
      }
      if (!opts.raw) await opts.admission?.admit?.(obj, old);
      this.prepareUpdate(obj, old, namespace, name, opts);
      if (strategy.allocate && !opts.raw && !opts.subresource) this.check(obj, await strategy.allocate(obj, old, this.allocationContext()));
      if (!opts.raw) await opts.admission?.validate?.(obj, old);
      this.checkTypes(obj);

      const deleting = !!old.metadata.deletionTimestamp;
      if (deleting && (meta.finalizers ?? []).length === 0 && (old.metadata.deletionGracePeriodSeconds ?? 0) === 0 && !hasSpecFinalizers(obj, this.resource)) {
        // The last finalizer is gone: the update completes the deletion.
        if (opts.dryRun) return { object: obj, created: false };
        try {
          const { revision } = await this.opts.storage.delete(key, cur.kv.modRevision);
          await this.opts.cache.waitForRevision(revision);
          meta.resourceVersion = String(revision);
          return { object: obj, created: false };
        } catch (e) {
          if (this.retryable(e, opts, requestedRV)) continue;
          throw this.writeError(e, name);
        }
      }
      meta.resourceVersion = String(cur.kv.modRevision);
      // Unchanged objects are not written again, unless the stored bytes are stale (encrypted with a retired key).
      if (deepEqual(obj, old) && !cur.kv.stale) return { object: old, created: false };
      if (opts.dryRun) return { object: obj, created: false };
      try {
        const rev = await this.opts.storage.update(key, await this.encodeStored(obj), cur.kv.modRevision);
        await this.opts.cache.waitForRevision(rev);
        meta.resourceVersion = String(rev);
        return { object: obj, created: false };
      } catch (e) {
        if (this.retryable(e, opts, requestedRV)) continue;
        throw this.writeError(e, name);
      }
    }
  }

  private prepareUpdate(obj: KubeObject, old: KubeObject, namespace: string, name: string, opts: UpdateOptions): void {
    const subresource = opts.subresource;
    const strategy = this.strategy;
    obj.apiVersion = old.apiVersion ?? obj.apiVersion;
    obj.kind = old.kind ?? obj.kind;
    const meta = obj.metadata;
    meta.name = name;
    if (this.resource.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    delete meta.selfLink;
    copyOrDelete(meta, old.metadata, 'deletionTimestamp');
    copyOrDelete(meta, old.metadata, 'deletionGracePeriodSeconds');
    if (old.metadata.generation !== undefined) meta.generation = old.metadata.generation;
    if (opts.raw) return;
    strategy.defaults?.(obj);
    let errs: FieldError[];
    if (subresource === 'finalize') {
      // Only spec.finalizers may change through /finalize.
      const spec = isRecord(obj['spec']) ? obj['spec'] : {};
      const finalizers = spec['finalizers'] ?? [];
      for (const k of Object.keys(obj)) if (k !== 'metadata') delete obj[k];
      for (const [k, v] of Object.entries(structuredClone(old))) if (k !== 'metadata') setOwn(obj, k, v);
      obj['spec'] = { ...(isRecord(old['spec']) ? old['spec'] : {}), finalizers };
      errs = [];
    } else if (subresource === 'ephemeralcontainers') {
      if (!strategy.prepareForEphemeralContainersUpdate) throw errors.notFoundPath();
      strategy.prepareForEphemeralContainersUpdate(obj, old);
      errs = strategy.validateEphemeralContainersUpdate?.(obj, old) ?? [];
    } else if (subresource && subresource !== 'status' && strategy.updateSubresources && Object.hasOwn(strategy.updateSubresources, subresource)) {
      const rules = strategy.updateSubresources[subresource];
      rules?.prepare(obj, old);
      errs = [...(this.opts.validateMeta?.update(obj, old) ?? []), ...(rules?.validate(obj, old) ?? [])];
    } else if (subresource === 'status') {
      strategy.prepareForStatusUpdate?.(obj, old);
      errs = strategy.validateStatusUpdate?.(obj, old) ?? [];
    } else {
      strategy.prepareForUpdate?.(obj, old);
      errs = [...(this.opts.validateMeta?.update(obj, old) ?? []), ...(strategy.validateUpdate ? strategy.validateUpdate(obj, old) : strategy.validate(obj))];
    }
    if (old.metadata.deletionTimestamp) {
      const added = (meta.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
      if (added.length > 0) errs.push(field.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${goQuotedList(added)}`));
    }
    this.check(obj, errs);
  }

  private retryable(e: unknown, opts: UpdateOptions, requestedRV: string | undefined): boolean {
    if (!(e instanceof StorageError) || (e.code !== 'Conflict' && e.code !== 'NotFound')) return false;
    return opts.retryOnConflict ?? !requestedRV;
  }

  private writeError(e: unknown, name: string): unknown {
    if (e instanceof StorageError && e.code === 'Conflict') return errors.conflict(this.gr(), name, errors.optimisticLockMessage);
    if (e instanceof StorageError && e.code === 'NotFound') return errors.notFound(this.gr(), name);
    return e;
  }

  /** Returns the object as deleted (final state) or as it now stands (graceful/finalizers), and whether it is gone. */
  async delete(namespace: string, name: string, opts: DeleteOptions = {}): Promise<{ object: KubeObject; deleted: boolean }> {
    const key = this.keyFor(namespace, name);
    for (;;) {
      const cur = await this.current(key);
      if (!cur) throw errors.notFound(this.gr(), name);
      const obj = cur.obj;
      const meta = obj.metadata;
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== meta.uid) {
        throw errors.conflict(this.gr(), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
        throw errors.conflict(this.gr(), name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${meta.resourceVersion ?? ''}`);
      }
      if (opts.admission) {
        // Delete admission sees the object as stored (kube-apiserver passes it as the old object).
        await opts.admission.admit?.(structuredClone(obj), obj);
        await opts.admission.validate?.(structuredClone(obj), obj);
      }
      const finalizersChanged = applyPropagationFinalizers(meta, opts);
      const grace = this.gracePeriod(obj, opts);
      const pendingSpecFinalizers = hasSpecFinalizers(obj, this.resource);
      const keep = grace > 0 || (meta.finalizers ?? []).length > 0 || pendingSpecFinalizers;
      try {
        if (!keep) {
          if (opts.dryRun) return { object: obj, deleted: true };
          const { revision } = await this.opts.storage.delete(key, cur.kv.modRevision);
          await this.opts.cache.waitForRevision(revision);
          return { object: obj, deleted: true };
        }
        const changed = this.markDeleting(obj, grace, pendingSpecFinalizers) || finalizersChanged;
        if (!changed || opts.dryRun) return { object: obj, deleted: false };
        const rev = await this.opts.storage.update(key, await this.encodeStored(obj), cur.kv.modRevision);
        await this.opts.cache.waitForRevision(rev);
        meta.resourceVersion = String(rev);
        return { object: obj, deleted: false };
      } catch (e) {
        if (e instanceof StorageError && (e.code === 'Conflict' || e.code === 'NotFound') && !pre?.resourceVersion) {
          if (e.code === 'NotFound') throw errors.notFound(this.gr(), name);
          continue;
        }
        throw this.writeError(e, name);
      }
    }
  }

  private gracePeriod(obj: KubeObject, opts: DeleteOptions): number {
    let grace = opts.gracePeriodSeconds ?? this.strategy.gracePeriodSeconds?.(obj) ?? 0;
    if (this.resource.group === '' && this.resource.resource === 'pods') {
      const spec = isRecord(obj['spec']) ? obj['spec'] : {};
      const status = isRecord(obj['status']) ? obj['status'] : {};
      // An unscheduled or finished pod has nothing to stop: it goes at once.
      if (!spec['nodeName'] || status['phase'] === 'Succeeded' || status['phase'] === 'Failed') grace = 0;
    }
    const existing = obj.metadata.deletionGracePeriodSeconds;
    if (existing !== undefined && obj.metadata.deletionTimestamp && grace > existing) grace = existing;
    return Math.max(0, grace);
  }

  /** Sets deletionTimestamp/deletionGracePeriodSeconds; returns whether anything changed. */
  private markDeleting(obj: KubeObject, grace: number, namespaceTerminating: boolean): boolean {
    const meta = obj.metadata;
    const now = this.now();
    let changed = false;
    if (!meta.deletionTimestamp || (meta.deletionGracePeriodSeconds ?? 0) > grace) {
      meta.deletionTimestamp = secondsTimestamp(new Date(now.getTime() + grace * 1000));
      if (meta.generation !== undefined && grace > 0) meta.generation += 1;
      changed = true;
    }
    if (meta.deletionGracePeriodSeconds !== grace) {
      meta.deletionGracePeriodSeconds = grace;
      changed = true;
    }
    if (namespaceTerminating) {
      const status = isRecord(obj['status']) ? obj['status'] : {};
      if (status['phase'] !== 'Terminating') {
        obj['status'] = { ...status, phase: 'Terminating' };
        changed = true;
      }
    }
    return changed;
  }

  /** Deletes every object the filter matches; returns the deleted (or now-deleting) objects. */
  async deleteCollection(namespace: string, filter: Filter | undefined, opts: DeleteOptions): Promise<KubeObject[]> {
    const { items } = await this.list(namespace, filter ? { filter } : {});
    const out: KubeObject[] = [];
    for (const item of items) {
      try {
        const r = await this.delete(item.metadata.namespace ?? '', item.metadata.name ?? '', opts);
        out.push(r.object);
      } catch (e) {
        if (e instanceof StatusError && e.reason === 'NotFound') continue;
        throw e;
      }
    }
    return out;
  }
}

function setManagedFields(obj: KubeObject, entries: unknown[] | undefined): void {
  if (entries && entries.length > 0) obj.metadata.managedFields = entries;
  else delete obj.metadata.managedFields;
}

function nameMismatch(bodyName: string, urlName: string): string {
  return `the name of the object (${bodyName}) does not match the name on the URL (${urlName})`;
}

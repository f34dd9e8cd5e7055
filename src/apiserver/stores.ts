// One Store (with its watch cache) per stored resource, created on first use.
import { isRecord } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { findResource } from '../api/catalog.js';
import { defaultAllocatorConfig, strategyFor } from '../registry/index.js';
import { serviceStrategy } from '../registry/service.js';
import type { Strategy } from '../registry/strategy.js';
import { Store } from '../registry/store.js';
import type { StorageConversion } from '../registry/store-types.js';
import { decodeJsonObject } from '../storage/cache/decode.js';
import { conversionFor } from '../registry/conversion/index.js';
import { VersionedStore } from '../registry/versioned-store.js';
import { ConvertingStore } from '../registry/converting-store.js';
import type { ObjectConverter } from '../registry/store-types.js';
import type { ObjectReader } from '../webhook/resolve.js';
import { resourcePrefix } from '../registry/storage-codec.js';
import { createResourceCache } from '../storage/cacher.js';
import type { ResourceCache } from '../storage/cache-types.js';
import type { Storage } from '../storage/types.js';

export interface StoreRegistryOptions {
  storage: Storage;
  now?: () => Date;
  cacheOptions?: { windowSize?: number };
  /** Service ClusterIP range (default: the registry's 10.96.0.0/12). */
  serviceClusterIPRange?: string;
}

/** The strategy of a resource added at run time (custom resources), or undefined for built-ins. */
export type StrategyProvider = (resource: ResourceInfo) => Strategy | undefined;

/**
 * A custom resource version other than the storage version (conversion strategy None): only apiVersion differs
 * between the stored and the served form.
 */
function storageConversion(resource: ResourceInfo): StorageConversion | undefined {
  if (resource.crd === undefined || resource.storageVersion === undefined) return undefined;
  const served = `${resource.group}/${resource.version}`;
  const stored = `${resource.group}/${resource.storageVersion}`;
  return {
    toStorage: (obj) => ({ ...obj, apiVersion: stored }),
    fromStorage: (obj) => {
      obj.apiVersion = served;
      return obj;
    },
  };
}

/**
 * The converter of a custom resource version served through a conversion webhook, with the resource of its
 * storage version; undefined when the version is converted in place (strategy None) or is the storage version.
 */
export type ConverterProvider = (resource: ResourceInfo) => { converter: ObjectConverter; storage: ResourceInfo } | undefined;

export class StoreRegistry {
  readonly #stores = new Map<string, Promise<Store>>();
  readonly #caches: ResourceCache[] = [];
  /** The cache behind each store key, so a dropped store's cache can be closed. */
  readonly #cacheByKey = new Map<string, ResourceCache>();
  readonly #metricNameByKey = new Map<string, string>();
  #namespaces: Store | undefined;
  #provider: StrategyProvider | undefined;
  #converters: ConverterProvider | undefined;

  constructor(private readonly opts: StoreRegistryOptions) {}

  /** The namespace's phase (Active/Terminating), or undefined when it does not exist (the NamespaceLifecycle admission plugin reads it). */
  namespacePhase = (name: string): string | undefined => {
    const ns = this.#namespaces?.cache.get(this.#namespaces.keyFor('', name));
    if (!ns) return undefined;
    const status = isRecord(ns['status']) ? ns['status'] : {};
    return typeof status['phase'] === 'string' ? status['phase'] : 'Active';
  };

  /** Starts the namespaces cache (namespace lifecycle admission reads it). */
  async start(): Promise<void> {
    const info = findResource('', 'v1', 'namespaces');
    if (!info) throw new Error('catalog has no namespaces');
    this.#namespaces = await this.storeFor(info);
  }

  /** Where custom resources' strategies come from (set once by the CRD controller). */
  setStrategyProvider(provider: StrategyProvider): void {
    this.#provider = provider;
  }

  /** Where custom resources' conversion webhooks come from (set once by the CRD controller). */
  setConverterProvider(provider: ConverterProvider): void {
    this.#converters = provider;
  }

  /** Reads objects straight from the watch caches of their stores (Services and EndpointSlices for webhooks). */
  readonly reader: ObjectReader = {
    list: async (gr, namespace) => {
      const store = await this.#builtinStore(gr);
      return store ? (await store.cache.list({ prefix: store.listPrefix(namespace) })).items : [];
    },
    get: async (gr, namespace, name) => {
      const store = await this.#builtinStore(gr);
      return store?.cache.get(store.keyFor(namespace, name));
    },
  };

  #builtinStore(gr: { group: string; resource: string }): Promise<Store> | undefined {
    const info = findResource(gr.group, 'v1', gr.resource);
    return info ? this.storeFor(info) : undefined;
  }

  /** Built-ins share one store per storage prefix; a custom resource has one per version (its own schema). */
  #key(resource: ResourceInfo): string {
    const prefix = resourcePrefix(resource);
    return resource.crd !== undefined ? `${prefix}@${resource.version}` : prefix;
  }

  /**
   * The Store serving a resource. A built-in served in several versions (or groups: Events) has one stored form:
   * its storage version's Store, and for each other version a VersionedStore over the same storage and cache.
   */
  storeFor(resource: ResourceInfo): Promise<Store> {
    const converted = resource.crd !== undefined && resource.storageVersion !== undefined ? this.#converters?.(resource) : undefined;
    if (converted) {
      // a version behind a conversion webhook reads the storage version's cache and converts at its edges
      return this.#memo(this.#key(resource), async () => {
        const base = await this.storeFor(converted.storage);
        return new ConvertingStore(this.#options(base.cache, this.#strategy(resource)), converted.storage.version, converted.converter);
      });
    }
    const conversion = resource.crd === undefined ? conversionFor(resource) : undefined;
    const storageResource = conversion ? findResource(conversion.storage.group, conversion.storage.version, resource.resource) : undefined;
    if (!conversion || !storageResource || (resource.group === storageResource.group && resource.version === storageResource.version)) {
      const r = storageResource ?? resource;
      const key = this.#key(r);
      return this.#memo(key, () => this.#create(r, key));
    }
    return this.#memo(`${resourcePrefix(resource)}@${resource.version}`, async () => {
      const base = await this.storeFor(storageResource);
      return new VersionedStore(this.#options(base.cache, base.strategy), resource, conversion, this.#strategy(resource));
    });
  }

  #memo(key: string, make: () => Promise<Store>): Promise<Store> {
    let store = this.#stores.get(key);
    if (!store) {
      store = make();
      this.#stores.set(key, store);
      store.catch(() => this.#stores.delete(key));
    }
    return store;
  }

  /** Each cached resource's object and watcher counts, named as kube-apiserver's metrics name it ("deployments.apps"). */
  cacheStats(): Array<{ resource: string; objects: number; watchers: number }> {
    const byResource = new Map<string, { objects: number; watchers: number }>();
    for (const [key, cache] of this.#cacheByKey) {
      const name = this.#metricNameByKey.get(key) ?? key;
      const s = cache.stats();
      const sum = byResource.get(name) ?? { objects: 0, watchers: 0 };
      // the versions of a custom resource share their objects; their watchers add up
      byResource.set(name, { objects: Math.max(sum.objects, s.objects), watchers: sum.watchers + s.watchers });
    }
    return [...byResource].map(([resource, s]) => ({ resource, ...s }));
  }

  /**
   * Forgets the store of a run-time resource (its definition changed or went away): its cache closes, which ends
   * its watches, and the next request builds a new store with the current strategy.
   */
  drop(resource: ResourceInfo): void {
    const key = this.#key(resource);
    this.#stores.delete(key);
    const cache = this.#cacheByKey.get(key);
    if (cache) {
      this.#cacheByKey.delete(key);
      this.#metricNameByKey.delete(key);
      const i = this.#caches.indexOf(cache);
      if (i >= 0) this.#caches.splice(i, 1);
      cache.close();
    }
  }

  async #create(resource: ResourceInfo, key: string): Promise<Store> {
    const convert = storageConversion(resource);
    const cacheOptions = { ...this.opts.cacheOptions, ...(convert ? { decode: (value: string) => convert.fromStorage(decodeJsonObject(value)) } : {}) };
    const cache = createResourceCache(this.opts.storage, resourcePrefix(resource), cacheOptions);
    this.#caches.push(cache);
    this.#cacheByKey.set(key, cache);
    this.#metricNameByKey.set(key, resource.group === '' ? resource.resource : `${resource.resource}.${resource.group}`);
    await cache.ready();
    return new Store(this.#options(cache, this.#strategy(resource), convert));
  }

  #options(cache: ResourceCache, strategy: Strategy, convert?: StorageConversion) {
    return {
      storage: this.opts.storage,
      cache,
      strategy,
      ...(convert ? { convert } : {}),
      ...(this.opts.now ? { now: this.opts.now } : {}),
    };
  }

  #strategy(resource: ResourceInfo): Strategy {
    const custom = resource.crd !== undefined ? this.#provider?.(resource) : undefined;
    if (custom) return custom;
    const range = this.opts.serviceClusterIPRange;
    if (range && resource.group === '' && resource.resource === 'services') return serviceStrategy(resource, { ...defaultAllocatorConfig, serviceCIDR: range });
    return strategyFor(resource);
  }

  close(): void {
    for (const c of this.#caches) c.close();
    this.#caches.length = 0;
    this.#cacheByKey.clear();
    this.#stores.clear();
  }
}

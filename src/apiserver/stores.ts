// One Store (with its watch cache) per stored resource, created on first use.
import { isRecord } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { findResource } from '../api/catalog.js';
import { defaultAllocatorConfig, strategyFor } from '../registry/index.js';
import { serviceStrategy } from '../registry/service.js';
import type { Strategy } from '../registry/strategy.js';
import { Store } from '../registry/store.js';
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

export class StoreRegistry {
  readonly #stores = new Map<string, Promise<Store>>();
  readonly #caches: ResourceCache[] = [];
  #namespaces: Store | undefined;

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

  storeFor(resource: ResourceInfo): Promise<Store> {
    const prefix = resourcePrefix(resource);
    let store = this.#stores.get(prefix);
    if (!store) {
      store = this.#create(resource);
      this.#stores.set(prefix, store);
      store.catch(() => this.#stores.delete(prefix));
    }
    return store;
  }

  async #create(resource: ResourceInfo): Promise<Store> {
    const cache = createResourceCache(this.opts.storage, resourcePrefix(resource), this.opts.cacheOptions);
    this.#caches.push(cache);
    await cache.ready();
    return new Store({
      storage: this.opts.storage,
      cache,
      strategy: this.#strategy(resource),
      ...(this.opts.now ? { now: this.opts.now } : {}),
    });
  }

  #strategy(resource: ResourceInfo): Strategy {
    const range = this.opts.serviceClusterIPRange;
    if (range && resource.group === '' && resource.resource === 'services') return serviceStrategy(resource, { ...defaultAllocatorConfig, serviceCIDR: range });
    return strategyFor(resource);
  }

  close(): void {
    for (const c of this.#caches) c.close();
    this.#caches.length = 0;
    this.#stores.clear();
  }
}

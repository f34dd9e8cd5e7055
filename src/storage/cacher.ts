// The watch cache: one per resource prefix. It lists the prefix, then follows Storage.watch from that
// revision, keeping the current objects (decoded once, frozen, resourceVersion stamped), a bounded window
// of recent events for watches from a past revision, and the watchers to fan events out to.
//
// Revisions: the cache asks the backend for progress notifications (WatchOptions.onProgress), which the
// watch delivers in-band after every earlier batch, so revision() also advances past writes to other
// prefixes and waitForRevision(storeRevision) resolves once nothing under this prefix up to it is missing.
//
// JSON: encodedJson(obj) from ./cache/encoded-json.js returns each cached object's text, computed once.
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeObject } from '../api/object.js';
import { CacheWatcher } from './cache/cache-watcher.js';
import { atRevision, decodeJsonObject, materialize } from './cache/decode.js';
import { EventWindow } from './cache/event-window.js';
import { ObjectIndex } from './cache/object-index.js';
import type { CacheEvent, CacheListOptions, CacheListResult, CacheWatchOptions, ResourceCache } from './cache-types.js';
import { StorageError } from './types.js';
import type { KeyValue, Storage, StoreEvent } from './types.js';

export interface ResourceCacheOptions {
  /** Events kept for watches from a past revision (default 10 000). */
  windowSize?: number;
  /** Stored bytes of the events kept for watches (default 32 MiB); older events go first. */
  windowBytes?: number;
  /** Events a watcher may have queued before it is ended with Compacted (default: windowSize). */
  maxPendingPerWatcher?: number;
  /** Decodes a stored value into a fresh object (default JSON.parse). */
  decode?: (value: string) => KubeObject;
  /** Page size of the initial list (default 1000). */
  listPageSize?: number;
}

interface Waiter {
  revision: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const retryDelayMs = 200;
const defaultWindowBytes = 32 * 1024 * 1024;

class WatchCache implements ResourceCache {
  readonly #index = new ObjectIndex();
  readonly #window: EventWindow;
  readonly #watchers = new Set<CacheWatcher>();
  #waiters: Waiter[] = [];
  #revision = 0;
  #closed = false;
  readonly #stop = new AbortController();
  readonly #ready: Promise<void>;
  #markReady: () => void = () => undefined;
  #failReady: (err: unknown) => void = () => undefined;
  readonly #decode: (value: string) => KubeObject;
  readonly #maxPending: number;
  readonly #pageSize: number;

  constructor(
    private readonly storage: Storage,
    private readonly resourcePrefix: string,
    opts: ResourceCacheOptions,
  ) {
    const windowSize = opts.windowSize ?? 10_000;
    this.#window = new EventWindow(windowSize, 0, opts.windowBytes ?? defaultWindowBytes);
    this.#maxPending = opts.maxPendingPerWatcher ?? windowSize;
    this.#decode = opts.decode ?? decodeJsonObject;
    this.#pageSize = opts.listPageSize ?? 1000;
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#markReady = resolve;
      this.#failReady = reject;
    });
    this.#ready.catch(() => undefined);
    void this.#run();
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  revision(): number {
    return this.#revision;
  }

  waitForRevision(revision: number, signal?: AbortSignal): Promise<void> {
    if (revision <= this.#revision) return Promise.resolve();
    if (this.#closed) return Promise.reject(new StorageError('Closed', this.resourcePrefix, 'watch cache is closed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { revision, resolve, reject };
      if (signal) {
        const onAbort = (): void => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.resolve = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
      }
      this.#waiters.push(waiter);
    });
  }

  get(key: string): Readonly<KubeObject> | undefined {
    return this.#index.get(key);
  }

  async list(opts: CacheListOptions): Promise<CacheListResult> {
    await this.#ready;
    if (opts.minRevision !== undefined) await this.#catchUpTo(opts.minRevision, undefined);
    const page = this.#index.page(opts.prefix, opts.afterKey, opts.limit, opts.filter);
    return { ...page, revision: this.#revision };
  }

  watch(opts: CacheWatchOptions): AsyncIterable<CacheEvent[]> {
    return this.#watch(opts);
  }

  stats(): { objects: number; watchers: number } {
    return { objects: this.#index.size, watchers: this.#watchers.size };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    for (const watcher of this.#watchers) watcher.end();
    this.#watchers.clear();
    const closed = new StorageError('Closed', this.resourcePrefix, 'watch cache is closed');
    for (const waiter of this.#waiters) waiter.reject(closed);
    this.#waiters = [];
    this.#failReady(closed);
  }

  async *#watch({ prefix, afterRevision, filter, signal }: CacheWatchOptions): AsyncGenerator<CacheEvent[]> {
    await this.#ready;
    if (afterRevision > this.#revision) {
      try {
        await this.#catchUpTo(afterRevision, signal);
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
    }
    if (this.#closed || signal.aborted) return;
    // From here to watchers.add() runs in one tick, so the replay and the live feed neither overlap nor gap.
    const oldest = this.#window.oldestWatchable;
    if (afterRevision < oldest) {
      throw new StorageError('Compacted', prefix, `too old resource version: ${afterRevision} (${oldest})`, oldest);
    }
    const watcher = new CacheWatcher(prefix, filter, this.#maxPending, this.#window.maxBytes);
    watcher.replay(this.#window.since(afterRevision).filter((e) => e.key.startsWith(prefix)).map((e) => e.event));
    this.#watchers.add(watcher);
    try {
      yield* watcher.events(signal);
    } finally {
      this.#watchers.delete(watcher);
    }
  }

  /** Waits until the cache has seen `revision`; a revision the store has not reached yet is an error. */
  async #catchUpTo(revision: number, signal: AbortSignal | undefined): Promise<void> {
    if (revision <= this.#revision) return;
    const current = await this.storage.currentRevision();
    if (revision > current) {
      throw new StorageError('FutureRevision', this.resourcePrefix, `Too large resource version: ${revision}, current: ${current}`, current);
    }
    await this.waitForRevision(revision, signal);
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      try {
        const listed = await this.#load();
        this.#markReady();
        for await (const batch of this.storage.watch({
          prefix: this.resourcePrefix,
          afterRevision: listed,
          signal: this.#stop.signal,
          onProgress: (revision) => this.#advanceTo(revision),
        })) {
          this.#apply(batch);
        }
        if (this.#closed) return;
        throw new StorageError('Closed', this.resourcePrefix, 'storage watch ended');
      } catch (err) {
        if (this.#closed) return;
        if (err instanceof StorageError && err.code === 'Closed') {
          this.close();
          return;
        }
        // The follow broke (e.g. history compacted under us): watchers must re-list; then list again.
        this.#failWatchers(`watch cache for ${this.resourcePrefix} restarting: ${String(err)}`);
        await delay(retryDelayMs, undefined, { signal: this.#stop.signal }).catch(() => undefined);
      }
    }
  }

  /** Lists the prefix (in pages, at one revision) and replaces the cache's state; returns the list revision. */
  async #load(): Promise<number> {
    const entries: [string, Readonly<KubeObject>][] = [];
    let revision: number | undefined;
    let fromKey: string | undefined;
    for (;;) {
      const page = await this.storage.range(this.resourcePrefix, { limit: this.#pageSize, fromKey, revision });
      revision = page.revision;
      for (const kv of page.kvs) {
        const obj = this.#materialize(kv);
        if (obj) entries.push([kv.key, obj]);
      }
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || !last) break;
      fromKey = `${last.key}\x00`;
    }
    if (this.#closed) return revision;
    // Watchers that joined while the cache was restarting would miss the difference to the new list.
    this.#failWatchers(`watch cache for ${this.resourcePrefix} re-listed`);
    this.#index.reset(entries);
    this.#window.reset(revision);
    this.#advanceTo(revision);
    return revision;
  }

  #apply(batch: StoreEvent[]): void {
    for (const ev of batch) {
      const key = ev.type === 'put' ? ev.kv.key : ev.key;
      const previous = this.#index.get(key);
      let event: CacheEvent;
      if (ev.type === 'put') {
        const obj = this.#materialize(ev.kv);
        if (!obj) continue;
        this.#index.set(key, obj);
        event = previous
          ? Object.freeze({ type: 'MODIFIED', object: obj, prevObject: previous, revision: ev.kv.modRevision })
          : Object.freeze({ type: 'ADDED', object: obj, revision: ev.kv.modRevision });
      } else {
        const last = previous ?? this.#materialize(ev.prev);
        this.#index.delete(key);
        if (!last) continue;
        event = Object.freeze({ type: 'DELETED', object: atRevision(last, ev.revision), prevObject: last, revision: ev.revision });
      }
      const bytes = ev.type === 'put' ? ev.kv.value.length : ev.prev.value.length;
      this.#window.push({ key, event, bytes });
      for (const watcher of this.#watchers) {
        if (key.startsWith(watcher.prefix) && !watcher.offer(event, bytes)) {
          this.#watchers.delete(watcher);
          watcher.fail(
            new StorageError('Compacted', watcher.prefix, 'watcher fell too far behind and was ended; restart the watch', this.#window.oldestWatchable),
          );
        }
      }
      this.#revision = Math.max(this.#revision, event.revision);
    }
    this.#advanceTo(this.#revision);
  }

  #failWatchers(reason: string): void {
    const gone = new StorageError('Compacted', this.resourcePrefix, reason, this.#revision);
    for (const watcher of this.#watchers) watcher.fail(gone);
    this.#watchers.clear();
  }

  #advanceTo(revision: number): void {
    if (revision > this.#revision) this.#revision = revision;
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.revision <= this.#revision) waiter.resolve();
      else still.push(waiter);
    }
    this.#waiters = still;
  }

  #materialize(kv: KeyValue): Readonly<KubeObject> | undefined {
    try {
      return materialize(this.#decode, kv.value, kv.modRevision);
    } catch (err) {
      process.emitWarning(`watch cache ${this.resourcePrefix}: skipping undecodable value of ${kv.key}: ${String(err)}`);
      return undefined;
    }
  }
}

export function createResourceCache(storage: Storage, resourcePrefix: string, opts: ResourceCacheOptions = {}): ResourceCache {
  return new WatchCache(storage, resourcePrefix, opts);
}

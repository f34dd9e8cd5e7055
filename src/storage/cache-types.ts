// The watch cache contract (src/storage/cacher.ts implements it): one cache per resource prefix,
// fed by Storage.watch, serving LIST and WATCH from memory. Objects it hands out are shared and frozen:
// callers structuredClone() before changing anything.
import type { KubeObject } from '../api/object.js';

export type CacheEvent =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: Readonly<KubeObject>; /** state before this event (MODIFIED/DELETED) */ prevObject?: Readonly<KubeObject>; revision: number };

export interface CacheListOptions {
  /** Key prefix inside the resource, e.g. "/registry/core/pods/ns-1/" for one namespace. */
  prefix: string;
  filter?: (obj: Readonly<KubeObject>) => boolean;
  limit?: number;
  /** Resume after this key (exclusive) — the decoded continue token. */
  afterKey?: string;
  /** Serve at least this fresh (waits until the cache has caught up to this revision). */
  minRevision?: number;
}

export interface CacheListResult {
  items: Readonly<KubeObject>[];
  /** The revision the list reflects — the list's resourceVersion. */
  revision: number;
  /** Last key returned when more items remain (encode it into the continue token). */
  nextAfterKey?: string;
  remainingItemCount?: number;
}

export interface CacheWatchOptions {
  prefix: string;
  /** Send every event with revision > afterRevision. Older than the cache window → StorageError('Compacted') with the oldest revision. */
  afterRevision: number;
  /**
   * A watcher with a filter sees an object leaving the filter as DELETED and entering it as ADDED,
   * as kube-apiserver's cacher does.
   */
  filter?: (obj: Readonly<KubeObject>) => boolean;
  signal: AbortSignal;
}

export interface ResourceCache {
  /** Resolves once the initial list is loaded and the watch is running. */
  ready(): Promise<void>;
  /** The revision the cache has caught up to. */
  revision(): number;
  /** Wait until the cache has seen the given store revision (used after a write, and for consistent reads). */
  waitForRevision(revision: number, signal?: AbortSignal): Promise<void>;
  get(key: string): Readonly<KubeObject> | undefined;
  list(opts: CacheListOptions): Promise<CacheListResult>;
  watch(opts: CacheWatchOptions): AsyncIterable<CacheEvent[]>;
  /** Objects held and watchers fed now (the API server's metrics). */
  stats(): { objects: number; watchers: number };
  close(): void;
}

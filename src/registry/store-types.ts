// The generic store's options and results (src/registry/store.ts), shared with the API server's handlers.
import type { KubeObject } from '../api/object.js';
import type { FieldError } from '../api/status.js';
import type { CacheEvent, ResourceCache } from '../storage/cache-types.js';
import type { Storage } from '../storage/types.js';
import type { RequestUser, Strategy } from './strategy.js';

export type Filter = (obj: Readonly<KubeObject>) => boolean;

export interface StoreOptions {
  storage: Storage;
  cache: ResourceCache;
  strategy: Strategy;
  now?: () => Date;
  /** Validating admission, run after the strategy's validation and before the write. */
  validate?: (op: 'CREATE' | 'UPDATE', obj: KubeObject, old: KubeObject | undefined) => Promise<void>;
  /**
   * Objects stored in another version than the one served (custom resources with several versions): writes go
   * through toStorage, reads of storage through fromStorage (the cache is given the same decoding).
   */
  convert?: StorageConversion;
  /** ObjectMeta validation (create, and update against the old object). */
  validateMeta?: { create(obj: KubeObject): FieldError[]; update(obj: KubeObject, old: KubeObject): FieldError[] };
}

export interface StorageConversion {
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: KubeObject): KubeObject;
}

/**
 * Converts objects between the versions of a resource outside the store (a CRD's conversion webhook). Errors are
 * the converter's own (the API server's texts); the store passes them on.
 */
export interface ObjectConverter {
  /** `objs` (of `from`, which names their apiVersion and kind) in `toApiVersion`, in the same order. */
  convert(objs: readonly Readonly<KubeObject>[], toApiVersion: string, from: { apiVersion: string; kind: string }): Promise<KubeObject[]>;
}

export interface ListOptions {
  filter?: Filter;
  limit?: number;
  /** Decoded continue token. */
  continueFrom?: { key: string; revision: number };
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: Readonly<KubeObject>[];
  revision: number;
  /** Last key returned when more remain. */
  nextKey?: string;
  remainingItemCount?: number;
}

export interface WatchOptions {
  filter?: Filter;
  /** Deliver events after this revision; undefined = start with ADDED events for the current state. */
  afterRevision?: number;
  /** "0": the initial state may come from the cache as it is; otherwise it is read consistently. */
  anyInitialState?: boolean;
  signal: AbortSignal;
}

export type StoreWatchEvent = CacheEvent | { type: 'INITIAL_END'; revision: number };

export interface WriteOptions {
  dryRun?: boolean;
  /** The authenticated user of the request (kinds that record their requester read it). */
  user?: RequestUser;
  /** Admission for this request (it knows the user): mutating before the strategy runs, validating after it. */
  admission?: WriteAdmission;
  /**
   * Field management of a non-apply write: given the live object (undefined on create) and the defaulted
   * object to be written, the metadata.managedFields to store (undefined or empty: none).
   */
  managedFields?: (live: Readonly<KubeObject> | undefined, obj: KubeObject) => unknown[] | undefined;
}

export interface WriteAdmission {
  /** Mutating admission: after defaulting, before prepare/validate. */
  admit?(obj: KubeObject, old: Readonly<KubeObject> | undefined): Promise<void>;
  /** Validating admission: after the strategy's validation, before the write. */
  validate?(obj: KubeObject, old: Readonly<KubeObject> | undefined): Promise<void>;
}

export type UpdateFn = (current: KubeObject | undefined) => KubeObject | Promise<KubeObject>;

/** The subresources whose writes the generic store serves, each with its strategy's own rules. */
export type UpdateSubresource = 'status' | 'finalize' | 'ephemeralcontainers' | 'approval';

export interface UpdateOptions extends WriteOptions {
  subresource?: UpdateSubresource;
  /** Skip the strategy (defaults, prepare, validate): for server-owned writes such as pods/binding. */
  raw?: boolean;
  /** PUT: a body without metadata.resourceVersion needs allowUnconditionalUpdate. */
  requireResourceVersion?: boolean;
  /** Retry on a write conflict; default: when the desired object carried no resourceVersion. Patches retry
   * always: a resourceVersion in the patch survives re-application and fails the precondition. */
  retryOnConflict?: boolean;
}

export interface DeleteOptions extends WriteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
}

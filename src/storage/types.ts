// The storage contract: a versioned key-value log with watch, shaped like etcd v3.
// The store's revision is the API's resourceVersion. Values are opaque strings (JSON text of the object).
// Backends: memory/ (tests), sqlite/ (default), etcd/ (distributed). All pass test/unit/storage/conformance.suite.ts.

export interface KeyValue {
  key: string;
  value: string;
  /** revision at which this key was created (etcd create_revision) */
  createRevision: number;
  /** revision of the last write to this key (etcd mod_revision) = the object's resourceVersion */
  modRevision: number;
  /** Read through an encryption key other than the one that writes now: an update rewrites it even unchanged. */
  stale?: true;
}

export type StorageErrorCode = 'KeyExists' | 'NotFound' | 'Conflict' | 'Compacted' | 'FutureRevision' | 'Closed';

export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    readonly key: string,
    message?: string,
    /** For Compacted: the oldest revision still available; for Conflict: the current KeyValue's modRevision */
    readonly revision?: number,
  ) {
    super(message ?? `${code}: ${key}`);
  }
}

export interface RangeOptions {
  /** Return at most this many keys (0 or undefined = all). */
  limit?: number;
  /** Start at this key (inclusive) — used to continue a paginated list. */
  fromKey?: string;
  /** Read as of this revision (must not be compacted). Undefined = current. */
  revision?: number;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** The store revision the read was served at. */
  revision: number;
  /** True when more keys remained beyond `limit`. */
  more: boolean;
}

export type StoreEvent =
  | { type: 'put'; kv: KeyValue; prev?: KeyValue }
  | { type: 'delete'; key: string; revision: number; prev: KeyValue };

export interface WatchOptions {
  prefix: string;
  /** Deliver every event with revision > afterRevision. Throws/reports Compacted when afterRevision < compacted revision. */
  afterRevision: number;
  signal: AbortSignal;
  /**
   * Progress notification: called with R once every event under prefix with revision <= R has been
   * yielded (and the consumer has asked for the next batch), even when R was a write to another prefix.
   * The watch cache relies on it to answer "have you seen revision R?".
   */
  onProgress?: (revision: number) => void;
}

export interface Storage {
  /** The latest revision (0 on an empty store). */
  currentRevision(): Promise<number>;
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys with this prefix, in key order. */
  range(prefix: string, opts?: RangeOptions): Promise<RangeResult>;
  /** Create if absent; returns the new revision. Throws StorageError KeyExists. */
  create(key: string, value: string): Promise<number>;
  /** Compare-and-swap on modRevision; returns the new revision. Throws NotFound or Conflict. */
  update(key: string, value: string, expectedModRevision: number): Promise<number>;
  /** Delete, optionally only if modRevision matches; returns the deletion revision and the deleted value. Throws NotFound or Conflict. */
  delete(key: string, expectedModRevision?: number): Promise<{ revision: number; prev: KeyValue }>;
  /**
   * Ordered stream of changes under prefix after afterRevision, in batches (one batch per revision or more).
   * Ends when the signal aborts. If afterRevision is compacted, the iterator throws StorageError('Compacted').
   */
  watch(opts: WatchOptions): AsyncIterable<StoreEvent[]>;
  /** Forget history at or below revision (keys' latest values are kept). */
  compact(revision: number): Promise<void>;
  /** The revision below which history is gone (0 if never compacted). */
  compactedRevision(): Promise<number>;
  close(): Promise<void>;
  /**
   * A real read and write through the backend that touches no key and makes no revision (the readiness check).
   * Throws when the backend cannot read or write.
   */
  probe?(): Promise<void>;
  /** Bytes the backend occupies on disk (for /metrics), where it has a size. */
  sizeBytes?(): number;
}

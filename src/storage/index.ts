// The storage package's public surface.
export { StorageError } from './types.js';
export type { KeyValue, RangeOptions, RangeResult, Storage, StorageErrorCode, StoreEvent, WatchOptions } from './types.js';
export type { CacheEvent, CacheListOptions, CacheListResult, CacheWatchOptions, ResourceCache } from './cache-types.js';
export { createMemoryStorage } from './memory.js';
export { openSqliteStorage } from './sqlite.js';
export type { SqliteStorageOptions } from './sqlite.js';
export { createResourceCache } from './cacher.js';
export type { ResourceCacheOptions } from './cacher.js';
export { encodedJson } from './cache/encoded-json.js';
export { eventForFilter } from './cache/cache-watcher.js';

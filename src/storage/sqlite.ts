// The SQLite backend (the embedded default). The log lives in sqlite/log.ts; this file adds the watch:
// one poller per store reads the rows after its position and broadcasts them. A local write nudges the
// poller at once; writes by other processes on the same file are picked up every pollIntervalMs.
import { compactLog } from './sqlite/compact.js';
import { SqliteLog } from './sqlite/log.js';
import { openDatabase } from './sqlite/schema.js';
import { StorageError } from './types.js';
import type { KeyValue, RangeOptions, RangeResult, Storage, StoreEvent, WatchOptions } from './types.js';
import { WatchHub } from './watch-hub.js';

const rowsPerPoll = 500;

export interface SqliteStorageOptions {
  /** How often to look for writes made by other processes (default 500 ms). */
  pollIntervalMs?: number;
}

class SqliteStorage implements Storage {
  readonly #db;
  readonly #log;
  readonly #hub: WatchHub;
  readonly #timer: NodeJS.Timeout;
  #position: number;
  #pollScheduled = false;
  #closed = false;
  #compaction: Promise<void> = Promise.resolve();

  constructor(path: string, opts: SqliteStorageOptions) {
    this.#db = openDatabase(path);
    this.#log = new SqliteLog(this.#db);
    this.#position = this.#log.currentRevision();
    this.#hub = new WatchHub({
      position: () => this.#position,
      compactedRevision: () => this.#log.compactedRevision(),
      readHistory: (prefix, after, upTo, limit) => this.#log.events(after, upTo, limit, prefix),
    });
    // Not unref'd: an open store keeps the process alive until close(), as an open connection would.
    this.#timer = setInterval(() => this.#poll(), opts.pollIntervalMs ?? 500);
  }

  async currentRevision(): Promise<number> {
    this.#assertOpen();
    return this.#log.currentRevision();
  }

  async compactedRevision(): Promise<number> {
    this.#assertOpen();
    return this.#log.compactedRevision();
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.#assertOpen();
    return this.#log.get(key);
  }

  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    this.#assertOpen();
    return this.#log.range(prefix, opts);
  }

  async create(key: string, value: string): Promise<number> {
    this.#assertOpen();
    const revision = this.#log.create(key, value);
    this.#nudge();
    return revision;
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<number> {
    this.#assertOpen();
    const revision = this.#log.update(key, value, expectedModRevision);
    this.#nudge();
    return revision;
  }

  async delete(key: string, expectedModRevision?: number): Promise<{ revision: number; prev: KeyValue }> {
    this.#assertOpen();
    const result = this.#log.delete(key, expectedModRevision);
    this.#nudge();
    return result;
  }

  watch(opts: WatchOptions): AsyncIterable<StoreEvent[]> {
    this.#assertOpen();
    return this.#hub.watch(opts);
  }

  async compact(revision: number): Promise<void> {
    this.#assertOpen();
    const run = this.#compaction.then(async () => {
      if (revision <= this.#log.compactedRevision()) return;
      const current = this.#log.currentRevision();
      if (revision > current) throw new StorageError('FutureRevision', '', `cannot compact to future revision ${revision}`, current);
      // Broadcast everything up to `revision` before its tombstones disappear.
      this.#poll();
      await compactLog(this.#db, this.#log, revision);
    });
    this.#compaction = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#compaction;
    this.#hub.endAll();
    this.#db.close();
  }

  #nudge(): void {
    if (this.#pollScheduled) return;
    this.#pollScheduled = true;
    setImmediate(() => {
      this.#pollScheduled = false;
      this.#poll();
    });
  }

  #poll(): void {
    if (this.#closed) return;
    for (;;) {
      const { events, position, compacted } = this.#log.tail(this.#position, rowsPerPoll);
      if (compacted > this.#position) {
        // Another process compacted history this store had not broadcast yet: its watchers cannot continue.
        this.#hub.endAll(new StorageError('Compacted', '', `revision ${this.#position} was compacted before it was broadcast`, compacted));
        this.#position = Math.max(position, compacted);
        continue;
      }
      if (position === this.#position) return;
      this.#position = position;
      this.#hub.publish(events, position);
      if (events.length < rowsPerPoll) return;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new StorageError('Closed', '', 'storage is closed');
  }
}

export function openSqliteStorage(path: string, opts: SqliteStorageOptions = {}): Storage {
  return new SqliteStorage(path, opts);
}

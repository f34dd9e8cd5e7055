// The SQLite backend (the embedded default). The log lives in sqlite/log.ts; writes go through group
// commit (sqlite/group-commit.ts): one transaction and one fsync per event-loop turn, not per write.
// This file adds the watch: one poller per store reads the rows after its position and broadcasts them.
// A local commit nudges the poller at once; writes by other processes on the same file are picked up
// every pollIntervalMs.
import { compactLog } from './sqlite/compact.js';
import { CorruptionLatch } from './sqlite/corruption.js';
import { GroupCommit } from './sqlite/group-commit.js';
import type { CommitStats } from './sqlite/group-commit.js';
import { SqliteLog } from './sqlite/log.js';
import { openDatabase } from './sqlite/schema.js';
import { databaseBytes, reclaimFreePages } from './sqlite/vacuum.js';
import { statSync } from 'node:fs';
import { StorageError } from './types.js';
import type { KeyValue, RangeOptions, RangeResult, Storage, StoreEvent, WatchOptions } from './types.js';
import { WatchHub } from './watch-hub.js';

const rowsPerPoll = 500;
/**
 * Rows each probe reads on its sweep through the log. No PRAGMA quick_check: it reads every page of the file
 * synchronously, blocking the event loop for a time that grows with the database (seconds at hundreds of MB),
 * and its argument bounds the errors it reports, not the pages it reads. The sweep is bounded per probe and
 * still reaches every row of the log over time; what it misses (index pages, long values) is caught by the
 * first request that reads it, which marks the store damaged for every later probe.
 */
const rowsPerScrub = 256;

export interface SqliteStorageOptions {
  /** How often to look for writes made by other processes (default 500 ms). */
  pollIntervalMs?: number;
  /**
   * Group commit (default true): concurrent writes share one transaction and one fsync. false commits
   * every write on its own, as a baseline for benchmarks.
   */
  groupCommit?: boolean;
  /** At most this many writes per group-commit transaction (default 1000). */
  maxBatchWrites?: number;
}

export type { CommitStats } from './sqlite/group-commit.js';

/** The SQLite store: a Storage that also counts its commits. */
export interface SqliteStorage extends Storage {
  /** Transactions committed and writes submitted through group commit (zeros with groupCommit: false). */
  commitStats(): CommitStats;
  sizeBytes(): number;
  /** A consistent copy of the database at path, taken with SQLite's online backup API while the store serves. */
  backup(path: string): Promise<void>;
}

class SqliteStore implements SqliteStorage {
  readonly #db;
  readonly #log;
  readonly #commits: GroupCommit | undefined;
  readonly #hub: WatchHub;
  readonly #timer: NodeJS.Timeout;
  #position: number;
  #pollScheduled = false;
  #closed = false;
  #compaction: Promise<void> = Promise.resolve();
  readonly #corruption: CorruptionLatch;
  #scrubbedTo = 0;

  readonly #path: string;

  constructor(path: string, opts: SqliteStorageOptions) {
    this.#path = path;
    this.#corruption = new CorruptionLatch(path);
    this.#db = openDatabase(path);
    this.#log = new SqliteLog(this.#db);
    this.#position = this.#log.currentRevision();
    this.#commits =
      opts.groupCommit === false ? undefined : new GroupCommit(this.#db, { maxBatchWrites: opts.maxBatchWrites, onCommitted: () => this.#nudge() });
    this.#hub = new WatchHub({
      position: () => this.#position,
      compactedRevision: () => this.#read(() => this.#log.compactedRevision()),
      readHistory: (prefix, after, upTo, limit) => this.#read(() => this.#log.events(after, upTo, limit, prefix)),
    });
    // Not unref'd: an open store keeps the process alive until close(), as an open connection would.
    this.#timer = setInterval(() => this.#pollOrEndWatches(), opts.pollIntervalMs ?? 500);
  }

  async currentRevision(): Promise<number> {
    return this.#read(() => this.#log.currentRevision());
  }

  async compactedRevision(): Promise<number> {
    return this.#read(() => this.#log.compactedRevision());
  }

  async get(key: string): Promise<KeyValue | undefined> {
    return this.#read(() => this.#log.get(key));
  }

  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    return this.#read(() => this.#log.range(prefix, opts));
  }

  async create(key: string, value: string): Promise<number> {
    return this.#write(() => this.#log.create(key, value));
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<number> {
    return this.#write(() => this.#log.update(key, value, expectedModRevision));
  }

  async delete(key: string, expectedModRevision?: number): Promise<{ revision: number; prev: KeyValue }> {
    return this.#write(() => this.#log.delete(key, expectedModRevision));
  }

  sizeBytes(): number {
    return this.#read(() =>
      databaseBytes(this.#db, () => {
        try {
          return statSync(`${this.#path}-wal`).size;
        } catch {
          return 0;
        }
      }),
    );
  }

  async probe(): Promise<void> {
    this.#corruption.check();
    // Through group commit like every write: a stalled or failing commit path fails the probe too.
    const stamp = Date.now();
    const read = await this.#write(() => {
      this.#log.setMeta('probe', stamp);
      return this.#log.meta('probe');
    });
    if (read !== stamp) throw new Error('the storage probe read back a different value than it wrote');
    try {
      this.#read(() => {
        this.#log.currentRevision();
        this.#scrubbedTo = this.#log.scrub(this.#scrubbedTo, rowsPerScrub);
      });
    } finally {
      // A read that found damage fails this probe with the latch's advice rather than SQLite's bare message.
      this.#corruption.check();
    }
  }

  async backup(path: string): Promise<void> {
    this.#assertOpen();
    await this.#db.backup(path).catch((e: unknown) => {
      this.#corruption.note(e);
      throw e;
    });
  }

  commitStats(): CommitStats {
    return this.#commits?.stats ?? { transactions: 0, writes: 0, blockedMs: 0 };
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
      await reclaimFreePages(this.#db, () => !this.#closed);
    });
    run.catch((e: unknown) => this.#corruption.note(e));
    this.#compaction = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    // Writes accepted before close() still commit and settle.
    this.#commits?.flushAll();
    await this.#compaction;
    this.#hub.endAll();
    this.#db.close();
  }

  /** A synchronous read of the open store; damage it reports is remembered. */
  #read<T>(query: () => T): T {
    this.#assertOpen();
    return this.#corruption.run(query);
  }

  async #write<T>(write: () => T): Promise<T> {
    this.#assertOpen();
    try {
      // The write itself, or the commit of the transaction holding it, may be what meets the damage.
      if (this.#commits) return await this.#commits.submit(write);
      const result = write();
      this.#nudge();
      return result;
    } catch (e) {
      this.#corruption.note(e);
      throw e;
    }
  }

  #nudge(): void {
    if (this.#pollScheduled) return;
    this.#pollScheduled = true;
    setImmediate(() => {
      this.#pollScheduled = false;
      this.#pollOrEndWatches();
    });
  }

  /** A poll from a timer: a failing read (damage, I/O) ends the watches with its error instead of escaping. */
  #pollOrEndWatches(): void {
    try {
      this.#corruption.run(() => this.#poll());
    } catch (e) {
      this.#hub.endAll(e instanceof Error ? e : new Error(String(e)));
    }
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

export function openSqliteStorage(path: string, opts: SqliteStorageOptions = {}): SqliteStorage {
  return new SqliteStore(path, opts);
}

// Synchronous reads and writes of the kine table. Every write runs in an IMMEDIATE transaction and
// appends one row whose id (the new revision) is chosen under the write lock.
import type { Database as SqliteDatabase, Statement, Transaction } from 'better-sqlite3';
import { prefixEnd } from '../keys.js';
import { StorageError } from '../types.js';
import type { KeyValue, RangeOptions, RangeResult, StoreEvent } from '../types.js';
import { rowToEvent, rowToKeyValue } from './rows.js';
import type { EventRow, ValueRow } from './rows.js';

interface LatestRow extends ValueRow {
  deleted: number;
}

const eventColumns = `r.id, r.name, r.created, r.deleted, r.create_revision, r.prev_revision, r.value,
  p.value AS prev_value, p.create_revision AS prev_create_revision`;

export class SqliteLog {
  readonly #statements = new Map<string, Statement>();
  // One wrapper for all: building a better-sqlite3 transaction function costs more than a small write.
  readonly #transaction: Transaction<(body: () => void) => void>;

  constructor(private readonly db: SqliteDatabase) {
    this.#transaction = db.transaction((body: () => void) => body());
  }

  currentRevision(): number {
    const row = this.#stmt(`SELECT seq FROM sqlite_sequence WHERE name = 'kine'`).get() as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  meta(name: string): number {
    const row = this.#stmt('SELECT value FROM meta WHERE name = ?').get(name) as { value: number } | undefined;
    return row?.value ?? 0;
  }

  setMeta(name: string, value: number): void {
    this.#stmt('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(name, value);
  }

  compactedRevision(): number {
    return this.meta('compact_rev');
  }

  get(key: string): KeyValue | undefined {
    const row = this.#latest(key);
    return row && !row.deleted ? rowToKeyValue(row) : undefined;
  }

  range(prefix: string, opts: RangeOptions): RangeResult {
    return this.#inTransaction('deferred', () => {
      const current = this.currentRevision();
      const revision = opts.revision ?? current;
      const compacted = this.compactedRevision();
      if (revision < compacted) throw new StorageError('Compacted', prefix, `required revision ${revision} has been compacted`, compacted);
      if (revision > current) throw new StorageError('FutureRevision', prefix, `required revision ${revision} is a future revision`, current);
      const end = prefixEnd(prefix);
      const from = opts.fromKey !== undefined && opts.fromKey > prefix ? opts.fromKey : prefix;
      const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
      const rows = this.#stmt(`SELECT id, name, create_revision, value FROM kine AS k
        WHERE name >= @from ${end === undefined ? '' : 'AND name < @end'} AND id <= @revision AND deleted = 0
          AND NOT EXISTS (SELECT 1 FROM kine AS n WHERE n.name = k.name AND n.id > k.id AND n.id <= @revision)
        ORDER BY name LIMIT @limit`).all({ from, end, revision, limit: limit > 0 ? limit + 1 : -1 }) as ValueRow[];
      const more = limit > 0 && rows.length > limit;
      return { kvs: (more ? rows.slice(0, limit) : rows).map(rowToKeyValue), revision, more };
    });
  }

  create(key: string, value: string): number {
    return this.#write(key, 'KeyExists', () => {
      const latest = this.#latest(key);
      if (latest && !latest.deleted) throw new StorageError('KeyExists', key);
      const id = this.currentRevision() + 1;
      this.#insert(id, key, true, false, id, latest?.id ?? 0, value);
      return id;
    });
  }

  update(key: string, value: string, expectedModRevision: number): number {
    return this.#write(key, 'Conflict', () => {
      const latest = this.#live(key);
      if (latest.id !== expectedModRevision) throw new StorageError('Conflict', key, undefined, latest.id);
      const id = this.currentRevision() + 1;
      this.#insert(id, key, false, false, latest.create_revision, latest.id, value);
      return id;
    });
  }

  delete(key: string, expectedModRevision: number | undefined): { revision: number; prev: KeyValue } {
    return this.#write(key, 'Conflict', () => {
      const latest = this.#live(key);
      if (expectedModRevision !== undefined && latest.id !== expectedModRevision) {
        throw new StorageError('Conflict', key, undefined, latest.id);
      }
      const id = this.currentRevision() + 1;
      this.#insert(id, key, false, true, latest.create_revision, latest.id, latest.value);
      return { revision: id, prev: rowToKeyValue(latest) };
    });
  }

  /** Events with after < revision <= upTo (under prefix when given), ascending, at most limit. */
  events(after: number, upTo: number, limit: number, prefix = ''): StoreEvent[] {
    const end = prefixEnd(prefix);
    const rows = this.#stmt(`SELECT ${eventColumns} FROM kine AS r LEFT JOIN kine AS p ON p.id = r.prev_revision
      WHERE r.id > @after AND r.id <= @upTo ${end === undefined ? '' : 'AND r.name >= @prefix AND r.name < @end'}
      ORDER BY r.id LIMIT @limit`).all({ after, upTo, limit, prefix, end }) as EventRow[];
    return rows.map(rowToEvent);
  }

  /** The next rows after `after` and the position they bring the reader to, read in one snapshot. */
  tail(after: number, limit: number): { events: StoreEvent[]; position: number; compacted: number } {
    return this.#inTransaction('deferred', () => {
      const current = this.currentRevision();
      const events = this.events(after, current, limit);
      const last = events[events.length - 1];
      // A short read has seen every row up to `current` (the newest rows may have been compacted away).
      const position = events.length === limit && last ? (last.type === 'put' ? last.kv.modRevision : last.revision) : current;
      return { events, position: Math.max(position, after), compacted: this.compactedRevision() };
    });
  }

  /**
   * Reads the rows after `after` (at most limit) without their values, so every B-tree page holding them is
   * loaded and checked; returns where the next call goes on, 0 after the last row.
   */
  scrub(after: number, limit: number): number {
    const rows = this.#stmt('SELECT id, prev_revision FROM kine WHERE id > ? ORDER BY id LIMIT ?').all(after, limit) as { id: number }[];
    return rows.length < limit ? 0 : (rows[rows.length - 1]?.id ?? 0);
  }

  /** Runs body in an IMMEDIATE transaction, or in a savepoint when a transaction (a group commit) is open. */
  #write<T>(key: string, onUniqueViolation: 'KeyExists' | 'Conflict', body: () => T): T {
    try {
      return this.#inTransaction('immediate', body);
    } catch (err) {
      if (isUniqueViolation(err)) throw new StorageError(onUniqueViolation, key, undefined, undefined);
      throw err;
    }
  }

  /** A transaction of this mode, or a savepoint inside the one already open. */
  #inTransaction<T>(mode: 'deferred' | 'immediate', body: () => T): T {
    let result!: T;
    this.#transaction[mode](() => {
      result = body();
    });
    return result;
  }

  #insert(id: number, key: string, created: boolean, deleted: boolean, createRevision: number, prevRevision: number, value: string): void {
    this.#stmt(`INSERT INTO kine (id, name, created, deleted, create_revision, prev_revision, value)
      VALUES (?, ?, ?, ?, ?, ?, ?)`).run(id, key, created ? 1 : 0, deleted ? 1 : 0, createRevision, prevRevision, value);
  }

  #latest(key: string): LatestRow | undefined {
    return this.#stmt('SELECT id, name, create_revision, value, deleted FROM kine WHERE name = ? ORDER BY id DESC LIMIT 1').get(key) as
      | LatestRow
      | undefined;
  }

  #live(key: string): LatestRow {
    const latest = this.#latest(key);
    if (!latest || latest.deleted) throw new StorageError('NotFound', key);
    return latest;
  }

  #stmt(sql: string): Statement {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && 'code' in err && (err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY');
}

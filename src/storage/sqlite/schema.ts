// Connection options and schema of the SQLite log (kine-shaped: one append-only table, the row id is the revision).
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';

const schema = `
CREATE TABLE IF NOT EXISTS kine (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL
);
-- Each row has at most one successor: the loser of two writes based on the same row violates this index.
CREATE UNIQUE INDEX IF NOT EXISTS kine_name_prev_revision ON kine (name, prev_revision);
CREATE INDEX IF NOT EXISTS kine_name_id ON kine (name, id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

export function openDatabase(path: string): SqliteDatabase {
  const db = new Database(path, { timeout: 10_000 });
  // Pages freed by compaction go back to the file system in steps (sqlite/vacuum.ts). Takes effect on a new
  // database; a database created without it keeps its free pages for reuse.
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  // FULL: the WAL is fsynced at every commit, so a resolved write survives a crash or power loss.
  db.pragma('synchronous = FULL');
  db.exec(schema);
  return db;
}

// Giving the pages compaction freed back to the file system, in bounded steps (each its own short write, with an
// event-loop turn between), then truncating the write-ahead log.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Database as SqliteDatabase } from 'better-sqlite3';

const pagesPerStep = 2000;

export async function reclaimFreePages(db: SqliteDatabase, isOpen: () => boolean): Promise<void> {
  if (db.pragma('auto_vacuum', { simple: true }) !== 2) return; // 2: INCREMENTAL
  for (let step = 0; step < 100_000; step++) {
    if (!isOpen()) return;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    if (free === 0) break;
    db.pragma(`incremental_vacuum(${Math.min(free, pagesPerStep)})`);
    await yieldToEventLoop();
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
}

/** Bytes on disk: the database file and its write-ahead log. */
export function databaseBytes(db: SqliteDatabase, walBytes: () => number): number {
  const pages = db.pragma('page_count', { simple: true }) as number;
  const size = db.pragma('page_size', { simple: true }) as number;
  return pages * size + walBytes();
}

// Compaction in bounded batches: each batch is its own short transaction over a window of row ids,
// and the event loop gets a turn between batches, so writers are never locked out for long.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { SqliteLog } from './log.js';

const idsPerBatch = 500;

/**
 * Deletes every row at or below `revision` that is not a key's value at `revision`: rows superseded by a
 * newer row at or below `revision`, and tombstones. The value at `revision` (and so the predecessor of every
 * later event) stays. The logical compaction mark is set first, so readers refuse the history before it vanishes.
 */
export async function compactLog(db: SqliteDatabase, log: SqliteLog, revision: number): Promise<void> {
  db.transaction(() => log.setMeta('compact_rev', Math.max(revision, log.compactedRevision()))).immediate();
  const remove = db.prepare(`DELETE FROM kine WHERE id > @lo AND id <= @hi AND (deleted = 1
    OR EXISTS (SELECT 1 FROM kine AS n WHERE n.name = kine.name AND n.id > kine.id AND n.id <= @revision))`);
  let lo = log.meta('compact_done');
  while (lo < revision) {
    const hi = Math.min(lo + idsPerBatch, revision);
    db.transaction(() => remove.run({ lo, hi, revision })).immediate();
    lo = hi;
    if (lo < revision) await yieldToEventLoop();
  }
  db.transaction(() => log.setMeta('compact_done', Math.max(revision, log.meta('compact_done')))).immediate();
}

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openSqliteStorage } from '../../../src/storage/sqlite.js';
import type { SqliteStorage, SqliteStorageOptions } from '../../../src/storage/sqlite.js';
import { GroupCommit } from '../../../src/storage/sqlite/group-commit.js';
import { openDatabase } from '../../../src/storage/sqlite/schema.js';
import { StorageError } from '../../../src/storage/types.js';
import type { StorageErrorCode, StoreEvent } from '../../../src/storage/types.js';

const dir = mkdtempSync(join(tmpdir(), 'a-kube-group-commit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(dir, `store-${++files}.db`);

async function withStore(opts: SqliteStorageOptions, body: (s: SqliteStorage) => Promise<void>): Promise<void> {
  const store = openSqliteStorage(freshPath(), opts);
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

/** Settles every promise; a rejection must be a StorageError and is reported by its code. */
async function outcomes(writes: readonly Promise<unknown>[]): Promise<(number | StorageErrorCode)[]> {
  const settled = await Promise.allSettled(writes);
  return settled.map((r) => {
    if (r.status === 'fulfilled') return typeof r.value === 'number' ? r.value : (r.value as { revision: number }).revision;
    assert.ok(r.reason instanceof StorageError, `expected a StorageError, got ${String(r.reason)}`);
    return r.reason.code;
  });
}

/** Reads events from a watch until one has revision `until`, then aborts it. */
async function eventsUntil(s: SqliteStorage, prefix: string, afterRevision: number, until: number): Promise<string[]> {
  const ac = new AbortController();
  const out: string[] = [];
  for await (const batch of s.watch({ prefix, afterRevision, signal: ac.signal })) {
    for (const ev of batch) {
      out.push(summary(ev));
      if (revisionOf(ev) >= until) ac.abort();
    }
  }
  return out;
}

function revisionOf(ev: StoreEvent): number {
  return ev.type === 'put' ? ev.kv.modRevision : ev.revision;
}

function summary(ev: StoreEvent): string {
  if (ev.type === 'put') return `${ev.kv.modRevision} put ${ev.kv.key}=${ev.kv.value}${ev.prev ? ` prev=${ev.prev.value}@${ev.prev.modRevision}` : ''}`;
  return `${ev.revision} delete ${ev.key} prev=${ev.prev.value}@${ev.prev.modRevision}`;
}

describe('sqlite group commit', () => {
  const raceCases = [
    { name: 'in one transaction', maxBatchWrites: undefined, transactions: 1 },
    { name: 'spread over several transactions', maxBatchWrites: 7, transactions: 8 },
  ];
  for (const c of raceCases) {
    test(`concurrent creates of one key: exactly one wins (${c.name})`, () =>
      withStore({ maxBatchWrites: c.maxBatchWrites }, async (s) => {
        const base = await s.currentRevision();
        const before = s.commitStats();
        const results = await outcomes(Array.from({ length: 50 }, (_, i) => s.create('/r/same', `v${i}`)));
        assert.deepEqual(results, [base + 1, ...Array.from({ length: 49 }, () => 'KeyExists')]);
        assert.equal(s.commitStats().transactions - before.transactions, c.transactions);
        assert.equal(await s.currentRevision(), base + 1);
        assert.deepEqual(await s.get('/r/same'), { key: '/r/same', value: 'v0', createRevision: base + 1, modRevision: base + 1 });
      }));
  }

  test('a compare-and-swap chain inside one batch sees the earlier writes of the batch', () =>
    withStore({}, async (s) => {
      const base = await s.create('/r/other', 'x');
      const before = s.commitStats();
      const results = await outcomes([
        s.create('/r/a', 'a1'),
        s.update('/r/a', 'a2', base + 1),
        s.update('/r/a', 'a3', base + 2),
        s.update('/r/a', 'stale', base + 1),
        s.delete('/r/a', base + 3),
        s.update('/r/a', 'gone', base + 3),
        s.create('/r/a', 'again'),
      ]);
      assert.deepEqual(results, [base + 1, base + 2, base + 3, 'Conflict', base + 4, 'NotFound', base + 5]);
      assert.deepEqual(s.commitStats(), { ...s.commitStats(), transactions: before.transactions + 1, writes: before.writes + 7 });
      assert.deepEqual(await s.get('/r/a'), { key: '/r/a', value: 'again', createRevision: base + 5, modRevision: base + 5 });
      assert.deepEqual(await eventsUntil(s, '/r/a', base, base + 5), [
        `${base + 1} put /r/a=a1`,
        `${base + 2} put /r/a=a2 prev=a1@${base + 1}`,
        `${base + 3} put /r/a=a3 prev=a2@${base + 2}`,
        `${base + 4} delete /r/a prev=a3@${base + 3}`,
        `${base + 5} put /r/a=again`,
      ]);
    }));

  test('the conflict of a write in a batch reports the revision written earlier in the batch', () =>
    withStore({}, async (s) => {
      const created = await s.create('/r/a', '1');
      const [updated, stale] = await Promise.allSettled([s.update('/r/a', '2', created), s.update('/r/a', '3', created)]);
      assert.equal(updated.status, 'fulfilled');
      assert.equal(stale.status, 'rejected');
      assert.ok(stale.reason instanceof StorageError);
      assert.equal(stale.reason.code, 'Conflict');
      assert.equal(stale.reason.revision, created + 1);
    }));

  test('failing writes in a batch fail alone: the others get consecutive revisions and their events', () =>
    withStore({}, async (s) => {
      const existing = await s.create('/w/existing', 'e');
      const base = await s.currentRevision();
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 10; i++) {
        writes.push(s.create(`/w/k${i}`, String(i)));
        if (i % 3 === 0) writes.push(s.create('/w/existing', 'dup'), s.update('/w/missing', 'x', 1), s.delete('/w/existing', existing + 100));
      }
      const results = await outcomes(writes);
      const succeeded = results.filter((r) => typeof r === 'number');
      assert.deepEqual(succeeded, Array.from({ length: 10 }, (_, i) => base + 1 + i));
      assert.deepEqual(
        results.filter((r) => typeof r === 'string'),
        Array.from({ length: 4 }, () => ['KeyExists', 'NotFound', 'Conflict']).flat(),
      );
      assert.equal(await s.currentRevision(), base + 10);
      assert.equal((await s.get('/w/existing'))?.value, 'e');
      const events = await eventsUntil(s, '/w/', base, base + 10);
      assert.deepEqual(events, Array.from({ length: 10 }, (_, i) => `${base + 1 + i} put /w/k${i}=${i}`));
    }));

  test('a watch gets the events of a batch in revision order and progress up to its last revision', () =>
    withStore({}, async (s) => {
      const base = await s.currentRevision();
      const ac = new AbortController();
      const progress: number[] = [];
      const revisions: number[] = [];
      const watching = (async () => {
        const onProgress = (rev: number): void => {
          progress.push(rev);
          if (rev >= base + 20) ac.abort();
        };
        for await (const batch of s.watch({ prefix: '/even/', afterRevision: base, signal: ac.signal, onProgress })) revisions.push(...batch.map(revisionOf));
      })();
      await Promise.all(Array.from({ length: 20 }, (_, i) => s.create(`/${i % 2 ? 'odd' : 'even'}/${i}`, String(i))));
      await watching;
      assert.deepEqual(revisions, Array.from({ length: 10 }, (_, i) => base + 1 + 2 * i));
      assert.equal(progress[progress.length - 1], base + 20);
    }));

  test('writes are invisible until their batch commits, and close() commits what was queued', async () => {
    const path = freshPath();
    const s = openSqliteStorage(path);
    const created = s.create('/r/queued', 'q');
    assert.equal(await s.get('/r/queued'), undefined);
    await s.close();
    assert.equal(await created, 1);
    await assert.rejects(s.create('/r/late', 'l'), { name: 'StorageError', code: 'Closed' });
    const reopened = openSqliteStorage(path);
    try {
      assert.equal((await reopened.get('/r/queued'))?.value, 'q');
    } finally {
      await reopened.close();
    }
  });

  test('without group commit every write is its own transaction', () =>
    withStore({ groupCommit: false }, async (s) => {
      const results = await outcomes([s.create('/r/a', '1'), s.create('/r/a', '2'), s.create('/r/b', '3')]);
      assert.deepEqual(results, [1, 'KeyExists', 2]);
      assert.deepEqual(s.commitStats(), { transactions: 0, writes: 0, blockedMs: 0 });
    }));
});

describe('GroupCommit', () => {
  function withDatabase(body: (db: ReturnType<typeof openDatabase>) => Promise<void>): Promise<void> {
    const db = openDatabase(freshPath());
    db.exec('CREATE TABLE t (v TEXT NOT NULL)');
    return body(db).finally(() => db.close());
  }

  test('a write that throws is undone alone; the others commit and resolve with their results', () =>
    withDatabase(async (db) => {
      const commits = new GroupCommit(db);
      const insert = (v: string) => () => db.prepare('INSERT INTO t (v) VALUES (?)').run(v).lastInsertRowid;
      const results = await Promise.allSettled([
        commits.submit(insert('a')),
        commits.submit(() => {
          insert('undone')();
          throw new TypeError('bug in one write');
        }),
        commits.submit(insert('b')),
      ]);
      assert.deepEqual(
        results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason))),
        [1, 'TypeError: bug in one write', 2],
      );
      assert.deepEqual(db.prepare('SELECT v FROM t ORDER BY rowid').pluck().all(), ['a', 'b']);
      assert.deepEqual(commits.stats, { ...commits.stats, transactions: 1, writes: 3 });
    }));

  test('when SQLite abandons the transaction, every write of the batch fails and none is kept', () =>
    withDatabase(async (db) => {
      let committed = 0;
      const commits = new GroupCommit(db, { onCommitted: () => committed++ });
      const insert = (v: string) => () => void db.prepare('INSERT INTO t (v) VALUES (?)').run(v);
      const results = await Promise.allSettled([
        commits.submit(insert('a')),
        commits.submit(() => {
          db.exec('ROLLBACK'); // what SQLite does on its own after some I/O errors
          throw new Error('transaction lost');
        }),
        commits.submit(insert('b')),
      ]);
      assert.deepEqual(
        results.map((r) => r.status === 'rejected' && String(r.reason)),
        ['Error: transaction lost', 'Error: transaction lost', 'Error: transaction lost'],
      );
      assert.equal(db.inTransaction, false);
      assert.deepEqual(db.prepare('SELECT v FROM t').all(), []);
      assert.equal(committed, 0);
      // The next batch starts afresh.
      await commits.submit(insert('c'));
      assert.deepEqual(db.prepare('SELECT v FROM t').pluck().all(), ['c']);
      assert.equal(committed, 1);
    }));

  test('a queue longer than maxBatchWrites is committed in order over several transactions', () =>
    withDatabase(async (db) => {
      const commits = new GroupCommit(db, { maxBatchWrites: 4 });
      const order: number[] = [];
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          commits.submit(() => db.prepare('INSERT INTO t (v) VALUES (?)').run(String(i))).then(() => order.push(i)),
        ),
      );
      assert.deepEqual(order, Array.from({ length: 10 }, (_, i) => i));
      assert.deepEqual(db.prepare('SELECT v FROM t ORDER BY rowid').pluck().all(), order.map(String));
      assert.deepEqual(commits.stats, { ...commits.stats, transactions: 3, writes: 10 });
      assert.equal(commits.pending, 0);
    }));
});

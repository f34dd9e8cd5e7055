import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { openSqliteStorage } from '../../../src/storage/sqlite.js';
import { SqliteLog } from '../../../src/storage/sqlite/log.js';
import { openDatabase } from '../../../src/storage/sqlite/schema.js';
import type { StoreEvent } from '../../../src/storage/types.js';
import { storageConformance } from './conformance.suite.js';

const dir = mkdtempSync(join(tmpdir(), 'a-kube-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(dir, `store-${++files}.db`);

storageConformance('sqlite', () => openSqliteStorage(freshPath()));
storageConformance('sqlite without group commit', () => openSqliteStorage(freshPath(), { groupCommit: false }));
storageConformance('sqlite, group commit of at most 2 writes', () => openSqliteStorage(freshPath(), { maxBatchWrites: 2 }));

describe('sqlite storage', () => {
  test('reopening the file restores values, history and the revision counter', async () => {
    const path = freshPath();
    const first = openSqliteStorage(path);
    const a = await first.create('/r/a', 'a1');
    await first.update('/r/a', 'a2', a);
    const b = await first.create('/r/b', 'b');
    const gone = await first.delete('/r/b', b);
    await first.compact(gone.revision); // the newest row (a tombstone) is compacted away
    await first.close();

    const second = openSqliteStorage(path);
    try {
      assert.equal(await second.currentRevision(), gone.revision);
      assert.equal(await second.compactedRevision(), gone.revision);
      assert.deepEqual((await second.range('/r/')).kvs.map((kv) => kv.value), ['a2']);
      assert.equal(await second.create('/r/c', 'c'), gone.revision + 1);
    } finally {
      await second.close();
    }
  });

  test('a second store on the same file sees writes through polling, and stale CAS loses', async () => {
    const path = freshPath();
    const writer = openSqliteStorage(path, { pollIntervalMs: 10 });
    const watcher = openSqliteStorage(path, { pollIntervalMs: 10 });
    try {
      const created = await writer.create('/r/a', 'a1');
      const ac = new AbortController();
      const seen: StoreEvent[] = [];
      const watching = (async () => {
        for await (const batch of watcher.watch({ prefix: '/r/', afterRevision: created, signal: ac.signal })) {
          seen.push(...batch);
          ac.abort();
        }
      })();
      assert.equal((await watcher.get('/r/a'))?.value, 'a1');
      const updated = await writer.update('/r/a', 'a2', created);
      await watching;
      assert.deepEqual(seen, [{ type: 'put', kv: { key: '/r/a', value: 'a2', createRevision: created, modRevision: updated }, prev: { key: '/r/a', value: 'a1', createRevision: created, modRevision: created } }]);
      await assert.rejects(watcher.update('/r/a', 'a3', created), { name: 'StorageError', code: 'Conflict' });
      await assert.rejects(watcher.create('/r/a', 'again'), { name: 'StorageError', code: 'KeyExists' });
    } finally {
      await writer.close();
      await watcher.close();
    }
  });

  test('compaction in many batches keeps every latest value while writes continue', async () => {
    const s = openSqliteStorage(freshPath());
    try {
      let rev = await s.create('/r/hot', '0');
      for (let i = 1; i <= 1500; i++) rev = await s.update('/r/hot', String(i), rev);
      for (let i = 0; i < 20; i++) await s.create(`/r/k${String(i).padStart(2, '0')}`, String(i));
      let compacted = false;
      const compacting = s.compact(rev).then(() => {
        compacted = true;
      });
      const during: number[] = [];
      while (!compacted) {
        during.push(await s.create(`/r/during${during.length}`, 'x'));
        await yieldToEventLoop();
      }
      await compacting;
      assert.ok(during.length >= 2, `writes got in between compaction batches: ${during.length}`);
      const { kvs } = await s.range('/r/');
      assert.equal(kvs.length, 21 + during.length);
      assert.equal((await s.get('/r/hot'))?.value, '1500');
      assert.equal((await s.get('/r/during1'))?.modRevision, during[1]);
    } finally {
      await s.close();
    }
  });

  test('a watch replays a history longer than one read batch, in order, then follows', async () => {
    const path = freshPath();
    const db = openDatabase(path);
    db.pragma('synchronous = OFF'); // only to write the fixture quickly
    const log = new SqliteLog(db);
    db.transaction(() => {
      for (let i = 0; i < 2500; i++) log.create(`/${i % 2 ? 'odd' : 'even'}/${i}`, String(i));
    })();
    db.close();
    const s = openSqliteStorage(path);
    try {
      const ac = new AbortController();
      const values: string[] = [];
      for await (const batch of s.watch({ prefix: '/odd/', afterRevision: 0, signal: ac.signal })) {
        for (const ev of batch) values.push(ev.type === 'put' ? ev.kv.value : 'delete');
        if (values.length === 1250) await s.create('/odd/live', 'live');
        if (values.length === 1251) ac.abort();
      }
      assert.deepEqual(values, [...Array.from({ length: 1250 }, (_, i) => String(2 * i + 1)), 'live']);
    } finally {
      await s.close();
    }
  });
});

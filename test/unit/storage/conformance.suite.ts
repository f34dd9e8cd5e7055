// One behaviour suite for every Storage backend (memory, SQLite, later etcd). Never run alone:
// each backend's test calls storageConformance() with a factory returning a fresh, empty store.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StorageError } from '../../../src/storage/types.js';
import type { Storage, StorageErrorCode, StoreEvent } from '../../../src/storage/types.js';

const timeout = 10_000;

export function storageConformance(name: string, factory: () => Promise<Storage> | Storage): void {
  async function withStore(body: (store: Storage) => Promise<void>): Promise<void> {
    const store = await factory();
    try {
      await body(store);
    } finally {
      await store.close();
    }
  }

  describe(`storage conformance: ${name}`, { timeout }, () => {
    test('create then get returns the value with create and mod revision', () =>
      withStore(async (s) => {
        const before = await s.currentRevision();
        const rev = await s.create('/r/a', 'v1');
        assert.ok(rev > before);
        assert.equal(await s.currentRevision(), rev);
        assert.deepEqual(await s.get('/r/a'), { key: '/r/a', value: 'v1', createRevision: rev, modRevision: rev });
        assert.equal(await s.get('/r/missing'), undefined);
      }));

    test('create of an existing key fails with KeyExists and does not advance the revision', () =>
      withStore(async (s) => {
        await s.create('/r/a', 'v1');
        const rev = await s.currentRevision();
        await rejectsWith(s.create('/r/a', 'v2'), 'KeyExists');
        assert.equal(await s.currentRevision(), rev);
        assert.equal((await s.get('/r/a'))?.value, 'v1');
      }));

    test('range returns keys in order with limit, more and fromKey pagination', () =>
      withStore(async (s) => {
        for (const k of ['c', 'a', 'e', 'b', 'd']) await s.create(`/r/${k}`, k);
        const all = await s.range('/r/');
        assert.deepEqual(all.kvs.map((kv) => kv.key), ['/r/a', '/r/b', '/r/c', '/r/d', '/r/e']);
        assert.equal(all.more, false);
        assert.equal(all.revision, await s.currentRevision());

        const first = await s.range('/r/', { limit: 2 });
        assert.deepEqual(first.kvs.map((kv) => kv.value), ['a', 'b']);
        assert.equal(first.more, true);
        const pages: string[][] = [];
        let fromKey: string | undefined;
        for (;;) {
          const page = await s.range('/r/', { limit: 2, fromKey, revision: first.revision });
          pages.push(page.kvs.map((kv) => kv.value));
          if (!page.more) break;
          fromKey = `${page.kvs[page.kvs.length - 1]?.key}\x00`;
        }
        assert.deepEqual(pages, [['a', 'b'], ['c', 'd'], ['e']]);
        const exact = await s.range('/r/', { limit: 5 });
        assert.equal(exact.kvs.length, 5);
        assert.equal(exact.more, false);
      }));

    test('range and watch isolate prefixes (/a/b/ vs /a/bc/)', () =>
      withStore(async (s) => {
        await s.create('/a/b/1', 'in');
        await s.create('/a/bc/1', 'out');
        await s.create('/a/b', 'out');
        assert.deepEqual((await s.range('/a/b/')).kvs.map((kv) => kv.key), ['/a/b/1']);
        const events = await collect(s, '/a/b/', 0, 1);
        assert.deepEqual(events.map(summary), ['put /a/b/1 in']);
      }));

    test('update is a compare-and-swap on modRevision', () =>
      withStore(async (s) => {
        const created = await s.create('/r/a', 'v1');
        const updated = await s.update('/r/a', 'v2', created);
        assert.ok(updated > created);
        assert.deepEqual(await s.get('/r/a'), { key: '/r/a', value: 'v2', createRevision: created, modRevision: updated });
        const conflict = await rejectsWith(s.update('/r/a', 'v3', created), 'Conflict');
        assert.equal(conflict.revision, updated);
        await rejectsWith(s.update('/r/missing', 'v', 1), 'NotFound');
        assert.equal(await s.currentRevision(), updated);
      }));

    test('delete with and without an expected revision', () =>
      withStore(async (s) => {
        const a = await s.create('/r/a', 'a');
        const b = await s.create('/r/b', 'b');
        await rejectsWith(s.delete('/r/a', a + 100), 'Conflict');
        const delA = await s.delete('/r/a', a);
        assert.deepEqual(delA.prev, { key: '/r/a', value: 'a', createRevision: a, modRevision: a });
        assert.ok(delA.revision > b);
        const delB = await s.delete('/r/b');
        assert.equal(delB.prev.value, 'b');
        assert.ok(delB.revision > delA.revision);
        assert.equal(await s.get('/r/a'), undefined);
        assert.deepEqual((await s.range('/r/')).kvs, []);
        await rejectsWith(s.delete('/r/a'), 'NotFound');
        const again = await s.create('/r/a', 'a2');
        assert.deepEqual(await s.get('/r/a'), { key: '/r/a', value: 'a2', createRevision: again, modRevision: again });
      }));

    test('revisions grow by one per successful write and never on a failed one', () =>
      withStore(async (s) => {
        const start = await s.currentRevision();
        const revs = [await s.create('/r/a', '1'), await s.update('/r/a', '2', start + 1)];
        await rejectsWith(s.update('/r/a', '3', start + 1), 'Conflict');
        revs.push(await s.create('/r/b', '1'), (await s.delete('/r/a')).revision);
        assert.deepEqual(revs, [start + 1, start + 2, start + 3, start + 4]);
        assert.equal(await s.currentRevision(), start + 4);
      }));

    test('range at an old revision sees the state of that revision', () =>
      withStore(async (s) => {
        const r1 = await s.create('/r/a', 'a1');
        const r2 = await s.create('/r/b', 'b1');
        await s.update('/r/a', 'a2', r1);
        await s.delete('/r/b', r2);
        await s.create('/r/c', 'c1');
        const at2 = await s.range('/r/', { revision: r2 });
        assert.equal(at2.revision, r2);
        assert.deepEqual(at2.kvs.map((kv) => `${kv.key}=${kv.value}@${kv.modRevision}`), [`/r/a=a1@${r1}`, `/r/b=b1@${r2}`]);
        assert.deepEqual((await s.range('/r/')).kvs.map((kv) => kv.value), ['a2', 'c1']);
        await rejectsWith(s.range('/r/', { revision: (await s.currentRevision()) + 5 }), 'FutureRevision');
      }));

    test('watch from a revision replays puts and deletes (with prev) in order, only under the prefix', () =>
      withStore(async (s) => {
        const base = await s.currentRevision();
        const a = await s.create('/w/a', 'a1');
        await s.create('/other/x', 'x');
        const a2 = await s.update('/w/a', 'a2', a);
        await s.create('/w/b', 'b1');
        const del = await s.delete('/w/a');
        const events = await collect(s, '/w/', base, 4);
        assert.deepEqual(events.map(summary), ['put /w/a a1', 'put /w/a a2 prev=a1', 'put /w/b b1', 'delete /w/a prev=a2']);
        const revisions = events.map(revisionOf);
        assert.deepEqual(revisions, [a, a2, a2 + 1, del.revision]);
        const last = events[3];
        assert.ok(last?.type === 'delete');
        assert.deepEqual(last.prev, { key: '/w/a', value: 'a2', createRevision: a, modRevision: a2 });
        // Starting later skips what came before.
        assert.deepEqual((await collect(s, '/w/', a2, 2)).map(summary), ['put /w/b b1', 'delete /w/a prev=a2']);
      }));

    test('watch delivers live writes after the replay, and ends when the signal aborts', () =>
      withStore(async (s) => {
        const start = await s.create('/w/a', 'a1');
        const ac = new AbortController();
        const seen: string[] = [];
        const done = (async () => {
          for await (const batch of s.watch({ prefix: '/w/', afterRevision: start - 1, signal: ac.signal })) {
            for (const ev of batch) {
              seen.push(summary(ev));
              if (ev.type === 'put' && ev.kv.value === 'a1') {
                await s.update('/w/a', 'a2', start);
                await s.create('/elsewhere', 'x');
              }
              if (ev.type === 'put' && ev.kv.value === 'a2') await s.delete('/w/a');
              if (ev.type === 'delete') ac.abort();
            }
          }
        })();
        await done;
        assert.deepEqual(seen, ['put /w/a a1', 'put /w/a a2 prev=a1', 'delete /w/a prev=a2']);
      }));

    test('an aborted watch ends while it waits for events', () =>
      withStore(async (s) => {
        const ac = new AbortController();
        const iterator = s.watch({ prefix: '/w/', afterRevision: await s.currentRevision(), signal: ac.signal })[Symbol.asyncIterator]();
        const next = iterator.next();
        ac.abort();
        assert.equal((await next).done, true);
      }));

    test('watch reports progress for revisions written under other prefixes', () =>
      withStore(async (s) => {
        const ac = new AbortController();
        const target = (await s.currentRevision()) + 2;
        const progress: number[] = [];
        const reached = new Promise<void>((resolve) => {
          const onProgress = (rev: number): void => {
            progress.push(rev);
            if (rev >= target) resolve();
          };
          void (async () => {
            for await (const batch of s.watch({ prefix: '/quiet/', afterRevision: target - 2, signal: ac.signal, onProgress })) {
              assert.fail(`unexpected events ${batch.map(summary).join(', ')}`);
            }
          })();
        });
        await s.create('/loud/a', '1');
        await s.create('/loud/b', '2');
        await reached;
        ac.abort();
        assert.ok(progress.every((rev, i) => i === 0 || rev > (progress[i - 1] ?? 0)), `progress not increasing: ${progress.join(',')}`);
      }));

    test('compaction keeps the latest values and refuses older history', () =>
      withStore(async (s) => {
        const a1 = await s.create('/c/a', 'a1');
        const a2 = await s.update('/c/a', 'a2', a1);
        const b = await s.create('/c/b', 'b');
        const delB = (await s.delete('/c/b', b)).revision;
        const c = await s.create('/c/c', 'c');
        const a3 = await s.update('/c/a', 'a3', a2);
        await s.compact(c);
        assert.equal(await s.compactedRevision(), c);
        assert.deepEqual((await s.range('/c/')).kvs.map((kv) => `${kv.value}@${kv.modRevision}`), [`a3@${a3}`, `c@${c}`]);
        assert.deepEqual((await s.range('/c/', { revision: c })).kvs.map((kv) => `${kv.value}@${kv.modRevision}`), [`a2@${a2}`, `c@${c}`]);
        await rejectsWith(s.range('/c/', { revision: delB }), 'Compacted');
        const compacted = await rejectsWith(collect(s, '/c/', a1, 1), 'Compacted');
        assert.equal(compacted.revision, c);
        // From the compacted revision itself the watch still works, and the update after it carries its prev.
        assert.deepEqual((await collect(s, '/c/', c, 1)).map(summary), ['put /c/a a3 prev=a2']);
        const again = await s.update('/c/a', 'a4', a3);
        assert.equal((await s.get('/c/a'))?.modRevision, again);
        await s.compact(c - 1); // older than the current mark: a no-op
        assert.equal(await s.compactedRevision(), c);
      }));
  });
}

async function rejectsWith(p: Promise<unknown>, code: StorageErrorCode): Promise<StorageError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StorageError, `expected StorageError ${code}, got ${String(err)}`);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected StorageError ${code}, but it resolved`);
}

/** Reads `count` events from a watch, then aborts it. */
async function collect(s: Storage, prefix: string, afterRevision: number, count: number): Promise<StoreEvent[]> {
  const ac = new AbortController();
  const out: StoreEvent[] = [];
  for await (const batch of s.watch({ prefix, afterRevision, signal: ac.signal })) {
    out.push(...batch);
    if (out.length >= count) ac.abort();
  }
  return out;
}

function revisionOf(ev: StoreEvent): number {
  return ev.type === 'put' ? ev.kv.modRevision : ev.revision;
}

function summary(ev: StoreEvent): string {
  if (ev.type === 'put') return `put ${ev.kv.key} ${ev.kv.value}${ev.prev ? ` prev=${ev.prev.value}` : ''}`;
  return `delete ${ev.key} prev=${ev.prev.value}`;
}

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../../src/api/object.js';
import { encodedJson } from '../../../src/storage/cache/encoded-json.js';
import type { CacheEvent, ResourceCache } from '../../../src/storage/cache-types.js';
import { createResourceCache } from '../../../src/storage/cacher.js';
import type { ResourceCacheOptions } from '../../../src/storage/cacher.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { openSqliteStorage } from '../../../src/storage/sqlite.js';
import { StorageError } from '../../../src/storage/types.js';
import type { Storage } from '../../../src/storage/types.js';

const prefix = '/registry/pods/';
const key = (ns: string, name: string): string => `${prefix}${ns}/${name}`;
const pod = (ns: string, name: string, labels: Record<string, string> = {}): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec: { containers: [] } });

async function withCache(
  body: (s: Storage, cache: ResourceCache) => Promise<void>,
  opts: ResourceCacheOptions & { seed?: (s: Storage) => Promise<void> } = {},
): Promise<void> {
  const s = createMemoryStorage();
  await opts.seed?.(s);
  const cache = createResourceCache(s, prefix, opts);
  try {
    await cache.ready();
    await body(s, cache);
  } finally {
    cache.close();
    await s.close();
  }
}

/** Reads events from a cache watch until `count` arrived, then aborts it. */
async function take(iterable: AsyncIterable<CacheEvent[]>, ac: AbortController, count: number): Promise<CacheEvent[]> {
  const out: CacheEvent[] = [];
  for await (const batch of iterable) {
    out.push(...batch);
    if (out.length >= count) ac.abort();
  }
  return out;
}

function watchFrom(cache: ResourceCache, afterRevision: number, more: { prefix?: string; filter?: (o: Readonly<KubeObject>) => boolean } = {}) {
  const ac = new AbortController();
  const iterable = cache.watch({ prefix: more.prefix ?? prefix, afterRevision, filter: more.filter, signal: ac.signal });
  return { ac, iterable };
}

const summary = (ev: CacheEvent): string => `${ev.type} ${ev.object.metadata.name}@${ev.object.metadata.resourceVersion}`;

async function seedFive(s: Storage): Promise<void> {
  for (const [ns, name] of [['b', 'p2'], ['a', 'p1'], ['b', 'p1'], ['a', 'p2'], ['c', 'p1']] as const) await s.create(key(ns, name), pod(ns, name, { app: ns }));
  await s.create('/registry/services/a/s1', pod('a', 's1'));
}

describe('watch cache', () => {
  test('lists current objects in key order, stamped with their revision, frozen, with their JSON text memoized', () =>
    withCache(
      async (s, cache) => {
        const listed = await cache.list({ prefix });
        assert.equal(listed.revision, await s.currentRevision());
        assert.equal(cache.revision(), listed.revision);
        assert.deepEqual(listed.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`), ['a/p1@2', 'a/p2@4', 'b/p1@3', 'b/p2@1', 'c/p1@5']);
        const first = listed.items[0];
        assert.ok(first && Object.isFrozen(first) && Object.isFrozen(first.metadata) && Object.isFrozen(first.metadata.labels));
        assert.equal(cache.get(key('a', 'p1')), first);
        const text = encodedJson(first);
        assert.equal(text, JSON.stringify(first));
        assert.equal(JSON.parse(text).metadata.resourceVersion, '2');
        assert.equal(encodedJson(first), text);
      },
      { seed: seedFive },
    ));

  test('paginates with limit and afterKey, and filters', () =>
    withCache(
      async (_s, cache) => {
        const pages: string[][] = [];
        let afterKey: string | undefined;
        const remaining: (number | undefined)[] = [];
        do {
          const page = await cache.list({ prefix, limit: 2, afterKey });
          pages.push(page.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
          remaining.push(page.remainingItemCount);
          afterKey = page.nextAfterKey;
        } while (afterKey !== undefined);
        assert.deepEqual(pages, [['a/p1', 'a/p2'], ['b/p1', 'b/p2'], ['c/p1']]);
        assert.deepEqual(remaining, [3, 1, undefined]);
        assert.deepEqual((await cache.list({ prefix: key('b', '') })).items.map((o) => o.metadata.name), ['p1', 'p2']);
        const filtered = await cache.list({ prefix, limit: 1, filter: (o) => o.metadata.labels?.app !== 'a' });
        assert.deepEqual(filtered.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`), ['b/p1']);
        assert.equal(filtered.nextAfterKey, key('b', 'p1'));
        assert.deepEqual((await cache.list({ prefix, afterKey: key('b', 'p1'), filter: (o) => o.metadata.labels?.app !== 'a' })).items.length, 2);
      },
      { seed: seedFive },
    ));

  test('a list with minRevision waits for that write; a future one fails', () =>
    withCache(async (s, cache) => {
      const rev = await s.create(key('a', 'new'), pod('a', 'new'));
      const listed = await cache.list({ prefix, minRevision: rev });
      assert.ok(listed.revision >= rev);
      assert.deepEqual(listed.items.map((o) => o.metadata.name), ['new']);
      await assert.rejects(cache.list({ prefix, minRevision: rev + 10 }), { name: 'StorageError', code: 'FutureRevision' });
    }));

  test('waitForRevision resolves for writes to other prefixes, and rejects when aborted', () =>
    withCache(async (s, cache) => {
      const before = cache.revision();
      const rev = await s.create('/registry/services/x/y', pod('x', 'y'));
      await cache.waitForRevision(rev);
      assert.ok(cache.revision() >= rev && rev > before);
      const ac = new AbortController();
      const waiting = cache.waitForRevision(rev + 5, ac.signal);
      ac.abort(new Error('gave up'));
      await assert.rejects(waiting, /gave up/);
    }));

  test('watch from now sees ADDED, MODIFIED and DELETED with the deletion revision', () =>
    withCache(async (s, cache) => {
      const { ac, iterable } = watchFrom(cache, cache.revision());
      const events = take(iterable, ac, 3);
      const c = await s.create(key('a', 'p'), pod('a', 'p', { v: '1' }));
      const u = await s.update(key('a', 'p'), pod('a', 'p', { v: '2' }), c);
      const d = await s.delete(key('a', 'p'));
      const seen = await events;
      assert.deepEqual(seen.map(summary), [`ADDED p@${c}`, `MODIFIED p@${u}`, `DELETED p@${d.revision}`]);
      assert.equal(seen[1]?.prevObject?.metadata.labels?.v, '1');
      assert.equal(seen[2]?.object.metadata.labels?.v, '2');
      assert.equal(seen[2]?.prevObject?.metadata.resourceVersion, String(u));
      assert.deepEqual(seen.map((e) => e.revision), [c, u, d.revision]);
    }));

  test('watch from a past revision in the window replays, then follows; too old is Compacted', () =>
    withCache(
      async (s, cache) => {
        const start = cache.revision();
        const revs: number[] = [];
        for (let i = 0; i < 5; i++) revs.push(await s.create(key('w', `p${i}`), pod('w', `p${i}`)));
        await cache.waitForRevision(revs[4] ?? 0);
        const from = revs[2] ?? 0;
        const { ac, iterable } = watchFrom(cache, from);
        const events = take(iterable, ac, 3);
        const live = await s.create(key('w', 'live'), pod('w', 'live'));
        assert.deepEqual((await events).map(summary), [`ADDED p3@${revs[3]}`, `ADDED p4@${revs[4]}`, `ADDED live@${live}`]);

        // The window holds 4 events, so a watch from the start is gone, with the oldest usable revision.
        const old = watchFrom(cache, start);
        await assert.rejects(take(old.iterable, old.ac, 1), (err: unknown) => {
          assert.ok(err instanceof StorageError);
          assert.equal(err.code, 'Compacted');
          assert.equal(err.revision, revs[1]);
          return true;
        });
        const oldestOk = watchFrom(cache, revs[1] ?? 0);
        assert.deepEqual((await take(oldestOk.iterable, oldestOk.ac, 4)).map((e) => e.object.metadata.name), ['p2', 'p3', 'p4', 'live']);
      },
      { windowSize: 4 },
    ));

  test('a watch from a future revision fails with FutureRevision', () =>
    withCache(async (_s, cache) => {
      const { ac, iterable } = watchFrom(cache, cache.revision() + 100);
      await assert.rejects(take(iterable, ac, 1), { name: 'StorageError', code: 'FutureRevision' });
    }));

  test('a filtered watcher sees objects entering as ADDED and leaving as DELETED with the new state', () =>
    withCache(async (s, cache) => {
      const selected = (o: Readonly<KubeObject>): boolean => o.metadata.labels?.tier === 'web';
      const { ac, iterable } = watchFrom(cache, cache.revision(), { filter: selected });
      const events = take(iterable, ac, 4);
      let rev = await s.create(key('a', 'p'), pod('a', 'p', { tier: 'db' })); // not selected: no event
      rev = await s.update(key('a', 'p'), pod('a', 'p', { tier: 'web' }), rev); // enters
      const entered = rev;
      rev = await s.update(key('a', 'p'), pod('a', 'p', { tier: 'web', x: '1' }), rev); // stays
      const stayed = rev;
      rev = await s.update(key('a', 'p'), pod('a', 'p', { tier: 'db' }), rev); // leaves
      const left = rev;
      await s.update(key('a', 'p'), pod('a', 'p', { tier: 'cache' }), rev); // still out: no event
      const created = await s.create(key('a', 'q'), pod('a', 'q', { tier: 'web' }));
      const seen = await events;
      assert.deepEqual(seen.map(summary), [`ADDED p@${entered}`, `MODIFIED p@${stayed}`, `DELETED p@${left}`, `ADDED q@${created}`]);
      assert.equal(seen[2]?.object.metadata.labels?.tier, 'db');
    }));

  test('watchers only see their prefix', () =>
    withCache(async (s, cache) => {
      const { ac, iterable } = watchFrom(cache, cache.revision(), { prefix: key('b', '') });
      const events = take(iterable, ac, 1);
      await s.create(key('a', 'p'), pod('a', 'p'));
      await s.create(key('bb', 'p'), pod('bb', 'p'));
      const inB = await s.create(key('b', 'p'), pod('b', 'p'));
      assert.deepEqual((await events).map(summary), [`ADDED p@${inB}`]);
    }));

  test('100 watchers each get every event, sharing the same event objects', () =>
    withCache(async (s, cache) => {
      const watchers = Array.from({ length: 100 }, () => watchFrom(cache, cache.revision()));
      const all = Promise.all(watchers.map((w) => take(w.iterable, w.ac, 20)));
      for (let i = 0; i < 20; i++) await s.create(key('m', `p${i}`), pod('m', `p${i}`));
      const results = await all;
      for (const events of results) assert.equal(events.length, 20);
      const first = results[0] ?? [];
      for (const events of results) events.forEach((ev, i) => assert.equal(ev, first[i]));
    }));

  test('abort ends a waiting watch; close ends every watch', () =>
    withCache(async (_s, cache) => {
      const a = watchFrom(cache, cache.revision());
      const pending = a.iterable[Symbol.asyncIterator]().next();
      a.ac.abort();
      assert.equal((await pending).done, true);
      const b = watchFrom(cache, cache.revision());
      const open = b.iterable[Symbol.asyncIterator]().next();
      await cache.waitForRevision(cache.revision());
      cache.close();
      assert.equal((await open).done, true);
    }));

  test('a watcher that falls too far behind is ended with Compacted while others continue', () =>
    withCache(
      async (s, cache) => {
        const slow = watchFrom(cache, cache.revision());
        const slowIterator = slow.iterable[Symbol.asyncIterator]();
        const fast = watchFrom(cache, cache.revision());
        const fastEvents = take(fast.iterable, fast.ac, 10);
        // Start the slow watch (register it), then stop reading while 10 events arrive.
        const firstBatch = slowIterator.next();
        await s.create(key('s', 'p0'), pod('s', 'p0'));
        assert.equal((await firstBatch).value?.length, 1);
        let last = 0;
        for (let i = 1; i < 10; i++) last = await s.create(key('s', `p${i}`), pod('s', `p${i}`));
        await cache.waitForRevision(last);
        assert.equal((await fastEvents).length, 10);
        await assert.rejects(slowIterator.next(), { name: 'StorageError', code: 'Compacted' });
      },
      { maxPendingPerWatcher: 3 },
    ));

  test('runs on the SQLite backend: initial list, then live events through the poller', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'a-kube-cacher-'));
    const s = openSqliteStorage(join(dir, 'store.db'));
    try {
      await seedFive(s);
      const cache = createResourceCache(s, prefix, { listPageSize: 2 });
      try {
        await cache.ready();
        assert.equal((await cache.list({ prefix })).items.length, 5);
        const { ac, iterable } = watchFrom(cache, cache.revision());
        const events = take(iterable, ac, 2);
        const old = await s.get(key('a', 'p1'));
        const u = await s.update(key('a', 'p1'), pod('a', 'p1', { v: '2' }), old?.modRevision ?? 0);
        const other = await s.create('/registry/services/b/s', pod('b', 's'));
        const d = await s.delete(key('c', 'p1'));
        assert.deepEqual((await events).map(summary), [`MODIFIED p1@${u}`, `DELETED p1@${d.revision}`]);
        await cache.waitForRevision(d.revision);
        assert.ok(other < d.revision);
        assert.equal((await cache.list({ prefix, minRevision: d.revision })).items.length, 4);
      } finally {
        cache.close();
      }
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

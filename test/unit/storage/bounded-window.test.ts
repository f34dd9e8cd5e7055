// The watch cache's memory bounds: the event window and each watcher's queue are bounded by stored bytes too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CacheEvent } from '../../../src/storage/cache-types.js';
import { EventWindow } from '../../../src/storage/cache/event-window.js';
import { CacheWatcher } from '../../../src/storage/cache/cache-watcher.js';

const event = (revision: number): CacheEvent => ({ type: 'ADDED', object: { metadata: { name: `o${revision}` } }, revision });

test('the event window evicts the oldest events past its byte budget, keeping the newest always', () => {
  const w = new EventWindow(100, 0, 10);
  for (let r = 1; r <= 5; r++) w.push({ key: `k${r}`, event: event(r), bytes: 4 });
  assert.deepEqual(w.since(0).map((e) => e.event.revision), [4, 5]);
  assert.equal(w.bytes, 8);
  assert.equal(w.oldestWatchable, 3);
  w.push({ key: 'big', event: event(6), bytes: 50 });
  assert.deepEqual(w.since(0).map((e) => e.event.revision), [6]);
  assert.equal(w.oldestWatchable, 5);
  assert.equal(w.bytes, 50);
});

test('the count bound still holds', () => {
  const w = new EventWindow(3, 0);
  for (let r = 1; r <= 5; r++) w.push({ key: 'k', event: event(r), bytes: 1 });
  assert.deepEqual(w.since(0).map((e) => e.event.revision), [3, 4, 5]);
});

test('a watcher that does not read is refused past its byte budget; reading resets it', async () => {
  const watcher = new CacheWatcher('', undefined, 1000, 10);
  assert.equal(watcher.offer(event(1), 6), true);
  assert.equal(watcher.offer(event(2), 4), true);
  assert.equal(watcher.offer(event(3), 1), false);
  const stop = new AbortController();
  const it = watcher.events(stop.signal)[Symbol.asyncIterator]();
  const first = await it.next();
  assert.deepEqual((first.value as CacheEvent[]).map((e) => e.revision), [1, 2]);
  assert.equal(watcher.offer(event(4), 9), true);
  // a single event larger than the budget is still delivered to an empty queue
  const lone = new CacheWatcher('', undefined, 1000, 10);
  assert.equal(lone.offer(event(5), 50), true);
  stop.abort();
  await it.return?.(undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, WorkQueue } from '../../../src/client/workqueue.js';

test('an item added twice while waiting is handed out once', async () => {
  const q = new WorkQueue<string>();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.length, 0);
});

test('an item re-added while processing runs once more after done, never concurrently', async () => {
  const q = new WorkQueue<string>();
  q.add('a');
  const first = await q.get();
  assert.equal(first, 'a');
  q.add('a');
  q.add('a');
  assert.equal(q.length, 0, 'not queued while processing');
  q.done('a');
  assert.equal(q.length, 1);
  assert.equal(await q.get(), 'a');
  q.done('a');
  assert.equal(q.length, 0);
});

test('a waiting get receives the next add', async () => {
  const q = new WorkQueue<string>();
  const pending = q.get();
  q.add('x');
  assert.equal(await pending, 'x');
  assert.equal(q.isProcessing('x'), true);
});

test('get resolves undefined on shutdown and on abort', async () => {
  const q = new WorkQueue<string>();
  const ac = new AbortController();
  const aborted = q.get(ac.signal);
  ac.abort();
  assert.equal(await aborted, undefined);
  const waiting = q.get();
  q.shutDown();
  assert.equal(await waiting, undefined);
  q.add('late');
  assert.equal(q.length, 0);
});

test('addRateLimited backs off exponentially per item; forget resets', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue<string>({ clock, baseDelayMs: 10, maxDelayMs: 35 });
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    q.addRateLimited('a');
    let waited = 0;
    while (q.length === 0 && waited < 1000) {
      clock.advance(1);
      waited++;
    }
    delays.push(waited);
    q.done((await q.get()) as string);
  }
  assert.deepEqual(delays, [10, 20, 35, 35]);
  assert.equal(q.numRequeues('a'), 4);
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0);
});

test('addAfter keeps the earliest pending time and fires on the fake clock', () => {
  const clock = new FakeClock();
  const q = new WorkQueue<string>({ clock });
  q.addAfter('a', 100);
  q.addAfter('a', 500);
  q.addAfter('a', 50);
  clock.advance(49);
  assert.equal(q.length, 0);
  clock.advance(1);
  assert.equal(q.length, 1);
  clock.advance(1000);
  assert.equal(q.length, 1, 'the cancelled timers do not add it again');
});

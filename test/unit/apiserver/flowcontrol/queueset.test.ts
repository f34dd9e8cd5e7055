// The queueing of API Priority and Fairness: shuffle sharding, seat limits, bounded queues and waits, and fairness
// between flows of one level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dealHand, QueueSet, type Outcome } from '../../../../src/apiserver/flowcontrol/queueset.js';
import { flowHash, nominalLimits } from '../../../../src/apiserver/flowcontrol/controller.js';
import { mandatoryPriorityLevels, suggestedPriorityLevels } from '../../../../src/api/flowcontrol/bootstrap.js';

test('a hand holds distinct queues within the deck, and different flows get different hands', () => {
  const hands = new Set<string>();
  for (let i = 0; i < 500; i++) {
    const hand = [...dealHand(flowHash('global-default', `user-${i}`), 128, 6, [])];
    assert.equal(new Set(hand).size, 6, `hand ${hand} repeats a queue`);
    for (const c of hand) assert.ok(c >= 0 && c < 128);
    hands.add([...hand].sort((a, b) => a - b).join(','));
  }
  assert.ok(hands.size > 490, `only ${hands.size} distinct hands of 500`);
  // every queue gets dealt
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) for (const c of dealHand(flowHash('x', String(i)), 16, 4, [])) seen.add(c);
  assert.equal(seen.size, 16);
  // the whole deck dealt is a permutation
  assert.deepEqual([...dealHand(123456789, 5, 5, [])].sort(), [0, 1, 2, 3, 4]);
});

test('nominal seats: ceil(ServerCL × shares / Σ shares) over every level, as kube-apiserver divides 600 seats', () => {
  const limits = nominalLimits([...mandatoryPriorityLevels, ...suggestedPriorityLevels], 600);
  assert.deepEqual(Object.fromEntries(limits), {
    'catch-all': 13, exempt: 0, system: 74, 'node-high': 98, 'leader-election': 25, 'workload-high': 98, 'workload-low': 245, 'global-default': 49,
  });
});

function dispatchedNow(o: Outcome | Promise<Outcome>): Outcome {
  assert.ok(!(o instanceof Promise), 'expected an answer without waiting');
  return o;
}

test('a Reject level runs what fits and refuses the rest at once', () => {
  const qs = new QueueSet({ limit: 1, queuing: undefined }, { waitLimitMs: 1000 });
  const first = dispatchedNow(qs.admit(1, 1));
  assert.equal(first.dispatched, true);
  assert.deepEqual(dispatchedNow(qs.admit(2, 1)), { dispatched: false, reason: 'concurrency-limit' });
  if (first.dispatched) first.release();
  assert.equal(dispatchedNow(qs.admit(2, 1)).dispatched, true);
});

test('queues are bounded: a full queue refuses, and a wait past the limit is refused', async () => {
  const qs = new QueueSet({ limit: 1, queuing: { queues: 1, handSize: 1, queueLengthLimit: 2 } }, { waitLimitMs: 40 });
  const running = dispatchedNow(qs.admit(1, 1));
  const w1 = qs.admit(1, 1);
  const w2 = qs.admit(1, 1);
  assert.ok(w1 instanceof Promise && w2 instanceof Promise);
  assert.deepEqual(qs.admit(1, 1), { dispatched: false, reason: 'queue-full' });
  // the queue set's sweep timer does not hold the process open; this test must
  const keepAlive = setTimeout(() => undefined, 5000);
  assert.deepEqual(await w1, { dispatched: false, reason: 'time-out' });
  assert.deepEqual(await w2, { dispatched: false, reason: 'time-out' });
  assert.equal(qs.waiting, 0);
  clearTimeout(keepAlive);
  if (running.dispatched) running.release();
  qs.close();
});

test('a client that goes away leaves the queue', async () => {
  const qs = new QueueSet({ limit: 1, queuing: { queues: 4, handSize: 2, queueLengthLimit: 10 } }, { waitLimitMs: 10_000 });
  const running = dispatchedNow(qs.admit(1, 1));
  const ac = new AbortController();
  const waiting = qs.admit(7, 1, ac.signal);
  assert.equal(qs.waiting, 1);
  ac.abort();
  assert.deepEqual(await waiting, { dispatched: false, reason: 'cancelled' });
  assert.equal(qs.waiting, 0);
  if (running.dispatched) running.release();
  assert.equal(qs.seatsInUse, 0);
  qs.close();
});

/** Runs 100 requests of one flow and then 5 of another through a level of 2 seats; the order they ran in. */
async function runNoisyAndQuiet(queues: number, handSize: number): Promise<string[]> {
  let clock = 0;
  const qs = new QueueSet({ limit: 2, queuing: { queues, handSize, queueLengthLimit: 200 } }, { waitLimitMs: 1e9, now: () => clock });
  const noisy = flowHash('global-default', 'noisy');
  const quiet = flowHash('global-default', 'quiet');
  const order: string[] = [];
  const running: (() => void)[] = [];
  const track = (who: string, o: Outcome | Promise<Outcome>) =>
    Promise.resolve(o).then((r) => {
      assert.ok(r.dispatched);
      order.push(who);
      if (r.dispatched) running.push(r.release);
    });
  const all: Promise<void>[] = [];
  for (let i = 0; i < 100; i++) all.push(track('noisy', qs.admit(noisy, 1)));
  for (let i = 0; i < 5; i++) all.push(track('quiet', qs.admit(quiet, 1)));
  // serve: each running request takes 10 ms
  while (order.length < 105) {
    await new Promise((r) => setImmediate(r));
    clock += 10;
    running.shift()?.();
  }
  await Promise.all(all);
  qs.close();
  return order;
}

test('fairness: a flow with 100 queued requests does not starve a flow with 5 in the same level', async () => {
  const order = await runNoisyAndQuiet(64, 6);
  const lastQuiet = order.lastIndexOf('quiet');
  assert.ok(lastQuiet < 20, `the quiet flow's last request ran ${lastQuiet + 1}th of 105: ${order.slice(0, 25).join(' ')}`);
  // with one queue there is no one to be fair between: first come, first served
  assert.ok((await runNoisyAndQuiet(1, 1)).lastIndexOf('quiet') >= 100);
});

test('a smaller limit holds new work until seats free up; a larger one dispatches waiters at once', async () => {
  const qs = new QueueSet({ limit: 1, queuing: { queues: 8, handSize: 2, queueLengthLimit: 10 } }, { waitLimitMs: 10_000 });
  const a = dispatchedNow(qs.admit(1, 1));
  const b = qs.admit(2, 1);
  assert.ok(b instanceof Promise);
  qs.setConfig({ limit: 2, queuing: { queues: 8, handSize: 2, queueLengthLimit: 10 } });
  assert.equal((await b).dispatched, true);
  assert.equal(qs.seatsInUse, 2);
  if (a.dispatched) a.release();
  qs.close();
});

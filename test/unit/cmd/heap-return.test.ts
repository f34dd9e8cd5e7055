import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heapReturn, processHeapDeps, type HeapReturnDeps } from '../../../src/cmd/heap-return.js';

const MiB = 1 << 20;
const opts = { growthBytes: 32 * MiB, quietBelow: 0.2 };

/** A heap that grows by what the test says and shrinks to `live` when collected. */
function fakeHeap(start: number) {
  const s = { heap: start, live: start, busy: 0, collections: 0 };
  const deps: HeapReturnDeps = {
    heapTotal: () => s.heap,
    collect: () => {
      s.collections++;
      s.heap = s.live;
    },
    busySinceLast: () => s.busy,
  };
  return { s, deps };
}

const cases: { name: string; steps: { grow: number; live?: number; busy: number; collects: boolean }[] }[] = [
  { name: 'a quiet process whose heap has not grown is left alone', steps: [{ grow: 0, busy: 0, collects: false }, { grow: 30 * MiB, busy: 0, collects: false }] },
  {
    name: 'after a burst, the first quiet period collects, and only once',
    steps: [
      { grow: 110 * MiB, busy: 0.9, collects: false },
      { grow: 0, busy: 0.01, collects: true },
      { grow: 0, busy: 0.01, collects: false },
    ],
  },
  {
    name: 'a heap grown by live objects is collected once, then its size is the new mark',
    steps: [
      { grow: 100 * MiB, live: 100 * MiB, busy: 0, collects: true },
      { grow: 0, busy: 0, collects: false },
      { grow: 30 * MiB, busy: 0, collects: false },
      { grow: 10 * MiB, busy: 0, collects: true },
    ],
  },
  {
    name: 'growth counts from the smallest heap seen: a heap V8 shrank by itself lowers the mark',
    steps: [
      { grow: 20 * MiB, busy: 0, collects: false },
      { grow: -40 * MiB, busy: 0, collects: false },
      { grow: 35 * MiB, busy: 0, collects: true },
    ],
  },
  { name: 'a busy process is left to V8', steps: [{ grow: 200 * MiB, busy: 0.5, collects: false }, { grow: 0, busy: 0.25, collects: false }] },
];

for (const c of cases) {
  test(c.name, () => {
    const start = 50 * MiB;
    const { s, deps } = fakeHeap(start);
    const h = heapReturn(deps, opts);
    let liveAdded = 0;
    c.steps.forEach((step, i) => {
      s.heap += step.grow;
      liveAdded += step.live ?? 0;
      s.live = start + liveAdded;
      s.busy = step.busy;
      const before = s.collections;
      assert.equal(h.check(), step.collects, `step ${i + 1}`);
      assert.equal(s.collections - before, step.collects ? 1 : 0, `step ${i + 1}: collections`);
    });
  });
}

test('in this process: after garbage has grown the heap, a quiet check collects it and the heap shrinks', () => {
  const deps = processHeapDeps();
  assert.ok(deps, 'V8 exposes its collector');
  deps.collect();
  const h = heapReturn({ ...deps, busySinceLast: () => 0 }, { growthBytes: 32 * MiB, quietBelow: 0.2 });
  const before = deps.heapTotal();
  // about 100 MiB of small objects, alive until the heap has grown, then dropped
  let garbage: { i: number; s: string }[] | undefined = Array.from({ length: 2_000_000 }, (_, i) => ({ i, s: `item ${i}` }));
  const grown = deps.heapTotal();
  assert.ok(grown - before > 32 * MiB, `heap grew by ${((grown - before) / MiB).toFixed(1)} MiB`);
  assert.equal(garbage.length, 2_000_000);
  garbage = undefined;
  assert.equal(h.check(), true, 'a quiet check after the growth collects');
  assert.ok(deps.heapTotal() < grown - 32 * MiB, `after it the heap is ${((deps.heapTotal() - before) / MiB).toFixed(1)} MiB above where it was`);
  assert.equal(h.check(), false, 'and the next check does not collect again');
});

// The CEL cost meter: each evaluation is charged on its own, also when asynchronous evaluations interleave;
// traversals are charged by size; unmetered evaluations of a metered environment run as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Environment } from '@marcbachmann/cel-js';
import { evaluateMetered, evaluateMeteredAsync, meterEnvironment } from '../../../../src/api/cel/cost.js';

const env = meterEnvironment(
  new Environment({ unlistedVariablesAreDyn: false, enableOptionalTypes: true })
    .registerVariable('self', 'dyn')
    .registerFunction('later(int): int', async (n: bigint) => {
      await new Promise((r) => setTimeout(r, 1));
      return n;
    }),
);
type Program = (a: Record<string, unknown>) => unknown;
const program = (e: string) => env.parse(e) as unknown as Program;
const list = (n: number) => Array.from({ length: n }, (_, i) => BigInt(i));

test('a step costs 1; strings cost 0.1 per character and lists 1 per element where they are traversed', () => {
  const cost = (e: string, self: unknown) => {
    const p = program(e);
    evaluateMetered(p, { self }); // the first evaluation type-checks the program (its root operator is not metered yet)
    const r = evaluateMetered(p, { self });
    assert.ok(r.ok, e);
    return r.cost;
  };
  assert.equal(cost('self.size() > 0', list(1000)), cost('self.size() > 0', list(1)));
  assert.ok(cost('99 in self', list(1000)) - cost('99 in self', list(10)) === 990);
  const s = 'x'.repeat(10_000);
  assert.ok(cost('self.contains("y")', s) - cost('self.contains("y")', 'x') >= 999);
  assert.ok(cost('self + self != ""', s) >= 2000);
});

test('doubling strings with bind is bounded by the per-call limit', () => {
  // a0 = self, a1 = a0 + a0, …, a40 = a39 + a39: 2^40 times the input if nothing stopped it
  let e = 'a40.size() > 0';
  for (let i = 40; i >= 1; i--) e = `cel.bind(a${i}, a${i - 1} + a${i - 1}, ${e})`;
  e = `cel.bind(a0, self, ${e})`;
  const r = evaluateMetered(program(e), { self: 'x'.repeat(1000) });
  assert.equal(r.ok ? 'ok' : r.error.message, 'operation cancelled: actual cost limit exceeded');
});

test('interleaved asynchronous evaluations keep their own meters', async () => {
  // the nested loops run after an await: in a continuation, metered through the evaluation context
  const heavy = program('self.all(x, later(x) >= 0) && self.all(x, self.all(y, x + y >= 0))');
  const light = program('self.all(x, later(x) >= 0)');
  const [h, l] = await Promise.all([evaluateMeteredAsync(heavy, { self: list(300) }, 50_000), evaluateMeteredAsync(light, { self: list(30) }, 50_000)]);
  assert.equal(h.ok, false);
  assert.equal(!h.ok && h.error.message, 'operation cancelled: actual cost limit exceeded');
  assert.equal(l.ok, true);
  assert.ok(l.cost > 30 && l.cost < 1000, String(l.cost));
});

test('an activation without a meter is evaluated unmetered', () => {
  assert.equal(program('self.all(x, self.all(y, x + y >= 0))')({ self: list(300) }), true);
});

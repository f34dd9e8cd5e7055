// `npm run bench -- cel-cost [--rounds N]`: what metering CEL evaluations costs (api/cel/cost.ts) — the same
// expressions over the same values in an unmetered environment (the baseline, same run) and in a metered one,
// under the per-call limit. Figures are medians of `rounds` evaluations, modes alternated.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Environment } from '@marcbachmann/cel-js';
import { evaluateMetered, meterEnvironment } from '../src/api/cel/cost.js';
import { median } from './lib/stats.js';
import { fmt, fmtRatio, formatTable } from './lib/table.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '41' } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds <= 0) throw new Error('usage: cel-cost [--rounds N]');

const make = () => new Environment({ unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false, enableOptionalTypes: true }).registerVariable('self', 'dyn');
const plain = make();
const metered = meterEnvironment(make());

const items = Array.from({ length: 1000 }, (_, i) => ({ name: `item-${i}`, port: BigInt(8000 + i), tags: ['a', 'b', 'c'] }));
const cases: [string, string, unknown][] = [
  ['field comparison', 'self.spec.replicas <= 10 && self.spec.name.startsWith("web")', { spec: { replicas: 3n, name: 'web-1' } }],
  ['all() over 1,000 items', 'self.all(i, i.port > 0 && i.name.size() < 64)', items],
  ['map + filter + size', 'self.filter(i, "b" in i.tags).map(i, i.name).size() == 1000', items],
  ['string functions', 'self.all(i, i.name.contains("-") && i.name.matches("^item-[0-9]+$"))', items],
];

function time(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const rows: string[][] = [];
for (const [name, expr, self] of cases) {
  const p = plain.parse(expr) as unknown as (a: Record<string, unknown>) => unknown;
  const m = metered.parse(expr) as unknown as (a: Record<string, unknown>) => unknown;
  const base: number[] = [];
  const withCost: number[] = [];
  let cost = 0;
  for (let i = 0; i < rounds; i++) {
    base.push(time(() => p({ self })));
    withCost.push(time(() => {
      const r = evaluateMetered(m, { self });
      if (!r.ok) throw r.error;
      cost = r.cost;
    }));
  }
  const b = median(base);
  const w = median(withCost);
  rows.push([name, String(cost), fmt(b), fmt(w), fmtRatio(w / b)]);
}
console.log(`cel-cost: medians over ${rounds} evaluations (ms)`);
console.log(formatTable(['expression', 'cost', 'unmetered', 'metered', 'ratio'], rows));

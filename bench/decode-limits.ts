// `npm run bench -- decode-limits [--rounds N]`: what the decode-time checks on client bodies cost — the nesting
// limit (exceedsDepth) and the duplicate-key scan (duplicateFields) — against JSON.parse of the same body, the
// baseline measured in the same run. Bodies: a 1 MiB ConfigMap (few keys, long values), a Deployment-sized object,
// and a 2 MiB list-like object with many small keys (the scan's worst realistic case).
// Each body is decoded `rounds` times per mode; the figures are medians.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { exceedsDepth } from '../src/api/json-depth.js';
import { duplicateFields } from '../src/api/json-duplicates.js';
import { median } from './lib/stats.js';
import { fmt, fmtRatio, formatTable } from './lib/table.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '41' } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds <= 0) throw new Error('usage: decode-limits [--rounds N]');

const configMap = JSON.stringify({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'big', namespace: 'bench', labels: { app: 'bench' } },
  data: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`key-${i}`, 'x'.repeat(16 * 1024)])),
});
const container = (i: number) => ({
  name: `c${i}`,
  image: 'registry.k8s.io/pause:3.9',
  env: Array.from({ length: 10 }, (_, j) => ({ name: `E${j}`, value: `v${j}` })),
  ports: [{ containerPort: 8080 + i, protocol: 'TCP' }],
  resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } },
});
const deployment = JSON.stringify({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'bench', labels: { app: 'web' }, annotations: { note: 'x'.repeat(200) } },
  spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: Array.from({ length: 4 }, (_, i) => container(i)) } } },
});
const manyKeys = JSON.stringify({
  apiVersion: 'v1',
  kind: 'List',
  items: Array.from({ length: 4000 }, (_, i) => ({ metadata: { name: `p${i}`, labels: { a: 'b', c: 'd' } }, spec: { containers: [container(i % 3)] } })),
});

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const rows: string[][] = [];
for (const [name, text] of [
  ['ConfigMap, 64 × 16 KiB values', configMap],
  ['Deployment, 4 containers', deployment],
  ['4,000 small objects', manyKeys],
] as const) {
  const parse: number[] = [];
  const checked: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate the modes so drift in the machine's load hits both alike.
    parse.push(time(() => JSON.parse(text)));
    checked.push(
      time(() => {
        const v: unknown = JSON.parse(text);
        if (exceedsDepth(v)) throw new Error('too deep');
        if (duplicateFields(text).length > 0) throw new Error('duplicates');
      }),
    );
  }
  const base = median(parse);
  const with_ = median(checked);
  rows.push([name, `${fmt(text.length / 1024)} KiB`, fmt(base), fmt(with_), fmtRatio(with_ / base)]);
}
console.log(`decode-limits: medians over ${rounds} rounds (ms)`);
console.log(formatTable(['body', 'size', 'JSON.parse', 'parse + depth + duplicates', 'ratio'], rows));

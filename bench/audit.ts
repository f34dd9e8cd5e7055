// `npm run bench -- audit [--rounds 15] [--requests 2000] [--concurrency 8] [--storage memory|sqlite]`: what the
// audit log costs per request. Two real `a-kube up --runtime none` processes: one with the default audit policy
// writing DATA_DIR/audit.log (every request below is recorded at Metadata level), one with `--audit-log-path ''`
// (no audit). The admin's client certificate GETs one ConfigMap and creates ConfigMaps over HTTP/2 + TLS. In each
// round both servers take the same load at the same time, so the noise of a shared machine falls on both alike, and
// each round reads both servers' CPU time (every thread's, in nanoseconds, from schedstat); the cost is the median
// of the rounds' ratios on / off, the steadier figure when other processes compete for the cores. Memory storage
// (the default here) leaves out the fsync, so the audit's share of a request is at its largest; `--storage sqlite`
// measures `a-kube up`'s own default (DATA_DIR/state.db, each write committed to disk).
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuNs, startChild, type Child } from './lib/child.js';
import { openH2Pool, type H2Pool, type H2Request } from './lib/h2-client.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { median } from './lib/stats.js';
import { fmt, formatTable } from './lib/table.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '15' }, requests: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '8' }, storage: { type: 'string', default: 'memory' } } });
const rounds = Number(values.rounds);
const perRound = Number(values.requests);
const concurrency = Number(values.concurrency);
const storage = values.storage;
if (storage !== 'memory' && storage !== 'sqlite') throw new Error(`--storage: memory or sqlite, not ${storage}`);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Server {
  label: string;
  child: Child;
  dataDir: string;
  pool: H2Pool;
}

function post(path: string, body: unknown): H2Request {
  return { method: 'POST', path, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: Buffer.from(JSON.stringify(body)) };
}

async function start(label: string, audit: boolean): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), `a-kube-bench-audit-${label}-`));
  const args = ['--import', 'tsx', join(root, 'src/cmd/a-kube.ts'), 'up', '--data-dir', dataDir, '--port', '0', '--storage', storage, '--runtime', 'none', ...(audit ? [] : ['--audit-log-path', ''])];
  const { child, value: url } = await startChild(process.execPath, args, /a-kube is up at (\S+)/, { cwd: root, timeoutMs: 120_000 });
  const pki = join(dataDir, 'pki');
  const pool = await openH2Pool(url, { ca: readFileSync(join(pki, 'ca.crt'), 'utf8'), cert: readFileSync(join(pki, 'admin.crt'), 'utf8'), key: readFileSync(join(pki, 'admin.key'), 'utf8') }, 1);
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'read-me' }, data: { k: 'v'.repeat(1000) } };
  const r = await pool.request(post('/api/v1/namespaces/default/configmaps', cm), { keepBody: true });
  if (r.status !== 201) throw new Error(`${label}: creating the ConfigMap: ${r.status} ${r.body?.toString() ?? ''}`);
  return { label, child, dataDir, pool };
}

let created = 0;
const workloads: { label: string; make: () => H2Request; status: number }[] = [
  { label: 'GET ConfigMap', make: () => ({ method: 'GET', path: '/api/v1/namespaces/default/configmaps/read-me', headers: { accept: 'application/json' } }), status: 200 },
  { label: 'create ConfigMap', make: () => post('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c-${created++}` }, data: { k: 'v' } }), status: 201 },
];

async function measure(s: Server, w: (typeof workloads)[number], count: number): Promise<LoadResult & { cpuUsPerRequest: number }> {
  const cpuBefore = cpuNs(s.child.pid);
  const r = await runLoad(s.pool, { concurrency, length: { requests: count }, makeRequest: () => w.make(), expectStatus: w.status });
  if (r.errors > 0) throw new Error(`${s.label} ${w.label}: ${r.errors} failed, first: ${r.firstError ?? ''}`);
  return { ...r, cpuUsPerRequest: (cpuNs(s.child.pid) - cpuBefore) / count / 1000 };
}

const servers: Server[] = [];
try {
  console.log(`audit off (--audit-log-path '') vs on (default policy, DATA_DIR/audit.log): a-kube up --runtime none --storage ${storage},`);
  console.log(`admin client certificate over HTTP/2 + TLS, ${concurrency} concurrent clients per server, ${rounds} rounds of ${perRound} requests`);
  console.log(`with both servers loaded at once; medians.\n`);
  servers.push(await start('off', false), await start('on', true));
  for (const w of workloads) await Promise.all(servers.map((s) => measure(s, w, 3 * perRound)));
  const rows: string[][] = [];
  const ratioMedian = (on: number[], off: number[]) => median(on.map((v, i) => v / off[i]!));
  for (const w of workloads) {
    const cells = new Map<string, { rps: number[]; p50: number[]; p99: number[]; cpu: number[] }>(servers.map((s) => [s.label, { rps: [], p50: [], p99: [], cpu: [] }]));
    for (let i = 0; i < rounds; i++) {
      const results = await Promise.all(servers.map((s) => measure(s, w, perRound)));
      servers.forEach((s, k) => {
        const r = results[k]!;
        const c = cells.get(s.label)!;
        c.rps.push(r.requestsPerSecond);
        c.p50.push(r.p50Ms);
        c.p99.push(r.p99Ms);
        c.cpu.push(r.cpuUsPerRequest);
      });
    }
    const off = cells.get('off')!;
    const on = cells.get('on')!;
    const timeCost = ratioMedian(off.rps, on.rps);
    const cpuCost = ratioMedian(on.cpu, off.cpu);
    rows.push([w.label, fmt(median(off.rps)), fmt(median(on.rps)), `${((timeCost - 1) * 100).toFixed(1)}%`, fmt(median(off.cpu)), fmt(median(on.cpu)), `${((cpuCost - 1) * 100).toFixed(1)}%`, `${fmt(median(off.p50))} / ${fmt(median(off.p99))}`, `${fmt(median(on.p50))} / ${fmt(median(on.p99))}`]);
  }
  console.log(formatTable(['request', 'req/s off', 'req/s on', 'cost (time)', 'server CPU µs off', 'CPU µs on', 'cost (CPU)', 'p50/p99 ms off', 'p50/p99 ms on'], rows));
  console.log(`\ncost (time): how much longer a request takes with audit on (the median over rounds of req/s off / on, - 1);\ncost (CPU): how much more CPU the server spends per request (the median over rounds of CPU on / off, - 1; all\nthreads, from schedstat), which the load of other processes on a shared machine disturbs far less.`);
  const on = servers.find((s) => s.label === 'on')!;
  const size = statSync(join(on.dataDir, 'audit.log')).size;
  console.log(`\naudit.log after the run: ${(size / 1048576).toFixed(1)} MiB`);
} finally {
  for (const s of servers) {
    s.pool.close();
    await s.child.stop();
    rmSync(s.dataDir, { recursive: true, force: true });
  }
}

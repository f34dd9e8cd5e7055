// `npm run bench -- rbac-commands [--bindings 10000] [--runs 5]`: the whole `a-kubectl auth who-can` and `auth risks`
// commands (process start, reading, answering) over N RoleBindings in 100 namespaces, online against a real
// `a-kube up --runtime none --storage memory` holding them, and offline from a YAML file holding the same objects
// (`--offline -f`). Baseline in the same run: `auth can-i --offline` without files (process start plus the start-up
// policy, no user objects). Medians of the runs; online and offline alternate so the machine's noise falls on both.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startChild } from './lib/child.js';
import { openH2Pool } from './lib/h2-client.js';
import { runLoad } from './lib/load.js';
import { median } from './lib/stats.js';
import { fmt, fmtRatio, formatTable } from './lib/table.js';

const { values } = parseArgs({ options: { bindings: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' } } });
const total = Number(values.bindings);
const runs = Number(values.runs);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const namespaces = 100;
const rbac = 'rbac.authorization.k8s.io/v1';

const dist = join(root, 'dist/a-kubectl.js');
const akubectl = existsSync(dist) ? ['--disable-proto=delete', dist] : ['--disable-proto=delete', '--import', 'tsx', join(root, 'src/cmd/a-kubectl.ts')];

const objects: Record<string, unknown>[] = [];
for (let n = 0; n < namespaces; n++) {
  objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } });
  objects.push({ apiVersion: rbac, kind: 'Role', metadata: { name: 'pod-reader', namespace: `ns-${n}` }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] });
  objects.push({ apiVersion: rbac, kind: 'Role', metadata: { name: 'deployer', namespace: `ns-${n}` }, rules: [{ verbs: ['create', 'update'], apiGroups: ['apps'], resources: ['deployments'] }] });
}
const bindings: Record<string, unknown>[] = [];
for (let i = 0; i < total; i++) {
  const ns = `ns-${i % namespaces}`;
  const subject = i % 3 === 0 ? { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `user-${i}` } : i % 3 === 1 ? { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `group-${i}` } : { kind: 'ServiceAccount', name: `sa-${i}`, namespace: ns };
  bindings.push({ apiVersion: rbac, kind: 'RoleBinding', metadata: { name: `b-${i}`, namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: i % 2 ? 'pod-reader' : 'deployer' }, subjects: [subject] });
}

const work = mkdtempSync(join(tmpdir(), 'a-kube-bench-rbac-commands-'));
const file = join(work, 'rbac.yaml');
writeFileSync(file, [...objects, ...bindings].map((o) => JSON.stringify(o)).join('\n---\n'));

function timed(args: string[], env: Record<string, string>): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [...akubectl, ...args], { encoding: 'utf8', cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - t;
  if (r.status !== 0 && r.status !== 1) throw new Error(`a-kubectl ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  if (r.status === 1 && !args.includes('risks') && !args.includes('can-i')) throw new Error(`a-kubectl ${args.join(' ')}: ${r.stderr}`);
  return ms;
}

const dataDir = mkdtempSync(join(tmpdir(), 'a-kube-bench-rbac-commands-up-'));
const { child, value: url } = await startChild(process.execPath, ['--import', 'tsx', join(root, 'src/cmd/a-kube.ts'), 'up', '--data-dir', dataDir, '--port', '0', '--storage', 'memory', '--runtime', 'none', '--audit-log-path', ''], /a-kube is up at (\S+)/, { cwd: root, timeoutMs: 120_000 });
try {
  const pki = join(dataDir, 'pki');
  const pool = await openH2Pool(url, { ca: readFileSync(join(pki, 'ca.crt'), 'utf8'), cert: readFileSync(join(pki, 'admin.crt'), 'utf8'), key: readFileSync(join(pki, 'admin.key'), 'utf8') }, 2);
  const pathOf = (o: Record<string, unknown>) => {
    const meta = o.metadata as { namespace?: string };
    if (o.kind === 'Namespace') return '/api/v1/namespaces';
    return `/apis/rbac.authorization.k8s.io/v1/namespaces/${meta.namespace}/${o.kind === 'Role' ? 'roles' : 'rolebindings'}`;
  };
  for (const batch of [objects.filter((o) => o.kind === 'Namespace'), objects.filter((o) => o.kind !== 'Namespace'), bindings]) {
    const r = await runLoad(pool, { concurrency: 16, length: { requests: batch.length }, expectStatus: 201, makeRequest: (seq) => ({ method: 'POST', path: pathOf(batch[seq]!), headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(batch[seq])) }) });
    if (r.errors > 0) throw new Error(`creating objects: ${r.errors} failed: ${r.firstError ?? ''}`);
  }
  pool.close();
  const online = { KUBECONFIG: join(dataDir, 'admin.kubeconfig'), HOME: work };
  const offline = { HOME: work };
  const cases: [string, string[], Record<string, string>][] = [
    ['baseline: can-i --offline, no files', ['auth', 'can-i', 'list', 'pods', '--as=x', '--offline'], offline],
    ['who-can list pods -A, online', ['auth', 'who-can', 'list', 'pods', '-A'], online],
    ['who-can list pods -A, offline', ['auth', 'who-can', 'list', 'pods', '-A', '--offline', '-f', file], offline],
    ['risks, online', ['auth', 'risks'], online],
    ['risks, offline', ['auth', 'risks', '--offline', '-f', file], offline],
  ];
  const times = new Map<string, number[]>(cases.map(([label]) => [label, []]));
  for (const [label, args, env] of cases) timed(args, env); // warm the file cache
  for (let i = 0; i < runs; i++) {
    for (const [label, args, env] of i % 2 === 0 ? cases : [...cases].reverse()) times.get(label)!.push(timed(args, env));
  }
  const base = median(times.get(cases[0]![0])!);
  console.log(`${total} RoleBindings in ${namespaces} namespaces (+ 200 Roles, the start-up policy); whole a-kubectl commands, median of ${runs} runs\n`);
  console.log(formatTable(['command', 'ms', '× baseline'], cases.map(([label]) => [label, fmt(median(times.get(label)!)), fmtRatio(median(times.get(label)!) / base)])));
} finally {
  await child.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}

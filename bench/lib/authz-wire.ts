// The over-the-wire part of `npm run bench -- authz`: two real `a-kube up --runtime none` processes, one with
// --authorization-mode=RBAC and one with AlwaysAllow, holding the same objects (a service account, 10 pods, one
// RoleBinding that lets the service account read pods, and N-1 RoleBindings for other subjects). A bound token of
// the service account GETs one pod and LISTs the 10 pods over HTTP/2 + TLS; the two servers are measured in
// alternating rounds so that the noise of a shared machine falls on both alike.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, type Child } from './child.js';
import { openH2Pool, type H2Pool, type H2Request } from './h2-client.js';
import { runLoad, type LoadResult } from './load.js';
import { median } from './stats.js';
import { fmt, formatTable } from './table.js';

type AuthorizationMode = 'RBAC' | 'AlwaysAllow';

interface WireServer {
  mode: AuthorizationMode;
  child: Child;
  dataDir: string;
  admin: H2Pool;
  /** The service account's bearer-token client, opened once the token exists. */
  user?: H2Pool;
  bindings: number;
}

export interface WireOptions {
  sizes: number[];
  rounds: number;
  requestsPerRound: number;
  concurrency: number;
  log: (line: string) => void;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ns = 'ns-1';

function post(path: string, body: unknown): H2Request {
  return { method: 'POST', path, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: Buffer.from(JSON.stringify(body)) };
}

async function expectStatus(pool: H2Pool, req: H2Request, status: number): Promise<Buffer> {
  const res = await pool.request(req, { keepBody: true });
  if (res.status !== status) throw new Error(`${req.method} ${req.path}: ${res.status} ${res.body?.toString('utf8', 0, 500) ?? ''}`);
  return res.body ?? Buffer.alloc(0);
}

async function startServer(mode: AuthorizationMode): Promise<WireServer> {
  const dataDir = mkdtempSync(join(tmpdir(), `a-kube-bench-authz-${mode}-`));
  const args = ['--import', 'tsx', join(root, 'src/cmd/a-kube.ts'), 'up', '--data-dir', dataDir, '--port', '0', '--storage', 'memory', '--runtime', 'none', `--authorization-mode=${mode}`];
  const { child, value: url } = await startChild(process.execPath, args, /a-kube is up at (\S+)/, { cwd: root, timeoutMs: 120_000 });
  const pki = join(dataDir, 'pki');
  const ca = readFileSync(join(pki, 'ca.crt'), 'utf8');
  const admin = await openH2Pool(url, { ca, cert: readFileSync(join(pki, 'admin.crt'), 'utf8'), key: readFileSync(join(pki, 'admin.key'), 'utf8') }, 1);
  const server: WireServer = { mode, child, dataDir, admin, bindings: 0 };
  await seed(server);
  const token = await tokenFor(server);
  server.user = await openH2Pool(url, { ca }, 1);
  server.user = withBearer(server.user, token);
  // the switch works: outside its RoleBinding's namespace the service account is refused only under RBAC
  await expectStatus(server.user, { method: 'GET', path: '/api/v1/namespaces/default/pods' }, mode === 'RBAC' ? 403 : 200);
  return server;
}

/** The namespace, the service account, 10 pods, the Role and the one RoleBinding that grants the service account. */
async function seed(s: WireServer): Promise<void> {
  await expectStatus(s.admin, post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }), 201);
  await expectStatus(s.admin, post(`/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'k-sa-1' } }), 201);
  for (let i = 0; i < 10; i++) {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}` }, spec: { serviceAccountName: 'k-sa-1', containers: [{ name: 'c', image: 'nginx' }] } };
    await expectStatus(s.admin, post(`/api/v1/namespaces/${ns}/pods`, pod), 201);
  }
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  await expectStatus(s.admin, post(`${rbac}/namespaces/${ns}/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-reader' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] }), 201);
  await expectStatus(s.admin, post(`${rbac}/namespaces/${ns}/rolebindings`, bindingTo('pod-reader-binding', { kind: 'ServiceAccount', name: 'k-sa-1', namespace: ns })), 201);
  s.bindings = 1;
}

function bindingTo(name: string, subject: Record<string, string>): unknown {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [subject] };
}

/** The i-th binding for someone else: users, groups and service accounts in turn, all in the benchmark's namespace. */
function otherBinding(i: number): H2Request {
  const subject: Record<string, string> = i % 3 === 0 ? { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `user-${i}` } : i % 3 === 1 ? { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `group-${i}` } : { kind: 'ServiceAccount', name: `sa-${i}`, namespace: ns };
  return post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, bindingTo(`b-${i}`, subject));
}

async function growBindingsTo(s: WireServer, total: number, concurrency: number): Promise<void> {
  const first = s.bindings;
  if (total <= first) return;
  const r = await runLoad(s.admin, { concurrency, length: { requests: total - first }, makeRequest: (seq) => otherBinding(first + seq), expectStatus: 201 });
  if (r.errors > 0) throw new Error(`creating RoleBindings on the ${s.mode} server: ${r.firstError ?? ''}`);
  s.bindings = total;
}

async function tokenFor(s: WireServer): Promise<string> {
  const body = await expectStatus(s.admin, post(`/api/v1/namespaces/${ns}/serviceaccounts/k-sa-1/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } }), 201);
  const parsed: unknown = JSON.parse(body.toString('utf8'));
  const token = typeof parsed === 'object' && parsed !== null && 'status' in parsed && typeof parsed.status === 'object' && parsed.status !== null && 'token' in parsed.status ? parsed.status.token : undefined;
  if (typeof token !== 'string') throw new Error('TokenRequest answered without status.token');
  return token;
}

function withBearer(pool: H2Pool, token: string): H2Pool {
  return { ...pool, request: (req, opts) => pool.request({ ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } }, opts) };
}

const requests: { label: string; req: H2Request }[] = [
  { label: 'GET pod', req: { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/p-3`, headers: { accept: 'application/json' } } },
  { label: 'LIST 10 pods', req: { method: 'GET', path: `/api/v1/namespaces/${ns}/pods`, headers: { accept: 'application/json' } } },
];

async function measure(s: WireServer, req: H2Request, count: number, concurrency: number): Promise<LoadResult> {
  if (!s.user) throw new Error('no service-account client');
  const r = await runLoad(s.user, { concurrency, length: { requests: count }, makeRequest: () => req, expectStatus: 200 });
  if (r.errors > 0) throw new Error(`${s.mode}: ${r.errors} failed requests, first: ${r.firstError ?? ''}`);
  return r;
}

interface Cell {
  p50: number[];
  p99: number[];
  rps: number[];
}

export async function measureOverTheWire(o: WireOptions): Promise<void> {
  o.log(`\nover the wire: a-kube up --runtime none --storage memory, --authorization-mode=AlwaysAllow ("off") vs RBAC, in alternating rounds;`);
  o.log(`a bound service-account token, HTTP/2 over TLS (one connection), ${o.concurrency} concurrent clients, ${o.rounds} rounds of ${o.requestsPerRound} requests per figure; medians of the rounds.\n`);
  const servers: WireServer[] = [];
  try {
    servers.push(await startServer('AlwaysAllow'), await startServer('RBAC'));
    const [off, on] = servers;
    if (!off || !on) throw new Error('servers did not start');
    // fresh processes: let the JIT and the caches settle on both before the first figure
    for (const s of servers) for (const { req } of requests) await measure(s, req, 5 * o.requestsPerRound, o.concurrency);
    const rows: string[][] = [];
    for (const size of o.sizes) {
      for (const s of servers) await growBindingsTo(s, size, o.concurrency);
      for (const { label, req } of requests) {
        const cells = new Map<WireServer, Cell>(servers.map((s) => [s, { p50: [], p99: [], rps: [] }]));
        for (const s of servers) await measure(s, req, o.requestsPerRound, o.concurrency); // warm-up
        for (let r = 0; r < o.rounds; r++) {
          // alternate which server goes first, so neither always follows the other's garbage
          for (const s of r % 2 === 0 ? servers : [...servers].reverse()) {
            const res = await measure(s, req, o.requestsPerRound, o.concurrency);
            const cell = cells.get(s);
            cell?.p50.push(res.p50Ms);
            cell?.p99.push(res.p99Ms);
            cell?.rps.push(res.requestsPerSecond);
          }
        }
        const a = cells.get(off);
        const b = cells.get(on);
        if (!a || !b) continue;
        const [p50Off, p99Off, rpsOff] = [median(a.p50), median(a.p99), median(a.rps)];
        const [p50On, p99On, rpsOn] = [median(b.p50), median(b.p99), median(b.rps)];
        const perRequestOff = 1000 / rpsOff;
        const perRequestOn = 1000 / rpsOn;
        rows.push([
          size.toLocaleString('en-US'),
          label,
          `${fmt(p50Off)} / ${fmt(p50On)}`,
          `${fmt(p99Off)} / ${fmt(p99On)}`,
          `${fmt(rpsOff)} / ${fmt(rpsOn)}`,
          `${fmt(((p50On - p50Off) / p50Off) * 100)}%`,
          `${fmt(((perRequestOn - perRequestOff) / perRequestOff) * 100)}%`,
        ]);
        o.log(`  measured ${size} bindings, ${label}`);
      }
    }
    o.log('');
    o.log(formatTable(['RoleBindings', 'request', 'p50 ms off / RBAC', 'p99 ms off / RBAC', 'req/s off / RBAC', 'added p50', 'added per request (1/throughput)'], rows));
  } finally {
    for (const s of servers) {
      s.user?.close();
      s.admin.close();
      await s.child.stop();
      rmSync(s.dataDir, { recursive: true, force: true });
    }
  }
}

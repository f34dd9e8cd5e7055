// `npm run bench -- authz [--mode both|in-process|wire] [--sizes 10,1000,10000] [--rounds 5] [--requests 1000]`: what RBAC costs per
// request with 10, 1k and 10k RoleBindings, against the same requests with authorization switched off
// (AlwaysAllow), in the same run.
//   1. decisions/s of the RBAC authorizer alone (system:masters + RBAC union, as `a-kube up` uses it);
//   2. in-process requests through the whole API server pipeline (GET a pod list of one namespace), each
//      configuration measured in alternating rounds, and the added latency per request;
//   3. over the wire: two real `a-kube up --runtime none` processes, one `--authorization-mode=RBAC`, one
//      `--authorization-mode=AlwaysAllow`, holding the same objects; GET of a pod and LIST of 10 pods as a
//      service account (a bound token) allowed by one RoleBinding among N, HTTP/2 over TLS, 8 concurrent clients.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createApiServer, type ApiServer } from '../src/apiserver/api-server.js';
import type { Attributes, Authenticator, Authorizer, UserInfo } from '../src/auth/types.js';
import { alwaysAllow, privilegedGroupsAuthorizer, unionAuthorizer } from '../src/auth/authz/always-allow.js';
import { RbacIndex } from '../src/auth/authz/rbac-index.js';
import { rbacAuthorizer } from '../src/auth/authz/rbac.js';
import { createMemoryStorage } from '../src/storage/memory.js';
import { median } from './lib/stats.js';
import { measureOverTheWire } from './lib/authz-wire.js';

const sa: UserInfo = { name: 'system:serviceaccount:ns-1:k-sa-1', uid: 'u', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns-1', 'system:authenticated'] };
const rbac = 'rbac.authorization.k8s.io';

function policy(bindings: number): RbacIndex {
  const index = new RbacIndex();
  const namespaces = Math.max(1, Math.min(100, bindings));
  for (let n = 0; n < namespaces; n++) {
    index.upsert('Role', { kind: 'Role', metadata: { name: 'pod-lister', namespace: `ns-${n + 1}` }, rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }] });
  }
  // one binding names the benchmark's service account, the others other users, groups and service accounts
  index.upsert('RoleBinding', { kind: 'RoleBinding', metadata: { name: 'pod-lister-binding', namespace: 'ns-1' }, roleRef: { apiGroup: rbac, kind: 'Role', name: 'pod-lister' }, subjects: [{ kind: 'ServiceAccount', name: 'k-sa-1', namespace: 'ns-1' }] });
  for (let i = 1; i < bindings; i++) {
    const ns = `ns-${(i % namespaces) + 1}`;
    const subject = i % 3 === 0 ? { kind: 'User', name: `user-${i}` } : i % 3 === 1 ? { kind: 'Group', name: `group-${i}` } : { kind: 'ServiceAccount', name: `sa-${i}`, namespace: ns };
    index.upsert('RoleBinding', { kind: 'RoleBinding', metadata: { name: `b-${i}`, namespace: ns }, roleRef: { apiGroup: rbac, kind: 'Role', name: 'pod-lister' }, subjects: [subject] });
  }
  return index;
}

function clusterAuthorizer(index: RbacIndex): Authorizer {
  return unionAuthorizer([privilegedGroupsAuthorizer(), rbacAuthorizer(index)]);
}

const listPods: Attributes = { user: sa, verb: 'list', resourceRequest: true, namespace: 'ns-1', apiGroup: '', apiVersion: 'v1', resource: 'pods', subresource: '', name: '', path: '' };

async function decisionsPerSecond(authorizer: Authorizer, iterations: number): Promise<number> {
  for (let i = 0; i < 2000; i++) await authorizer.authorize(listPods);
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) {
    const d = await authorizer.authorize(listPods);
    if (d.decision !== 'allow') throw new Error(`expected allow, got ${d.decision} ${d.reason}`);
  }
  return iterations / ((performance.now() - t0) / 1000);
}

const fixedUser: Authenticator = { authenticate: async () => ({ kind: 'ok', user: sa }) };

async function serverWith(authorizer: Authorizer): Promise<{ api: ApiServer; close(): Promise<void> }> {
  const storage = createMemoryStorage();
  const api = await createApiServer({ storage, authenticator: fixedUser, authorizer });
  const admin = { name: 'admin', groups: ['system:masters'] };
  await api.dispatch({ method: 'POST', url: '/api/v1/namespaces', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns-1' } }) }, admin);
  for (let i = 0; i < 10; i++) {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}` }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    const r = await api.dispatch({ method: 'POST', url: '/api/v1/namespaces/ns-1/pods', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pod) }, admin);
    if (r.status !== 201) throw new Error(`seeding pods: ${r.status} ${String(r.body)}`);
  }
  return { api, close: async () => { await api.close(); await storage.close(); } };
}

/** Mean microseconds per request for a round of sequential requests. */
async function round(api: ApiServer, requests: number): Promise<number> {
  const req = { method: 'GET', url: '/api/v1/namespaces/ns-1/pods', headers: { accept: 'application/json' } };
  const t0 = performance.now();
  for (let i = 0; i < requests; i++) {
    const r = await api.handle(req);
    if (r.status !== 200) throw new Error(`GET pods: ${r.status}`);
  }
  return ((performance.now() - t0) * 1000) / requests;
}

const { values: options } = parseArgs({
  options: { mode: { type: 'string' }, rounds: { type: 'string' }, requests: { type: 'string' }, sizes: { type: 'string' } },
  strict: true,
});
const mode = options.mode ?? 'both';
if (mode !== 'both' && mode !== 'in-process' && mode !== 'wire') throw new Error(`--mode ${mode}: use both, in-process or wire`);
const sizes = (options.sizes ?? '10,1000,10000').split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes ${options.sizes ?? ''}: use positive numbers separated by commas`);

async function inProcess(): Promise<void> {
  const decisionIterations = 200_000;
  const rounds = 7;
  const perRound = 2000;
  console.log('RBAC authorization cost (same run; "off" = AlwaysAllow)\n');
  console.log('decisions/s of the authorizer alone (list pods in ns-1 as a service account):');
  const off = await decisionsPerSecond(alwaysAllow, decisionIterations);
  console.log(`  off            ${Math.round(off).toLocaleString('en-US').padStart(12)} /s`);
  for (const n of sizes) {
    const dps = await decisionsPerSecond(clusterAuthorizer(policy(n)), decisionIterations);
    console.log(`  ${`${n.toLocaleString('en-US')} bindings`.padEnd(14)} ${Math.round(dps).toLocaleString('en-US').padStart(12)} /s  (${(1e6 / dps).toFixed(2)} µs per decision)`);
  }

  console.log(`\nrequests through the whole API server pipeline (GET /api/v1/namespaces/ns-1/pods, 10 pods, ${rounds} alternating rounds of ${perRound}):`);
  const baseline = await serverWith(alwaysAllow);
  const servers = await Promise.all(sizes.map(async (n) => ({ n, server: await serverWith(clusterAuthorizer(policy(n))) })));
  await round(baseline.api, perRound);
  for (const s of servers) await round(s.server.api, perRound);
  const baseSamples: number[] = [];
  const samples = new Map<number, number[]>(sizes.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    baseSamples.push(await round(baseline.api, perRound));
    for (const s of servers) samples.get(s.n)?.push(await round(s.server.api, perRound));
  }
  const base = median(baseSamples);
  console.log(`  off            ${base.toFixed(1).padStart(8)} µs/request`);
  for (const n of sizes) {
    const m = median(samples.get(n) ?? []);
    const added = m - base;
    console.log(`  ${`${n.toLocaleString('en-US')} bindings`.padEnd(14)} ${m.toFixed(1).padStart(8)} µs/request  added ${added.toFixed(1)} µs (${((added / base) * 100).toFixed(1)}%)`);
  }
  await baseline.close();
  for (const s of servers) await s.server.close();
}

async function main(): Promise<void> {
  if (mode !== 'wire') await inProcess();
  if (mode !== 'in-process') {
    await measureOverTheWire({ sizes, rounds: Number(options.rounds ?? '5'), requestsPerRound: Number(options.requests ?? '1000'), concurrency: 8, log: (line) => console.log(line) });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

// `npm run bench -- crd [--installed 200] [--rounds 5] [--ops 300]`: CustomResourceDefinitions in-process on SQLite.
//   1. CRD create → Established → first custom resource served (create answered 201), with 1 CRD installed
//      (the measured one) and with N already installed; medians over rounds.
//   2. GET, LIST (10 objects) and create of a custom resource against the same operations on a ConfigMap, in
//      the same run, through the whole pipeline (authentication, authorization, admission, store, SQLite).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createApiServer, type ApiServer } from '../src/apiserver/api-server.js';
import type { Authenticator, Authorizer } from '../src/auth/types.js';
import { openSqliteStorage } from '../src/storage/sqlite.js';
import { median } from './lib/stats.js';

const { values: flags } = parseArgs({ options: { installed: { type: 'string' }, rounds: { type: 'string' }, ops: { type: 'string' } }, strict: true });
const installed = Number(flags.installed ?? 200);
const rounds = Number(flags.rounds ?? 5);
const ops = Number(flags.ops ?? 300);

const allow: Authorizer = { authorize: async () => ({ decision: 'allow', reason: '' }) };
const admin: Authenticator = { authenticate: async () => ({ kind: 'ok', user: { name: 'admin', groups: ['system:masters', 'system:authenticated'] } }) };

function crd(group: string, plural = 'widgets', kind = 'Widget') {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.${group}` },
    spec: {
      group, scope: 'Namespaced', names: { plural, singular: kind.toLowerCase(), kind },
      versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer', minimum: 0, default: 1 }, text: { type: 'string' } } }, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }],
    },
  };
}

async function call(api: ApiServer, method: string, url: string, body?: unknown): Promise<{ status: number; text: string }> {
  const r = await api.handle({ method, url, headers: { 'content-type': 'application/json', accept: 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  let text = '';
  if (typeof r.body === 'string') text = r.body;
  else if (r.body instanceof Uint8Array) text = Buffer.from(r.body).toString('utf8');
  else if (r.body) for await (const c of r.body) text += c;
  return { status: r.status, text };
}

async function must(api: ApiServer, method: string, url: string, body?: unknown): Promise<void> {
  const r = await call(api, method, url, body);
  if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${r.text}`);
}

/** ms from CRD create to Established, and to the first custom resource created. */
async function establish(api: ApiServer, group: string): Promise<{ established: number; served: number }> {
  const t0 = performance.now();
  await must(api, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd(group));
  let established = Number.NaN;
  for (;;) {
    const r = await call(api, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`);
    if (/"type":"Established","status":"True"/.test(r.text)) { established = performance.now() - t0; break; }
    await new Promise((res) => setImmediate(res));
  }
  for (;;) {
    const r = await call(api, 'POST', `/apis/${group}/v1/namespaces/bench/widgets`, { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'first' }, spec: { size: 1 } });
    if (r.status === 201) return { established, served: performance.now() - t0 };
    if (r.status !== 404) throw new Error(`first CR: ${r.status} ${r.text}`);
    await new Promise((res) => setImmediate(res));
  }
}

/** Deletes a CRD and waits until it is gone (its cleanup must not overlap the next measurement). */
async function remove(api: ApiServer, name: string): Promise<void> {
  await must(api, 'DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
  while ((await call(api, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`)).status !== 404) await new Promise((res) => setTimeout(res, 5));
}

async function timed(n: number, op: (i: number) => Promise<void>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op(i);
    samples.push(performance.now() - t);
  }
  return median(samples);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'akube-bench-crd-'));
  const storage = openSqliteStorage(join(dir, 'state.db'));
  const api = await createApiServer({ storage, authenticator: admin, authorizer: allow, compactionIntervalMs: 0 });
  try {
    await must(api, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    // warm-up (JIT, first schema and table builds), not measured
    await establish(api, 'warmup.example.com');
    await remove(api, 'widgets.warmup.example.com');
    const few: Array<{ established: number; served: number }> = [];
    for (let r = 0; r < rounds; r++) {
      few.push(await establish(api, `few${r}.example.com`));
      await remove(api, `widgets.few${r}.example.com`);
    }
    const t = performance.now();
    for (let i = 0; i < installed; i++) await must(api, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd(`g${i}.example.com`, `things${i}`, `Thing${i}`));
    const installMs = performance.now() - t;
    const many: Array<{ established: number; served: number }> = [];
    for (let r = 0; r < rounds; r++) many.push(await establish(api, `many${r}.example.com`));

    // custom resource vs ConfigMap, same run, alternating
    const cr = '/apis/many0.example.com/v1/namespaces/bench/widgets';
    const cm = '/api/v1/namespaces/bench/configmaps';
    for (let i = 0; i < 10; i++) {
      await must(api, 'POST', cr, { apiVersion: 'many0.example.com/v1', kind: 'Widget', metadata: { name: `w${i}` }, spec: { size: i } });
      await must(api, 'POST', cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` }, data: { size: String(i) } });
    }
    const res = { crGet: [] as number[], cmGet: [] as number[], crList: [] as number[], cmList: [] as number[], crCreate: [] as number[], cmCreate: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      res.crGet.push(await timed(ops, async () => must(api, 'GET', `${cr}/w1`)));
      res.cmGet.push(await timed(ops, async () => must(api, 'GET', `${cm}/c1`)));
      res.crList.push(await timed(ops, async () => must(api, 'GET', `${cr}?labelSelector=`)));
      res.cmList.push(await timed(ops, async () => must(api, 'GET', `${cm}?labelSelector=`)));
      res.crCreate.push(await timed(ops / 3, async (i) => must(api, 'POST', cr, { apiVersion: 'many0.example.com/v1', kind: 'Widget', metadata: { name: `x${r}-${i}` }, spec: { size: i } })));
      res.cmCreate.push(await timed(ops / 3, async (i) => must(api, 'POST', cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `x${r}-${i}` }, data: { size: String(i) } })));
    }
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    const out = [
      `crd bench: in-process API server on SQLite, ${rounds} rounds (medians)`,
      `CRD create → Established, 1 CRD installed:        ${ms(median(few.map((x) => x.established)))}`,
      `CRD create → first custom resource, 1 installed:  ${ms(median(few.map((x) => x.served)))}`,
      `CRD create → Established, ${installed + 1} installed:      ${ms(median(many.map((x) => x.established)))}`,
      `CRD create → first custom resource, ${installed + 1} inst.: ${ms(median(many.map((x) => x.served)))}`,
      `(installing ${installed} CRDs took ${(installMs / 1000).toFixed(1)} s)`,
      `per request (median of ${ops}; create ${Math.floor(ops / 3)})   custom resource   ConfigMap   ratio`,
    ];
    for (const [label, a, b] of [['GET', res.crGet, res.cmGet], ['LIST (10+)', res.crList, res.cmList], ['create', res.crCreate, res.cmCreate]] as const) {
      const x = median(a);
      const y = median(b);
      out.push(`  ${label.padEnd(12)} ${ms(x).padStart(28)} ${ms(y).padStart(11)}   ${(x / y).toFixed(2)}×`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await api.close();
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

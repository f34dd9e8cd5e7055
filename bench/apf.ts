// `npm run bench -- apf [--rounds 7] [--requests 4000] [--concurrency 8]`: what API Priority and Fairness costs per
// request, against the plain in-flight limiter, in the same run.
//   1. classification alone (the shipped 13 FlowSchemas, a user that falls through to global-default, the worst
//      common case) and one admit/release through a QueueSet, per call;
//   2. in-process GETs of one ConfigMap through the whole API server pipeline as an ordinary user, with APF and
//      with the plain limiter, in alternating rounds; medians of the rounds and their ratio;
//   3. the same with the level saturated: 8 concurrent clients against a level of 2 seats (requests queue and are
//      dispatched fairly), to show what waiting in queues costs beyond the wait itself.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { mandatoryFlowSchemas, suggestedFlowSchemas } from '../src/api/flowcontrol/bootstrap.js';
import { createApiServer, type ApiServer } from '../src/apiserver/api-server.js';
import { compileFlowSchema, flowDistinguisher, flowSchemaMatches, orderFlowSchemas } from '../src/apiserver/flowcontrol/classify.js';
import { flowHash } from '../src/apiserver/flowcontrol/controller.js';
import { QueueSet } from '../src/apiserver/flowcontrol/queueset.js';
import { parseRequestInfo } from '../src/apiserver/request-info.js';
import type { Authenticator, Authorizer, UserInfo } from '../src/auth/types.js';
import { createMemoryStorage } from '../src/storage/memory.js';
import { median } from './lib/stats.js';

const { values } = parseArgs({ options: { rounds: { type: 'string' }, requests: { type: 'string' }, concurrency: { type: 'string' } } });
const rounds = Number(values.rounds ?? 7);
const requests = Number(values.requests ?? 4000);
const concurrency = Number(values.concurrency ?? 8);

const user: UserInfo = { name: 'alice', uid: 'a', groups: ['developers', 'system:authenticated'] };
const authenticator: Authenticator = { authenticate: async () => ({ kind: 'ok', user }) };
const allowAll: Authorizer = { authorize: async () => ({ decision: 'allow', reason: '' }) };

function perCallNs(iterations: number, f: (i: number) => void): number {
  for (let i = 0; i < Math.min(iterations, 20_000); i++) f(i);
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) f(i);
  return ((performance.now() - t0) * 1e6) / iterations;
}

function microbenchmarks(): void {
  const schemas = orderFlowSchemas([...mandatoryFlowSchemas, ...suggestedFlowSchemas].map(compileFlowSchema));
  const info = parseRequestInfo('GET', '/api/v1/namespaces/default/configmaps/app');
  let sink = 0;
  const classifyNs = perCallNs(500_000, () => {
    sink += schemas.find((s) => flowSchemaMatches(s, info, user))!.matchingPrecedence & 1;
  });
  const fs = schemas.find((s) => flowSchemaMatches(s, info, user))!;
  const hashNs = perCallNs(500_000, () => {
    sink += flowHash(fs.name, flowDistinguisher(fs, info, user)) & 1;
  });
  const qs = new QueueSet({ limit: 49, queuing: { queues: 128, handSize: 6, queueLengthLimit: 50 } }, { waitLimitMs: 15_000 });
  const fastNs = perCallNs(500_000, () => {
    if (qs.tryStartUnqueued(1)) qs.finishUnqueued(1, 0.1);
  });
  const admitNs = perCallNs(500_000, (i) => {
    const o = qs.admit(i * 2654435761, 1);
    if (!(o instanceof Promise) && o.dispatched) o.release();
  });
  qs.close();
  console.log(`classification (13 schemas, falls to global-default): ${classifyNs.toFixed(0)} ns per request${sink < 0 ? '' : ''}`);
  console.log(`flow hash (only when the level is busy): ${hashNs.toFixed(0)} ns`);
  console.log(`QueueSet start + finish without queueing (free seats, nobody waiting): ${fastNs.toFixed(0)} ns`);
  console.log(`QueueSet admit + release through a queue (hand of 6 of 128 queues): ${admitNs.toFixed(0)} ns`);
}

async function server(apf: boolean, limits = { readOnly: 400, mutating: 200 }): Promise<ApiServer> {
  const api = await createApiServer({ storage: createMemoryStorage(), authenticator, authorizer: allowAll, compactionIntervalMs: 0, maxInFlight: limits, priorityAndFairness: apf });
  await api.dispatch({ method: 'POST', url: '/api/v1/namespaces', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }) });
  const created = await api.dispatch({ method: 'POST', url: '/api/v1/namespaces/default/configmaps', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { k: 'v' } }) });
  if (created.status !== 201) throw new Error(`set-up: ${created.status}`);
  return api;
}

/** Requests per second of `requests` GETs from `concurrency` clients. */
async function round(api: ApiServer, n: number, clients: number): Promise<number> {
  let left = n;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (left-- > 0) {
      const r = await api.handle({ method: 'GET', url: '/api/v1/namespaces/default/configmaps/app', headers: {} });
      if (r.status !== 200) throw new Error(`GET answered ${r.status}`);
    }
  }));
  return n / ((performance.now() - t0) / 1000);
}

async function compare(title: string, withApf: ApiServer, plain: ApiServer, clients: number): Promise<void> {
  await round(withApf, 2000, clients);
  await round(plain, 2000, clients);
  const a: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(await round(withApf, requests, clients));
    p.push(await round(plain, requests, clients));
  }
  const ma = median(a);
  const mp = median(p);
  console.log(`${title}: APF ${ma.toFixed(0)} req/s (${(1e6 / ma).toFixed(1)} µs each), plain limiter ${mp.toFixed(0)} req/s (${(1e6 / mp).toFixed(1)} µs each); APF/plain throughput ${(ma / mp).toFixed(3)}×`);
}

async function main(): Promise<void> {
  console.log(`apf benchmark: ${rounds} alternating rounds × ${requests} GETs, medians`);
  microbenchmarks();
  const withApf = await server(true);
  const plain = await server(false);
  await compare(`GET one ConfigMap, ${concurrency} clients, seats free`, withApf, plain, concurrency);
  await withApf.close();
  await plain.close();
  // 1 + 1 seats in all: global-default gets ceil(2 × 20 / 245) = 1 seat; the plain limiter 1 read-only request
  const tightApf = await server(true, { readOnly: 1, mutating: 1 });
  const tightPlain = await server(false, { readOnly: 1000, mutating: 1000 });
  console.log('saturated: APF level of 1 seat with 8 clients queueing vs. the plain limiter with room for all (the wait is the point; the per-request cost is what differs)');
  await compare(`GET one ConfigMap, ${concurrency} clients, 1 seat`, tightApf, tightPlain, concurrency);
  await tightApf.close();
  await tightPlain.close();
}

await main();

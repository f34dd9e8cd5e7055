// `npm run bench -- storage [--objects N] [--clients C] [--rounds R] [--quick] [--only ha]`: the API server on
// SQLite and on etcd, with each backend's own throughput measured in the same run as the limit. `--only ha` runs
// just the etcd part that compares two API servers on one etcd with one (its baseline, in the same rounds).
//
// For each backend, every round:
//   raw store    N creates (C writers), N gets, full lists of the N keys, and a watch that follows N more creates
//                (events/s and the time from a write's start to its event) — straight on the Storage, through the
//                same client and with the same durability the API server uses (SQLite synchronous=FULL with group
//                commit; etcd's own fsync'ed raft log);
//   API server   the same on ConfigMaps through the in-process API server (createApiServer + handle(): routing,
//                admission, validation, encoding, the watch cache — no sockets, no TLS);
//   2 API servers (etcd only) two API servers on one etcd: creates alternate between them while a watch on the
//                second one follows them all.
// etcd runs as a child process (test/support/etcd.ts) on a temp dir; the figures are medians over the rounds,
// and the ratios put the API server against its backend's own limit, and etcd against SQLite.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createApiServer, type ApiServer } from '../src/apiserver/api-server.js';
import type { Authenticator, Authorizer } from '../src/auth/types.js';
import { openEtcdStorage } from '../src/storage/etcd/store.js';
import { openSqliteStorage } from '../src/storage/sqlite.js';
import type { Storage } from '../src/storage/types.js';
import { etcdMissing, startEtcd, type RunningEtcd } from '../test/support/etcd.js';
import { median, summarizeLatencies } from './lib/stats.js';
import { fmt, fmtRatio, formatTable } from './lib/table.js';

const { values } = parseArgs({
  options: { objects: { type: 'string' }, clients: { type: 'string' }, rounds: { type: 'string' }, lists: { type: 'string' }, quick: { type: 'boolean' }, only: { type: 'string' } },
  strict: true,
});
const objects = Number(values.objects ?? (values.quick ? '300' : '1000'));
const clients = Number(values.clients ?? '16');
const rounds = Number(values.rounds ?? (values.quick ? '1' : '3'));
const lists = Number(values.lists ?? '20');
if (![objects, clients, rounds, lists].every((n) => Number.isInteger(n) && n > 0) || (values.only !== undefined && values.only !== 'ha')) {
  throw new Error('usage: storage [--objects N] [--clients C] [--rounds R] [--lists L] [--quick] [--only ha]');
}
/** Only one API server on etcd against two (no SQLite, no raw stores). */
const haOnly = values.only === 'ha';

interface Figure {
  perSecond: number;
  p99Ms: number;
}
type Phase = 'create' | 'get' | 'list' | 'watch';
const phases: Phase[] = ['create', 'get', 'list', 'watch'];
type Result = Record<Phase, Figure>;

const say = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`);
};
const data = 'x'.repeat(900);

/** Runs `count` operations spread over `workers` loops (each awaits its operation before the next). */
async function timed(count: number, workers: number, op: (i: number) => Promise<void>): Promise<Figure> {
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = w; i < count; i += workers) {
        const started = performance.now();
        await op(i);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return { perSecond: count / ((performance.now() - t0) / 1000), p99Ms: summarizeLatencies(latencies).p99Ms };
}

/** Follows a watch while `write` makes `count` changes; events/s and write-start-to-event p99. */
async function watched(count: number, follow: (onName: (name: string) => void, signal: AbortSignal) => Promise<void>, write: (i: number) => Promise<void>): Promise<Figure> {
  const startedAt = new Map<string, number>();
  const latencies: number[] = [];
  const ac = new AbortController();
  let allSeen!: () => void;
  const seen = new Promise<void>((r) => (allSeen = r));
  const following = follow((name) => {
    const t = startedAt.get(name);
    if (t === undefined) return;
    startedAt.delete(name);
    latencies.push(performance.now() - t);
    if (latencies.length === count) allSeen();
  }, ac.signal).catch((e: unknown) => {
    if (!ac.signal.aborted) throw e;
  });
  await new Promise((r) => setTimeout(r, 100)); // the watch is established
  const t0 = performance.now();
  const writing = timed(count, clients, async (i) => {
    startedAt.set(`w-${i}`, performance.now());
    await write(i);
  });
  await Promise.race([seen, new Promise((_, reject) => setTimeout(() => reject(new Error(`watch saw ${latencies.length}/${count} events in 60 s`)), 60_000))]);
  const elapsed = performance.now() - t0;
  await writing;
  ac.abort();
  await following;
  return { perSecond: count / (elapsed / 1000), p99Ms: summarizeLatencies(latencies).p99Ms };
}

async function rawRound(store: Storage, tag: string): Promise<Result> {
  const prefix = `/registry/core/configmaps/${tag}/`;
  const value = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: tag }, data: { d: data } });
  const create = await timed(objects, clients, async (i) => {
    await store.create(`${prefix}c-${i}`, value);
  });
  const get = await timed(objects, clients, async (i) => {
    if (!(await store.get(`${prefix}c-${i}`))) throw new Error('get: missing');
  });
  const list = await timed(lists, 1, async () => {
    const r = await store.range(prefix);
    if (r.kvs.length < objects) throw new Error(`list: ${r.kvs.length}`);
  });
  const watchPrefix = `/registry/core/configmaps/${tag}-w/`;
  const from = await store.currentRevision();
  const watch = await watched(
    objects,
    async (onName, signal) => {
      for await (const batch of store.watch({ prefix: watchPrefix, afterRevision: from, signal })) {
        for (const ev of batch) if (ev.type === 'put') onName(ev.kv.key.slice(watchPrefix.length));
      }
    },
    async (i) => {
      await store.create(`${watchPrefix}w-${i}`, value);
    },
  );
  return { create, get, list: { perSecond: list.perSecond * objects, p99Ms: list.p99Ms }, watch };
}

const authenticator: Authenticator = { authenticate: async () => ({ kind: 'ok', user: { name: 'bench', groups: ['system:masters'] } }) };
const authorizer: Authorizer = { authorize: async () => ({ decision: 'allow', reason: '' }) };

async function call(api: ApiServer, method: string, url: string, body?: unknown): Promise<{ status: number; text: string }> {
  const r = await api.handle({ method, url, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  let text = '';
  if (typeof r.body === 'string') text = r.body;
  else if (r.body instanceof Uint8Array) text = Buffer.from(r.body).toString();
  else if (r.body) for await (const chunk of r.body) text += Buffer.from(chunk).toString();
  return { status: r.status, text };
}

async function must(api: ApiServer, method: string, url: string, want: number, body?: unknown): Promise<string> {
  const r = await call(api, method, url, body);
  if (r.status !== want) throw new Error(`${method} ${url}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.text;
}

/** Follows a watch through the API server, reporting each ADDED object's name. */
async function followApi(api: ApiServer, url: string, onName: (name: string) => void, signal: AbortSignal): Promise<void> {
  const r = await api.handle({ method: 'GET', url, headers: {}, lifetime: { signal } });
  if (!r.body || typeof r.body === 'string' || r.body instanceof Uint8Array) throw new Error(`watch ${url}: ${r.status}`);
  let buffered = '';
  try {
    for await (const chunk of r.body) {
      buffered += Buffer.from(chunk).toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /"type":"ADDED".*?"name":"([^"]+)"/.exec(line);
        if (m?.[1]) onName(m[1]);
      }
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  }
}

async function apiRound(writers: ApiServer[], watcher: ApiServer, tag: string): Promise<Result> {
  const first = writers[0] as ApiServer;
  await must(first, 'POST', '/api/v1/namespaces', 201, { metadata: { name: tag } });
  await must(first, 'POST', '/api/v1/namespaces', 201, { metadata: { name: `${tag}-w` } });
  const cms = (ns: string): string => `/api/v1/namespaces/${ns}/configmaps`;
  const body = (name: string): unknown => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { d: data } });
  const create = await timed(objects, clients, async (i) => {
    await must(writers[i % writers.length] as ApiServer, 'POST', cms(tag), 201, body(`c-${i}`));
  });
  const get = await timed(objects, clients, async (i) => {
    await must(writers[i % writers.length] as ApiServer, 'GET', `${cms(tag)}/c-${i}`, 200);
  });
  const list = await timed(lists, 1, async () => {
    const text = await must(first, 'GET', cms(tag), 200);
    if ((JSON.parse(text) as { items: unknown[] }).items.length < objects) throw new Error('list: short');
  });
  const rv = (JSON.parse(await must(watcher, 'GET', cms(`${tag}-w`), 200)) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const watch = await watched(
    objects,
    (onName, signal) => followApi(watcher, `${cms(`${tag}-w`)}?watch=1&resourceVersion=${rv}`, onName, signal),
    async (i) => {
      await must(writers[i % writers.length] as ApiServer, 'POST', cms(`${tag}-w`), 201, body(`w-${i}`));
    },
  );
  return { create, get, list: { perSecond: list.perSecond * objects, p99Ms: list.p99Ms }, watch };
}

function medianResult(results: Result[]): Result {
  const out = {} as Result;
  for (const p of phases) out[p] = { perSecond: median(results.map((r) => r[p].perSecond)), p99Ms: median(results.map((r) => r[p].p99Ms)) };
  return out;
}

const missing = etcdMissing();
if (missing && haOnly) throw new Error(`--only ha needs etcd: ${missing}`);
if (missing) say(`etcd left out: ${missing}`);
const dir = mkdtempSync(join(tmpdir(), 'a-kube-bench-storage-'));
let etcd: RunningEtcd | undefined;
const cleanUp = async (): Promise<void> => {
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
};
process.once('SIGINT', () => {
  void cleanUp().then(() => process.exit(130));
});

type Row = { label: string; result: Result };
try {
  if (!missing) etcd = await startEtcd();
  const collected = new Map<string, Result[]>();
  const add = (label: string, r: Result): void => {
    collected.set(label, [...(collected.get(label) ?? []), r]);
  };
  for (let round = 0; round < rounds; round++) {
    if (!haOnly) {
      say(`round ${round + 1}/${rounds}: SQLite`);
      const raw = openSqliteStorage(join(dir, `raw-${round}.db`));
      add('SQLite store', await rawRound(raw, `r${round}`));
      await raw.close();
      const store = openSqliteStorage(join(dir, `api-${round}.db`));
      const api = await createApiServer({ storage: store, authenticator, authorizer });
      add('SQLite API server', await apiRound([api], api, `a${round}`));
      await api.close();
      await store.close();
    }
    if (etcd) {
      say(`round ${round + 1}/${rounds}: etcd`);
      const endpoints = etcd.endpoints;
      if (!haOnly) {
        const raw = openEtcdStorage({ endpoints, prefix: `/raw${round}` });
        add('etcd store', await rawRound(raw, `r${round}`));
        await raw.close();
      }
      const store = openEtcdStorage({ endpoints, prefix: `/api${round}` });
      const api = await createApiServer({ storage: store, authenticator, authorizer });
      add('etcd API server', await apiRound([api], api, `a${round}`));
      await api.close();
      await store.close();
      say(`round ${round + 1}/${rounds}: two API servers on one etcd`);
      const stores = [openEtcdStorage({ endpoints, prefix: `/ha${round}` }), openEtcdStorage({ endpoints, prefix: `/ha${round}` })];
      const apis = [await createApiServer({ storage: stores[0] as Storage, authenticator, authorizer }), await createApiServer({ storage: stores[1] as Storage, authenticator, authorizer })];
      add('etcd, 2 API servers', await apiRound(apis, apis[1] as ApiServer, `h${round}`));
      for (const a of apis) await a.close();
      for (const s of stores) await s.close();
    }
  }
  const rows: Row[] = [...collected].map(([label, results]) => ({ label, result: medianResult(results) }));
  const byLabel = new Map(rows.map((r) => [r.label, r.result]));
  process.stdout.write(
    `Storage backends: ${objects} ConfigMap-sized objects (~1 KiB), ${clients} concurrent clients, ${lists} full lists, node ${process.version}, medians of ${rounds} round${rounds === 1 ? '' : 's'}.\n` +
      'list/s counts objects listed per second; watch is events/s while the creates run, p99 from a write\'s start to its event.\n\n',
  );
  process.stdout.write(
    `${formatTable(
      ['', 'create/s', 'p99 ms', 'get/s', 'p99 ms', 'list obj/s', 'p99 ms', 'watch ev/s', 'p99 ms'],
      rows.map(({ label, result: r }) => [label, ...phases.flatMap((p) => [fmt(r[p].perSecond), fmt(r[p].p99Ms)])]),
    )}\n\n`,
  );
  const ratio = (a: string, b: string): string[] | undefined => {
    const x = byLabel.get(a);
    const y = byLabel.get(b);
    return x && y ? [`${a} ÷ ${b}`, ...phases.map((p) => fmtRatio(x[p].perSecond / y[p].perSecond))] : undefined;
  };
  const ratioRows = [
    ratio('SQLite API server', 'SQLite store'),
    ratio('etcd API server', 'etcd store'),
    ratio('etcd store', 'SQLite store'),
    ratio('etcd API server', 'SQLite API server'),
    ratio('etcd, 2 API servers', 'etcd API server'),
  ].filter((r): r is string[] => r !== undefined);
  process.stdout.write(`Throughput ratios\n${formatTable(['', 'create', 'get', 'list', 'watch'], ratioRows)}\n`);
} finally {
  await cleanUp();
}

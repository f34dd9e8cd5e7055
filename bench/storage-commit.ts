// `npm run bench -- storage-commit [--ops N] [--writers 1,16,256] [--api-ops N] [--rounds N]`: write throughput of the SQLite
// store with group commit against the same store committing every write on its own (the old code path),
// same run. For each writer count: N creates spread over the writers (each awaits its write before the
// next), then N updates of those keys (compare-and-swap on the revision each writer got back). Every
// write is durable (synchronous=FULL) before it resolves, in both modes.
// Then the same through the API server in-process (dispatch, no sockets): pod creates and pod status
// updates, to see what group commit is worth once the API server's own work is added.
// Each configuration runs `rounds` times, the two modes alternating; the figures are medians over rounds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createApiServer } from '../src/apiserver/api-server.js';
import type { ApiRequest } from '../src/apiserver/types.js';
import type { Authorizer } from '../src/auth/types.js';
import { openSqliteStorage } from '../src/storage/sqlite.js';
import type { SqliteStorage } from '../src/storage/sqlite.js';
import { median, summarizeLatencies } from './lib/stats.js';
import type { LatencySummary } from './lib/stats.js';
import { fmt, fmtRatio, formatTable } from './lib/table.js';

interface PhaseResult {
  durationMs: number;
  perSecond: number;
  latency: LatencySummary;
}

interface RunResult {
  creates: PhaseResult;
  updates: PhaseResult;
  /** Mean writes per committed transaction (1 without group commit). */
  writesPerCommit: number;
  /** Share of the wall time the event loop spent inside group-commit transactions (NaN without group commit). */
  blockedShare: number;
}

const { values } = parseArgs({
  options: {
    ops: { type: 'string', default: '2000' },
    writers: { type: 'string', default: '1,16,256' },
    'api-ops': { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
  },
});
const ops = Number(values.ops);
const apiOps = Number(values['api-ops']);
const rounds = Number(values.rounds);
const writerCounts = values.writers.split(',').map(Number);
if (!Number.isInteger(ops) || ops <= 0 || !Number.isInteger(apiOps) || apiOps < 0 || !Number.isInteger(rounds) || rounds <= 0 || writerCounts.some((w) => !Number.isInteger(w) || w <= 0)) {
  throw new Error('usage: storage-commit [--ops N] [--writers 1,16,256] [--api-ops N] [--rounds N]');
}

// A pod-sized value, so the log rows are realistic.
const value = JSON.stringify({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'x', namespace: 'bench', labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }] }, status: { phase: 'Pending' }, pad: 'x'.repeat(1200) });

/** Runs `writers` loops that together perform `ops` writes; each loop awaits its write before the next. */
async function phase(writers: number, write: (writer: number, i: number) => Promise<void>, count = ops): Promise<PhaseResult> {
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let i = writer; i < count; i += writers) {
        const started = performance.now();
        await write(writer, i);
        latencies.push(performance.now() - started);
      }
    }),
  );
  const durationMs = performance.now() - t0;
  return { durationMs, perSecond: count / (durationMs / 1000), latency: summarizeLatencies(latencies) };
}

let databases = 0;

async function run(dir: string, groupCommit: boolean, writers: number): Promise<RunResult> {
  const store: SqliteStorage = openSqliteStorage(join(dir, `${++databases}.db`), { groupCommit });
  try {
    const revisions = new Map<number, number>();
    const key = (i: number): string => `/registry/pods/bench/pod-${i}`;
    const creates = await phase(writers, async (_, i) => {
      revisions.set(i, await store.create(key(i), value));
    });
    const updates = await phase(writers, async (_, i) => {
      revisions.set(i, await store.update(key(i), value, revisions.get(i) ?? 0));
    });
    const stats = store.commitStats();
    return {
      creates,
      updates,
      writesPerCommit: groupCommit ? stats.writes / Math.max(1, stats.transactions) : 1,
      blockedShare: groupCommit ? stats.blockedMs / (creates.durationMs + updates.durationMs) : Number.NaN,
    };
  } finally {
    await store.close();
  }
}

const allowAll: Authorizer = { authorize: async () => ({ decision: 'allow', reason: '' }) };
const json = (method: string, url: string, body: unknown): ApiRequest => ({ method, url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Pod creates, then one status update per pod, through the in-process API server on a SQLite store. */
async function runApi(dir: string, groupCommit: boolean, clients: number): Promise<RunResult> {
  const store = openSqliteStorage(join(dir, `${++databases}.db`), { groupCommit });
  const api = await createApiServer({ storage: store, authenticator: { authenticate: async () => ({ kind: 'skip' }) }, authorizer: allowAll });
  try {
    const ns = await api.dispatch(json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }));
    if (ns.status !== 201) throw new Error(`creating the namespace: ${ns.status} ${String(ns.body)}`);
    const created = new Map<number, unknown>();
    const before = store.commitStats();
    const creates = await phase(
      clients,
      async (_, i) => {
        const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }] } };
        const r = await api.dispatch(json('POST', '/api/v1/namespaces/bench/pods', pod));
        if (r.status !== 201 || typeof r.body !== 'string') throw new Error(`pod create: ${r.status} ${String(r.body)}`);
        created.set(i, JSON.parse(r.body));
      },
      apiOps,
    );
    const updates = await phase(
      clients,
      async (_, i) => {
        const pod = created.get(i) as { status?: Record<string, unknown> };
        pod.status = { ...pod.status, phase: 'Running', podIP: `10.0.${i >> 8}.${i & 255}` };
        const r = await api.dispatch(json('PUT', `/api/v1/namespaces/bench/pods/pod-${i}/status`, pod));
        if (r.status !== 200) throw new Error(`pod status update: ${r.status} ${String(r.body)}`);
      },
      apiOps,
    );
    const stats = store.commitStats();
    return {
      creates,
      updates,
      writesPerCommit: groupCommit ? (stats.writes - before.writes) / Math.max(1, stats.transactions - before.transactions) : 1,
      blockedShare: groupCommit ? (stats.blockedMs - before.blockedMs) / (creates.durationMs + updates.durationMs) : Number.NaN,
    };
  } finally {
    await api.close();
    await store.close();
  }
}

function medianPhase(phases: readonly PhaseResult[]): PhaseResult {
  const count = phases[0]?.latency.count ?? 0;
  return {
    durationMs: median(phases.map((p) => p.durationMs)),
    perSecond: median(phases.map((p) => p.perSecond)),
    latency: { count, p50Ms: median(phases.map((p) => p.latency.p50Ms)), p99Ms: median(phases.map((p) => p.latency.p99Ms)) },
  };
}

/** Each figure's median over the rounds. */
function medianRun(results: readonly RunResult[]): RunResult {
  return {
    creates: medianPhase(results.map((r) => r.creates)),
    updates: medianPhase(results.map((r) => r.updates)),
    writesPerCommit: median(results.map((r) => r.writesPerCommit)),
    blockedShare: median(results.map((r) => r.blockedShare)),
  };
}

/** Runs both modes for every writer count and prints the figures and the ratios. */
async function compare(title: string, runOne: (groupCommit: boolean, writers: number) => Promise<RunResult>, labels: { creates: string; updates: string }): Promise<void> {
  const rows: string[][] = [];
  const ratios: string[][] = [];
  for (const writers of writerCounts) {
    const singles: RunResult[] = [];
    const groups: RunResult[] = [];
    for (let round = 0; round < rounds; round++) {
      singles.push(await runOne(false, writers));
      groups.push(await runOne(true, writers));
    }
    const single = medianRun(singles);
    const group = medianRun(groups);
    for (const [mode, r] of [['per-write commit', single], ['group commit', group]] as const) {
      rows.push([
        `${mode}, ${writers} writer${writers === 1 ? '' : 's'}`,
        fmt(r.creates.perSecond),
        fmt(r.creates.latency.p50Ms),
        fmt(r.creates.latency.p99Ms),
        fmt(r.updates.perSecond),
        fmt(r.updates.latency.p50Ms),
        fmt(r.updates.latency.p99Ms),
        fmt(r.writesPerCommit),
        Number.isNaN(r.blockedShare) ? '-' : `${(100 * r.blockedShare).toFixed(0)}%`,
      ]);
    }
    ratios.push([`${writers} writer${writers === 1 ? '' : 's'}`, fmtRatio(group.creates.perSecond / single.creates.perSecond), fmtRatio(group.updates.perSecond / single.updates.perSecond)]);
  }
  process.stdout.write(`${title}\n`);
  process.stdout.write(`${formatTable(['mode', `${labels.creates}/s`, 'p50 ms', 'p99 ms', `${labels.updates}/s`, 'p50 ms', 'p99 ms', 'writes/commit', 'in commit'], rows)}\n`);
  process.stdout.write(`group commit ÷ per-write commit\n${formatTable(['writers', `${labels.creates}/s`, `${labels.updates}/s`], ratios)}\n\n`);
}

const dir = mkdtempSync(join(tmpdir(), 'a-kube-bench-storage-'));
const cleanUp = (): void => rmSync(dir, { recursive: true, force: true });
process.once('SIGINT', () => {
  cleanUp();
  process.exit(130);
});

try {
  process.stdout.write(`SQLite, synchronous=FULL, node ${process.version}, medians of ${rounds} round${rounds === 1 ? '' : 's'}. in commit: share of the wall time the event loop was blocked applying and fsyncing group-commit batches\n\n`);
  await compare(`Storage: ${ops} creates, then ${ops} updates (CAS) per run`, (groupCommit, writers) => run(dir, groupCommit, writers), { creates: 'creates', updates: 'updates' });
  if (apiOps > 0) {
    await compare(`API server in-process: ${apiOps} pod creates, then ${apiOps} pod status updates per run`, (groupCommit, writers) => runApi(dir, groupCommit, writers), { creates: 'pods', updates: 'status' });
  }
} finally {
  cleanUp();
}

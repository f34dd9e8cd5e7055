// `npm run bench -- storage [--ops N] [--writers 1,16,256]`: write throughput of the SQLite store with
// group commit against the same store committing every write on its own (the old code path), same run.
// For each writer count: N creates spread over the writers (each awaits its write before the next),
// then N updates of those keys (compare-and-swap on the revision each writer got back). Every write is
// durable (synchronous=FULL) before it resolves, in both modes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openSqliteStorage } from '../src/storage/sqlite.js';
import type { SqliteStorage } from '../src/storage/sqlite.js';
import { summarizeLatencies } from './lib/stats.js';
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
  },
});
const ops = Number(values.ops);
const writerCounts = values.writers.split(',').map(Number);
if (!Number.isInteger(ops) || ops <= 0 || writerCounts.some((w) => !Number.isInteger(w) || w <= 0)) {
  throw new Error('usage: storage [--ops N] [--writers 1,16,256]');
}

// A pod-sized value, so the log rows are realistic.
const value = JSON.stringify({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'x', namespace: 'bench', labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }] }, status: { phase: 'Pending' }, pad: 'x'.repeat(1200) });

/** Runs `writers` loops that together perform `ops` writes; each loop awaits its write before the next. */
async function phase(writers: number, write: (writer: number, i: number) => Promise<void>): Promise<PhaseResult> {
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let i = writer; i < ops; i += writers) {
        const started = performance.now();
        await write(writer, i);
        latencies.push(performance.now() - started);
      }
    }),
  );
  const durationMs = performance.now() - t0;
  return { durationMs, perSecond: ops / (durationMs / 1000), latency: summarizeLatencies(latencies) };
}

async function run(dir: string, groupCommit: boolean, writers: number): Promise<RunResult> {
  const store: SqliteStorage = openSqliteStorage(join(dir, `${groupCommit ? 'group' : 'single'}-${writers}.db`), { groupCommit });
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

const dir = mkdtempSync(join(tmpdir(), 'a-kube-bench-storage-'));
const cleanUp = (): void => rmSync(dir, { recursive: true, force: true });
process.once('SIGINT', () => {
  cleanUp();
  process.exit(130);
});

try {
  process.stdout.write(`SQLite storage writes: ${ops} creates then ${ops} updates per run, synchronous=FULL, node ${process.version}\n\n`);
  const rows: string[][] = [];
  const ratios: string[][] = [];
  for (const writers of writerCounts) {
    const single = await run(dir, false, writers);
    const group = await run(dir, true, writers);
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
  process.stdout.write(`${formatTable(['mode', 'creates/s', 'p50 ms', 'p99 ms', 'updates/s', 'p50 ms', 'p99 ms', 'writes/commit', 'in commit'], rows)}\n`);
  process.stdout.write('in commit: share of the wall time the event loop was blocked applying and fsyncing group-commit batches\n\n');
  process.stdout.write(`group commit ÷ per-write commit\n${formatTable(['writers', 'creates/s', 'updates/s'], ratios)}\n`);
} finally {
  cleanUp();
}

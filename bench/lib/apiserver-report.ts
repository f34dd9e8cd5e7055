// The API server benchmark's report: medians over the runs, side by side with the bare server, and the ratios.
import type { LoadResult } from './load.js';
import type { FanoutResult } from './watch-fanout.js';
import { median } from './stats.js';
import { fmt, fmtBytes, fmtRatio, formatTable } from './table.js';

export interface Pair<T> {
  akube: T[];
  baseline: T[];
}

export interface ReportInput {
  entry: string;
  runs: number;
  timing: { warmupMs: number; durationMs: number };
  bodySizes: Record<string, number>;
  /** Keyed by scenario name, then by the number of clients. */
  requests: Map<string, Map<number, Pair<LoadResult>>>;
  aims: Map<string, number>;
  fanout: Map<number, Pair<FanoutResult>>;
  watchers: number;
  fanoutCreates: number;
  bulk: LoadResult;
  storedPods: number;
  ready: { first: number; empty: number[]; full: number[] };
  memory: { rssEmpty: number; rssLoaded: number; rssRestarted: number; rssListed: number; rssBeforeHeavy: number; rssEnd: number; peak: number };
  /** Why measuring stopped early. */
  failure?: string;
  /** Other things that went wrong (connections the server ended). */
  notes: string[];
}

function med<T>(xs: readonly T[], f: (x: T) => number): number {
  return median(xs.map(f));
}

function requestTable(r: ReportInput, problems: string[]): string {
  const rows: string[][] = [];
  for (const [name, byClients] of r.requests) {
    const aim = r.aims.get(name);
    for (const [c, pair] of byClients) {
      const a = { rps: med(pair.akube, (x) => x.requestsPerSecond), p50: med(pair.akube, (x) => x.p50Ms), p99: med(pair.akube, (x) => x.p99Ms) };
      const b = { rps: med(pair.baseline, (x) => x.requestsPerSecond), p50: med(pair.baseline, (x) => x.p50Ms), p99: med(pair.baseline, (x) => x.p99Ms) };
      const cost = b.rps / a.rps;
      const verdict = aim === undefined ? '' : !Number.isFinite(cost) ? '?' : cost <= aim ? 'ok' : 'over';
      rows.push([`${name}${pair.akube.length < r.runs ? ` (${pair.akube.length} run)` : ''}`, String(c), fmt(a.rps), fmt(a.p50), fmt(a.p99), fmt(b.rps), fmt(b.p50), fmt(b.p99), fmtRatio(cost), fmtRatio(a.p50 / b.p50), fmtRatio(a.p99 / b.p99), verdict]);
      for (const [who, xs] of [['a-kube', pair.akube], ['bare', pair.baseline]] as const) {
        for (const x of xs) if (x.errors > 0) problems.push(`${name}, ${c} client(s), ${who}: ${x.errors} errors; first: ${x.firstError}`);
      }
    }
  }
  return [
    formatTable(['request', 'clients', 'req/s', 'p50 ms', 'p99 ms', 'bare req/s', 'p50 ms', 'p99 ms', 'cost', 'p50', 'p99', 'aim ≤3×'], rows),
    '(cost = bare req/s ÷ a-kube req/s: what one a-kube request costs in bare-server requests; p50, p99 = a-kube ÷ bare)',
  ].join('\n');
}

function fanoutTable(r: ReportInput, problems: string[]): string {
  const rows: string[][] = [];
  for (const [c, pair] of r.fanout) {
    const fig = (xs: FanoutResult[]) => ({
      eps: med(xs, (x) => x.eventsPerSecond),
      p50: med(xs, (x) => x.endToEnd.p50Ms),
      p99: med(xs, (x) => x.endToEnd.p99Ms),
      ack50: med(xs, (x) => x.afterAck.p50Ms),
      ack99: med(xs, (x) => x.afterAck.p99Ms),
    });
    const a = fig(pair.akube);
    const b = fig(pair.baseline);
    rows.push([String(c), fmt(a.eps), fmt(a.p50), fmt(a.p99), fmt(a.ack50), fmt(a.ack99), fmt(b.eps), fmt(b.p50), fmt(b.p99), fmtRatio(b.eps / a.eps), fmtRatio(a.p50 / b.p50), fmtRatio(a.p99 / b.p99)]);
    for (const [who, xs] of [['a-kube', pair.akube], ['bare', pair.baseline]] as const) {
      for (const x of xs) {
        if (x.createErrors > 0) problems.push(`fan-out, ${c} creator(s), ${who}: ${x.createErrors} failed creates; first: ${x.firstError}`);
        if (x.missing > 0) problems.push(`fan-out, ${c} creator(s), ${who}: ${x.missing} of ${x.creates} creates did not reach all ${x.watchers} watchers in time`);
      }
    }
  }
  return [
    `watch fan-out to ${r.watchers} watchers (${r.fanoutCreates} creates per figure)`,
    formatTable(['creators', 'events/s', 'p50 ms', 'p99 ms', 'ack→p50', 'ack→p99', 'bare ev/s', 'p50 ms', 'p99 ms', 'cost', 'p50', 'p99'], rows),
    '(p50/p99: from sending a create until the last watcher has its event; ack→: from the create\'s answer, 0 when all had it first)',
  ].join('\n');
}

function startupTable(r: ReportInput): string {
  const n = r.storedPods;
  return formatTable(
    ['start-up and memory', 'value'],
    [
      ['ready, first start (makes the PKI)', `${fmt(r.ready.first)} ms`],
      [`ready, empty store (median of ${r.ready.empty.length})`, `${fmt(median(r.ready.empty))} ms`],
      [`ready, ${n} pods stored (median of ${r.ready.full.length})`, `${fmt(median(r.ready.full))} ms`],
      ['RSS, empty store', fmtBytes(r.memory.rssEmpty)],
      [`RSS, ${n} pods just created`, fmtBytes(r.memory.rssLoaded)],
      [`RSS, ${n} pods stored, after a restart`, fmtBytes(r.memory.rssRestarted)],
      [`RSS, ${n} pods stored, after a restart and one LIST`, fmtBytes(r.memory.rssListed)],
      ['RSS, after the figures and the fan-out', fmtBytes(r.memory.rssBeforeHeavy)],
      ['RSS, after the heaviest figure (run last)', fmtBytes(r.memory.rssEnd)],
      [r.failure === undefined ? 'peak RSS (VmHWM) of the last server' : 'highest RSS sampled between figures', fmtBytes(r.memory.peak)],
      [`loading: ${n} creates, 64 clients`, `${fmt(r.bulk.requestsPerSecond)} req/s, p50 ${fmt(r.bulk.p50Ms)} ms, p99 ${fmt(r.bulk.p99Ms)} ms`],
    ],
  );
}

export function formatReport(r: ReportInput): string {
  const problems: string[] = [];
  const sizes = r.bodySizes;
  const out = [
    `a-kube API server benchmark (${r.entry}; medians of ${r.runs} run(s); ${r.timing.durationMs} ms per figure after ${r.timing.warmupMs} ms warm-up)`,
    `bodies: pod ${fmtBytes(sizes['pod'] ?? Number.NaN)}, list of 1k ${fmtBytes(sizes['list-1k'] ?? Number.NaN)}, list of 10k ${fmtBytes(sizes['list-10k'] ?? Number.NaN)}`,
    '',
    requestTable(r, problems),
    '',
    fanoutTable(r, problems),
    '',
    startupTable(r),
  ];
  problems.push(...r.notes);
  if (r.failure !== undefined) problems.unshift(r.failure);
  if (problems.length) out.push('', 'problems:', ...problems.map((p) => `  ${p}`));
  return `${out.join('\n')}\n`;
}

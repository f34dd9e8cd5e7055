// `npm run bench -- list-rss [--quick] [--runs N] [--pods N] [--no-few] [--hold S] [--only RE] [--reuse DIR] [--tsx] [--keep]`:
// the resident memory of a real API server process while it answers LISTs of many pods, and whether it is given
// back afterwards. One `a-kube server` (the API server alone, on SQLite in a temp dir; no controllers or scheduler
// to add noise) holds three namespaces: the large one (--pods, 10,000 by default), the baseline, a tenth of it
// (1,000), measured the same way in the same run so growth with the list's size shows, and 400 pods (fewer than
// the 500 items from which lists used to be streamed; JSON only; left out with --no-few). For each namespace, form
// (JSON as client libraries ask; Table as `kubectl get` asks) and number of readers (1, 64 at once, and 64 slow
// readers that take 1 MiB/s each, so the server meets HTTP/2 flow control), a fresh server is started on the
// stored pods (as after a restart, so no earlier figure's heap hides this one's), and this process:
//   forces two full collections, waits until the server's RSS has settled (idle; its 64 HTTP/2 connections are
//   open), resets its peak (VmHWM, through /proc/PID/clear_refs), runs the LISTs (reading and dropping the bodies),
//   reads the peak, then reads the RSS again 5 s, 30 s and --hold seconds (60 by default) after the LISTs ended (it
//   includes the JSON text the watch cache keeps for each listed object from the first LIST on), then forces two
//   full collections and reads it once more; the last reading before those collections and the one after them are
//   split into the V8 heap (heapTotal) and what lies outside it (native memory: Buffers' backing stores, malloc's
//   arenas). The collections go through Node's inspector protocol: the server is started with
//   `--inspect=127.0.0.1:PORT` on a free loopback port, and nothing in a-kube serves it.
// --only RE measures only the figures whose label ("10000 Table 64 slow") matches; --reuse DIR measures on a data
// dir kept (--keep) by an earlier run instead of loading pods anew.
// The figures are medians over the runs. A LIST whose memory is proportional to what is in flight on the sockets
// has a peak for 64 readers far below 64 × the body, and a large list's peak far below 10 × the baseline's.
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleEntry, startAKube, tsxEntry, type AKubeEntry, type RunningAKube } from './lib/akube.js';
import { openH2Pool, type H2Pool, type H2Request } from './lib/h2-client.js';
import { freePort, openInspector, type Inspector, type MemorySplit } from './lib/inspector.js';
import { runLoad } from './lib/load.js';
import { createDefaultServiceAccount, createNamespace, createPod, podName, podsPath } from './lib/apiserver-scenarios.js';
import { median } from './lib/stats.js';
import { fmtBytes, fmtRatio, formatTable } from './lib/table.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    runs: { type: 'string' },
    pods: { type: 'string' },
    'no-few': { type: 'boolean' },
    hold: { type: 'string' },
    only: { type: 'string' },
    reuse: { type: 'string' },
    tsx: { type: 'boolean' },
    keep: { type: 'boolean' },
  },
  strict: true,
});
const runs = Number(flags.runs ?? (flags.quick ? 1 : 3));
const largePods = Number(flags.pods ?? '10000');
const holdSeconds = Number(flags.hold ?? '60');
const only = flags.only === undefined ? undefined : new RegExp(flags.only);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(largePods) || largePods < 10 || !Number.isInteger(holdSeconds) || holdSeconds < 5) {
  throw new Error('usage: list-rss [--quick] [--runs N] [--pods N (≥ 10)] [--no-few] [--hold S (≥ 5)] [--only RE] [--reuse DIR] [--tsx] [--keep]');
}
const basePods = Math.round(largePods / 10);
/** Fewer items than a list once had to have to be streamed (500): such a list was answered as one string. */
const fewPods = 400;
const slowReaderBytesPerSecond = 1 << 20;
/** Seconds after the LISTs at which the RSS is read again: 5, 30 and --hold, those not past --hold. */
const readings = [...new Set([5, 30, holdSeconds])].filter((t) => t <= holdSeconds).sort((a, b) => a - b);

const began = Date.now();
const say = (line: string) => process.stderr.write(`list-rss: [${Math.round((Date.now() - began) / 1000)} s] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const forms = [
  { name: 'JSON', accept: 'application/json' },
  { name: 'Table', accept: tableAccept },
] as const;
const readerKinds = [
  { name: '1', count: 1, rate: undefined },
  { name: '64', count: 64, rate: undefined },
  { name: '64 slow', count: 64, rate: slowReaderBytesPerSecond },
] as const;

function listRequest(namespace: string, accept: string): H2Request {
  return { method: 'GET', path: podsPath(namespace), headers: { accept, 'user-agent': 'a-kube-bench' } };
}

async function loadPods(pool: H2Pool, namespace: string, count: number): Promise<void> {
  const ns = await pool.request(createNamespace(namespace));
  if (ns.status !== 201) throw new Error(`creating namespace ${namespace}: ${ns.status}`);
  const sa = await pool.request(createDefaultServiceAccount(namespace));
  if (sa.status !== 201 && sa.status !== 409) throw new Error(`creating ${namespace}/default: ${sa.status}`);
  const r = await runLoad(pool, { concurrency: 64, length: { requests: count }, makeRequest: (seq) => createPod(namespace, podName(seq)), expectStatus: 201 });
  if (r.errors > 0) throw new Error(`loading ${namespace}: ${r.errors} creates failed; first: ${r.firstError}`);
}

/** Waits until two readings a second apart differ by less than 1 MiB (or 10 s pass); returns the last one. */
async function idleRss(server: RunningAKube): Promise<number> {
  let last = server.rss();
  for (let i = 0; i < 10; i++) {
    await sleep(1000);
    const now = server.rss();
    if (Math.abs(now - last) < 1 << 20) return now;
    last = now;
  }
  return last;
}

/** Sets the process's VmHWM back to its current RSS (Linux ≥ 4.0, same user). */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

interface Figure {
  idle: number;
  peak: number;
  /** RSS above idle at each of `readings`. */
  after: number[];
  /** Of the last of `after`: the V8 heap's growth (heapTotal), Buffers' and strings' memory outside it
   * (external), and the rest of the RSS outside the V8 heap. */
  heldHeap: number;
  heldExternal: number;
  heldOutside: number;
  /** RSS above idle after two forced full collections. */
  afterGc: number;
  /** Of afterGc: the V8 heap's growth (heapTotal) and the rest (RSS outside the V8 heap). */
  gcHeap: number;
  gcOutside: number;
  bytes: number;
}

async function measure(server: RunningAKube, inspector: Inspector, pool: H2Pool, req: H2Request, readers: (typeof readerKinds)[number]): Promise<Figure> {
  // Idle is read after two full collections too, so what start-up left for the collector is not counted as idle
  // and then seen to go (or not) after the LISTs.
  await inspector.collectGarbage();
  await inspector.collectGarbage();
  const idle = await idleRss(server);
  const idleSplit: MemorySplit = await inspector.memory();
  resetPeak(server.child.pid);
  // The peak counter catches what sampling misses; sampling guards against a kernel without clear_refs' 5.
  let sampled = idle;
  const sampler = setInterval(() => {
    sampled = Math.max(sampled, server.rss());
  }, 10);
  const answers = await Promise.all(
    Array.from({ length: readers.count }, async (_, i) => {
      const res = await pool.request(req, { session: i, ...(readers.rate !== undefined ? { readBytesPerSecond: readers.rate } : {}) });
      if (res.status !== 200) throw new Error(`GET ${req.path}: ${res.status} ${res.body?.toString() ?? ''}`);
      return res.bytes;
    }),
  );
  clearInterval(sampler);
  const peak = Math.max(server.peakRss(), sampled) - idle;
  const ended = Date.now();
  const after: number[] = [];
  for (const t of readings) {
    await sleep(Math.max(0, ended + t * 1000 - Date.now()));
    after.push(server.rss() - idle);
  }
  const held = await inspector.memory();
  const heldHeap = held.heapTotal - idleSplit.heapTotal;
  await inspector.collectGarbage();
  await inspector.collectGarbage();
  await sleep(1000);
  const gcSplit = await inspector.memory();
  const afterGc = server.rss() - idle;
  const gcHeap = gcSplit.heapTotal - idleSplit.heapTotal;
  // rss is read again after the collection: compare like with like (process.memoryUsage's rss, both times).
  const gcOutside = gcSplit.rss - idleSplit.rss - gcHeap;
  return {
    idle,
    peak,
    after,
    heldHeap,
    heldExternal: held.external - idleSplit.external,
    heldOutside: held.rss - idleSplit.rss - heldHeap,
    afterGc,
    gcHeap,
    gcOutside,
    bytes: answers[0] ?? 0,
  };
}

async function main(entry: AKubeEntry, dataDir: string): Promise<void> {
  say(`a-kube server from ${entry.describe}; data in ${dataDir}; ${runs} run(s); load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const namespaces = [
    { name: 'list-few', pods: fewPods, forms: forms.slice(0, 1) },
    { name: 'list-base', pods: basePods, forms },
    { name: 'list-large', pods: largePods, forms },
  ];
  if (flags.reuse === undefined) {
    const first = await startAKube(entry, dataDir, root, { command: 'server' });
    try {
      const loader = await openH2Pool(first.url, first.tls, 64);
      for (const ns of namespaces) {
        say(`creating ${ns.pods} pods in ${ns.name}`);
        await loadPods(loader, ns.name, ns.pods);
      }
      loader.close();
    } finally {
      await first.stop();
    }
  }
  const measured = namespaces.filter((ns) => !(flags['no-few'] && ns.pods === fewPods));

  // Each figure on a fresh server with the pods stored, as after a restart: what one form of LIST costs is not
  // hidden by heap an earlier figure left committed.
  const results = new Map<string, Figure[]>();
  const started: number[] = [];
  for (let run = 0; run < runs; run++) {
    for (const ns of measured) {
      for (const f of ns.forms) {
        for (const r of readerKinds) {
          if (only && !only.test(`${ns.pods} ${f.name} ${r.name}`)) continue;
          say(`run ${run + 1}/${runs}: ${ns.pods} pods, ${f.name}, ${r.name} reader(s)`);
          const port = await freePort();
          const server = await startAKube(entry, dataDir, root, { command: 'server', nodeArgs: [`--inspect=127.0.0.1:${port}`] });
          const inspector = await openInspector(port);
          const pool = await openH2Pool(server.url, server.tls, 64);
          try {
            const key = `${ns.pods}\t${f.name}\t${r.name}`;
            const fig = await measure(server, inspector, pool, listRequest(ns.name, f.accept), r);
            say(`  peak +${fmtBytes(fig.peak)}; after ${readings.map((t, i) => `${t} s +${fmtBytes(fig.after[i] ?? 0)}`).join(', ')}; held at ${readings.at(-1)} s: V8 heap ${fmtBytes(fig.heldHeap)}, outside ${fmtBytes(fig.heldOutside)} (external ${fmtBytes(fig.heldExternal)}); after GC +${fmtBytes(fig.afterGc)} (V8 heap ${fmtBytes(fig.gcHeap)}, outside ${fmtBytes(fig.gcOutside)})`);
            started.push(fig.idle);
            results.set(key, [...(results.get(key) ?? []), fig]);
            if (server.child.exitStatus() !== undefined) throw new Error(`a-kube exited (${server.child.exitStatus()}):\n${server.child.stderrTail()}`);
          } finally {
            pool.close();
            inspector.close();
            await server.stop();
          }
        }
      }
    }
    // After every run, so a long benchmark that is stopped early still reports what it measured.
    report(results, started, run + 1);
    say(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  }
}

function report(results: ReadonlyMap<string, Figure[]>, started: readonly number[], done: number): void {
  const rows: string[][] = [];
  const peakOf = (pods: number, form: string, readers: string) => median((results.get(`${pods}\t${form}\t${readers}`) ?? []).map((x) => x.peak));
  for (const [key, figs] of results) {
    const [pods = '', form = '', readers = ''] = key.split('\t');
    const peak = median(figs.map((x) => x.peak));
    const bytes = figs[0]?.bytes ?? 0;
    const count = readers.startsWith('64') ? 64 : 1;
    const one = peakOf(Number(pods), form, '1');
    const base = Number(pods) === largePods ? peakOf(basePods, form, readers) : Number.NaN;
    rows.push([
      `${pods} pods, ${form}`,
      readers,
      fmtBytes(bytes),
      fmtBytes(median(figs.map((x) => x.idle))),
      fmtBytes(peak),
      fmtRatio(peak / (bytes * count)),
      count > 1 ? fmtRatio(peak / one) : '',
      Number.isNaN(base) ? '' : fmtRatio(peak / base),
      ...readings.map((_, i) => fmtBytes(median(figs.map((x) => x.after[i] ?? 0)))),
      fmtBytes(median(figs.map((x) => x.heldHeap))),
      fmtBytes(median(figs.map((x) => x.heldOutside))),
      fmtBytes(median(figs.map((x) => x.afterGc))),
      fmtBytes(median(figs.map((x) => x.gcHeap))),
      fmtBytes(median(figs.map((x) => x.gcOutside))),
    ]);
}
process.stdout.write(`a-kube server, a fresh one per figure; idle RSS with the pods stored: median ${fmtBytes(median(started))}\n`);
process.stdout.write(
  `peak RSS above idle during the LISTs; RSS still above idle ${readings.join(', ')} s after them and after two forced full collections (split: V8 heap, outside it); medians of ${done} of ${runs} run(s)\n`,
);
process.stdout.write(
  `${formatTable(
    ['list', 'readers', 'body', 'idle RSS', 'peak above idle', '÷ bodies in flight', '÷ 1 reader', `÷ ${basePods} pods`, ...readings.map((t) => `+${t} s`), `V8 heap +${readings.at(-1)} s`, `outside +${readings.at(-1)} s`, 'after GC', 'V8 heap', 'outside'],
    rows,
  )}\n`,
);
}

const dataDir = flags.reuse ?? mkdtempSync(join(tmpdir(), 'a-kube-list-rss-'));
let entry: AKubeEntry | undefined;
try {
  entry = flags.tsx ? tsxEntry(root) : await bundleEntry(root);
  await main(entry, dataDir);
} catch (e) {
  process.stderr.write(`list-rss: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
} finally {
  entry?.cleanup();
  if (flags.keep || flags.reuse !== undefined) say(`kept ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
}

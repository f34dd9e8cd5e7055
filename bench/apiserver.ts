// `npm run bench -- apiserver [--quick] [--runs N] [--tsx] [--keep]`: the API server against a bare HTTP/2 server.
// Three processes: a real `a-kube up` on SQLite, the bare server (same TLS set-up, fixed bodies) and this one, the load
// generator. Figures are medians over the runs; ratios compare a-kube's cost per request with the bare server's.
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleEntry, startAKube, tsxEntry, type AKubeEntry, type RunningAKube } from './lib/akube.js';
import { startChild, type Child } from './lib/child.js';
import { openH2Pool, type H2Pool, type H2Request } from './lib/h2-client.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { type Scenario, baselineBodies, createDefaultServiceAccount, createNamespace, createPod, getPath, namespaces, podName, podsPath, scenarios } from './lib/apiserver-scenarios.js';
import { openFanout, type FanoutResult } from './lib/watch-fanout.js';
import { formatReport, type Pair } from './lib/apiserver-report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    runs: { type: 'string' },
    tsx: { type: 'boolean' },
    keep: { type: 'boolean' },
  },
  strict: true,
});
const quick = flags.quick ?? false;
const runs = Number(flags.runs ?? (quick ? 1 : 3));
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${flags.runs}`);
const timing = quick ? { warmupMs: 200, durationMs: 700 } : { warmupMs: 300, durationMs: 1500 };
const levels = [1, 8, 64] as const;
const storedPods = 10_000;
const listPods = 1_000;
const watchers = 100;
const fanoutCreates = quick ? 100 : 300;

const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
const children: Child[] = [];
const pools: H2Pool[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'a-kube-bench-'));
let entry: AKubeEntry | undefined;

function removeTemporaryFiles(): void {
  entry?.cleanup();
  if (!flags.keep) rmSync(dataDir, { recursive: true, force: true });
  else say(`kept ${dataDir}`);
}

function stopAll(): Promise<unknown> {
  for (const p of pools.splice(0)) p.close();
  return Promise.all(children.splice(0).map((c) => c.stop()));
}
process.once('SIGINT', () => {
  void stopAll().then(() => {
    removeTemporaryFiles();
    process.exit(130);
  });
});

async function openPool(url: string, tls: { ca: string; cert: string; key: string }, sessions: number): Promise<H2Pool> {
  const pool = await openH2Pool(url, tls, sessions);
  pools.push(pool);
  return pool;
}

function closePool(pool: H2Pool): void {
  pool.close();
  pools.splice(pools.indexOf(pool), 1);
}

async function expect(pool: H2Pool, req: H2Request, status: number, keepBody = false): Promise<Buffer> {
  const res = await pool.request(req, { keepBody });
  if (res.status !== status) throw new Error(`${req.method} ${req.path}: expected ${status}, got ${res.status}: ${res.body?.toString() ?? ''}`);
  return res.body ?? Buffer.alloc(0);
}

async function start(entry: AKubeEntry): Promise<RunningAKube> {
  const s = await startAKube(entry, dataDir, root);
  children.push(s.child);
  return s;
}

async function stop(s: RunningAKube): Promise<void> {
  await s.stop();
  children.splice(children.indexOf(s.child), 1);
}

/** Starts a-kube `times` times on the data dir; returns the ready times and the last server, still running. */
async function restarts(entry: AKubeEntry, times: number): Promise<{ readyMs: number[]; server: RunningAKube }> {
  const readyMs: number[] = [];
  for (let i = 0; ; i++) {
    const s = await start(entry);
    readyMs.push(s.readyMs);
    if (i === times - 1) return { readyMs, server: s };
    await stop(s);
  }
}

async function makeNamespace(pool: H2Pool, namespace: string): Promise<void> {
  await expect(pool, createNamespace(namespace), 201);
  const sa = await pool.request(createDefaultServiceAccount(namespace));
  if (sa.status !== 201 && sa.status !== 409) throw new Error(`creating ${namespace}/default ServiceAccount: ${sa.status} ${sa.body?.toString() ?? ''}`);
}

async function load(pool: H2Pool, namespace: string, count: number): Promise<LoadResult> {
  await makeNamespace(pool, namespace);
  const r = await runLoad(pool, { concurrency: 64, length: { requests: count }, makeRequest: (seq) => createPod(namespace, podName(seq)), expectStatus: 201 });
  if (r.errors > 0) throw new Error(`loading ${namespace}: ${r.errors} creates failed; first: ${r.firstError}`);
  return r;
}

async function main(entry: AKubeEntry): Promise<void> {
  say(`a-kube from ${entry.describe}; data in ${dataDir}; ${runs} run(s)`);

  say('time to ready: first start (creates the PKI), then on an empty store');
  const first = await start(entry);
  await stop(first);
  const empty = await restarts(entry, runs);
  const rssEmpty = empty.server.rss();

  say(`loading ${storedPods} pods (64 concurrent creates)`);
  let loader = await openPool(empty.server.url, empty.server.tls, 64);
  const bulk = await load(loader, namespaces.list10k, storedPods);
  const rssLoaded = empty.server.rss();
  closePool(loader);
  await stop(empty.server);

  say(`time to ready with ${storedPods} pods stored`);
  const full = await restarts(entry, runs);
  const server = full.server;
  const rssRestarted = server.rss();
  loader = await openPool(server.url, server.tls, 64);
  // The first LIST may be what fills the server's cache: memory with the pods in it.
  await expect(loader, getPath(podsPath(namespaces.list10k)), 200);
  const rssListed = server.rss();
  await load(loader, namespaces.list1k, listPods);
  for (const ns of [namespaces.create, namespaces.watch]) await makeNamespace(loader, ns);

  const baseline = await startChild(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench/lib/baseline-main.ts'), join(dataDir, 'pki/apiserver.crt'), join(dataDir, 'pki/apiserver.key'), join(dataDir, 'pki/ca.crt')],
    /baseline is up at (\S+)/,
    { cwd: root, timeoutMs: 30_000 },
  );
  children.push(baseline.child);
  const baseUrl = baseline.value;
  const baseTls = server.tls;
  const bodySizes: Record<string, number> = {};
  const baseLoader = await openPool(baseUrl, baseTls, 1);
  for (const [name, req] of Object.entries(baselineBodies)) {
    const body = await expect(loader, req(), 200, true);
    bodySizes[name] = body.byteLength;
    await expect(baseLoader, { method: 'PUT', path: `/bodies/${name}`, body }, 204);
  }
  closePool(loader);
  closePool(baseLoader);

  const akubePools = new Map<number, H2Pool>();
  const basePools = new Map<number, H2Pool>();
  for (const c of levels) {
    akubePools.set(c, await openPool(server.url, server.tls, c));
    basePools.set(c, await openPool(baseUrl, baseTls, c));
  }
  const poolFor = (m: Map<number, H2Pool>, c: number): H2Pool => {
    const p = m.get(c);
    if (!p) throw new Error(`no pool for ${c} clients`);
    return p;
  };

  // A server that dies mid-run (out of memory, say) ends the measuring; what was measured is still reported.
  let failure: string | undefined;
  let sampledPeak = 0;
  const alive = (during: string): boolean => {
    const status = server.child.exitStatus();
    if (status === undefined) {
      sampledPeak = Math.max(sampledPeak, server.rss());
      return true;
    }
    failure ??= `a-kube exited (${status}) during ${during}; the end of its stderr:\n${server.child.stderrTail()}`;
    return false;
  };

  const all = scenarios(listPods);
  const requests = new Map<string, Map<number, Pair<LoadResult>>>();
  const figure = async (run: number, sc: Scenario, c: number): Promise<boolean> => {
    say(`run ${run + 1}/${runs}: ${sc.name}, ${c} client(s)`);
    const pair = requests.get(sc.name)?.get(c);
    if (!pair) throw new Error(`no figure for ${sc.name}, ${c} client(s)`);
    const tag = `${run}-${c}`;
    const length = { warmupMs: timing.warmupMs, durationMs: timing.durationMs };
    pair.baseline.push(await runLoad(poolFor(basePools, c), { concurrency: c, length, makeRequest: (seq) => sc.baseline(seq, `b${tag}`), expectStatus: sc.expectStatus }));
    pair.akube.push(await runLoad(poolFor(akubePools, c), { concurrency: c, length, makeRequest: (seq) => sc.akube(seq, `a${tag}`), expectStatus: sc.expectStatus }));
    return alive(`run ${run + 1}, ${sc.name}, ${c} client(s)`);
  };
  const heavy = (sc: Scenario, c: number) => sc.onceFrom !== undefined && c >= sc.onceFrom;
  for (const sc of all) requests.set(sc.name, new Map(levels.map((c) => [c, { akube: [], baseline: [] }])));
  measuring: for (let run = 0; run < runs; run++) {
    for (const sc of all) {
      for (const c of levels) if (!heavy(sc, c) && !(await figure(run, sc, c))) break measuring;
    }
  }

  const connectionNotes: string[] = [];
  for (const [who, m] of [['a-kube', akubePools], ['bare', basePools]] as const) {
    for (const [c, p] of m) if (p.endedSessions() > 0) connectionNotes.push(`${who}: ${p.endedSessions()} of the ${p.size} HTTP/2 connections for ${c} client(s) ended during the figures`);
  }

  const fanout = new Map<number, Pair<FanoutResult>>();
  if (failure === undefined) {
    try {
      await measureFanout(fanout, alive);
    } catch (e) {
      if (alive('the watch fan-out')) connectionNotes.push(`the watch fan-out stopped: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  // The heaviest figures come last: they can leave the server bloated and slow for whatever follows them.
  const rssBeforeHeavy = failure === undefined ? server.rss() : Number.NaN;
  heavyFigures: for (const sc of all) {
    for (const c of levels) if (failure === undefined && heavy(sc, c) && !(await figure(0, sc, c))) break heavyFigures;
  }
  const rssEnd = failure === undefined ? server.rss() : Number.NaN;
  const peak = failure === undefined ? server.peakRss() : sampledPeak;
  await stopAll();

  const aims = new Map(all.flatMap((sc) => (sc.aim === undefined ? [] : [[sc.name, sc.aim] as const])));
  process.stdout.write(
    formatReport({
      entry: entry.describe,
      runs,
      timing,
      bodySizes,
      requests,
      aims,
      fanout,
      watchers,
      fanoutCreates,
      bulk,
      storedPods,
      ready: { first: first.readyMs, empty: empty.readyMs, full: full.readyMs },
      memory: { rssEmpty, rssLoaded, rssRestarted, rssListed, rssBeforeHeavy, rssEnd, peak },
      ...(failure !== undefined ? { failure } : {}),
      notes: connectionNotes,
    }),
  );
  if (failure !== undefined) process.exitCode = 1;

  async function measureFanout(fanout: Map<number, Pair<FanoutResult>>, alive: (during: string) => boolean): Promise<void> {
    say(`watch fan-out: ${watchers} watchers on each server`);
    const openWatchers = async (url: string, tls: typeof baseTls) => {
      const out: H2Pool[] = [];
      for (let i = 0; i < watchers; i++) out.push(await openPool(url, tls, 1));
      return out;
    };
    // Fresh connections: the ones the figures used may have been ended by the server.
    const akubeWriters = await openPool(server.url, server.tls, 64);
    const baseWriters = await openPool(baseUrl, baseTls, 64);
    const rv = JSON.parse((await expect(akubeWriters, getPath(podsPath(namespaces.watch)), 200, true)).toString()) as { metadata?: { resourceVersion?: string } };
    const akubeFanout = await openFanout(
      {
        watcherPools: await openWatchers(server.url, server.tls),
        writerPool: akubeWriters,
        watchRequest: getPath(`${podsPath(namespaces.watch)}?watch=1&resourceVersion=${rv.metadata?.resourceVersion ?? '0'}`),
        createRequest: (name) => createPod(namespaces.watch, name),
      },
      /"name":"(fan-[^"]+)"/,
    );
    const baseFanout = await openFanout(
      {
        watcherPools: await openWatchers(baseUrl, baseTls),
        writerPool: baseWriters,
        watchRequest: getPath('/watch'),
        createRequest: (name) => ({ ...createPod(namespaces.watch, name), path: '/watch' }),
      },
      /"name":"(fan-[^"]+)"/,
    );
    fanning: for (let run = 0; run < runs; run++) {
      for (const c of levels) {
        say(`run ${run + 1}/${runs}: watch fan-out, ${c} creating client(s)`);
        const f = fanout.get(c) ?? { akube: [], baseline: [] };
        fanout.set(c, f);
        f.baseline.push(await baseFanout.measure({ concurrency: c, creates: fanoutCreates, prefix: `fan-b${run}-${c}`, deadlineMs: 10_000 }));
        f.akube.push(await akubeFanout.measure({ concurrency: c, creates: fanoutCreates, prefix: `fan-a${run}-${c}`, deadlineMs: 10_000 }));
        if (!alive(`run ${run + 1}, watch fan-out, ${c} creating client(s)`)) break fanning;
      }
    }
    akubeFanout.close();
    baseFanout.close();
  }
}

try {
  entry = flags.tsx ? tsxEntry(root) : await bundleEntry(root);
  await main(entry);
} catch (e) {
  for (const c of children) {
    const status = c.exitStatus();
    if (status !== undefined) process.stderr.write(`bench: ${c.process.spawnargs.join(' ')} exited (${status}); the end of its stderr:\n${c.stderrTail()}\n`);
  }
  await stopAll();
  process.stderr.write(`bench: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
} finally {
  removeTemporaryFiles();
}

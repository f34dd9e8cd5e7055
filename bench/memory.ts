// `npm run bench -- memory [--quick] [--cycles N] [--patches N]`: is the API server's memory bounded under
// churn? In-process (the assembled API server over SQLite in a temp dir, no sockets), with a forced full GC
// before every reading, so the figures are live heap, not garbage waiting for collection.
//   watch churn: 8 clients create and delete 4 KiB ConfigMaps while 8 watches stream every event;
//   large patches: one 1 MiB ConfigMap merge-patched again and again while a watch streams it.
// Each scenario reads the live heap after a warm-up (the baseline, same run) and after each of three equal
// rounds; bounded memory shows as a flat line: the last round's heap ÷ the first round's heap stays near 1×,
// whatever the number of cycles. Each round's figure is the median of three readings.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseArgs } from 'node:util';
import { createApiServer, type ApiServer } from '../src/apiserver/api-server.js';
import type { Authenticator, Authorizer } from '../src/auth/types.js';
import { openSqliteStorage } from '../src/storage/sqlite.js';
import { median } from './lib/stats.js';
import { fmtBytes, fmtRatio, formatTable } from './lib/table.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, cycles: { type: 'string' }, patches: { type: 'string' } }, strict: true });
const cycles = Number(values.cycles ?? (values.quick ? '1500' : '6000'));
const patches = Number(values.patches ?? (values.quick ? '90' : '390'));
if (!Number.isInteger(cycles) || cycles < 3 || !Number.isInteger(patches) || patches < 3) throw new Error('usage: memory [--quick] [--cycles N] [--patches N]');

const authenticator: Authenticator = { authenticate: async () => ({ kind: 'ok', user: { name: 'bench', groups: ['system:masters'] } }) };
const authorizer: Authorizer = { authorize: async () => ({ decision: 'allow', reason: '' }) };

async function call(api: ApiServer, method: string, url: string, body?: unknown, contentType = 'application/json'): Promise<number> {
  const r = await api.handle({ method, url, headers: { 'content-type': contentType }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (r.body && typeof r.body !== 'string' && !(r.body instanceof Uint8Array)) for await (const _ of r.body) void _;
  return r.status;
}

/** Opens a watch and consumes it until stopped; counts the bytes streamed. */
function openWatch(api: ApiServer, url: string): { bytes: () => number; stop: () => void } {
  const ac = new AbortController();
  let bytes = 0;
  void (async () => {
    const r = await api.handle({ method: 'GET', url, headers: {}, lifetime: ac });
    if (!r.body || typeof r.body === 'string' || r.body instanceof Uint8Array) return;
    try {
      for await (const chunk of r.body) bytes += chunk.length;
    } catch {
      // ended by stop
    }
  })();
  return { bytes: () => bytes, stop: () => ac.abort() };
}

async function liveHeap(): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
    readings.push(process.memoryUsage().heapUsed);
  }
  return median(readings);
}

interface Row {
  label: string;
  heap: number;
}

async function withServer<T>(fn: (api: ApiServer) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'a-kube-bench-memory-'));
  const storage = openSqliteStorage(join(dir, 'state.db'));
  const api = await createApiServer({ storage, authenticator, authorizer });
  try {
    if ((await call(api, 'POST', '/api/v1/namespaces', { metadata: { name: 'bench' } })) !== 201) throw new Error('namespace');
    return await fn(api);
  } finally {
    await api.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const cms = '/api/v1/namespaces/bench/configmaps';

async function watchChurn(): Promise<Row[]> {
  return withServer(async (api) => {
    const watches = Array.from({ length: 8 }, () => openWatch(api, `${cms}?watch=1&allowWatchBookmarks=true`));
    const data = { v: 'x'.repeat(4096) };
    let next = 0;
    const churn = async (n: number) => {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = 0; i < n / 8; i++) {
            const name = `cm-${next++}`;
            if ((await call(api, 'POST', cms, { metadata: { name }, data })) !== 201) throw new Error('create');
            if ((await call(api, 'DELETE', `${cms}/${name}`)) !== 200) throw new Error('delete');
          }
        }),
      );
    };
    await churn(Math.min(400, cycles / 4));
    const rows: Row[] = [{ label: 'after warm-up', heap: await liveHeap() }];
    for (let round = 1; round <= 3; round++) {
      await churn(cycles / 3);
      rows.push({ label: `after ${Math.round((round * cycles) / 3)} cycles`, heap: await liveHeap() });
    }
    const streamed = watches.reduce((a, w) => a + w.bytes(), 0);
    for (const w of watches) w.stop();
    process.stderr.write(`watch churn: ${cycles} create+delete cycles, ${fmtBytes(streamed)} streamed to 8 watches\n`);
    return rows;
  });
}

async function largePatches(): Promise<Row[]> {
  return withServer(async (api) => {
    const watch = openWatch(api, `${cms}?watch=1`);
    const big = 'y'.repeat(1024 * 1024 - 64);
    if ((await call(api, 'POST', cms, { metadata: { name: 'big' }, data: { big, n: '0' } })) !== 201) throw new Error('create');
    let n = 0;
    const patch = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const status = await call(api, 'PATCH', `${cms}/big`, { data: { n: String(++n), big: `${big.slice(0, -8)}${String(n).padStart(8, '0')}` } }, 'application/merge-patch+json');
        if (status !== 200) throw new Error(`patch ${status}`);
      }
    };
    await patch(Math.min(30, Math.floor(patches / 4)));
    const rows: Row[] = [{ label: 'after warm-up', heap: await liveHeap() }];
    for (let round = 1; round <= 3; round++) {
      await patch(Math.floor(patches / 3));
      rows.push({ label: `after ${Math.floor((round * patches) / 3)} patches`, heap: await liveHeap() });
    }
    process.stderr.write(`large patches: ${patches} merge patches of a 1 MiB ConfigMap, ${fmtBytes(watch.bytes())} streamed to 1 watch\n`);
    watch.stop();
    return rows;
  });
}

function report(title: string, rows: Row[]): string {
  const base = rows[0]?.heap ?? NaN;
  const first = rows[1]?.heap ?? NaN;
  const table = formatTable(['live heap', 'bytes', '÷ warm-up', '÷ round 1'], rows.map((r) => [r.label, fmtBytes(r.heap), fmtRatio(r.heap / base), fmtRatio(r.heap / first)]));
  return `${title}\n${table}\n`;
}

const churnRows = await watchChurn();
const patchRows = await largePatches();
process.stdout.write(`${report('watch churn (8 writers, 8 watches, 4 KiB ConfigMaps)', churnRows)}\n${report('large patches (1 MiB ConfigMap, 1 watch)', patchRows)}`);
process.stdout.write(`rss at the end: ${fmtBytes(process.memoryUsage().rss)}\n`);

// `npm run bench -- list-memory [--quick] [--pods N] [--runs N]`: how much memory does a LIST of many pods take
// while it is written? In-process (the assembled API server over the memory store, no sockets). Each output form
// kubectl and client libraries ask for (JSON, Table as `kubectl get` asks, Table with objects,
// PartialObjectMetadataList, YAML) is listed by 1 and by 8 readers at once, two ways in the same run:
//   streamed: the API server's reply as served, read chunk by chunk by a reader that turns each chunk into bytes
//             and yields a turn of the event loop before the next (a socket that drains as fast as the loop turns);
//   whole:    the same answer held as one string plus its bytes, as a reply built in one piece is held until the
//             socket has taken it (the baseline: what lists other than JSON were before they were streamed).
// The figure is the peak of live heap + external memory above what was live before the readers started: every
// reader forces a full collection and samples after every 8th chunk it reads (and the whole reply once it is held),
// so the figure is what is held, not garbage waiting for collection. Median over the runs; the ratio is
// whole ÷ streamed.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseArgs } from 'node:util';
import { createApiServer, type ApiServer } from '../src/apiserver/api-server.js';
import type { Authenticator, Authorizer } from '../src/auth/types.js';
import { createMemoryStorage } from '../src/storage/index.js';
import { benchPod } from './lib/pod.js';
import { median } from './lib/stats.js';
import { fmtBytes, fmtRatio, formatTable } from './lib/table.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, pods: { type: 'string' }, runs: { type: 'string' } }, strict: true });
const podCount = Number(values.pods ?? '10000');
const runs = Number(values.runs ?? (values.quick ? '1' : '3'));
if (!Number.isInteger(podCount) || podCount < 1 || !Number.isInteger(runs) || runs < 1) throw new Error('usage: list-memory [--quick] [--pods N] [--runs N]');

const authenticator: Authenticator = { authenticate: async () => ({ kind: 'ok', user: { name: 'bench', groups: ['system:masters'] } }) };
const authorizer: Authorizer = { authorize: async () => ({ decision: 'allow', reason: '' }) };
const pods = '/api/v1/namespaces/bench/pods';
const tableV1 = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

const forms: { name: string; url: string; accept: string }[] = [
  { name: 'JSON', url: pods, accept: 'application/json' },
  { name: 'JSON (asked as protobuf, JSON accepted)', url: pods, accept: 'application/vnd.kubernetes.protobuf,application/json' },
  { name: 'Table (kubectl get)', url: pods, accept: tableV1 },
  { name: 'Table, includeObject=Object', url: `${pods}?includeObject=Object`, accept: tableV1 },
  { name: 'PartialObjectMetadataList', url: pods, accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' },
  { name: 'YAML', url: pods, accept: 'application/yaml' },
];

async function call(api: ApiServer, method: string, url: string, body?: unknown): Promise<number> {
  const r = await api.handle({ method, url, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return r.status;
}

function footprint(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

async function liveFootprint(): Promise<number> {
  await new Promise((r) => setImmediate(r));
  gc();
  return footprint();
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

async function* chunks(api: ApiServer, url: string, accept: string): AsyncGenerator<string | Uint8Array> {
  const r = await api.handle({ method: 'GET', url, headers: { accept } });
  if (r.status !== 200) throw new Error(`LIST ${url} (${accept}): ${r.status}`);
  if (typeof r.body === 'string' || r.body instanceof Uint8Array) yield r.body;
  else if (r.body) yield* r.body;
}

/** Reads the reply as a draining socket would; returns the bytes read. */
async function readStreamed(api: ApiServer, url: string, accept: string, sample: () => void): Promise<number> {
  let bytes = 0;
  let n = 0;
  for await (const c of chunks(api, url, accept)) {
    const buf = typeof c === 'string' ? Buffer.from(c) : c;
    bytes += buf.byteLength;
    if (++n % 8 === 0) sample();
    await turn();
  }
  return bytes;
}

/** The same answer held in one piece until the socket has taken all of it. */
async function readWhole(api: ApiServer, url: string, accept: string, sample: () => void): Promise<number> {
  const parts: string[] = [];
  for await (const c of chunks(api, url, accept)) parts.push(typeof c === 'string' ? c : Buffer.from(c).toString());
  const text = parts.join('');
  parts.length = 0;
  const buf = Buffer.from(text);
  sample();
  for (let at = 0; at < buf.byteLength; at += 64 * 1024) await turn();
  return text.length > 0 ? buf.byteLength : 0;
}

async function measure(api: ApiServer, form: (typeof forms)[number], readers: number, read: typeof readStreamed): Promise<{ peak: number; bytes: number }> {
  const base = await liveFootprint();
  let peak = 0;
  const sample = () => {
    gc();
    peak = Math.max(peak, footprint() - base);
  };
  const bytes = await Promise.all(Array.from({ length: readers }, () => read(api, form.url, form.accept, sample)));
  return { peak, bytes: bytes[0] ?? 0 };
}

async function main(): Promise<void> {
  const storage = createMemoryStorage();
  const api = await createApiServer({ storage, authenticator, authorizer });
  try {
    if ((await call(api, 'POST', '/api/v1/namespaces', { metadata: { name: 'bench' } })) !== 201) throw new Error('namespace');
    process.stderr.write(`list-memory: creating ${podCount} pods\n`);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = next++; i < podCount; i = next++) {
          const status = await call(api, 'POST', pods, benchPod(`pod-${String(i).padStart(5, '0')}`, 'bench'));
          if (status !== 201) throw new Error(`create pod ${i}: ${status}`);
        }
      }),
    );
    // One read of each form first: the watch cache's JSON text for every pod is made then, and is kept.
    for (const f of forms) await readStreamed(api, f.url, f.accept, () => undefined);

    const rows: string[][] = [];
    for (const form of forms) {
      for (const readers of [1, 8]) {
        const streamed: number[] = [];
        const whole: number[] = [];
        let bytes = 0;
        for (let run = 0; run < runs; run++) {
          const s = await measure(api, form, readers, readStreamed);
          const w = await measure(api, form, readers, readWhole);
          streamed.push(s.peak);
          whole.push(w.peak);
          bytes = s.bytes;
        }
        // Below one chunk the readings are noise (what the collector frees between two samples): shown as a bound.
        const ms = median(streamed);
        const mw = median(whole);
        const floor = 64 * 1024;
        rows.push([form.name, String(readers), fmtBytes(bytes), ms < floor ? `< ${fmtBytes(floor)}` : fmtBytes(ms), fmtBytes(mw), ms < floor ? `> ${fmtRatio(mw / floor)}` : fmtRatio(mw / ms)]);
        process.stderr.write(`list-memory: ${form.name} × ${readers} done\n`);
      }
    }
    process.stdout.write(`LIST of ${podCount} pods, peak heap + external above the live heap (median of ${runs} run(s))\n`);
    process.stdout.write(`${formatTable(['form', 'readers', 'body', 'streamed', 'whole', 'whole ÷ streamed'], rows)}\n`);
  } finally {
    await api.close();
    await storage.close();
  }
}

await main();

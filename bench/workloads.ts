// `npm run bench -- workloads [--nodes 100] [--replicas 10000] [--storage sqlite|memory]`:
// a real `a-kube up --runtime fake --nodes N` (controllers, scheduler, N simulated nodes in the one process),
// a Deployment scaled from 0 to R replicas, and
//   - pods per second from the scale request to the last pod Running and Ready,
//   - each pod's create→Running latency, p50/p99, against Kubernetes' pod start-up SLO (p99 ≤ 5 s, image pulls excluded),
//   - the resident memory of the whole cluster process per 1,000 pods.
// Creation is when the pod's ADDED event reaches this client's watch (creationTimestamp has only second precision),
// Running when the first event shows it Running with every container ready.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { KubeObject } from '../src/api/object.js';
import { createRestClient } from '../src/client/rest.js';
import { startChild, memoryBytes } from './lib/child.js';
import { summarizeLatencies } from './lib/stats.js';
import { fmt, fmtBytes, fmtRatio, formatTable } from './lib/table.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { nodes: { type: 'string' }, replicas: { type: 'string' }, storage: { type: 'string' }, 'timeout-s': { type: 'string' } },
  strict: true,
});
const nodes = Number(values.nodes ?? '100');
const replicas = Number(values.replicas ?? '10000');
const storage = values.storage ?? 'sqlite';
const timeoutMs = Number(values['timeout-s'] ?? '900') * 1000;
const sloP99Ms = 5000;

const dataDir = mkdtempSync(join(tmpdir(), 'a-kube-bench-workloads-'));
process.stderr.write(`starting a-kube up --runtime fake --nodes ${nodes} (${storage}) in ${dataDir}\n`);
const { child, value: url } = await startChild(
  process.execPath,
  ['--import', 'tsx', join(root, 'src/cmd/a-kube.ts'), 'up', '--data-dir', dataDir, '--port', '0', '--storage', storage, '--runtime', 'fake', '--nodes', String(nodes)],
  /a-kube is up at (\S+)/,
  { cwd: root, timeoutMs: 120_000 },
);
const ac = new AbortController();
const stopAll = async () => {
  await child.stop();
  rmSync(dataDir, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  ac.abort();
  void stopAll().then(() => process.exit(130));
});

const pki = join(dataDir, 'pki');
const client = createRestClient({ server: url, caData: readFileSync(join(pki, 'ca.crt')), certData: readFileSync(join(pki, 'admin.crt')), keyData: readFileSync(join(pki, 'admin.key')), userAgent: 'a-kube/bench' });

try {
  // All nodes registered and Ready before the clock starts.
  for (;;) {
    const list = await client.list('/api/v1/nodes');
    if (list.items.length >= nodes) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const ns = 'bench';
  await client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (;;) {
    try {
      await client.get(`/api/v1/namespaces/${ns}/serviceaccounts/default`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await client.create(`/apis/apps/v1/namespaces/${ns}/deployments`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'scale', namespace: ns },
    spec: { replicas: 0, selector: { matchLabels: { app: 'scale' } }, template: { metadata: { labels: { app: 'scale' } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }] } } },
  });
  const rssBefore = memoryBytes(child.pid, 'VmRSS');

  const created = new Map<string, number>();
  const running = new Map<string, number>();
  let allRunning: () => void = () => {};
  const done = new Promise<void>((resolve) => (allRunning = resolve));
  const isRunning = (pod: KubeObject) => {
    const status = (pod['status'] ?? {}) as { phase?: string; conditions?: { type: string; status: string }[] };
    return status.phase === 'Running' && (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  };
  const list = await client.list(`/api/v1/namespaces/${ns}/pods`);
  const watching = (async () => {
    let rv = list.metadata.resourceVersion ?? '';
    while (!ac.signal.aborted) {
      try {
        for await (const ev of client.watch(`/api/v1/namespaces/${ns}/pods`, { resourceVersion: rv, allowWatchBookmarks: 'true' }, ac.signal)) {
          if (ev.type === 'ERROR') throw new Error(ev.object.message);
          rv = ev.object.metadata.resourceVersion ?? rv;
          if (ev.type === 'BOOKMARK' || ev.type === 'DELETED') continue;
          const name = ev.object.metadata.name ?? '';
          const now = performance.now();
          if (!created.has(name)) created.set(name, now);
          if (!running.has(name) && isRunning(ev.object)) {
            running.set(name, now);
            if (running.size >= replicas) allRunning();
          }
        }
      } catch (e) {
        if (!ac.signal.aborted) {
          process.stderr.write(`watch: ${e instanceof Error ? e.message : String(e)}; resuming\n`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    }
  })();

  const t0 = performance.now();
  await client.patch(`/apis/apps/v1/namespaces/${ns}/deployments/scale/scale`, { spec: { replicas } }, 'merge');
  const progress = setInterval(() => process.stderr.write(`  ${running.size}/${replicas} running, ${created.size} created, ${Math.round((performance.now() - t0) / 1000)} s\n`), 5000);
  let deadline: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([done.then(() => false), new Promise<boolean>((r) => (deadline = setTimeout(() => r(true), timeoutMs)))]);
  // a pending deadline would keep the benchmark alive for the rest of --timeout-s after the report
  clearTimeout(deadline);
  clearInterval(progress);
  const t1 = performance.now();
  const rssAfter = memoryBytes(child.pid, 'VmRSS');
  ac.abort();
  await watching;

  const latencies = [...running].map(([name, at]) => at - (created.get(name) ?? at));
  const lat = summarizeLatencies(latencies);
  const seconds = (t1 - t0) / 1000;
  const perThousand = ((rssAfter - rssBefore) / Math.max(1, running.size)) * 1000;
  process.stdout.write(`\nworkloads: ${nodes} simulated nodes, Deployment scaled 0 → ${replicas}, storage ${storage}${timedOut ? ` (TIMED OUT after ${timeoutMs / 1000} s)` : ''}\n\n`);
  process.stdout.write(
    formatTable(
      ['figure', 'value', 'against'],
      [
        ['pods Running', `${running.size}/${replicas}`, ''],
        ['scale → last Running', `${fmt(seconds)} s`, ''],
        ['pods/s to Running', fmt(running.size / seconds), ''],
        ['create → Running p50', `${fmt(lat.p50Ms)} ms`, ''],
        ['create → Running p99', `${fmt(lat.p99Ms)} ms`, `${fmtRatio(lat.p99Ms / sloP99Ms)} of the 5 s SLO`],
        ['RSS before scaling', fmtBytes(rssBefore), ''],
        ['RSS at the end', fmtBytes(rssAfter), ''],
        ['RSS per 1,000 pods', fmtBytes(perThousand), ''],
      ],
    ) + '\n',
  );
} finally {
  ac.abort();
  client.close();
  await stopAll();
}

// `npm run bench -- node [--pods 20] [--rounds 2]`: the node agent on containerd, in a real `a-kube up` (root,
// containerd, runc and the CNI plugins needed). With a small image already imported:
//   - create → Running latency of N pods created at once (p50/p99; Kubernetes' SLO is p99 ≤ 5 s), against the
//     floor: containerd's own RunPodSandbox + CreateContainer + StartContainer called directly over CRI for N
//     sandboxes at once, in the same run, alternating rounds;
//   - exec round trip of `true`: the real kubectl through the API server and the node agent, against CRI ExecSync
//     (the kubectl figure includes starting the kubectl process, measured alone as `kubectl version --client`);
//   - the resident memory of the a-kube process (control plane + node agent) before and with N pods.
// Creation is when this client sends the POST; Running when the pod's watch event first shows it Running and Ready.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { KubeObject } from '../src/api/object.js';
import { createRestClient } from '../src/client/rest.js';
import { checkRuntimeDeps } from '../src/kubelet/containerd/deps.js';
import { CriClient } from '../src/kubelet/cri/client.js';
import { busyboxImage, writeBusyboxArchive } from '../test/e2e/test-images.js';
import { startChild, memoryBytes } from './lib/child.js';
import { median, summarizeLatencies } from './lib/stats.js';
import { fmt, fmtBytes, fmtRatio, formatTable } from './lib/table.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { pods: { type: 'string' }, rounds: { type: 'string' } }, strict: true });
const pods = Number(values.pods ?? '20');
const rounds = Number(values.rounds ?? '2');
const deps = checkRuntimeDeps('/usr/lib/cni');
if (deps.problem) {
  process.stderr.write(`bench node: ${deps.problem}\n`);
  process.exit(2);
}

const dataDir = mkdtempSync(join(tmpdir(), 'a-kube-bench-node-'));
process.stderr.write(`starting a-kube up (containerd) in ${dataDir}\n`);
const { child, value: url } = await startChild(process.execPath, ['--import', 'tsx', join(root, 'src/cmd/a-kube.ts'), 'up', '--data-dir', dataDir, '--port', '0'], /a-kube is up at (\S+)/, { cwd: root, timeoutMs: 180_000 });
const pki = join(dataDir, 'pki');
const client = createRestClient({ server: url, caData: readFileSync(join(pki, 'ca.crt')), certData: readFileSync(join(pki, 'admin.crt')), keyData: readFileSync(join(pki, 'admin.key')), userAgent: 'a-kube/bench' });
const cri = new CriClient({ endpoint: join(dataDir, 'containerd', 'containerd.sock') });
const kubeconfig = join(dataDir, 'admin.kubeconfig');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, fn: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function podManifest(ns: string, name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { terminationGracePeriodSeconds: 1, automountServiceAccountToken: false, containers: [{ name: 'c', image: busyboxImage, imagePullPolicy: 'Never', command: ['sleep', '3600'] }] } } as KubeObject;
}

/** Creates N pods at once through the API; returns each one's create → Running latency. */
async function apiRound(ns: string, round: number): Promise<number[]> {
  const sent = new Map<string, number>();
  const running = new Map<string, number>();
  const ac = new AbortController();
  const list = await client.list(`/api/v1/namespaces/${ns}/pods`);
  let allRunning: () => void = () => {};
  const done = new Promise<void>((r) => (allRunning = r));
  const watching = (async () => {
    try {
      for await (const ev of client.watch(`/api/v1/namespaces/${ns}/pods`, { resourceVersion: list.metadata.resourceVersion ?? '' }, ac.signal)) {
        if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') continue;
        const name = ev.object.metadata.name ?? '';
        const st = (ev.object['status'] ?? {}) as { phase?: string; conditions?: { type: string; status: string }[] };
        if (!running.has(name) && st.phase === 'Running' && (st.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')) {
          running.set(name, performance.now());
          if (running.size >= pods) allRunning();
        }
      }
    } catch {
      // aborted
    }
  })();
  await Promise.all(
    Array.from({ length: pods }, async (_, i) => {
      const name = `p${round}-${i}`;
      sent.set(name, performance.now());
      await client.create(`/api/v1/namespaces/${ns}/pods`, podManifest(ns, name));
    }),
  );
  await Promise.race([done, sleep(180_000)]);
  ac.abort();
  await watching;
  if (running.size < pods) throw new Error(`only ${running.size}/${pods} pods Running after 180 s`);
  return [...running].map(([name, at]) => at - (sent.get(name) ?? at));
}

/** The floor: N sandboxes with one container each, straight through CRI. */
async function criRound(round: number): Promise<{ latencies: number[]; sandboxes: string[] }> {
  const sandboxes: string[] = [];
  const latencies = await Promise.all(
    Array.from({ length: pods }, async (_, i) => {
      const t0 = performance.now();
      const config = { metadata: { name: `cri${round}-${i}`, uid: `bench-${round}-${i}-${Date.now()}`, namespace: 'bench-cri', attempt: 0 }, hostname: `cri${round}-${i}`, log_directory: join(dataDir, 'bench-cri-logs', `${round}-${i}`), labels: {}, annotations: {} };
      const sb = await cri.runPodSandbox(config);
      sandboxes.push(sb);
      const c = await cri.createContainer(sb, { metadata: { name: 'c', attempt: 0 }, image: { image: busyboxImage }, command: ['sleep', '3600'], log_path: 'c/0.log' }, config);
      await cri.startContainer(c);
      return performance.now() - t0;
    }),
  );
  return { latencies, sandboxes };
}

async function removeSandboxes(ids: string[]): Promise<void> {
  await Promise.all(ids.map(async (id) => {
    await cri.stopPodSandbox(id).catch(() => undefined);
    await cri.removePodSandbox(id).catch(() => undefined);
  }));
}

function timeCommand(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return performance.now() - t0;
}

try {
  await waitFor('the node to be Ready', async () => {
    const list = await client.list('/api/v1/nodes');
    return list.items.some((n) => ((n['status'] as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'));
  });
  const archive = writeBusyboxArchive(dataDir);
  const imp = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cmd/a-kube.ts'), 'image', 'import', '--data-dir', dataDir, archive], { encoding: 'utf8', cwd: root });
  if (imp.status !== 0) throw new Error(imp.stderr);
  const ns = 'bench';
  await client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await waitFor('the default service account', async () => !!(await client.get(`/api/v1/namespaces/${ns}/serviceaccounts/default`)));
  const rssIdle = memoryBytes(child.pid, 'VmRSS');

  const api: number[] = [];
  const floor: number[] = [];
  let rssWithPods = 0;
  for (let r = 0; r < rounds; r++) {
    if (r > 0) {
      await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods`, query: { gracePeriodSeconds: '1' } }).catch(() => undefined);
      await waitFor('the pods to be gone', async () => (await client.list(`/api/v1/namespaces/${ns}/pods`)).items.length === 0);
    }
    process.stderr.write(`round ${r + 1}/${rounds}: ${pods} sandboxes through CRI, then ${pods} pods through the API\n`);
    const c = await criRound(r);
    floor.push(...c.latencies);
    await removeSandboxes(c.sandboxes);
    api.push(...(await apiRound(ns, r)));
    await sleep(2000);
    rssWithPods = Math.max(rssWithPods, memoryBytes(child.pid, 'VmRSS'));
  }

  // exec round trip, with one of the API pods still running.
  const target = (await client.list(`/api/v1/namespaces/${ns}/pods`)).items[0];
  const name = target?.metadata.name ?? '';
  const containerId = String(((target?.['status'] as { containerStatuses?: { containerID?: string }[] })?.containerStatuses?.[0]?.containerID ?? '')).replace(/^containerd:\/\//, '');
  const viaApi: number[] = [];
  const viaCri: number[] = [];
  const kubectlAlone: number[] = [];
  for (let i = 0; i < 10; i++) {
    viaApi.push(timeCommand('kubectl', ['--kubeconfig', kubeconfig, 'exec', '-n', ns, name, '--', 'true']));
    kubectlAlone.push(timeCommand('kubectl', ['version', '--client']));
    const t0 = performance.now();
    const r = await cri.execSync(containerId, ['true'], 10);
    if (r.exit_code !== 0) throw new Error('ExecSync true failed');
    viaCri.push(performance.now() - t0);
  }

  const a = summarizeLatencies(api);
  const f = summarizeLatencies(floor);
  process.stdout.write(`\nnode: ${pods} pods at once × ${rounds} rounds on containerd, image present (busybox, sleep)\n\n`);
  process.stdout.write(
    formatTable(
      ['figure', 'value', 'against'],
      [
        ['create → Running p50 (API)', `${fmt(a.p50Ms)} ms`, `${fmtRatio(a.p50Ms / f.p50Ms)} of the CRI floor`],
        ['create → Running p99 (API)', `${fmt(a.p99Ms)} ms`, `${fmtRatio(a.p99Ms / 5000)} of the 5 s SLO; ${fmtRatio(a.p99Ms / f.p99Ms)} of the CRI floor`],
        ['CRI RunPodSandbox+Create+Start p50', `${fmt(f.p50Ms)} ms`, 'floor'],
        ['CRI RunPodSandbox+Create+Start p99', `${fmt(f.p99Ms)} ms`, 'floor'],
        ['kubectl exec -- true, median', `${fmt(median(viaApi))} ms`, `${fmtRatio(median(viaApi) / median(viaCri))} of ExecSync`],
        ['kubectl version --client, median', `${fmt(median(kubectlAlone))} ms`, 'process start-up inside the figure above'],
        ['CRI ExecSync true, median', `${fmt(median(viaCri))} ms`, 'floor'],
        ['a-kube RSS, no pods', fmtBytes(rssIdle), ''],
        [`a-kube RSS, ${pods} pods`, fmtBytes(rssWithPods), `${fmtBytes((rssWithPods - rssIdle) / pods)} per pod`],
      ],
    ) + '\n',
  );
} finally {
  await client.request({ method: 'DELETE', path: '/api/v1/namespaces/bench/pods', query: { gracePeriodSeconds: '1' } }).catch(() => undefined);
  await waitFor('bench pods gone', async () => (await cri.listPodSandbox()).length === 0, 60_000).catch(() => undefined);
  for (const sb of await cri.listPodSandbox().catch(() => [])) await removeSandboxes([sb.id]);
  cri.close();
  client.close();
  await child.stop(60_000);
  rmSync(dataDir, { recursive: true, force: true });
}

// `npm run bench -- exec [--runs 40]`: one `true` run in a container, end to end, four ways (root, containerd, runc
// and busybox-static needed; the containerd is the benchmark's own, in a temp dir):
//   - through the API server: a-kubectl's WebSocket v5.channel.k8s.io client → API server (relay) → node agent
//     (v5 bridged to SPDY) → containerd's streaming server;
//   - straight to the node agent with the API server's kubelet-client certificate (the API server hop removed);
//   - straight to containerd: CRI Exec for a URL, then a SPDY session on it (the streaming floor);
//   - CRI ExecSync (the baseline: one gRPC call, no streaming).
// Each figure is the median of --runs sequential sessions, taken in alternating rounds in the same run; the ratios
// are against ExecSync. Clients, API server and node agent share this process (no process start in the figures).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster } from '../src/cluster/control-plane.js';
import { componentCertificate, kubeletServingCertificate } from '../src/pki/index.js';
import { createRestClient } from '../src/client/rest.js';
import { createNodeAuth, criBackend, startNodeServer } from '../src/kubelet/server/index.js';
import { upgradeToSpdy } from '../src/kubelet/server/channel-v5.js';
import { SpdyClientSession } from '../src/streaming/spdy.js';
import { runRemoteCommand } from '../src/cli/streaming/remote-command.js';
import type { ClientConfig } from '../src/client/config-types.js';
import { containerdMissing, startContainerd, busyboxImage } from '../test/support/containerd.js';
import { median } from './lib/stats.js';
import { fmt, fmtRatio, formatTable } from './lib/table.js';

const { values } = parseArgs({ options: { runs: { type: 'string' } }, strict: true });
const runs = Number(values.runs ?? '40');
const missing = containerdMissing();
if (missing) {
  process.stderr.write(`bench exec: ${missing}\n`);
  process.exit(2);
}

const fixture = await startContainerd();
const dataDir = mkdtempSync(join(tmpdir(), 'a-kube-bench-exec-'));
const cluster = await startCluster({ dataDir, port: 0, listen: '127.0.0.1', storage: 'memory', anonymousAuth: false, runtime: 'none' });
const nodeName = 'bench-node';
try {
  const pki = cluster.pki;
  const nodeCert = await componentCertificate(pki, `node-${nodeName}`, `system:node:${nodeName}`, ['system:nodes']);
  const nodeClient = createRestClient({ server: cluster.url, caData: Buffer.from(pki.ca.cert), certData: Buffer.from(nodeCert.cert), keyData: Buffer.from(nodeCert.key) });
  const serving = await kubeletServingCertificate(pki, nodeName, ['127.0.0.1']);
  const server = await startNodeServer({ nodeName, tls: { ...serving, clientCA: pki.ca.cert }, auth: createNodeAuth({ nodeName, client: nodeClient }), backend: criBackend(fixture.cri), host: '127.0.0.1', port: 0 });
  const node = await cluster.adminClient.create<Record<string, unknown>>('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName } });
  await cluster.adminClient.update(`/api/v1/nodes/${nodeName}/status`, { ...node, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: server.port } } } });
  const pod = await cluster.adminClient.create<{ metadata: { uid: string } }>('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' }, spec: { nodeName, containers: [{ name: 'main', image: busyboxImage }] } });
  const { containerId } = await fixture.runPod({ namespace: 'default', name: 'b', uid: pod.metadata.uid, container: 'main', command: ['sleep', '3600'] });

  const adminConfig: ClientConfig = { server: cluster.url, caData: Buffer.from(pki.ca.cert), certData: Buffer.from(pki.admin.cert), keyData: Buffer.from(pki.admin.key) };
  const nodeConfig: ClientConfig = { server: `https://127.0.0.1:${server.port}`, caData: Buffer.from(pki.ca.cert), certData: Buffer.from(pki.kubeletClient.cert), keyData: Buffer.from(pki.kubeletClient.key) };
  const silent = { write: () => true };
  const session = (config: ClientConfig, path: string, query: URLSearchParams) => runRemoteCommand({ config, path, query, stdout: silent, stderr: silent, signal: new AbortController().signal });

  const ways: [string, () => Promise<unknown>][] = [
    ['a-kubectl client → API server → node agent → containerd', () => session(adminConfig, '/api/v1/namespaces/default/pods/b/exec', new URLSearchParams([['command', 'true'], ['container', 'main'], ['stdout', 'true'], ['stderr', 'true']]))],
    ['same client → node agent → containerd', () => session(nodeConfig, '/exec/default/b/main', new URLSearchParams([['command', 'true'], ['output', '1'], ['error', '1']]))],
    ['CRI Exec + SPDY → containerd', async () => {
      const { url } = await fixture.cri.exec({ container_id: containerId, cmd: ['true'], stdout: true, stderr: true });
      const up = await upgradeToSpdy(url);
      if ('refused' in up) throw new Error(up.refused.toString());
      const s = new SpdyClientSession(up.socket, up.rest);
      up.socket.resume();
      await new Promise<void>((resolve) => {
        s.onClose = resolve;
        for (const t of ['error', 'stdout', 'stderr']) s.openStream({ streamtype: t });
      });
    }],
    ['CRI ExecSync (baseline)', () => fixture.cri.execSync(containerId, ['true'], 10)],
  ];
  const samples = new Map<string, number[]>(ways.map(([n]) => [n, []]));
  for (const [, fn] of ways) await fn(); // warm-up: connections, certificate checks, access-review cache
  const rounds = 4;
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of r % 2 === 0 ? ways : [...ways].reverse()) {
      for (let i = 0; i < Math.ceil(runs / rounds); i++) {
        const t = performance.now();
        await fn();
        samples.get(name)?.push(performance.now() - t);
      }
    }
  }
  const base = median(samples.get('CRI ExecSync (baseline)') ?? []);
  process.stdout.write(`\nexec of \`true\`, ${Math.ceil(runs / rounds) * rounds} sessions each, sequential (containerd ${(await fixture.cri.version()).runtime_version})\n`);
  process.stdout.write(formatTable(['path', 'median', 'vs ExecSync'], [...samples].map(([n, s]) => [n, `${fmt(median(s))} ms`, fmtRatio(median(s) / base)])));
  process.stdout.write('\n');
  await server.close();
  nodeClient.close();
} finally {
  await cluster.close();
  await fixture.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

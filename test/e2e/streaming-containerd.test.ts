// exec, attach, logs and port-forward end to end on real containers: kubectl (1.32 and 1.27), a-kubectl,
// @kubernetes/client-node and python3-kubernetes → API server → node agent server → containerd's streaming server.
// The cluster runs in this process without a node of its own; the test's containerd runs the pods (host network)
// and a node agent server on it answers for a Node object that names it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { startCluster as startInProcess, type RunningCluster } from '../../src/cluster/control-plane.js';
import { componentCertificate, kubeletServingCertificate } from '../../src/pki/index.js';
import { createRestClient, type RestClient } from '../../src/client/rest.js';
import { createNodeAuth, criBackend, startNodeServer, type RunningNodeServer } from '../../src/kubelet/server/index.js';
import { loadKubeconfig, resolveConfig } from '../../src/client/kubeconfig.js';
import { runRemoteCommand } from '../../src/cli/streaming/remote-command.js';
import { containerdMissing, startContainerd, busyboxImage, type ContainerdFixture } from '../support/containerd.js';
import { entry, kubectlBinary, repoRoot } from './harness.js';

const missing = containerdMissing() ?? (spawnSync('sh', ['-c', 'command -v kubectl']).status === 0 ? undefined : 'kubectl is not on the PATH');
const opts = { skip: missing ?? false, timeout: 120_000 };
const nodeName = 'ctd-node';

let fixture: ContainerdFixture | undefined;
let cluster: RunningCluster | undefined;
let server: RunningNodeServer | undefined;
let nodeClient: RestClient | undefined;
let dataDir = '';

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a client in a child process (asynchronously: the API server answering it runs in this process). */
function run(cmd: string, args: string[], input = '', timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, HOME: dataDir, KUBECONFIG: cluster?.kubeconfigPath ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ status: code ?? (signal ? -1 : 0), stdout, stderr });
    });
    child.stdin.end(input);
  });
}
const kubectl = (args: string[], input = '', binary = 'kubectl', timeoutMs?: number) => run(binary, args, input, timeoutMs);
const akubectl = (args: string[], input = '', timeoutMs?: number) => run(process.execPath, [...entry('a-kubectl'), ...args], input, timeoutMs);

async function createPod(name: string, command: string[], o: { stdin?: boolean; tty?: boolean } = {}): Promise<void> {
  const client = cluster!.adminClient;
  const pod = await client.create<{ metadata: { uid: string } }>('/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { nodeName, containers: [{ name: 'main', image: busyboxImage, command, ...(o.stdin ? { stdin: true } : {}), ...(o.tty ? { tty: true } : {}) }] },
  });
  await fixture!.runPod({ namespace: 'default', name, uid: pod.metadata.uid, container: 'main', command, ...o });
  // No node agent syncs these pods: report them running as one would (kubectl port-forward checks the phase).
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await client.update(`/api/v1/namespaces/default/pods/${name}/status`, {
    ...pod,
    status: { phase: 'Running', startTime: now, containerStatuses: [{ name: 'main', ready: true, restartCount: 0, image: busyboxImage, imageID: '', started: true, state: { running: { startedAt: now } } }] },
  });
}

before(async () => {
  if (missing) return;
  fixture = await startContainerd();
  dataDir = mkdtempSync(join(tmpdir(), 'akube-stream-'));
  cluster = await startInProcess({ dataDir, port: 0, listen: '127.0.0.1', storage: 'memory', anonymousAuth: false, runtime: 'none' });
  const pki = cluster.pki;
  const cert = await componentCertificate(pki, `node-${nodeName}`, `system:node:${nodeName}`, ['system:nodes']);
  nodeClient = createRestClient({ server: cluster.url, caData: Buffer.from(pki.ca.cert), certData: Buffer.from(cert.cert), keyData: Buffer.from(cert.key) });
  const serving = await kubeletServingCertificate(pki, nodeName, ['127.0.0.1']);
  server = await startNodeServer({ nodeName, tls: { ...serving, clientCA: pki.ca.cert }, auth: createNodeAuth({ nodeName, client: nodeClient }), backend: criBackend(fixture.cri), host: '127.0.0.1', port: 0 });
  const node = await cluster.adminClient.create<Record<string, unknown>>('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName } });
  await cluster.adminClient.update(`/api/v1/nodes/${nodeName}/status`, {
    ...node,
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: nodeName }], daemonEndpoints: { kubeletEndpoint: { Port: server.port } } },
  });
  await createPod('box', ['/bin/sh', '-c', 'echo started; i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done']);
});

after(async () => {
  await server?.close();
  nodeClient?.close();
  await cluster?.close();
  await fixture?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const script = 'echo out; echo err >&2; exit 3';

test('kubectl 1.32 exec: output, stderr and the exit code', opts, async () => {
  const r = await kubectl(['exec', 'box', '--', 'sh', '-c', script]);
  assert.equal(r.stdout, 'out\n');
  assert.match(r.stderr, /^err\ncommand terminated with exit code 3\n$/);
  assert.equal(r.status, 3);
  assert.equal((await kubectl(['exec', 'box', '--', 'true'])).status, 0);
});

test('kubectl 1.27 exec (SPDY/3.1 relayed to containerd)', { ...opts, skip: opts.skip || (kubectlBinary('1.27') ? false : 'kubectl.1.27 is missing') }, async () => {
  const k127 = kubectlBinary('1.27') ?? '';
  const r = await kubectl(['exec', 'box', '--', 'sh', '-c', script], '', k127);
  assert.equal(r.stdout, 'out\n');
  assert.match(r.stderr, /^err\ncommand terminated with exit code 3\n$/);
  assert.equal(r.status, 3);
  const piped = await kubectl(['exec', '-i', 'box', '--', 'cat'], 'through stdin\n', k127);
  assert.equal(piped.stdout, 'through stdin\n');
  assert.equal(piped.status, 0);
});

test('a-kubectl exec, with and without --, and a shell reading stdin', opts, async () => {
  const r = await akubectl(['exec', 'box', '--', 'sh', '-c', script]);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\ncommand terminated with exit code 3\n');
  assert.equal(r.status, 3);
  const legacy = await akubectl(['exec', 'box', 'echo', 'seed', 'form']);
  assert.equal(legacy.stdout, 'seed form\n');
  assert.equal(legacy.status, 0);
  // the seed's `exec -it POD bash`, here without a terminal: a shell fed from stdin
  const shell = await akubectl(['exec', '-it', 'box', '--namespace=default', 'sh'], 'echo inside; ls /bin/busybox; exit 4\n');
  assert.equal(shell.stdout, 'inside\n/bin/busybox\n');
  assert.match(shell.stderr, /Unable to use a TTY - input is not a terminal or the right kind of file\n/);
  assert.equal(shell.status, 4);
});

test('a-kubectl exec with a terminal: raw TTY, the size it sends, resize', opts, async () => {
  const loaded = resolveConfig(await loadKubeconfig({ explicitPath: cluster!.kubeconfigPath }), {});
  let out = '';
  const stdin = new PassThrough();
  let size = { width: 100, height: 30 };
  let resized: () => void = () => {};
  const query = new URLSearchParams([['command', 'sh'], ['container', 'main'], ['stdin', 'true'], ['stdout', 'true'], ['tty', 'true']]);
  const session = runRemoteCommand({
    config: loaded.client,
    path: '/api/v1/namespaces/default/pods/box/exec',
    query,
    stdin,
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: () => true },
    size: () => size,
    onResize: (l) => {
      resized = l;
      return () => {};
    },
    signal: new AbortController().signal,
  });
  const waitFor = async (re: RegExp) => {
    for (let i = 0; i < 100 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, re);
  };
  stdin.write('stty size\n');
  await waitFor(/30 100/);
  size = { width: 120, height: 40 };
  resized();
  await new Promise((r) => setTimeout(r, 200));
  stdin.write('stty size; exit 5\n');
  await waitFor(/40 120/);
  assert.equal(await session, 5);
});

test('logs: all, --tail, --timestamps, -f; kubectl and a-kubectl', opts, async () => {
  await new Promise((r) => setTimeout(r, 1500));
  const all = await kubectl(['logs', 'box']);
  assert.equal(all.status, 0, all.stderr);
  assert.match(all.stdout, /^started\ntick 1\n/);
  assert.match((await akubectl(['logs', 'box', '--tail=1'])).stdout, /^tick \d+\n$/);
  assert.match((await kubectl(['logs', 'box', '--tail=1', '--timestamps'])).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z tick \d+\n$/);
  const follow = await kubectl(['logs', '-f', 'box', '--tail=0'], '', 'kubectl', 2500);
  assert.match(follow.stdout, /^tick \d+\n/, 'lines written after the request arrive while following');
  assert.match((await kubectl(['logs', 'box', '--previous'])).stderr, /previous terminated container "main" in pod "box" not found/);
  assert.match((await kubectl(['logs', 'box', '--since=1h'])).stdout, /^started\ntick 1\n/);
  assert.equal((await kubectl(['logs', 'box', '--limit-bytes=10'])).stdout, 'started\nti');
  assert.match((await akubectl(['logs', 'box', '--all-containers', '--prefix', '--tail=1'])).stdout, /^\[pod\/box\/main\] tick \d+\n$/);
});

test('@kubernetes/client-node Exec (WebSocket v4.channel.k8s.io)', opts, async () => {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster!.kubeconfigPath);
  let out = '';
  let err = '';
  const collect = (f: (s: string) => void) => new Writable({ write(chunk: Buffer, _e, cb) { f(chunk.toString()); cb(); } });
  const status = await new Promise<k8s.V1Status>((resolve, reject) => {
    new k8s.Exec(kc).exec('default', 'box', 'main', ['sh', '-c', script], collect((s) => (out += s)), collect((s) => (err += s)), null, false, resolve).catch(reject);
  });
  assert.equal(out, 'out\n');
  assert.equal(err, 'err\n');
  assert.equal(status.status, 'Failure');
  assert.equal(status.reason, 'NonZeroExitCode');
  assert.deepEqual(status.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
});

test('python3-kubernetes stream(connect_get_namespaced_pod_exec)', { ...opts, skip: opts.skip || (spawnSync('/usr/bin/python3', ['-c', 'import kubernetes']).status === 0 ? false : 'python3-kubernetes is not installed') }, async () => {
  const py = [
    'import sys',
    'from kubernetes import client, config',
    'from kubernetes.stream import stream',
    `config.load_kube_config(config_file=${JSON.stringify(cluster!.kubeconfigPath)})`,
    'api = client.CoreV1Api()',
    "out = stream(api.connect_get_namespaced_pod_exec, 'box', 'default', command=['sh', '-c', 'echo from python; echo e >&2'], stderr=True, stdin=False, stdout=True, tty=False)",
    'sys.stdout.write(out)',
  ].join('\n');
  const r = await run('/usr/bin/python3', ['-c', py]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /from python/);
});

/** Runs `kubectl port-forward` until the callback is done with the local port. */
async function withPortForward(binary: string, target: string, remotePort: number, use: (localPort: number, output: () => string) => Promise<void>, o: { args?: string[]; env?: Record<string, string> } = {}): Promise<void> {
  const child = spawn(binary, ['port-forward', target, `:${remotePort}`, ...(o.args ?? [])], { env: { ...process.env, HOME: dataDir, KUBECONFIG: cluster!.kubeconfigPath, ...o.env } });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  try {
    let local = 0;
    for (let i = 0; i < 200 && !local; i++) {
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) local = Number(m[1]);
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(local, `port-forward did not start:\n${out}`);
    await use(local, () => out);
  } finally {
    child.kill('SIGINT');
  }
}

test('port-forward with kubectl 1.32 and 1.27 to a server in the pod', opts, async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  await createPod('web', ['/bin/sh', '-c', `mkdir -p /www && echo hello through port-forward > /www/index.html && exec httpd -f -p 127.0.0.1:${port} -h /www`]);
  await new Promise((r) => setTimeout(r, 500));
  for (const binary of ['kubectl', kubectlBinary('1.27')].filter((b): b is string => !!b)) {
    await withPortForward(binary, 'pod/web', port, async (local) => {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`http://127.0.0.1:${local}/`);
        assert.equal(await res.text(), 'hello through port-forward\n', binary);
      }
    });
  }
});

test('port-forward through the WebSocket tunnel (SPDY/3.1+portforward.k8s.io) with kubectl 1.32 and 1.33; KUBECTL_PORT_FORWARD_WEBSOCKETS=false still works', opts, async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const big = 'x'.repeat(300_000);
  await createPod('web-ws', ['/bin/sh', '-c', `mkdir -p /www && echo hello through the tunnel > /www/index.html && head -c ${big.length} /dev/zero | tr '\\0' x > /www/big && exec httpd -f -p 127.0.0.1:${port} -h /www`]);
  await new Promise((r) => setTimeout(r, 500));
  // At -v=7 client-go's tunnelling connection logs its reads and writes: proof the WebSocket path carried the data.
  const tunnelled = /tunneling connection (read|write)/i;
  for (const binary of ['kubectl', kubectlBinary('1.33')].filter((b): b is string => !!b)) {
    await withPortForward(binary, 'pod/web-ws', port, async (local, output) => {
      const [a, b] = await Promise.all([fetch(`http://127.0.0.1:${local}/`), fetch(`http://127.0.0.1:${local}/big`)]).catch((e: unknown) => {
        throw new Error(`${binary}: ${String(e)} ${String((e as { cause?: unknown }).cause ?? '')}\n${output()}`);
      });
      assert.equal(await a.text(), 'hello through the tunnel\n', binary);
      assert.equal(await b.text(), big, `${binary}: a 300 kB answer arrives whole`);
      assert.match(output(), tunnelled, `${binary} used the WebSocket tunnel`);
      assert.doesNotMatch(output(), /fallback to secondary dialer/, binary);
    }, { args: ['-v=7'], env: { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'true' } });
  }
  await withPortForward('kubectl', 'pod/web-ws', port, async (local, output) => {
    const res = await fetch(`http://127.0.0.1:${local}/`);
    assert.equal(await res.text(), 'hello through the tunnel\n');
    assert.doesNotMatch(output(), tunnelled, 'SPDY straight away when WebSockets are turned off');
  }, { args: ['-v=7'], env: { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' } });
});

test('attach to a container reading its terminal (kubectl)', opts, async () => {
  await createPod('talker', ['/bin/sh', '-c', 'while read line; do echo "heard: $line"; done'], { stdin: true });
  const r = await kubectl(['attach', '-i', 'talker'], 'hello\n', 'kubectl', 5000);
  assert.match(r.stdout, /heard: hello/);
});

test('stdin reaches its end: kubectl 1.32 and a-kubectl (v5 close signal → SPDY FIN)', opts, async () => {
  const k = await kubectl(['exec', '-i', 'box', '--', 'sh', '-c', 'cat; echo done'], 'line one\nline two\n', 'kubectl', 20_000);
  assert.equal(k.stdout, 'line one\nline two\ndone\n');
  assert.equal(k.status, 0);
  const a = await akubectl(['exec', '-i', 'box', '--', 'wc', '-c'], 'x'.repeat(200_000), 20_000);
  assert.equal(a.stdout.trim(), '200000');
  assert.equal(a.status, 0);
});

test('large output arrives whole, to its last byte (kubectl 1.32 and a-kubectl, three times each)', opts, async () => {
  const cmd = ['exec', 'box', '--', 'sh', '-c', 'head -c 3000000 /dev/zero | tr "\\0" a'];
  for (let i = 0; i < 3; i++) {
    for (const r of [await kubectl(cmd), await akubectl(cmd)]) {
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.length, 3_000_000);
    }
  }
});

test('cp both ways: kubectl 1.32, kubectl 1.27 and a-kubectl (tar over exec)', opts, async () => {
  const local = mkdtempSync(join(tmpdir(), 'akube-cp-'));
  try {
    mkdirSync(join(local, 'tree/sub'), { recursive: true });
    writeFileSync(join(local, 'tree/sub/file.txt'), 'nested\n');
    writeFileSync(join(local, 'one.txt'), 'single file\n');
    const k127 = kubectlBinary('1.27');
    const clients: [string, (args: string[]) => Promise<Run>][] = [
      ['kubectl', (a) => kubectl(a)],
      ['a-kubectl', (a) => akubectl(a)],
      ...(k127 ? ([['kubectl-1.27', (a: string[]) => kubectl(a, '', k127)]] as [string, (args: string[]) => Promise<Run>][]) : []),
    ];
    for (const [name, cli] of clients) {
      const up = await cli(['cp', join(local, 'one.txt'), `box:/tmp/${name}-one.txt`]);
      assert.equal(up.status, 0, `${name}: ${up.stderr}`);
      assert.equal((await kubectl(['exec', 'box', '--', 'cat', `/tmp/${name}-one.txt`])).stdout, 'single file\n', name);
      assert.equal((await cli(['cp', join(local, 'tree'), `default/box:/tmp/${name}-tree`])).status, 0, name);
      assert.equal((await kubectl(['exec', 'box', '--', 'cat', `/tmp/${name}-tree/sub/file.txt`])).stdout, 'nested\n', name);
      const down = await cli(['cp', `box:/tmp/${name}-tree`, join(local, `${name}-back`)]);
      assert.equal(down.status, 0, `${name}: ${down.stderr}`);
      assert.equal(readFileSync(join(local, `${name}-back/sub/file.txt`), 'utf8'), 'nested\n', name);
    }
  } finally {
    rmSync(local, { recursive: true, force: true });
  }
});

test('a-kubectl port-forward and attach', opts, async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  await createPod('web2', ['/bin/sh', '-c', `mkdir -p /www && echo from a-kubectl > /www/index.html && exec httpd -f -p 127.0.0.1:${port} -h /www`]);
  await new Promise((r) => setTimeout(r, 500));
  const child = spawn(process.execPath, [...entry('a-kubectl'), 'port-forward', 'pod/web2', `:${port}`], { cwd: repoRoot, env: { ...process.env, HOME: dataDir, KUBECONFIG: cluster!.kubeconfigPath } });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  try {
    let local = 0;
    for (let i = 0; i < 300 && !local; i++) {
      const m = /Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/.exec(out);
      if (m) local = Number(m[1]);
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(local, out);
    for (let i = 0; i < 3; i++) assert.equal(await (await fetch(`http://127.0.0.1:${local}/`)).text(), 'from a-kubectl\n');
    assert.match(out, new RegExp(`Handling connection for ${local}`));
  } finally {
    child.kill('SIGINT');
  }
  await createPod('listener', ['/bin/sh', '-c', 'while read line; do echo "got: $line"; done; echo bye'], { stdin: true });
  const r = await akubectl(['attach', '-i', 'listener'], 'first\nsecond\n', 20_000);
  assert.match(r.stdout, /got: first\ngot: second\n/);
  assert.match(r.stderr, /If you don't see a command prompt, try pressing enter\./);
});

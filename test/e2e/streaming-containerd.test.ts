// The streaming matrix on `a-kube up`'s own node (containerd, the pod network), one cluster for the file: exec
// (exit codes, stdin to its end, a terminal with resize, `exec -it`/`run -it` on a pseudo-terminal, output of
// megabytes), attach and `run -i --rm`, logs and their flags,
// port-forward over SPDY and through the WebSocket tunnel, cp both ways — with kubectl 1.27, 1.32 and 1.33,
// a-kubectl, @kubernetes/client-node and python3-kubernetes, each through the API server to the node agent's server
// and on to containerd's streaming server.
// Needs root, containerd, runc and the CNI plugins; run under flock /tmp/akube-realpods.lock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { loadKubeconfig, resolveConfig } from '../../src/client/kubeconfig.js';
import { runRemoteCommand } from '../../src/cli/streaming/remote-command.js';
import { buildBusyboxImage } from '../support/busybox-image.js';
import { akubectl as akubectlSync, entry, kubectlBinary, ok, repoRoot, startCluster, type Cluster, type RunResult } from './harness.js';
import { realPodsUnavailable, untilResolved } from './real-pods.js';

const skip = realPodsUnavailable() ?? false;
const opts = { skip, timeout: 120_000 };
/** Every busybox applet (tar, stty, tr, wc among them), imported through `a-kube image import`. */
const image = 'docker.io/library/akube-streaming:test';
const k127 = kubectlBinary('1.27');
const k133 = kubectlBinary('1.33');
const bigSize = 300_000;

let cluster: Cluster;
let work = '';

/** Runs a client in a child process without blocking this one (port-forward and fetch run beside it). */
function run(cmd: string, args: string[], input = '', timeoutMs = 60_000, env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, HOME: cluster.dataDir, KUBECONFIG: cluster.kubeconfig, ...env } });
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

function podJson(name: string): Record<string, any> | undefined {
  const r = akubectlSync(cluster, ['get', 'pod', name, '-o', 'json']);
  return r.status === 0 ? (JSON.parse(r.stdout) as Record<string, any>) : undefined;
}

function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  return untilResolved(what, probe, timeoutMs, () => `status: ${JSON.stringify(podJson('box')?.['status'])}\n${cluster.log().slice(-3000)}`);
}

/** The pod once the named container runs (restarted at least `restarts` times). */
function running(pod: string, container = 'main', restarts = 0): Promise<Record<string, any>> {
  return until(`${pod}/${container} running`, () => {
    const p = podJson(pod);
    const s = (p?.['status']?.['containerStatuses'] as Record<string, any>[] | undefined)?.find((c) => c['name'] === container);
    return p?.['status']?.['phase'] === 'Running' && s?.['state']?.['running'] && s['restartCount'] >= restarts ? p : undefined;
  });
}

const webRoot = `mkdir -p /cp /www && echo hello through port-forward > /www/index.html && head -c ${bigSize} /dev/zero | tr '\\0' x > /www/big && httpd -p 8080 -h /www`;
/** box: a web server on 8080 and a line a second on stdout. */
const box = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'box' },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'main', image, imagePullPolicy: 'Never', command: ['sh', '-c', `echo started; ${webRoot}; i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done`] }],
  },
};
/**
 * talker: `main` answers the lines on its stdin (for attach); `crash` fails its first run and sleeps in its second
 * (for `logs --previous`), the marker kept in an emptyDir across the restart.
 */
const talker = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'talker', annotations: { 'kubectl.kubernetes.io/default-container': 'main' } },
  spec: {
    terminationGracePeriodSeconds: 1,
    volumes: [{ name: 'data', emptyDir: {} }],
    containers: [
      { name: 'main', image, imagePullPolicy: 'Never', stdin: true, command: ['sh', '-c', 'while read line; do echo "heard: $line"; done; echo bye; exec sleep 3600'] },
      { name: 'crash', image, imagePullPolicy: 'Never', volumeMounts: [{ name: 'data', mountPath: '/data' }], command: ['sh', '-c', 'if [ -e /data/ran ]; then echo second run; exec sleep 3600; fi; touch /data/ran; echo first run; exit 1'] },
    ],
  },
};

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'akube-streaming-e2e-'));
  cluster = await startCluster({ timeoutMs: 180_000 });
  const archive = join(work, 'image.tar');
  buildBusyboxImage(archive, image, ['/bin/sh']);
  const imported = spawnSync(process.execPath, [...entry('a-kube'), 'image', 'import', archive, '--data-dir', cluster.dataDir], { encoding: 'utf8', cwd: repoRoot, timeout: 120_000 });
  assert.equal(imported.stdout, `imported ${image}\n`, imported.stderr);
  ok(akubectlSync(cluster, ['apply', '-f', '-'], { input: [box, talker].map((o) => JSON.stringify(o)).join('\n---\n') }), 'apply');
  await running('box');
  await running('talker');
});

after(async () => {
  if (work) rmSync(work, { recursive: true, force: true });
  if (skip || !cluster) return;
  await cluster.cleanup();
});

const script = 'echo out; echo err >&2; exit 3';

test('kubectl 1.32, 1.33 and 1.27 exec: output, stderr, the exit code; stdin piped in', opts, async () => {
  for (const binary of ['kubectl', k133, k127].filter((b): b is string => !!b)) {
    const r = await kubectl(['exec', 'box', '--', 'sh', '-c', script], '', binary);
    assert.equal(r.stdout, 'out\n', binary);
    assert.equal(r.stderr, 'err\ncommand terminated with exit code 3\n', binary);
    assert.equal(r.status, 3, binary);
    assert.equal((await kubectl(['exec', 'box', '--', 'true'], '', binary)).status, 0, binary);
    const piped = await kubectl(['exec', '-i', 'box', '--', 'cat'], 'through stdin\n', binary);
    assert.equal(piped.stdout, 'through stdin\n', `${binary}: ${piped.stderr}`);
    assert.equal(piped.status, 0, binary);
  }
  assert.ok(k127 && k133, 'kubectl.1.27 and kubectl.1.33 are beside kubectl');
});

test('exec failures as kubectl shows them: a killed process, a command the image lacks (kubectl 1.32, 1.27, a-kubectl)', opts, async () => {
  const clients: [string, (args: string[]) => Promise<RunResult>][] = [['kubectl', (a) => kubectl(a)], ...(k127 ? ([['kubectl 1.27', (a: string[]) => kubectl(a, '', k127)]] as [string, (args: string[]) => Promise<RunResult>][]) : []), ['a-kubectl', (a) => akubectl(a)]];
  for (const [name, cli] of clients) {
    const killed = await cli(['exec', 'box', '--', 'sh', '-c', 'kill -9 $$']);
    assert.deepEqual([killed.status, killed.stderr], [137, 'command terminated with exit code 137\n'], name);
    const missing = await cli(['exec', 'box', '--', 'no-such-command']);
    assert.equal(missing.status, 1, name);
    assert.match(missing.stderr, /^error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "no-such-command": executable file not found in \$PATH: unknown\n$/, name);
  }
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
  const loaded = resolveConfig(await loadKubeconfig({ explicitPath: cluster.kubeconfig }), {});
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
  const waitFor = (re: RegExp) => until(`${re} on the terminal (so far: ${JSON.stringify(out)})`, () => (re.test(out) ? true : undefined), 20_000);
  stdin.write('stty size; tty\n');
  await waitFor(/30 100/);
  assert.match(out, /\/dev\/pts\/\d+/);
  size = { width: 120, height: 40 };
  resized();
  await new Promise((r) => setTimeout(r, 300));
  stdin.write('stty size; exit 5\n');
  await waitFor(/40 120/);
  assert.equal(await session, 5);
});

/**
 * kubectl on a pseudo-terminal (util-linux `script`) of 33 rows and 77 columns, with `typed` typed at once: the
 * terminal holds it until kubectl reads.
 */
function onTerminal(binary: string, args: string[], typed: string): Promise<RunResult> {
  const line = `stty rows 33 cols 77; ${[binary, ...args].map((a) => `'${a}'`).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', line, '/dev/null'], { env: { ...process.env, HOME: cluster.dataDir, KUBECONFIG: cluster.kubeconfig, TERM: 'xterm' } });
    let stdout = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr: '' });
    });
    child.stdin.write(typed);
  });
}
const sizeAndTty = (exit: number) => `echo size-$(stty size | tr " " x); tty; exit ${exit}\n`;
const withScript = { ...opts, skip: opts.skip || (spawnSync('sh', ['-c', 'command -v script']).status === 0 ? false : 'script (util-linux) is not installed') };

test('kubectl 1.32 and 1.27 exec -it on a terminal: the size it sends, a terminal in the pod, the exit code', withScript, async () => {
  for (const binary of ['kubectl', k127].filter((b): b is string => !!b)) {
    const r = await onTerminal(binary, ['exec', '-it', 'box', '--', 'sh'], sizeAndTty(7));
    assert.match(r.stdout, /size-33x77/, `${binary}: ${r.stdout}`);
    assert.match(r.stdout, /\/dev\/pts\/\d+/, binary);
    assert.match(r.stdout, /command terminated with exit code 7/, binary);
    assert.equal(r.status, 7, binary);
  }
});

test('kubectl 1.32 and 1.27 run -it --rm on a terminal: attach with a terminal (CRI Attach, tty), its size, the pod deleted', withScript, async () => {
  for (const [binary, pod] of [['kubectl', 'tty'], ...(k127 ? [[k127, 'tty-127']] : [])] as [string, string][]) {
    const r = await onTerminal(binary, ['run', pod, `--image=${image}`, '--image-pull-policy=Never', '--restart=Never', '-it', '--rm', '--command', '--', 'sh'], sizeAndTty(0));
    // kubectl's attach sends the size plus one row and column first, then the size itself, to make the program
    // redraw; a command typed ahead may run between the two.
    assert.match(r.stdout, /size-(33x77|34x78)/, `${binary}: ${r.stdout}`);
    assert.match(r.stdout, /\/dev\/pts\/\d+/, binary);
    assert.match(r.stdout, new RegExp(`pod "${pod}" deleted`), `${binary}: ${r.stdout}`);
    assert.equal(r.status, 0, `${binary}: ${r.stdout}`);
  }
});

test('@kubernetes/client-node Exec (WebSocket v4.channel.k8s.io)', opts, async () => {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
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
    `config.load_kube_config(config_file=${JSON.stringify(cluster.kubeconfig)})`,
    "out = stream(client.CoreV1Api().connect_get_namespaced_pod_exec, 'box', 'default', command=['sh', '-c', 'echo from python; echo e >&2'], stderr=True, stdin=False, stdout=True, tty=False)",
    'sys.stdout.write(out)',
  ].join('\n');
  const r = await run('/usr/bin/python3', ['-c', py]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /from python/);
});

test('stdin reaches its end: kubectl 1.32, 1.27 and a-kubectl', opts, async () => {
  for (const binary of ['kubectl', k127].filter((b): b is string => !!b)) {
    const k = await kubectl(['exec', '-i', 'box', '--', 'sh', '-c', 'cat; echo done'], 'line one\nline two\n', binary, 20_000);
    assert.equal(k.stdout, 'line one\nline two\ndone\n', `${binary}: ${k.stderr}`);
    assert.equal(k.status, 0, binary);
  }
  const a = await akubectl(['exec', '-i', 'box', '--', 'wc', '-c'], 'x'.repeat(200_000), 20_000);
  assert.equal(a.stdout.trim(), '200000', a.stderr);
  assert.equal(a.status, 0);
});

test('large output arrives whole, to its last byte (kubectl 1.32, 1.27 and a-kubectl)', opts, async () => {
  const cmd = ['exec', 'box', '--', 'sh', '-c', 'head -c 3000000 /dev/zero | tr "\\0" a; echo; echo last'];
  for (let i = 0; i < 2; i++) {
    const runs: [string, RunResult][] = [['kubectl', await kubectl(cmd)], ['a-kubectl', await akubectl(cmd)], ...(k127 ? ([['kubectl 1.27', await kubectl(cmd, '', k127)]] as [string, RunResult][]) : [])];
    for (const [name, r] of runs) {
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      assert.equal(r.stdout.length, 3_000_000 + 6, name);
      assert.ok(r.stdout.endsWith('a\nlast\n'), name);
    }
  }
});

test('logs: all, --tail, --timestamps, -f, --since, --limit-bytes, --all-containers, -c, --previous; kubectl and a-kubectl', opts, async () => {
  const all = await kubectl(['logs', 'box']);
  assert.equal(all.status, 0, all.stderr);
  assert.match(all.stdout, /^started\ntick 1\n/);
  assert.match((await akubectl(['logs', 'box', '--tail=1'])).stdout, /^tick \d+\n$/);
  assert.match((await kubectl(['logs', 'box', '--tail=1', '--timestamps'])).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z tick \d+\n$/);
  const follow = await kubectl(['logs', '-f', 'box', '--tail=0'], '', 'kubectl', 2500);
  assert.match(follow.stdout, /^tick \d+\n/, 'lines written after the request arrive while following');
  const afollow = await akubectl(['logs', '-f', 'box', '--tail=1'], '', 3500);
  assert.match(afollow.stdout, /^tick (\d+)\ntick \d+\n/, 'a-kubectl follows too');
  assert.match((await kubectl(['logs', 'box', '--since=1h'])).stdout, /^started\ntick 1\n/);
  assert.equal((await kubectl(['logs', 'box', '--limit-bytes=10'])).stdout, 'started\nti');
  assert.match((await akubectl(['logs', 'box', '--all-containers', '--prefix', '--tail=1'])).stdout, /^\[pod\/box\/main\] tick \d+\n$/);
  for (const [name, cli] of [['kubectl', kubectl], ['a-kubectl', akubectl]] as const) {
    const unknown = await cli(['logs', 'box', '-c', 'nope']);
    assert.deepEqual([unknown.status, unknown.stderr], [1, 'error: container nope is not valid for pod box\n'], name);
  }
  const none = await kubectl(['logs', 'box', '--previous']);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /previous terminated container "main" in pod "box" not found/);

  await running('talker', 'crash', 1);
  for (const [name, cli] of [['kubectl', kubectl], ['a-kubectl', akubectl]] as const) {
    assert.equal((await cli(['logs', 'talker', '-c', 'crash'])).stdout, 'second run\n', name);
    const previous = await cli(['logs', 'talker', '-c', 'crash', '--previous']);
    assert.equal(previous.stdout, 'first run\n', `${name}: ${previous.stderr}`);
    assert.equal((await cli(['logs', 'talker', '--all-containers', '--prefix'])).stdout.split('\n').filter((l) => l.startsWith('[pod/talker/crash]')).join('\n'), '[pod/talker/crash] second run', name);
  }
});

/** Runs a port-forward (kubectl of any version, or a-kubectl) to box's 8080 until `use` is done with the local port. */
async function withPortForward(command: string[], use: (localPort: number, output: () => string) => Promise<void>, o: { args?: string[]; env?: Record<string, string> } = {}): Promise<void> {
  const [cmd = '', ...pre] = command;
  const child = spawn(cmd, [...pre, 'port-forward', 'pod/box', ':8080', ...(o.args ?? [])], { cwd: repoRoot, env: { ...process.env, HOME: cluster.dataDir, KUBECONFIG: cluster.kubeconfig, ...o.env } });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  try {
    const local = await until(`${command.join(' ')} port-forward (so far: ${out})`, () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 30_000);
    await use(Number(local), () => out);
  } finally {
    child.kill('SIGINT');
  }
}

test('port-forward over SPDY: kubectl 1.32 (WebSockets turned off), kubectl 1.27 and a-kubectl', opts, async () => {
  const clients: [string, string[], Record<string, string>][] = [
    ['kubectl', ['kubectl', '-v=7'], { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }],
    ...(k127 ? ([['kubectl 1.27', [k127], {}]] as [string, string[], Record<string, string>][]) : []),
    ['a-kubectl', [process.execPath, ...entry('a-kubectl')], {}],
  ];
  for (const [name, command, env] of clients) {
    await withPortForward(command, async (local, output) => {
      for (let i = 0; i < 2; i++) assert.equal(await (await fetch(`http://127.0.0.1:${local}/`)).text(), 'hello through port-forward\n', name);
      assert.equal((await (await fetch(`http://127.0.0.1:${local}/big`)).text()).length, bigSize, name);
      assert.doesNotMatch(output(), /tunneling connection (read|write)/i, `${name}: SPDY straight away`);
      if (name === 'a-kubectl') assert.match(output(), new RegExp(`Handling connection for ${local}`));
    }, { env });
  }
});

test('port-forward to a port nobody listens on: the error, then the session ends as a lost connection (kubectl 1.32, 1.33, 1.27, a-kubectl)', opts, async () => {
  const clients: [string, string[]][] = [['kubectl', ['kubectl']], ...(k133 ? ([['kubectl 1.33', [k133]]] as [string, string[]][]) : []), ...(k127 ? ([['kubectl 1.27', [k127]]] as [string, string[]][]) : []), ['a-kubectl', [process.execPath, ...entry('a-kubectl')]]];
  for (const [name, command] of clients) {
    const [cmd = '', ...pre] = command;
    const child = spawn(cmd, [...pre, 'port-forward', 'pod/box', ':81'], { cwd: repoRoot, env: { ...process.env, HOME: cluster.dataDir, KUBECONFIG: cluster.kubeconfig } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const local = await until(`${name} port-forward (so far: ${out}${err})`, () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 30_000);
      await assert.rejects(fetch(`http://127.0.0.1:${local}/`, { signal: AbortSignal.timeout(20_000) }), (e: unknown) => !(e instanceof Error && e.name === 'TimeoutError'), `${name}: the connection fails at once`);
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 20_000))]);
      assert.equal(code, 1, `${name}: ${out}${err}`);
      assert.match(err, /an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod [0-9a-f]{64}, uid : failed to execute portforward in network namespace .*connection refused/, name);
      assert.match(err, /\nerror: lost connection to pod\n$/, name);
    } finally {
      child.kill('SIGKILL');
    }
  }
});

test('port-forward through the WebSocket tunnel: kubectl 1.33 by default, 1.32 with KUBECTL_PORT_FORWARD_WEBSOCKETS=true', opts, async () => {
  // At -v=7 client-go's tunnelling connection logs its reads and writes: proof the WebSocket path carried the data.
  const tunnelled = /tunneling connection (read|write)/i;
  const clients: [string, Record<string, string>][] = [...(k133 ? ([[k133, {}]] as [string, Record<string, string>][]) : []), ['kubectl', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'true' }]];
  for (const [binary, env] of clients) {
    await withPortForward([binary], async (local, output) => {
      const [a, b] = await Promise.all([fetch(`http://127.0.0.1:${local}/`), fetch(`http://127.0.0.1:${local}/big`)]).catch((e: unknown) => {
        throw new Error(`${binary}: ${String(e)} ${String((e as { cause?: unknown }).cause ?? '')}\n${output()}`);
      });
      assert.equal(await a.text(), 'hello through port-forward\n', binary);
      assert.equal(await b.text(), 'x'.repeat(bigSize), `${binary}: a 300 kB answer arrives whole`);
      assert.match(output(), tunnelled, `${binary} used the WebSocket tunnel`);
      assert.doesNotMatch(output(), /fallback to secondary dialer/, binary);
    }, { args: ['-v=7'], env });
  }
  assert.ok(k133, 'kubectl.1.33 is beside kubectl');
});

/**
 * Attaches with `command` to talker, sends one line, waits for the container's answer, then ends stdin: the runtime
 * then ends the session (the container's stdin stays open, as it is not stdinOnce), and the client exits.
 */
function attachAndAnswer(command: string[], line: string): Promise<RunResult> {
  const [cmd = '', ...pre] = command;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, 'attach', '-i', 'talker'], { cwd: repoRoot, env: { ...process.env, HOME: cluster.dataDir, KUBECONFIG: cluster.kubeconfig } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes(`heard: ${line}\n`)) child.stdin.end();
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ status: code ?? (signal ? -1 : 0), stdout, stderr });
    });
    child.stdin.write(`${line}\n`);
  });
}

test('attach to a container reading its stdin: kubectl 1.32, 1.27 and a-kubectl', opts, async () => {
  const clients: [string, string[]][] = [['kubectl', ['kubectl']], ...(k127 ? ([['kubectl 1.27', [k127]]] as [string, string[]][]) : []), ['a-kubectl', [process.execPath, ...entry('a-kubectl')]]];
  for (const [name, command] of clients) {
    const line = `hello from ${name}`;
    const r = await attachAndAnswer(command, line);
    assert.match(r.stdout, new RegExp(`heard: ${line}\n`), `${name}: ${r.stderr}`);
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    assert.match(r.stderr, /If you don't see a command prompt, try pressing enter\./, name);
  }
});

test('kubectl run -i --rm: a pod with stdinOnce, attached as soon as it runs, its stdin ended, then deleted (kubectl 1.32 and 1.27)', opts, async () => {
  for (const [name, binary] of [['kubectl', 'kubectl'], ...(k127 ? [['kubectl 1.27', k127]] : [])] as [string, string][]) {
    const pod = name === 'kubectl' ? 'once' : 'once-127';
    const r = await kubectl(['run', pod, `--image=${image}`, '--image-pull-policy=Never', '--restart=Never', '-i', '--rm', '--command', '--', 'sh', '-c', 'while read x; do echo "got $x"; done; echo stdin ended'], 'one\ntwo\n', binary, 90_000);
    assert.equal(r.status, 0, `${name}: ${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /got one\ngot two\nstdin ended\n/, `${name}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`pod "${pod}" deleted`), name);
    const left = podJson(pod);
    assert.ok(!left || left['metadata']['deletionTimestamp'], `${name}: the pod is gone or going`);
  }
});

test('cp both ways: kubectl 1.32, kubectl 1.27 and a-kubectl (tar over exec)', opts, async () => {
  const local = join(work, 'cp');
  mkdirSync(join(local, 'tree/sub'), { recursive: true });
  writeFileSync(join(local, 'tree/sub/file.txt'), 'nested\n');
  writeFileSync(join(local, 'one.txt'), 'single file\n');
  const clients: [string, (args: string[]) => Promise<RunResult>][] = [
    ['kubectl', (a) => kubectl(a)],
    ['a-kubectl', (a) => akubectl(a)],
    ...(k127 ? ([['kubectl-1.27', (a: string[]) => kubectl(a, '', k127)]] as [string, (args: string[]) => Promise<RunResult>][]) : []),
  ];
  // /cp is inside the pod's own container filesystem
  for (const [name, cli] of clients) {
    const up = await cli(['cp', join(local, 'one.txt'), `box:/cp/${name}-one.txt`]);
    assert.equal(up.status, 0, `${name}: ${up.stderr}`);
    assert.equal((await kubectl(['exec', 'box', '--', 'cat', `/cp/${name}-one.txt`])).stdout, 'single file\n', name);
    assert.equal((await cli(['cp', join(local, 'tree'), `default/box:/cp/${name}-tree`])).status, 0, name);
    assert.equal((await kubectl(['exec', 'box', '--', 'cat', `/cp/${name}-tree/sub/file.txt`])).stdout, 'nested\n', name);
    const down = await cli(['cp', `box:/cp/${name}-tree`, join(local, `${name}-back`)]);
    assert.equal(down.status, 0, `${name}: ${down.stderr}`);
    assert.equal(readFileSync(join(local, `${name}-back/sub/file.txt`), 'utf8'), 'nested\n', name);
    const file = await cli(['cp', `box:/cp/${name}-one.txt`, join(local, `${name}-one.txt`)]);
    assert.equal(file.status, 0, `${name}: ${file.stderr}`);
    assert.equal(readFileSync(join(local, `${name}-one.txt`), 'utf8'), 'single file\n', name);
  }
});

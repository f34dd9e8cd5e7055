// `a-kube up --ha`: three etcd members, two API servers, two controller-managers and two schedulers as supervised
// children, a TCP balancer and a simulated node, driven by kubectl 1.32 and a-kubectl. Killing (SIGKILL) an API
// server leaves the cluster serving through the kubeconfig (kubectl through the balancer, a-kubectl along the
// a-kube.io/servers list, exec included), the supervisor starts the server again; so with an etcd member; and
// SIGTERM stops every process.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { etcdMissing, freePort } from '../support/etcd.js';
import { entry, hasKubectl, repoRoot } from './harness.js';

const missing = etcdMissing() ?? (hasKubectl ? undefined : 'kubectl is not on PATH');
const skip = missing && process.env['CI'] !== 'true' ? `skipped: ${missing}` : false;

const dataDir = mkdtempSync(join(tmpdir(), 'akube-e2e-haup-'));
const kubeconfig = join(dataDir, 'admin.kubeconfig');
let supervisor: ChildProcess | undefined;
let out = '';
let balancerUrl = '';
const servers: { url: string; pid: number }[] = [];
const childPids: number[] = [];
const etcdMembers: { endpoint: string; pid: number }[] = [];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], input = ''): Run {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, input, cwd: repoRoot, env: { ...process.env, HOME: dataDir } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}
const kubectl = (args: string[], config = kubeconfig) => run('kubectl', ['--kubeconfig', config, '--request-timeout=20s', ...args]);
const akubectl = (args: string[], config = kubeconfig) => run(process.execPath, [...entry('a-kubectl'), '--kubeconfig', config, ...args]);

function ok(r: Run, what: string): string {
  assert.equal(r.status, 0, `${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function eventually<T>(what: string, fn: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `; last: ${last}` : ''}\n${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

before(async () => {
  if (skip) return;
  const child = spawn(process.execPath, [...entry('a-kube'), 'up', '--ha', '--data-dir', dataDir, '--port', '0', '--api-servers', '2', '--console', 'false'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dataDir } });
  supervisor = child;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`a-kube up --ha not up after 300 s:\n${out}`)), 300_000);
    const onData = (d: Buffer) => {
      out = (out + d.toString()).slice(-50_000);
      if (/a-kubectl get leases/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`a-kube up --ha exited (${code}):\n${out}`));
    });
  });
  balancerUrl = /a-kube is up \(highly available\) at (\S+), a TCP balancer/.exec(out)?.[1] ?? '';
  for (const m of out.matchAll(/^ {2}API server (\S+) \(pid (\d+)\)$/gm)) servers.push({ url: m[1] as string, pid: Number(m[2]) });
  for (const m of out.matchAll(/^ {2}\S+ \d \(pid (\d+)\), leader-elected$/gm)) childPids.push(Number(m[1]));
  for (const m of out.matchAll(/^ {4}member (\S+) \(pid (\d+)\)$/gm)) etcdMembers.push({ endpoint: m[1] as string, pid: Number(m[2]) });
});

after(async () => {
  if (supervisor && supervisor.exitCode === null && supervisor.signalCode === null) {
    const exited = new Promise((r) => supervisor?.once('exit', r));
    supervisor.kill('SIGKILL');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

test('a-kube up --ha: the kubeconfig names the balancer and lists both API servers; controllers, scheduler and node work', { skip, timeout: 300_000 }, async () => {
  assert.match(balancerUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(servers.length, 2, out);
  assert.equal(childPids.length, 4, out);
  const cluster = (parse(readFileSync(kubeconfig, 'utf8')) as { clusters: { cluster: { server: string; extensions: { name: string; extension: { servers: string[] } }[] } }[] }).clusters[0]?.cluster;
  assert.equal(cluster?.server, balancerUrl);
  assert.deepEqual(cluster?.extensions.find((e) => e.name === 'a-kube.io/servers')?.extension.servers, servers.map((s) => s.url));
  await eventually('the simulated node Ready', () => (/\sReady\s/.test(ok(kubectl(['get', 'nodes']), 'get nodes')) ? true : undefined));
  // A Deployment needs the controller-manager leader, the scheduler leader and the node.
  ok(kubectl(['create', 'deployment', 'web', '--image', 'registry.k8s.io/pause:3.10', '--replicas', '2']), 'create deployment');
  await eventually('2 ready replicas', () => (kubectl(['get', 'deployment', 'web', '-o', 'jsonpath={.status.readyReplicas}']).stdout === '2' ? true : undefined));
  // Both servers are in the kubernetes Endpoints, and each leader holds its Lease.
  await eventually('both servers in the kubernetes Endpoints', () => (ok(kubectl(['get', 'endpoints', 'kubernetes', '-o', 'jsonpath={.subsets[*].ports[*].port}']), 'endpoints').split(' ').length === 2 ? true : undefined));
  for (const lease of ['kube-controller-manager', 'kube-scheduler']) assert.notEqual(ok(kubectl(['get', 'lease', lease, '-n', 'kube-system', '-o', 'jsonpath={.spec.holderIdentity}']), lease).trim(), '');
});

test('killing an API server: kubectl through the balancer and a-kubectl along the list keep working, exec included; the server comes back', { skip, timeout: 300_000 }, async () => {
  const victim = servers[0] as { url: string; pid: number };
  const survivor = servers[1] as { url: string; pid: number };
  process.kill(victim.pid, 'SIGKILL');
  // kubectl 1.32 knows one server: the balancer's; it passes each connection to a server that accepts it.
  for (let i = 0; i < 4; i++) ok(kubectl(['create', 'configmap', `after-kill-${i}`, '--from-literal', `i=${i}`]), `create configmap ${i}`);
  assert.equal(ok(kubectl(['get', 'configmaps', '-o', 'name']), 'list').match(/configmap\/after-kill-\d/g)?.length, 4);
  // a-kubectl with a kubeconfig whose server refuses every connection moves along its a-kube.io/servers list;
  // exec, a stream, does too: the simulated node's own refusal shows it reached a server and the node.
  const deadUrl = `https://127.0.0.1:${await freePort()}`;
  const config = parse(readFileSync(kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, unknown> }[] };
  const entry0 = config.clusters[0]?.cluster as Record<string, unknown>;
  entry0['server'] = deadUrl;
  entry0['extensions'] = [{ name: 'a-kube.io/servers', extension: { servers: [victim.url, survivor.url] } }];
  const listed = join(dataDir, 'listed.kubeconfig');
  writeFileSync(listed, stringify(config), { mode: 0o600 });
  assert.match(ok(akubectl(['get', 'configmap', 'after-kill-3', '-o', 'name'], listed), 'a-kubectl get'), /configmap\/after-kill-3/);
  const pod = ok(kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}']), 'pod name').trim();
  const exec = akubectl(['exec', pod, '--', 'true'], listed);
  assert.notEqual(exec.status, 0);
  assert.match(exec.stderr, /exec is not supported by the container runtime "fake" of node "[^"]+": its containers run no processes/);
  assert.doesNotMatch(exec.stderr, /ECONNREFUSED|connection refused/i);
  // The one server alone: the same, with --server repeated.
  const direct = run(process.execPath, [...entry('a-kubectl'), '--kubeconfig', kubeconfig, '--server', deadUrl, '--server', survivor.url, 'exec', pod, '--', 'true']);
  assert.match(direct.stderr, /exec is not supported by the container runtime "fake"/);

  // The supervisor starts the killed server again on its port; it answers and rejoins the list without duplicates.
  await eventually('the killed server to start again', () => (/API server \S+ started again \(pid \d+\)/.test(out) ? true : undefined));
  await eventually('the killed server to answer', () => (kubectl(['--server', victim.url, 'get', 'configmap', 'after-kill-0', '-o', 'name']).status === 0 ? true : undefined), 180_000);
  const text = readFileSync(kubeconfig, 'utf8');
  assert.equal(text.split(victim.url).length - 1, 1, text);
});

test('killing an etcd member: two of three keep serving, and the member is started again', { skip, timeout: 300_000 }, async () => {
  assert.equal(etcdMembers.length, 3, out);
  const victim = etcdMembers[0] as { endpoint: string; pid: number };
  process.kill(victim.pid, 'SIGKILL');
  // Writes resume once the two members left agree on a leader (at once when the leader was another member).
  await eventually('a write with one etcd member down', () => {
    const r = kubectl(['create', 'configmap', 'etcd-down']);
    if (r.status === 0 || /AlreadyExists/.test(r.stderr)) return true;
    throw new Error(r.stderr);
  });
  await eventually('the member to start again', () => (new RegExp(`etcd member m0 \\(${victim.endpoint.replace(/\./g, '\\.')}\\) started again`).test(out) ? true : undefined));
  ok(kubectl(['create', 'configmap', 'etcd-back']), 'a write with the member back');
  assert.equal(ok(kubectl(['get', 'configmaps', '-o', 'name']), 'list').match(/configmap\/etcd-(down|back)/g)?.length, 2);
});

test('SIGTERM stops every process it started', { skip, timeout: 120_000 }, async () => {
  const child = supervisor as ChildProcess;
  const restarted = [...out.matchAll(/started again \(pid (\d+)\)/g)].map((m) => Number(m[1]));
  const etcdPids = spawnSync('pgrep', ['-f', `data-dir=${join(dataDir, 'etcd')}/m`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  assert.equal(etcdPids.length, 3, 'three etcd members');
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, out.slice(-3000));
  for (const pid of [...servers.map((s) => s.pid), ...childPids, ...restarted, ...etcdPids]) assert.equal(alive(pid), false, `pid ${pid} still runs`);
  assert.equal(existsSync(join(dataDir, 'a-kube.lock')), false);
});

// A highly available control plane on one machine: a three-member etcd on loopback ports, two `a-kube server`s
// sharing one data dir, two leader-elected `a-kube controller-manager`s, driven by the real kubectl. A write through
// one server is seen by a watch on the other; both are in the kubernetes Endpoints; killing (SIGKILL) one API
// server and one etcd member leaves the cluster serving once etcd has a leader again; the controller-manager
// leader's death hands over; a leader-elected scheduler keeps its Lease through the surviving server; nothing
// acknowledged is lost. Every check after a kill retries until a deadline.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { etcdMissing, freePort, startEtcd, type RunningEtcd } from '../support/etcd.js';
import { entry, hasKubectl, repoRoot } from './harness.js';

const missing = etcdMissing() ?? (hasKubectl ? undefined : 'kubectl is not on PATH');
const skip = missing && process.env['CI'] !== 'true' ? `skipped: ${missing}` : false;

interface Proc {
  name: string;
  child: ChildProcess;
  log: () => string;
}

const dataDir = mkdtempSync(join(tmpdir(), 'akube-e2e-ha-'));
const procs: Proc[] = [];
let etcd: RunningEtcd | undefined;
const ports: number[] = [];

/** Starts an a-kube command; resolves once `ready` appears in its output. */
async function startProc(name: string, args: string[], ready: RegExp): Promise<Proc> {
  const child = spawn(process.execPath, [...entry('a-kube'), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dataDir } });
  let log = '';
  const proc = { name, child, log: () => log };
  procs.push(proc);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready after 180 s:\n${log}`)), 180_000);
    const onData = (d: Buffer): void => {
      log = (log + d.toString()).slice(-20_000);
      if (ready.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}):\n${log}`));
    });
  });
  return proc;
}

function startServer(name: string, port: number, storage = `etcd://${(etcd as RunningEtcd).endpoints.join(',')}`, dir = dataDir): Promise<Proc> {
  return startProc(name, ['server', '--data-dir', dir, '--port', String(port), '--storage', storage, '--console', 'false'], /a-kube is up at/);
}

async function kill(p: Proc, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill(signal);
  await exited;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The real kubectl against the API server on `port`, with the data dir's admin credentials. */
function kc(port: number, args: string[], input?: string): Run {
  const r = spawnSync('kubectl', ['--kubeconfig', join(dataDir, 'admin.kubeconfig'), '--server', `https://127.0.0.1:${port}`, '--request-timeout=20s', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    input: input ?? '',
    env: { ...process.env, HOME: dataDir },
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

function ok(r: Run, what: string): string {
  assert.equal(r.status, 0, `${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Retries `fn` until it returns a value other than undefined, or fails with the last attempt's story. */
async function eventually<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `; last: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The kubernetes Endpoints as "ADDRESS:PORT" strings, sorted. */
function endpointsOf(port: number): string[] {
  const ep = JSON.parse(ok(kc(port, ['get', 'endpoints', 'kubernetes', '-n', 'default', '-o', 'json']), 'get endpoints'));
  const out: string[] = [];
  for (const s of ep.subsets ?? []) for (const a of s.addresses ?? []) for (const p of s.ports ?? []) out.push(`${a.ip}:${p.port}`);
  return out.sort();
}

/** A Lease's renewTime or acquireTime (MicroTime, read through the server on `port`), in milliseconds since the epoch. */
function leaseTime(port: number, name: string, field: 'renewTime' | 'acquireTime'): number {
  const text = ok(kc(port, ['get', 'lease', name, '-n', 'kube-system', '-o', `jsonpath={.spec.${field}}`]), `lease ${name} ${field}`).trim();
  const ms = Date.parse(text.replace(/(\.\d{3})\d*Z$/, '$1Z'));
  assert.ok(Number.isFinite(ms), `lease ${name} ${field}: ${JSON.stringify(text)}`);
  return ms;
}

function leaseHolder(port: number, name: string): string | undefined {
  const r = kc(port, ['get', 'lease', name, '-n', 'kube-system', '-o', 'jsonpath={.spec.holderIdentity}']);
  return r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : undefined;
}

/** A kubectl watch of ConfigMaps in `ns` on the server at `port`; `seen(name)` tells whether ADDED name came. */
function watchConfigMaps(port: number, ns: string): { seen: (name: string) => boolean; exited: () => boolean; stop: () => void; out: () => string } {
  const w = spawn('kubectl', ['--kubeconfig', join(dataDir, 'admin.kubeconfig'), '--server', `https://127.0.0.1:${port}`, 'get', 'configmaps', '-n', ns, '-w', '--output-watch-events', '-o', 'custom-columns=EVENT:.type,NAME:.object.metadata.name'], {
    env: { ...process.env, HOME: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  w.stdout.on('data', (d: Buffer) => (out += d.toString()));
  w.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return {
    seen: (name) => new RegExp(`ADDED\\s+${name}\\b`).test(out),
    exited: () => w.exitCode !== null || w.signalCode !== null,
    stop: () => w.kill('SIGKILL'),
    out: () => out,
  };
}

let serverA: Proc;
let serverB: Proc;
const acknowledged = new Set<string>();

before(async () => {
  if (skip) return;
  etcd = await startEtcd({ members: 3 });
  for (let i = 0; i < 3; i++) ports.push(await freePort());
  // The first server makes the data dir's CA and keys; the second joins it.
  serverA = await startServer('server A', ports[0] as number);
  serverB = await startServer('server B', ports[1] as number);
});

after(async () => {
  for (const p of procs) await kill(p);
  await etcd?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('two API servers on one data dir and one etcd: a write through one is seen by a watch on the other; both are in the kubernetes Endpoints', { skip }, async () => {
  const [a, b] = ports as [number, number];
  assert.match(serverB.log(), /sharing the data dir with the API servers already running on it/);
  // B joined admin.kubeconfig's list of servers; A stays its server.
  const admin = readFileSync(join(dataDir, 'admin.kubeconfig'), 'utf8');
  assert.match(admin, new RegExp(`server: https://127\\.0\\.0\\.1:${a}\n`));
  assert.match(admin, new RegExp(`- name: a-kube\\.io/servers\n\\s+extension:\n\\s+servers:\n\\s+- https://127\\.0\\.0\\.1:${b}\n`));
  ok(kc(a, ['create', 'namespace', 'ha']), 'create namespace through A');
  ok(kc(a, ['create', 'configmap', 'marker', '-n', 'ha']), 'create marker through A');
  acknowledged.add('marker');
  const watch = watchConfigMaps(b, 'ha');
  try {
    // kubectl lists, then watches from the list's resourceVersion: once the list has shown, later writes are events.
    await eventually('the watch through B to list', () => (watch.seen('marker') ? true : undefined));
    ok(kc(a, ['create', 'configmap', 'through-a', '-n', 'ha']), 'create through A');
    acknowledged.add('through-a');
    await eventually('ADDED through-a on the watch through B', () => (watch.seen('through-a') ? true : undefined));
  } finally {
    watch.stop();
  }
  ok(kc(b, ['create', 'configmap', 'through-b', '-n', 'ha']), 'create through B');
  acknowledged.add('through-b');
  assert.equal(ok(kc(a, ['get', 'configmap', 'through-b', '-n', 'ha', '-o', 'name']), 'read through A').trim(), 'configmap/through-b');
  // Each server's identity Lease puts it in the kubernetes Service.
  await eventually('both servers in the kubernetes Endpoints', () => (endpointsOf(a).join(',') === [`127.0.0.1:${a}`, `127.0.0.1:${b}`].sort().join(',') ? true : undefined));
  const leases = JSON.parse(ok(kc(b, ['get', 'leases', '-n', 'kube-system', '-l', 'apiserver.kubernetes.io/identity=kube-apiserver', '-o', 'json']), 'identity leases'));
  assert.equal(leases.items.length, 2);
  for (const l of leases.items) assert.match(l.metadata.name, /^apiserver-[a-z2-7]+$/);
});

test('an API server that stops cleanly leaves the kubernetes Endpoints before it exits', { skip }, async () => {
  const [a, , c] = ports as [number, number, number];
  const serverC = await startServer('server C', c);
  await eventually('server C in the kubernetes Endpoints', () => (endpointsOf(a).includes(`127.0.0.1:${c}`) ? true : undefined));
  await kill(serverC, 'SIGTERM');
  assert.equal(serverC.child.exitCode, 0, serverC.log());
  // Read once, right after it exited: it took itself out on the way (its Lease would have taken 15 s more).
  assert.ok(!endpointsOf(a).includes(`127.0.0.1:${c}`), `server C is still listed: ${endpointsOf(a).join(',')}`);
});

test('a second API server on an SQLite data dir is refused with the reason', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-e2e-ha-sqlite-'));
  try {
    await startServer('sqlite server', 0, 'sqlite', dir);
    const second = spawnSync(process.execPath, [...entry('a-kube'), 'server', '--data-dir', dir, '--port', '0', '--console', 'false'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: dir } });
    assert.equal(second.status, 1, second.stderr);
    assert.match(second.stderr, /is in use by another a-kube \(pid \d+\).*SQLite has one writer: to run several API servers on one data dir, keep the cluster in etcd \(--storage etcd:\/\/HOST:PORT\)/);
  } finally {
    await kill(procs.find((p) => p.name === 'sqlite server') as Proc, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('killing an API server, an etcd member and the controller-manager leader leaves a cluster that serves and acts, with nothing lost', { skip }, async (t) => {
  const [a, b] = ports as [number, number];
  const servers = ['--server', `https://127.0.0.1:${a}`, '--server', `https://127.0.0.1:${b}`];
  const leaderFlags = ['--leader-elect-lease-duration', '15s', '--leader-elect-renew-deadline', '10s', '--leader-elect-retry-period', '2s'];
  const cm1 = await startProc('controller-manager 1', ['controller-manager', '--data-dir', dataDir, ...servers, ...leaderFlags], /identity (\S+)/);
  const cm2 = await startProc('controller-manager 2', ['controller-manager', '--data-dir', dataDir, ...servers, ...leaderFlags], /identity (\S+)/);
  const identityOf = (p: Proc) => (/identity (\S+)/.exec(p.log()) as RegExpExecArray)[1] as string;
  const ids = new Map([[identityOf(cm1), cm1], [identityOf(cm2), cm2]]);
  const leaderId = await eventually('a controller-manager to lead', () => {
    const h = leaseHolder(b, 'kube-controller-manager');
    return h && ids.has(h) ? h : undefined;
  });
  const leader = ids.get(leaderId) as Proc;
  const scheduler = await startProc('scheduler', ['scheduler', '--data-dir', dataDir, ...servers], /identity (\S+)/);
  await eventually('the scheduler to lead', () => (leaseHolder(b, 'kube-scheduler') === identityOf(scheduler) ? true : undefined));
  const follower = leader === cm1 ? cm2 : cm1;
  // The leader acts: a Deployment gets its ReplicaSet.
  ok(kc(a, ['create', 'deployment', 'before', '-n', 'ha', '--image', 'registry.k8s.io/pause:3.10']), 'create deployment');
  await eventually('the ReplicaSet of deployment before', () => (ok(kc(a, ['get', 'replicasets', '-n', 'ha', '-l', 'app=before', '-o', 'name']), 'get rs').trim() !== '' ? true : undefined));

  // Acknowledged writes through both servers.
  for (let i = 0; i < 20; i++) {
    const name = `pre-${i}`;
    ok(kc(i % 2 === 0 ? a : b, ['create', 'configmap', name, '-n', 'ha', `--from-literal=i=${i}`]), `create ${name}`);
    acknowledged.add(name);
  }

  // The leader's last renewal seen before it dies: the follower may take over only once the Lease has run out.
  const renewedBeforeKill = leaseTime(b, 'kube-controller-manager', 'renewTime');
  const killedAt = Date.now();
  await kill(serverA);
  await (etcd as RunningEtcd).kill(0);
  await kill(leader);

  // B serves reads and writes again once etcd has elected a leader among the two members left.
  await eventually('a write through B after the kills', () => {
    const r = kc(b, ['create', 'configmap', 'post-0', '-n', 'ha']);
    if (r.status === 0 || /AlreadyExists/.test(r.stderr)) return true;
    throw new Error(r.stderr);
  });
  acknowledged.add('post-0');
  t.diagnostic(`writes through B resumed ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kills`);
  // A watch on B sees new writes.
  const watch = await eventually('a watch through B that sees a new write', async () => {
    const w = watchConfigMaps(b, 'ha');
    const deadline = Date.now() + 20_000;
    while (!w.seen('marker') && !w.exited() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const name = `post-watch-${Date.now()}`;
    const made = kc(b, ['create', 'configmap', name, '-n', 'ha']);
    if (made.status === 0) acknowledged.add(name);
    while (!w.seen(name) && !w.exited() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (w.seen(name)) return w;
    w.stop();
    throw new Error(`watch did not see ${name}:\n${w.out()}\n${made.stderr}`);
  });
  watch.stop();
  for (let i = 1; i < 10; i++) {
    const name = `post-${i}`;
    await eventually(`create ${name}`, () => {
      const r = kc(b, ['create', 'configmap', name, '-n', 'ha']);
      if (r.status === 0 || /AlreadyExists/.test(r.stderr)) return true;
      throw new Error(r.stderr);
    });
    acknowledged.add(name);
  }

  // a-kubectl given both servers moves past the dead one.
  const akubectl = spawnSync(process.execPath, [...entry('a-kubectl'), '--kubeconfig', join(dataDir, 'admin.kubeconfig'), ...servers, 'get', 'configmap', 'post-1', '-n', 'ha', '-o', 'name'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: dataDir } });
  assert.equal(akubectl.stdout.trim(), 'configmap/post-1', akubectl.stderr);
  // ... and so does a-kubectl given only admin.kubeconfig: A is its server, and the servers that joined are listed
  // (C, stopped earlier, refuses; B answers).
  const listed = spawnSync(process.execPath, [...entry('a-kubectl'), '--kubeconfig', join(dataDir, 'admin.kubeconfig'), 'get', 'configmap', 'post-1', '-n', 'ha', '-o', 'name'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: dataDir } });
  assert.equal(listed.stdout.trim(), 'configmap/post-1', listed.stderr);

  // The dead server's Lease expires and it leaves the kubernetes Endpoints.
  await eventually('server A out of the kubernetes Endpoints', () => (endpointsOf(b).join(',') === `127.0.0.1:${b}` ? true : undefined));

  // The follower takes the Lease over (after it expires) and acts.
  await eventually('the other controller-manager to lead', () => {
    const holder = leaseHolder(b, 'kube-controller-manager');
    if (holder === identityOf(follower)) return true;
    throw new Error(`the Lease is held by ${holder}; the follower's log:\n${follower.log().slice(-3000)}`);
  });
  // The hand-over comes when the Lease runs out (15 s after the last renewal), not long after: the follower retries
  // every 2 s. The bound leaves room for a loaded machine, where the follower's retry and the renewal read run late.
  const handover = (leaseTime(b, 'kube-controller-manager', 'acquireTime') - renewedBeforeKill) / 1000;
  t.diagnostic(`the follower acquired the Lease ${handover.toFixed(1)} s after the leader's last renewal seen`);
  assert.ok(handover >= 15 - 1 && handover <= 15 + 15, `the Lease changed hands ${handover.toFixed(1)} s after the last renewal (lease duration 15 s)`);
  ok(kc(b, ['create', 'deployment', 'after', '-n', 'ha', '--image', 'registry.k8s.io/pause:3.10']), 'create deployment after');
  await eventually('the ReplicaSet of deployment after', () => (ok(kc(b, ['get', 'replicasets', '-n', 'ha', '-l', 'app=after', '-o', 'name']), 'get rs').trim() !== '' ? true : undefined));

  // The scheduler moved to B with the rest and still holds its Lease (renewed through B).
  const renewedAt = () => kc(b, ['get', 'lease', 'kube-scheduler', '-n', 'kube-system', '-o', 'jsonpath={.spec.holderIdentity} {.spec.renewTime}']).stdout;
  const seen = renewedAt();
  await eventually('the scheduler to renew its Lease through B', () => {
    const now = renewedAt();
    return now !== seen && now.startsWith(`${identityOf(scheduler)} `) ? true : undefined;
  });

  // Nothing acknowledged is lost.
  const names = new Set<string>(JSON.parse(ok(kc(b, ['get', 'configmaps', '-n', 'ha', '-o', 'json']), 'list')).items.map((i: { metadata: { name: string } }) => i.metadata.name));
  for (const name of acknowledged) assert.ok(names.has(name), `configmap ${name} was acknowledged and is gone`);
  assert.equal(readFileSync(join(dataDir, 'admin.kubeconfig'), 'utf8').includes(`127.0.0.1:${a}`), true, 'the admin kubeconfig is the first server\'s');
});

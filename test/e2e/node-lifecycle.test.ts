// The node agent on a containerd the test started itself (`a-kube up --container-runtime-endpoint unix:///…`, its
// CNI network read from a-kube's data dir), with a small log size limit (--container-log-max-size 16Ki
// --container-log-max-files 3), checked with the real kubectl 1.32. One start-up, every pod created at once:
// a fast writer whose log is rotated while `kubectl logs -f` follows it; init containers in order before two app
// containers (workingDir, a postStart hook, `logs -c`); failing init containers (Init:CrashLoopBackOff, Init:Error);
// a container that fails once (`logs --previous`); a pod's service-account token rotated in place (tokens capped
// at 30 s by --service-account-max-token-expiration); and, last, SIGTERM without --keep-pods, with a pod whose
// PID 1 ignores SIGTERM, stopping within the shutdown budget (--shutdown-grace-period 6s) and leaving nothing in
// containerd. Needs root, containerd, runc, the CNI plugins and busybox-static.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { akubectl, kubectl, startCluster, type Cluster } from './harness.js';
import { busyboxImage, startContainerd, type ContainerdFixture } from '../support/containerd.js';
import { realPodsUnavailable, untilResolved } from './real-pods.js';
import { shutdownBoundMs } from '../../src/kubelet/shutdown-periods.js';

const skip = realPodsUnavailable();
const opts = { skip: skip ?? false, timeout: 180_000 };
const ns = 'lifecycle';
let fixture: ContainerdFixture | undefined;
let cluster: Cluster | undefined;
let dataDir = '';
let follower: ChildProcess | undefined;
let followed = '';

function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  return untilResolved(what, fn, timeoutMs, () => cluster?.log().slice(-3000) ?? '');
}

function k(args: string[]): string {
  const r = kubectl(cluster!, ['-n', ns, ...args]);
  assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function podJson(name: string): Record<string, any> {
  return JSON.parse(k(['get', 'pod', name, '-o', 'json'])) as Record<string, any>;
}

/** The STATUS column kubectl prints for the pod (the server's table). */
function statusColumn(name: string): string {
  return k(['get', 'pod', name, '--no-headers']).trim().split(/\s+/)[2] ?? '';
}

const box = (name: string, command: string, extra: Record<string, unknown> = {}) => ({ name, image: busyboxImage, imagePullPolicy: 'Never', command: ['sh', '-c', command], ...extra });
const pod = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { terminationGracePeriodSeconds: 2, ...spec } });

// The shutdown budget: 4 s for regular pods, 2 s kept for critical ones.
const budget = { totalSeconds: 6, criticalPodsSeconds: 2 };
const budgetFlags = ['--shutdown-grace-period', `${budget.totalSeconds}s`, '--shutdown-grace-period-critical-pods', `${budget.criticalPodsSeconds}s`];
const tokenLifetimeSeconds = 30;

// About 15 KB a second: 20 numbered lines, then a tenth of a second's pause.
const chattyScript = 'i=0; while :; do j=0; while [ $j -lt 20 ]; do i=$((i+1)); j=$((j+1)); echo "chatty $i ................................................"; done; sleep 0.1; done';

before(async () => {
  if (skip) return;
  dataDir = mkdtempSync(join(tmpdir(), 'akube-lifecycle-'));
  const cniConfDir = join(dataDir, 'cni', 'net.d');
  mkdirSync(cniConfDir, { recursive: true });
  fixture = await startContainerd({ cniConfDir });
  cluster = await startCluster({
    dataDir,
    timeoutMs: 180_000,
    args: [
      '--container-runtime-endpoint', `unix://${join(fixture.dir, 'containerd.sock')}`,
      '--container-log-max-size', '16Ki', '--container-log-max-files', '3',
      ...budgetFlags,
      '--service-account-max-token-expiration', `${tokenLifetimeSeconds}s`,
    ],
  });
  await until('the node to be Ready', () => (/\bReady\b/.test(kubectl(cluster!, ['get', 'nodes', '--no-headers']).stdout) ? true : undefined));
  assert.equal(kubectl(cluster, ['create', 'namespace', ns]).status, 0);
  const shared = [{ name: 'shared', emptyDir: {} }];
  const objects = [
    pod('chatty', { containers: [box('main', chattyScript)] }),
    pod('ordered', {
      volumes: [...shared, { name: 'work', emptyDir: {} }],
      initContainers: [box('init-1', 'sleep 1; echo init-1 >> /shared/order', { volumeMounts: [{ name: 'shared', mountPath: '/shared' }] }), box('init-2', 'echo init-2 >> /shared/order', { volumeMounts: [{ name: 'shared', mountPath: '/shared' }] })],
      containers: [
        box('main', 'cat /shared/order; pwd; sleep 3600', {
          workingDir: '/work',
          volumeMounts: [{ name: 'shared', mountPath: '/shared' }, { name: 'work', mountPath: '/work' }],
          lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo "postStart in $(pwd)" > hook'] } } },
        }),
        box('side', 'echo side says hi; sleep 3600'),
      ],
    }),
    pod('init-fails', { initContainers: [box('setup', 'echo setting up; exit 1')], containers: [box('main', 'sleep 3600')] }),
    pod('init-fails-never', { restartPolicy: 'Never', initContainers: [box('setup', 'exit 2')], containers: [box('main', 'sleep 3600')] }),
    pod('token', { containers: [box('main', 'sleep 3600')] }),
    // PID 1 ignores SIGTERM, with the default grace period of 30 s: only the shutdown budget limits its stop.
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stubborn', namespace: ns }, spec: { containers: [box('main', 'trap "" TERM; echo ignoring TERM; while :; do sleep 1; done')] } },
    pod('restarts', { volumes: shared, containers: [box('main', 'if [ -f /shared/ran ]; then echo second run; sleep 3600; fi; touch /shared/ran; echo first run; exit 1', { volumeMounts: [{ name: 'shared', mountPath: '/shared' }] })] }),
  ];
  const r = kubectl(cluster, ['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
  assert.equal(r.status, 0, r.stderr);
  await until('chatty to run', () => (podJson('chatty')['status']?.['phase'] === 'Running' ? true : undefined));
  // Followed from before the first rotation to after the last one the test waits for.
  follower = spawn('kubectl', ['--kubeconfig', cluster.kubeconfig, '-n', ns, 'logs', '-f', 'chatty'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dataDir } });
  follower.stdout?.on('data', (c: Buffer) => (followed += c.toString()));
});

after(async () => {
  follower?.kill('SIGKILL');
  await cluster?.stop('SIGKILL');
  await fixture?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The numbers of `chatty N` lines, in order. */
function numbers(text: string): number[] {
  return [...text.matchAll(/^chatty (\d+) /gm)].map((m) => Number(m[1]));
}

function contiguous(xs: number[]): boolean {
  return xs.every((n, i) => i === 0 || n === (xs[i - 1] ?? 0) + 1);
}

test('a fast writer\'s log is rotated: at most 3 files, older ones compressed, kubectl logs shows the latest lines and -f follows into the new file', opts, async () => {
  const p = podJson('chatty');
  const dir = join(dataDir, 'pod-logs', `${ns}_chatty_${p['metadata']['uid']}`, 'main');
  // Four rounds of the 10 s log monitor, sampling the directory as it goes.
  const end = Date.now() + 42_000;
  while (Date.now() < end) {
    const names = readdirSync(dir).sort();
    assert.ok(names.length <= 3, `more than --container-log-max-files files: ${names.join(' ')}`);
    await sleep(1000);
  }
  const names = readdirSync(dir).sort();
  assert.ok(names.some((n) => /^0\.log\.\d{8}-\d{6}\.gz$/.test(n)), `a compressed rotated file: ${names.join(' ')}`);
  assert.ok(names.some((n) => /^0\.log\.\d{8}-\d{6}$/.test(n)), `the newest rotated file, plain: ${names.join(' ')}`);
  assert.ok(names.includes('0.log'));
  const onDisk = names.reduce((sum, n) => sum + statSync(join(dir, n)).size, 0);
  const tail = k(['logs', 'chatty', '--tail=5']);
  const last = numbers(tail);
  assert.equal(last.length, 5, tail);
  assert.ok(contiguous(last), tail);
  // The oldest rotated files were removed: the oldest kept (compressed) one starts well after the first line.
  const gz = names.find((n) => n.endsWith('.gz')) ?? '';
  const oldestKept = numbers(gunzipSync(readFileSync(join(dir, gz))).toString().split('\n').map((l) => l.replace(/^\S+ stdout F /, '')).join('\n'));
  assert.ok((oldestKept[0] ?? 0) > 1, `the first lines are gone from disk (the oldest kept file starts at ${oldestKept[0]})`);
  // What the runtime wrote in all (CRI lines, measured on the plain rotated file) is more than the directory holds.
  const plain = readFileSync(join(dir, names.find((n) => /^0\.log\.\d{8}-\d{6}$/.test(n)) ?? ''), 'utf8');
  const written = (last.at(-1) ?? 0) * (plain.length / plain.split('\n').filter(Boolean).length);
  assert.ok(onDisk < written, `the log directory holds ${onDisk} bytes of about ${Math.round(written)} written`);
  // kubectl logs reads the current file only: it starts after the rotated lines.
  const whole = numbers(k(['logs', 'chatty']));
  assert.ok((whole[0] ?? 0) > 1, 'the first lines were rotated away from the current file');
  assert.ok(contiguous(whole));
  // The follower started in an earlier file and goes on through each rotation since without losing a line.
  const from = whole[0] ?? Infinity;
  const seen = await until(`the follower to reach the current file (from line ${from})`, () => {
    const got = numbers(followed);
    return (got.at(-1) ?? 0) >= from ? got : undefined;
  }, 30_000);
  assert.ok((seen[0] ?? Infinity) < from, `the follower started before the current file (at ${seen[0]}, the current file from ${from})`);
  assert.ok(contiguous(seen), 'kubectl logs -f skipped or repeated lines across a rotation');
});

test('init containers run in order before the app containers; workingDir and a postStart hook; kubectl logs -c', opts, async () => {
  await until('ordered to run', () => (podJson('ordered')['status']?.['phase'] === 'Running' ? true : undefined));
  assert.equal(k(['logs', 'ordered', '-c', 'main']), 'init-1\ninit-2\n/work\n');
  assert.equal(k(['logs', 'ordered', '-c', 'side']), 'side says hi\n');
  const hook = await until('the postStart hook\'s file', () => {
    const r = kubectl(cluster!, ['-n', ns, 'exec', 'ordered', '-c', 'main', '--', 'cat', '/work/hook']);
    return r.status === 0 ? r.stdout : undefined;
  });
  assert.equal(hook, 'postStart in /work\n');
  const status = podJson('ordered')['status'];
  const inits = status['initContainerStatuses'] as Record<string, any>[];
  assert.deepEqual(inits.map((c) => [c['name'], c['state']['terminated']?.['reason'], c['state']['terminated']?.['exitCode']]), [['init-1', 'Completed', 0], ['init-2', 'Completed', 0]]);
  assert.equal(status['conditions'].find((c: Record<string, string>) => c['type'] === 'Initialized')?.['status'], 'True');
  assert.equal(statusColumn('ordered'), 'Running');
  // Without -c kubectl picks the first container and says so.
  const r = kubectl(cluster!, ['-n', ns, 'logs', 'ordered']);
  assert.equal(r.stdout, 'init-1\ninit-2\n/work\n');
  assert.match(r.stderr, /Defaulted container "main" out of: main, side, init-1 \(init\), init-2 \(init\)/);
});

test('a failing init container blocks the pod: Init:CrashLoopBackOff, and Init:Error with restartPolicy Never', opts, async () => {
  await until('Init:CrashLoopBackOff', () => (statusColumn('init-fails') === 'Init:CrashLoopBackOff' ? true : undefined));
  const st = podJson('init-fails')['status'];
  assert.equal(st['phase'], 'Pending');
  assert.equal(st['initContainerStatuses'][0]['state']['waiting']['reason'], 'CrashLoopBackOff');
  assert.equal(st['initContainerStatuses'][0]['lastState']['terminated']['exitCode'], 1);
  assert.equal(st['containerStatuses'][0]['state']['waiting']['reason'], 'PodInitializing');
  assert.equal(k(['logs', 'init-fails', '-c', 'setup']), 'setting up\n');
  await until('Init:Error', () => (statusColumn('init-fails-never') === 'Init:Error' ? true : undefined));
  const never = podJson('init-fails-never')['status'];
  assert.equal(never['phase'], 'Failed');
  assert.equal(never['initContainerStatuses'][0]['state']['terminated']['exitCode'], 2);
  assert.equal(never['containerStatuses'][0]['state']['waiting']?.['reason'], 'PodInitializing');
});

test('kubectl logs --previous shows the instance before the restart (and a-kubectl logs -p)', opts, async () => {
  await until('restarts to run again', () => {
    const st = podJson('restarts')['status'];
    const cs = st?.['containerStatuses']?.[0];
    return cs?.['restartCount'] === 1 && cs['state']['running'] ? true : undefined;
  });
  assert.equal(k(['logs', 'restarts']), 'second run\n');
  assert.equal(k(['logs', 'restarts', '--previous']), 'first run\n');
  const a = akubectl(cluster!, ['logs', 'restarts', '-n', ns, '-p']);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, 'first run\n');
  const none = kubectl(cluster!, ['-n', ns, 'logs', 'chatty', '--previous']);
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /previous terminated container "main" in pod "chatty" not found/);
});

/** The JWT's claims (its middle part). */
function claims(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, any>;
}

/** Command lines of the machine's processes that contain every one of the words. */
function processesWith(words: string[]): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue; // gone meanwhile
    }
    if (words.every((w) => cmd.includes(w))) out.push(`${pid} ${cmd}`);
  }
  return out;
}

const saDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The token file and where its ..data link points, read inside the container. */
function tokenInPod(): { data: string; token: string } {
  const out = k(['exec', 'token', '--', 'sh', '-c', `readlink ${saDir}/..data; cat ${saDir}/token`]);
  const [data = '', token = ''] = out.split('\n');
  return { data, token };
}

test('the projected service-account token is rotated in the running pod before it expires (..data swapped, new token valid)', opts, async () => {
  await until('token to run', () => (podJson('token')['status']?.['phase'] === 'Running' ? true : undefined));
  const first = tokenInPod();
  const c1 = claims(first.token);
  // The kubelet asks for 3607 s; the server's cap gives 30 s.
  assert.equal(c1['exp'] - c1['iat'], tokenLifetimeSeconds, JSON.stringify(c1));
  assert.equal(c1['sub'], `system:serviceaccount:${ns}:default`);
  const second = await until('the token file to change', () => {
    const now = tokenInPod();
    return now.token !== first.token && now.token !== '' ? now : undefined;
  }, 2 * tokenLifetimeSeconds * 1000);
  const c2 = claims(second.token);
  assert.equal(c2['sub'], c1['sub']);
  assert.equal(c2['kubernetes.io']['pod']['name'], 'token');
  assert.ok(c2['exp'] > c1['exp'], `later expiry: ${c1['exp']} then ${c2['exp']}`);
  // Renewed once 80% of the lifetime had passed, before the first token expired.
  assert.ok(c2['iat'] >= c1['iat'] + 0.8 * tokenLifetimeSeconds - 1 && c2['iat'] < c1['exp'], `renewed at ${c2['iat'] - c1['iat']} s of ${tokenLifetimeSeconds}`);
  assert.notEqual(second.data, first.data, 'the ..data link points to a new timestamped directory');
  assert.match(second.data, /^\.\.\d{4}_\d{2}_\d{2}T/);
  // The new token authenticates as the pod's service account.
  const r = kubectl(cluster!, ['create', '-o', 'json', '-f', '-'], { input: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: second.token } }) });
  assert.equal(r.status, 0, r.stderr);
  const status = (JSON.parse(r.stdout) as Record<string, any>)['status'];
  assert.equal(status['authenticated'], true, JSON.stringify(status));
  assert.equal(status['user']['username'], `system:serviceaccount:${ns}:default`);
  assert.deepEqual(status['user']['extra']['authentication.kubernetes.io/pod-name'], ['token']);
});

test('SIGTERM without --keep-pods stops every pod within the shutdown budget, a SIGTERM-ignoring one too, and removes every sandbox, container and shim', opts, async () => {
  follower?.kill('SIGKILL');
  assert.ok((await fixture!.cri.listPodSandbox()).length >= 7);
  await until('stubborn to run', () => (podJson('stubborn')['status']?.['phase'] === 'Running' ? true : undefined));
  assert.equal(k(['logs', 'stubborn']), 'ignoring TERM\n');
  const sock = join(fixture!.dir, 'containerd.sock');
  const shims = () => processesWith(['containerd-shim', sock]);
  assert.ok(shims().length > 0, 'the pods have shims');
  const started = Date.now();
  await cluster!.stop('SIGTERM');
  const took = Date.now() - started;
  assert.equal(cluster!.process.exitCode, 0, cluster!.log().slice(-2000));
  assert.ok(took < shutdownBoundMs(budget), `stopped in ${took} ms, within the budget's bound of ${shutdownBoundMs(budget)} ms`);
  assert.deepEqual((await fixture!.cri.listContainers()).map((c) => c.metadata?.name), []);
  assert.deepEqual((await fixture!.cri.listPodSandbox()).map((s) => s.metadata?.name), []);
  assert.deepEqual(shims(), []);
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(`${fixture!.dir}/`) || l.includes(`${dataDir}/pods/`));
  assert.deepEqual(mounts, []);
  assert.deepEqual(readdirSync(join(dataDir, 'pod-logs')), []);
  if (existsSync(join(dataDir, 'pods'))) assert.deepEqual(readdirSync(join(dataDir, 'pods')), []);
  assert.match(cluster!.log(), /stopping \d+ pods \(\d+ pods within 4s; budget 6s\)/);
  // The containerd is the test's: a-kube left it running.
  assert.ok((await fixture!.cri.version()).runtime_name);
});

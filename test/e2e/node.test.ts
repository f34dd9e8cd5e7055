// Issue 8 end to end: `a-kube up` on containerd (its own supervised containerd under the data dir) runs real
// pods. The walkthrough's pod with service account k-sa-1 runs the local nginx stand-in image and holds a
// bound token; a crashing container restarts with back-off; a deleted pod's processes are gone within its grace
// period; a restarted `a-kube up --keep-pods` adopts running containers without restarting them.
// Needs root, containerd, runc and the CNI plugins (CI has them); skipped with the reason otherwise.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { akubectl, entry, repoRoot, startCluster, type Cluster } from './harness.js';
import { busyboxAvailable, busyboxImage, writeBusyboxArchive } from './test-images.js';
import { checkRuntimeDeps } from '../../src/kubelet/containerd/deps.js';
import { CriClient } from '../../src/kubelet/cri/client.js';

const deps = checkRuntimeDeps('/usr/lib/cni');
const skip = deps.problem ? `containers cannot run here: ${deps.problem}` : !busyboxAvailable() ? 'busybox-static is not installed (apt-get install busybox-static)' : false;

let cluster: Cluster;
let cri: CriClient;
let work: string;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}\n${cluster.log().slice(-3000)}`);
}

function podJson(ns: string, name: string): Record<string, any> | undefined {
  const r = akubectl(cluster, ['get', 'pod', name, '-n', ns, '-o', 'json']);
  return r.status === 0 ? (JSON.parse(r.stdout) as Record<string, any>) : undefined;
}

function imageImport(file: string): void {
  const r = spawnSync(process.execPath, [...entry('a-kube'), 'image', 'import', '--data-dir', cluster.dataDir, file], { encoding: 'utf8', cwd: repoRoot });
  assert.equal(r.status, 0, r.stderr);
}

function apply(manifest: object): void {
  const r = akubectl(cluster, ['apply', '-f', '-'], { input: JSON.stringify(manifest) });
  assert.equal(r.status, 0, r.stderr);
}

function containerIdOf(pod: Record<string, any> | undefined): string | undefined {
  const id = pod?.['status']?.['containerStatuses']?.[0]?.['containerID'] as string | undefined;
  return id?.replace(/^containerd:\/\//, '');
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'akube-node-e2e-'));
  cluster = await startCluster({ args: ['--keep-pods'], timeoutMs: 180_000 });
  cri = new CriClient({ endpoint: join(cluster.dataDir, 'containerd', 'containerd.sock') });
  imageImport(writeBusyboxArchive(work));
  assert.equal(akubectl(cluster, ['create', 'namespace', 'node-e2e']).status, 0);
});

after(async () => {
  if (work) rmSync(work, { recursive: true, force: true });
  if (skip || !cluster) return;
  // Pods are removed through the API first, so no container outlives the test (the cluster keeps pods on exit).
  for (const ns of ['node-e2e', 'ns-1']) akubectl(cluster, ['delete', 'namespace', ns, '--wait=false']);
  await until('every pod sandbox to be removed', async () => ((await cri.listPodSandbox()).length === 0 ? true : undefined), 120_000).catch(() => undefined);
  // Whatever is left (a failed test) is removed through CRI: this containerd belongs to the test.
  for (const sb of await cri.listPodSandbox().catch(() => [])) {
    await cri.stopPodSandbox(sb.id).catch(() => undefined);
    await cri.removePodSandbox(sb.id).catch(() => undefined);
  }
  cri.close();
  await cluster.cleanup();
});

test('the node registers Ready with the machine\'s capacity and the containerd version', { skip }, async () => {
  const node = await until('a Ready node', () => {
    const r = akubectl(cluster, ['get', 'nodes', '-o', 'json']);
    const n = (JSON.parse(r.stdout) as { items: Record<string, any>[] }).items[0];
    return n?.['status']?.['conditions']?.find((c: Record<string, string>) => c['type'] === 'Ready')?.['status'] === 'True' ? n : undefined;
  });
  assert.match(node['status']['nodeInfo']['containerRuntimeVersion'], /^containerd:\/\//);
  assert.equal(node['status']['nodeInfo']['kernelVersion'], spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim());
  assert.ok(Number(node['status']['capacity']['cpu']) >= 1);
});

test('a pod runs with the projected service-account token, CA and namespace; a crashing container restarts with back-off', { skip }, async () => {
  assert.equal(akubectl(cluster, ['create', 'serviceaccount', 'runner', '-n', 'node-e2e']).status, 0);
  apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'sleeper', namespace: 'node-e2e' },
    spec: {
      serviceAccountName: 'runner',
      terminationGracePeriodSeconds: 3,
      containers: [{ name: 'main', image: busyboxImage, imagePullPolicy: 'Never', command: ['sleep', '3600'], env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }],
    },
  });
  apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'crasher', namespace: 'node-e2e' },
    spec: { containers: [{ name: 'main', image: busyboxImage, imagePullPolicy: 'Never', command: ['sh', '-c', 'echo crashing; exit 3'] }] },
  });
  const pod = await until('sleeper Running', () => {
    const p = podJson('node-e2e', 'sleeper');
    return p?.['status']?.['phase'] === 'Running' ? p : undefined;
  });
  assert.match(pod['status']['podIP'], /^\d+\.\d+\.\d+\.\d+$/);
  const id = containerIdOf(pod);
  assert.ok(id);
  const run = async (cmd: string[]) => {
    const r = await cri.execSync(id, cmd, 10);
    assert.equal(r.exit_code, 0, r.stderr.toString());
    return r.stdout.toString();
  };
  const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
  const token = (await run(['cat', `${dir}/token`])).trim();
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, any>;
  assert.equal(claims['sub'], 'system:serviceaccount:node-e2e:runner');
  assert.equal(claims['kubernetes.io']['pod']['name'], 'sleeper');
  assert.equal((await run(['cat', `${dir}/namespace`])).trim(), 'node-e2e');
  assert.match(await run(['cat', `${dir}/ca.crt`]), /-----BEGIN CERTIFICATE-----/);
  assert.match(await run(['readlink', `${dir}/token`]), /^\.\.data\/token/);
  assert.match(await run(['env']), /POD_NAME=sleeper/);
  assert.match(await run(['env']), /KUBERNETES_SERVICE_HOST=/);

  // The crashing container: exits, waits out 10 s of back-off, runs again with restartCount 1.
  const crashed = await until('crasher restarted', () => {
    const p = podJson('node-e2e', 'crasher');
    const cs = p?.['status']?.['containerStatuses']?.[0];
    return cs && cs['restartCount'] >= 1 ? cs : undefined;
  });
  assert.equal(crashed['lastState']['terminated']['exitCode'], 3);
  const waiting = await until('CrashLoopBackOff', () => {
    const cs = podJson('node-e2e', 'crasher')?.['status']?.['containerStatuses']?.[0];
    return cs?.['state']?.['waiting']?.['reason'] === 'CrashLoopBackOff' ? cs : undefined;
  });
  assert.match(waiting['state']['waiting']['message'], /^back-off \d+s restarting failed container=main/);
  const events = akubectl(cluster, ['get', 'events', '-n', 'node-e2e', '--field-selector', 'involvedObject.name=crasher', '-o', 'custom-columns=REASON:.reason', '--no-headers']).stdout;
  assert.match(events, /BackOff/);
  assert.match(events, /Started/);
});

test('a restart of a-kube up --keep-pods adopts the running container without restarting it', { skip }, async () => {
  const before = containerIdOf(podJson('node-e2e', 'sleeper'));
  assert.ok(before);
  await cluster.restart();
  await sleep(3000);
  const pod = await until('sleeper still Running', () => {
    const p = podJson('node-e2e', 'sleeper');
    return p?.['status']?.['phase'] === 'Running' ? p : undefined;
  });
  assert.equal(containerIdOf(pod), before);
  assert.equal(pod['status']['containerStatuses'][0]['restartCount'], 0);
  assert.match(cluster.log(), /adopted \d+ running pod/);
});

test('a deleted pod\'s processes are gone within its grace period', { skip }, async () => {
  const id = containerIdOf(podJson('node-e2e', 'sleeper'));
  assert.ok(id);
  const started = Date.now();
  assert.equal(akubectl(cluster, ['delete', 'pod', 'sleeper', '-n', 'node-e2e', '--wait=false']).status, 0);
  // Grace period 3 s (sleep ignores SIGTERM as PID 1, so SIGKILL ends it); allow the sync and relist on top.
  await until('the container to stop', async () => {
    const st = await cri.containerStatus(id).catch(() => undefined);
    return !st || st.status?.state !== 'CONTAINER_RUNNING' || undefined;
  }, 20_000);
  assert.ok(Date.now() - started < 15_000, `stopped after ${Date.now() - started} ms`);
  await until('the pod object to be gone', () => (podJson('node-e2e', 'sleeper') ? undefined : true), 30_000);
  await until('the sandbox to be removed', async () => ((await cri.listPodSandbox()).every((s) => s.metadata?.name !== 'sleeper') ? true : undefined), 30_000);
});

test('probes: readiness flips Ready, a failing liveness probe restarts the container; a preStop hook runs on delete', { skip }, async () => {
  const hostDir = join(work, 'prestop');
  apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'probed', namespace: 'node-e2e' },
    spec: {
      terminationGracePeriodSeconds: 5,
      volumes: [{ name: 'out', hostPath: { path: hostDir, type: 'DirectoryOrCreate' } }],
      containers: [
        {
          name: 'main',
          image: busyboxImage,
          imagePullPolicy: 'Never',
          command: ['sleep', '3600'],
          volumeMounts: [{ name: 'out', mountPath: '/out' }],
          readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 },
          livenessProbe: { exec: { command: ['test', '!', '-f', '/tmp/die'] }, periodSeconds: 1, failureThreshold: 2 },
          lifecycle: { preStop: { exec: { command: ['touch', '/out/prestop-ran'] } } },
        },
      ],
    },
  });
  const readyOf = () => podJson('node-e2e', 'probed')?.['status']?.['conditions']?.find((c: Record<string, string>) => c['type'] === 'Ready')?.['status'] as string | undefined;
  const first = await until('probed Running', () => {
    const p = podJson('node-e2e', 'probed');
    return p?.['status']?.['phase'] === 'Running' ? containerIdOf(p) : undefined;
  });
  await sleep(2500);
  assert.equal(readyOf(), 'False', 'not Ready while the readiness probe fails');
  assert.equal((await cri.execSync(first, ['touch', '/tmp/ready'], 5)).exit_code, 0);
  await until('Ready=True', () => (readyOf() === 'True' ? true : undefined), 30_000);
  assert.equal((await cri.execSync(first, ['touch', '/tmp/die'], 5)).exit_code, 0);
  const restarted = await until('a restart after the liveness failure', () => {
    const cs = podJson('node-e2e', 'probed')?.['status']?.['containerStatuses']?.[0];
    return cs && cs['restartCount'] >= 1 ? cs : undefined;
  }, 60_000);
  assert.notEqual(restarted['containerID'], `containerd://${first}`);
  const events = akubectl(cluster, ['get', 'events', '-n', 'node-e2e', '--field-selector', 'involvedObject.name=probed', '-o', 'custom-columns=REASON:.reason,MESSAGE:.message', '--no-headers']).stdout;
  assert.match(events, /Unhealthy +Liveness probe failed/);
  assert.match(events, /Killing +Container main failed liveness probe, will be restarted/);
  assert.equal(akubectl(cluster, ['delete', 'pod', 'probed', '-n', 'node-e2e', '--wait=false']).status, 0);
  await until('the preStop hook to run', () => (existsSync(join(hostDir, 'prestop-ran')) ? true : undefined), 30_000);
});

test('an image pulled from a registry on loopback (docker-registry, pushed with skopeo), policy Always', { skip: skip || (!existsSync('/usr/bin/docker-registry') || !existsSync('/usr/bin/skopeo') ? 'docker-registry or skopeo is not installed (scripts/install-deps.sh --for-tests)' : false) }, async (t) => {
  const port = await new Promise<number>((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const regDir = join(work, 'registry');
  mkdirSync(regDir);
  writeFileSync(join(regDir, 'config.yml'), `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${regDir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const registry = spawn('/usr/bin/docker-registry', ['serve', join(regDir, 'config.yml')], { stdio: 'ignore' });
  t.after(() => registry.kill());
  const ref = `127.0.0.1:${port}/a-kube-test/busybox:pulled`;
  await until('skopeo to push to the registry', () => {
    const r = spawnSync('skopeo', ['copy', '--dest-tls-verify=false', `docker-archive:${join(work, 'busybox-test.tar')}`, `docker://${ref}`], { encoding: 'utf8', timeout: 60_000 });
    return r.status === 0 ? true : undefined;
  }, 60_000);
  apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pulled', namespace: 'node-e2e' }, spec: { containers: [{ name: 'main', image: ref, imagePullPolicy: 'Always', command: ['sleep', '3600'] }] } });
  const pod = await until('the pulled pod Running', () => {
    const p = podJson('node-e2e', 'pulled');
    return p?.['status']?.['phase'] === 'Running' ? p : undefined;
  });
  assert.match(pod['status']['containerStatuses'][0]['imageID'], /sha256:[0-9a-f]{64}/);
  const events = akubectl(cluster, ['get', 'events', '-n', 'node-e2e', '--field-selector', 'involvedObject.name=pulled', '-o', 'custom-columns=REASON:.reason,MESSAGE:.message', '--no-headers']).stdout;
  assert.match(events, new RegExp(`Pulling +Pulling image "${ref.replace(/[.]/g, '\\.')}"`));
  assert.match(events, /Pulled +Successfully pulled image ".*" in [0-9.]+s/);
  assert.equal(akubectl(cluster, ['delete', 'pod', 'pulled', '-n', 'node-e2e', '--grace-period=1', '--wait=false']).status, 0);
});

test('the walkthrough: nginx:latest (the local stand-in image) runs with service account k-sa-1 and its token', { skip, timeout: 900_000 }, async () => {
  // Builds from Debian's archive once (minutes), then comes from the cache.
  const tar = join(work, 'walkthrough.tar');
  const b = spawnSync(join(repoRoot, 'scripts/build-walkthrough-image.sh'), [tar], { encoding: 'utf8', timeout: 840_000 });
  assert.equal(b.status, 0, b.stderr);
  imageImport(tar);
  assert.equal(akubectl(cluster, ['create', 'namespace', 'ns-1']).status, 0);
  assert.equal(akubectl(cluster, ['create', 'serviceaccount', 'k-sa-1', '--namespace=ns-1']).status, 0);
  const r = akubectl(cluster, ['run', 'nginx-1', '--image=nginx:latest', '--namespace=ns-1', `--overrides=${JSON.stringify({ spec: { template: { spec: { serviceAccountName: 'k-sa-1' } } } })}`]);
  assert.equal(r.status, 0, r.stderr);
  const pod = await until(
    'the nginx-1 pod Running',
    () => {
      const list = JSON.parse(akubectl(cluster, ['get', 'pods', '-n', 'ns-1', '-l', 'run=nginx-1', '-o', 'json']).stdout) as { items: Record<string, any>[] };
      const p = list.items[0];
      return p?.['status']?.['phase'] === 'Running' && p['status']['containerStatuses']?.[0]?.['ready'] === true ? p : undefined;
    },
    120_000,
  );
  assert.equal(pod['spec']['serviceAccountName'], 'k-sa-1');
  const id = containerIdOf(pod);
  assert.ok(id);
  const cat = async (f: string) => {
    const out = await cri.execSync(id, ['cat', `/var/run/secrets/kubernetes.io/serviceaccount/${f}`], 10);
    assert.equal(out.exit_code, 0, out.stderr.toString());
    return out.stdout.toString();
  };
  const claims = JSON.parse(Buffer.from((await cat('token')).split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
  assert.equal(claims['sub'], 'system:serviceaccount:ns-1:k-sa-1');
  assert.equal((await cat('namespace')).trim(), 'ns-1');
  assert.match(await cat('ca.crt'), /BEGIN CERTIFICATE/);
  // The seed's way in: a-kubectl exec through the API server and the node agent.
  const viaExec = akubectl(cluster, ['exec', pod['metadata']['name'], '--namespace=ns-1', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace']);
  assert.equal(viaExec.status, 0, viaExec.stderr);
  assert.equal(viaExec.stdout.trim(), 'ns-1');
  // nginx runs in the foreground as the container's main process; curl is not in the image.
  const ps = await cri.execSync(id, ['sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; command -v curl || echo no-curl'], 10);
  assert.match(ps.stdout.toString(), /nginx: master process|nginx -g daemon off;/);
  assert.match(ps.stdout.toString(), /no-curl/);
});

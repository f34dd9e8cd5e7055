// Issue 10/8, storage with real pods: on containerd, a pod writes into its PersistentVolumeClaim (provisioned by
// a-kube.io/local-path once the pod is scheduled), is deleted, and a new pod on the same claim reads the data
// back; deleting the claim then removes the volume and its directory. configMap and secret volumes follow
// `kubectl patch` within seconds (watched), while a subPath mount keeps what it had at the container's start.
// Needs root, containerd, runc, the CNI plugins and busybox-static; run under `flock /tmp/akube-realpods.lock`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { akubectl, entry, hasKubectl, kubectl, repoRoot, startCluster, type Cluster } from './harness.js';
import { busyboxAvailable, busyboxImage, writeBusyboxArchive } from './test-images.js';
import { checkRuntimeDeps } from '../../src/kubelet/containerd/deps.js';
import { CriClient } from '../../src/kubelet/cri/client.js';

const deps = checkRuntimeDeps('/usr/lib/cni');
const skip = deps.problem ? `containers cannot run here: ${deps.problem}` : !busyboxAvailable() ? 'busybox-static is not installed (apt-get install busybox-static)' : false;
const ns = 'storage-e2e';

let cluster: Cluster;
let cri: CriClient;
let work: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}\n${cluster.log().slice(-3000)}`);
}

function get(args: string[]): Record<string, any> | undefined {
  const r = akubectl(cluster, ['get', ...args, '-o', 'json']);
  return r.status === 0 ? (JSON.parse(r.stdout) as Record<string, any>) : undefined;
}

function apply(manifest: object): void {
  const r = akubectl(cluster, ['apply', '-f', '-'], { input: JSON.stringify(manifest) });
  assert.equal(r.status, 0, r.stderr);
}

const pod = (name: string, script: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns },
  spec: {
    terminationGracePeriodSeconds: 2,
    containers: [{ name: 'main', image: busyboxImage, imagePullPolicy: 'Never', command: ['sh', '-c', script], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
  },
});

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'akube-storage-e2e-'));
  cluster = await startCluster({ timeoutMs: 180_000 });
  cri = new CriClient({ endpoint: join(cluster.dataDir, 'containerd', 'containerd.sock') });
  const r = spawnSync(process.execPath, [...entry('a-kube'), 'image', 'import', '--data-dir', cluster.dataDir, writeBusyboxArchive(work)], { encoding: 'utf8', cwd: repoRoot });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(akubectl(cluster, ['create', 'namespace', ns]).status, 0);
});

after(async () => {
  if (work) rmSync(work, { recursive: true, force: true });
  if (skip || !cluster) return;
  akubectl(cluster, ['delete', 'namespace', ns, '--wait=false']);
  const end = Date.now() + 60_000;
  while (Date.now() < end && (await cri.listPodSandbox().catch(() => [])).length > 0) await sleep(500);
  for (const sb of await cri.listPodSandbox().catch(() => [])) {
    await cri.stopPodSandbox(sb.id).catch(() => undefined);
    await cri.removePodSandbox(sb.id).catch(() => undefined);
  }
  cri.close();
  await cluster.cleanup();
});

test('data written to a claim outlives the pod that wrote it; deleting the claim removes volume and directory', { skip }, async () => {
  apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: ns }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } } });
  apply(pod('writer', 'echo "written by $(hostname)" > /data/note && sleep 3600'));
  await until('the writer to run', () => get(['pod', 'writer', '-n', ns])?.['status']?.['phase'] === 'Running', 120_000);
  const claim = await until('the claim to be Bound', () => {
    const c = get(['pvc', 'data', '-n', ns]);
    return c?.['status']?.['phase'] === 'Bound' ? c : undefined;
  });
  const pvName = claim['spec']['volumeName'] as string;
  const dir = join(cluster.dataDir, 'local-path', pvName);
  const note = join(dir, 'note');
  await until('the file on the node', () => existsSync(note) && readFileSync(note, 'utf8') === 'written by writer\n');

  assert.equal(akubectl(cluster, ['delete', 'pod', 'writer', '-n', ns]).status, 0);
  await until('the writer to be gone', () => get(['pod', 'writer', '-n', ns]) === undefined);
  assert.equal(get(['pvc', 'data', '-n', ns])?.['status']?.['phase'], 'Bound', 'the claim stays bound without pods');

  apply(pod('reader', 'cat /data/note; echo "read by $(hostname)" >> /data/note; sleep 3600'));
  await until('the reader to run', () => get(['pod', 'reader', '-n', ns])?.['status']?.['phase'] === 'Running', 120_000);
  const logs = await until('the reader\'s output', () => {
    const r = akubectl(cluster, ['logs', 'reader', '-n', ns]);
    return r.status === 0 && r.stdout.includes('written by') ? r.stdout : undefined;
  });
  assert.equal(logs, 'written by writer\n');
  await until('the reader\'s line on the node', () => readFileSync(note, 'utf8') === 'written by writer\nread by reader\n');

  // In use: the claim waits for its pod; then Delete reclaims the volume and its directory.
  assert.equal(akubectl(cluster, ['delete', 'pvc', 'data', '-n', ns, '--wait=false']).status, 0);
  await sleep(1000);
  assert.ok(get(['pvc', 'data', '-n', ns])?.['metadata']?.['deletionTimestamp'], 'marked for deletion');
  assert.ok(existsSync(note));
  assert.equal(akubectl(cluster, ['delete', 'pod', 'reader', '-n', ns]).status, 0);
  await until('claim, volume and directory to go', () => get(['pvc', 'data', '-n', ns]) === undefined && get(['pv', pvName]) === undefined && !existsSync(dir), 60_000);
});

test('configMap and secret volumes follow kubectl patch within seconds; a subPath mount keeps its first content', { skip: skip || (!hasKubectl && 'kubectl is not installed') }, async () => {
  assert.equal(kubectl(cluster, ['create', 'configmap', 'app', '-n', ns, '--from-literal=greeting=hello']).status, 0);
  assert.equal(kubectl(cluster, ['create', 'secret', 'generic', 'pw', '-n', ns, '--from-literal=word=one']).status, 0);
  apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'cfg-reader', namespace: ns },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: 'main', image: busyboxImage, imagePullPolicy: 'Never', command: ['sleep', '3600'],
        volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }, { name: 'cfg', mountPath: '/sub/greeting', subPath: 'greeting' }, { name: 'sec', mountPath: '/sec' }],
      }],
      volumes: [{ name: 'cfg', configMap: { name: 'app' } }, { name: 'sec', secret: { secretName: 'pw' } }],
    },
  });
  await until('cfg-reader to run', () => get(['pod', 'cfg-reader', '-n', ns])?.['status']?.['phase'] === 'Running', 120_000);
  const cat = (file: string) => {
    const r = kubectl(cluster, ['exec', 'cfg-reader', '-n', ns, '--', 'cat', file]);
    return r.status === 0 ? r.stdout : `exit ${r.status}: ${r.stderr}`;
  };
  assert.equal(cat('/cfg/greeting'), 'hello');
  assert.equal(cat('/sub/greeting'), 'hello');
  assert.equal(cat('/sec/word'), 'one');

  // The periodic refresh is a minute after the pod's set-up: only the watch brings the change within 30 s of it.
  let started = Date.now();
  assert.equal(kubectl(cluster, ['patch', 'configmap', 'app', '-n', ns, '-p', '{"data":{"greeting":"bonjour"}}']).status, 0);
  await until('the patched configMap in the pod', () => cat('/cfg/greeting') === 'bonjour', 30_000);
  const cmSeconds = (Date.now() - started) / 1000;
  assert.equal(cat('/sub/greeting'), 'hello', 'subPath mounts are never updated, as in Kubernetes');
  started = Date.now();
  assert.equal(kubectl(cluster, ['patch', 'secret', 'pw', '-n', ns, '-p', JSON.stringify({ data: { word: Buffer.from('two').toString('base64') } })]).status, 0);
  await until('the patched secret in the pod', () => cat('/sec/word') === 'two', 30_000);
  const secretSeconds = (Date.now() - started) / 1000;
  console.log(`# configMap change visible in the pod after ${cmSeconds.toFixed(1)} s, secret after ${secretSeconds.toFixed(1)} s`);
  assert.equal(kubectl(cluster, ['delete', 'pod', 'cfg-reader', '-n', ns, '--wait=false']).status, 0);
});

test('a claim\'s subPath is made on first use; a claim with readOnly: true is mounted read-only', { skip }, async () => {
  apply({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'shared', namespace: ns }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } });
  const writer = pod('sub-writer', 'echo written > /data/f && sleep 3600');
  writer.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'shared' } }];
  (writer.spec.containers[0] as { volumeMounts: unknown[] }).volumeMounts = [{ name: 'data', mountPath: '/data', subPath: 'made/here' }];
  apply(writer);
  await until('sub-writer to run', () => get(['pod', 'sub-writer', '-n', ns])?.['status']?.['phase'] === 'Running', 120_000);
  const pvName = get(['pvc', 'shared', '-n', ns])?.['spec']?.['volumeName'] as string;
  await until('the file in the made subPath', () => existsSync(join(cluster.dataDir, 'local-path', pvName, 'made/here/f')));

  const reader = pod('ro-reader', 'cat /data/made/here/f; touch /data/nope 2>&1; sleep 3600');
  reader.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'shared', readOnly: true } } as never];
  apply(reader);
  const logs = await until('ro-reader\'s output', () => {
    const r = akubectl(cluster, ['logs', 'ro-reader', '-n', ns]);
    return r.status === 0 && r.stdout.includes('nope') ? r.stdout : undefined;
  }, 120_000);
  assert.match(logs, /^written\n.*Read-only file system/s);
  assert.equal(existsSync(join(cluster.dataDir, 'local-path', pvName, 'nope')), false);
  for (const p of ['sub-writer', 'ro-reader']) akubectl(cluster, ['delete', 'pod', p, '-n', ns, '--wait=false']);
});

// A real `a-kube up --runtime fake --storage etcd://…` on an etcd this file starts (test/support/etcd.ts),
// driven by the real kubectl: create/get, chunked lists, a watch, a conflict on a stale resourceVersion,
// delete, the keys as etcdctl sees them (kube-apiserver's layout), server-side apply, a CRD and its objects,
// 410 Expired for a continue token after an etcd compaction, and objects surviving a restart of a-kube.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { etcdMissing, startEtcd, type RunningEtcd } from '../support/etcd.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entry, kubectl, repoRoot, startCluster, type Cluster, ok } from './harness.js';

const missing = etcdMissing();
const skip = missing && process.env['CI'] !== 'true' ? `skipped: ${missing}` : false;
let etcd: RunningEtcd | undefined;
let cluster: Cluster | undefined;

before(async () => {
  if (skip) return;
  etcd = await startEtcd();
  cluster = await startCluster({ args: ['--runtime', 'fake', '--storage', `etcd://${etcd.endpoints.join(',')}`] });
});
after(async () => {
  await cluster?.cleanup();
  await etcd?.stop();
});


function k(args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  return kubectl(cluster as Cluster, args, input === undefined ? {} : { input });
}

test('kubectl on etcd: create, get, chunked list, conflict on a stale resourceVersion, delete', { skip }, () => {
  ok(k(['create', 'namespace', 'etcd-e2e']), 'create ns');
  for (let i = 0; i < 7; i++) ok(k(['create', 'configmap', `cm-${i}`, '-n', 'etcd-e2e', `--from-literal=i=${i}`]), `create cm-${i}`);
  const cm = JSON.parse(ok(k(['get', 'configmap', 'cm-3', '-n', 'etcd-e2e', '-o', 'json']), 'get'));
  assert.deepEqual(cm.data, { i: '3' });
  assert.match(cm.metadata.resourceVersion, /^\d+$/);

  // The key is where kube-apiserver would put it, and its mod revision is the resourceVersion.
  const etcdctl = spawnSync('etcdctl', ['--endpoints', (etcd as RunningEtcd).endpoints.join(','), 'get', '/registry/configmaps/etcd-e2e/cm-3', '-w', 'json'], {
    encoding: 'utf8',
    env: { ...process.env, ETCDCTL_API: '3' },
  });
  assert.equal(etcdctl.status, 0, etcdctl.stderr);
  assert.equal(String(JSON.parse(etcdctl.stdout).kvs[0].mod_revision), cm.metadata.resourceVersion);

  // --chunk-size makes kubectl page with limit/continue; every object comes back once, in order.
  const chunked = ok(k(['get', 'configmaps', '-n', 'etcd-e2e', '--chunk-size=2', '-o', 'name', '-v=6']), 'chunked list');
  assert.deepEqual(
    chunked.split('\n').filter((l) => l.startsWith('configmap/cm-')),
    Array.from({ length: 7 }, (_, i) => `configmap/cm-${i}`),
  );
  const pages = spawnSync('kubectl', ['--kubeconfig', (cluster as Cluster).kubeconfig, 'get', 'configmaps', '-n', 'etcd-e2e', '--chunk-size=2', '-v=6'], {
    encoding: 'utf8',
    env: { ...process.env, HOME: (cluster as Cluster).dataDir },
  });
  assert.ok((pages.stderr.match(/continue=/g) ?? []).length >= 3, `kubectl paged with continue tokens:\n${pages.stderr}`);

  // A replace carrying the old resourceVersion after someone else's update is refused.
  ok(k(['label', 'configmap', 'cm-3', '-n', 'etcd-e2e', 'changed=yes']), 'label');
  const stale = { ...cm, data: { i: 'stale' } };
  const conflict = k(['replace', '-f', '-'], JSON.stringify(stale));
  assert.equal(conflict.status, 1);
  assert.match(
    conflict.stderr,
    /Error from server \(Conflict\): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "cm-3": the object has been modified; please apply your changes to the latest version and try again/,
  );

  ok(k(['delete', 'configmap', 'cm-6', '-n', 'etcd-e2e']), 'delete');
  const gone = k(['get', 'configmap', 'cm-6', '-n', 'etcd-e2e']);
  assert.equal(gone.stderr.trim(), 'Error from server (NotFound): configmaps "cm-6" not found');
});

test('kubectl get -w on etcd sees additions, changes and deletions as they happen', { skip }, async () => {
  ok(k(['create', 'namespace', 'etcd-watch']), 'create ns');
  const c = cluster as Cluster;
  const watcher = spawn('kubectl', ['--kubeconfig', c.kubeconfig, 'get', 'configmaps', '-n', 'etcd-watch', '-w', '--output-watch-events', '-o', 'custom-columns=EVENT:.type,NAME:.object.metadata.name,I:.object.data.i'], {
    env: { ...process.env, HOME: c.dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  watcher.stdout.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await until(() => /EVENT/.test(out) || out.includes('kube-root-ca.crt'), 'the watch to start');
    ok(k(['create', 'configmap', 'w1', '-n', 'etcd-watch', '--from-literal=i=1']), 'create');
    await until(() => /ADDED\s+w1\s+1/.test(out), 'ADDED w1');
    ok(k(['patch', 'configmap', 'w1', '-n', 'etcd-watch', '-p', '{"data":{"i":"2"}}']), 'patch');
    await until(() => /MODIFIED\s+w1\s+2/.test(out), 'MODIFIED w1');
    ok(k(['delete', 'configmap', 'w1', '-n', 'etcd-watch']), 'delete');
    await until(() => /DELETED\s+w1\s+2/.test(out), 'DELETED w1');
  } finally {
    watcher.kill();
  }

  async function until(cond: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; watch output:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});

test('objects on etcd survive a restart of a-kube with their uid and resourceVersion', { skip }, async () => {
  ok(k(['create', 'namespace', 'etcd-restart']), 'create ns');
  ok(k(['create', 'secret', 'generic', 'keep', '-n', 'etcd-restart', '--from-literal=k=v']), 'create secret');
  const before = JSON.parse(ok(k(['get', 'secret', 'keep', '-n', 'etcd-restart', '-o', 'json']), 'get before'));
  await (cluster as Cluster).restart();
  const afterRestart = JSON.parse(ok(k(['get', 'secret', 'keep', '-n', 'etcd-restart', '-o', 'json']), 'get after'));
  assert.equal(afterRestart.metadata.uid, before.metadata.uid);
  assert.equal(afterRestart.metadata.resourceVersion, before.metadata.resourceVersion);
  assert.equal(afterRestart.metadata.creationTimestamp, before.metadata.creationTimestamp);
  assert.deepEqual(afterRestart.data, before.data);
  // Writes go on after the restart, with resourceVersions past the ones before it.
  ok(k(['create', 'configmap', 'after', '-n', 'etcd-restart']), 'create after restart');
  const next = JSON.parse(ok(k(['get', 'configmap', 'after', '-n', 'etcd-restart', '-o', 'json']), 'get new'));
  assert.ok(Number(next.metadata.resourceVersion) > Number(before.metadata.resourceVersion));
});

test('a-kube server on the same etcd serves the same objects, and its watch sees writes made through a-kube up', { skip }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'akube-e2e-server-'));
  const server = spawn(process.execPath, [...entry('a-kube'), 'server', '--data-dir', dataDir, '--port', '0', '--storage', `etcd://${(etcd as RunningEtcd).endpoints.join(',')}`], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOME: dataDir },
  });
  let log = '';
  let watchOut = '';
  const watcher: { kill?: () => void } = {};
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`a-kube server not ready:\n${log}`)), 90_000);
      const onData = (d: Buffer): void => {
        log += d.toString();
        if (log.includes('a-kube is up at')) {
          clearTimeout(timer);
          resolve();
        }
      };
      server.stdout.on('data', onData);
      server.stderr.on('data', onData);
      server.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`a-kube server exited (${code}):\n${log}`));
      });
    });
    const second = ['--kubeconfig', join(dataDir, 'admin.kubeconfig')];
    const env = { ...process.env, HOME: dataDir };
    ok(k(['create', 'namespace', 'etcd-two']), 'create ns through up');
    // The namespace made through the first API server is there on the second.
    const ns = spawnSync('kubectl', [...second, 'get', 'namespace', 'etcd-two', '-o', 'name'], { encoding: 'utf8', env });
    assert.equal(ns.stdout.trim(), 'namespace/etcd-two', ns.stderr);
    const w = spawn('kubectl', [...second, 'get', 'configmaps', '-n', 'etcd-two', '-w', '--output-watch-events', '-o', 'custom-columns=EVENT:.type,NAME:.object.metadata.name'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    watcher.kill = () => w.kill();
    w.stdout.on('data', (d: Buffer) => (watchOut += d.toString()));
    const deadline = Date.now() + 30_000;
    let created = false;
    while (!/ADDED\s+through-up/.test(watchOut)) {
      if (Date.now() > deadline) throw new Error(`the second server's watch did not see the write:\n${watchOut}`);
      if (!created && /EVENT|kube-root-ca/.test(watchOut)) {
        ok(k(['create', 'configmap', 'through-up', '-n', 'etcd-two']), 'create through up');
        created = true;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // And a write through the second is read back through the first.
    const made = spawnSync('kubectl', [...second, 'create', 'configmap', 'through-server', '-n', 'etcd-two'], { encoding: 'utf8', env });
    assert.equal(made.status, 0, made.stderr);
    assert.equal(ok(k(['get', 'configmap', 'through-server', '-n', 'etcd-two', '-o', 'name']), 'get through up').trim(), 'configmap/through-server');
  } finally {
    watcher.kill?.();
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
});

function etcdctl(args: string[]): string {
  const r = spawnSync('etcdctl', ['--endpoints', (etcd as RunningEtcd).endpoints.join(','), ...args], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('kubectl on etcd: built-ins and custom resources where kube-apiserver keeps them, server-side apply, a CRD', { skip }, () => {
  ok(k(['create', 'namespace', 'etcd-api']), 'create ns');
  ok(k(['create', 'deployment', 'web', '-n', 'etcd-api', '--image=registry.k8s.io/pause:3.10']), 'create deployment');
  ok(k(['create', 'service', 'clusterip', 'svc', '-n', 'etcd-api', '--tcp=80:8080']), 'create service');
  ok(k(['create', 'clusterrole', 'etcd-api-reader', '--verb=get', '--resource=pods']), 'create clusterrole');
  const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.etcd.example.com}
spec:
  group: etcd.example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, x-kubernetes-preserve-unknown-fields: true}}}}
`;
  ok(k(['apply', '-f', '-'], crd), 'create crd');
  ok(k(['wait', '--for=condition=Established', 'crd/widgets.etcd.example.com', '--timeout=30s']), 'crd established');
  ok(k(['apply', '-f', '-'], 'apiVersion: etcd.example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: etcd-api}\nspec: {size: 3}\n'), 'create widget');
  assert.equal(JSON.parse(ok(k(['get', 'widget', 'w1', '-n', 'etcd-api', '-o', 'json']), 'get widget')).spec.size, 3);

  const keys = etcdctl(['get', '--prefix', '--keys-only', '/registry/']).split('\n');
  for (const key of [
    '/registry/namespaces/etcd-api',
    '/registry/deployments/etcd-api/web',
    '/registry/services/specs/etcd-api/svc',
    '/registry/clusterroles/etcd-api-reader',
    '/registry/apiextensions.k8s.io/customresourcedefinitions/widgets.etcd.example.com',
    '/registry/etcd.example.com/widgets/etcd-api/w1',
  ]) {
    assert.ok(keys.includes(key), `${key} in etcd`);
  }

  // Two managers of one field: Kubernetes' conflict text, then --force-conflicts moves the field.
  const applied = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: etcd-api}\ndata: {key: ${value}}\n`;
  ok(k(['apply', '--server-side', '-f', '-'], applied('one')), 'first apply');
  const conflict = k(['apply', '--server-side', '--field-manager', 'other', '-f', '-'], applied('two'));
  assert.equal(conflict.status, 1);
  assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.data\.key/);
  ok(k(['apply', '--server-side', '--force-conflicts', '--field-manager', 'other', '-f', '-'], applied('two')), 'forced apply');
  const cm = JSON.parse(ok(k(['get', 'configmap', 'ssa', '-n', 'etcd-api', '-o', 'json', '--show-managed-fields']), 'get ssa'));
  assert.equal(cm.data.key, 'two');
  assert.deepEqual(
    cm.metadata.managedFields.filter((f: { operation: string }) => f.operation === 'Apply').map((f: { manager: string }) => f.manager),
    ['other'],
  );
});

test('kubectl on etcd: events.k8s.io Events are stored as core Events under /registry/events/NS/NAME', { skip }, () => {
  ok(k(['create', 'namespace', 'etcd-ev']), 'create ns');
  const event = `apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: d.1, namespace: etcd-ev}
eventTime: '2026-01-01T00:00:00.000000Z'
regarding: {kind: Deployment, name: d, namespace: etcd-ev}
reason: ScalingReplicaSet
note: scaled up
type: Normal
action: Scale
reportingController: deployment-controller
reportingInstance: cm-1
`;
  ok(k(['create', '-f', '-'], event), 'create events.k8s.io event');
  ok(k(['create', '-f', '-'], 'apiVersion: v1\nkind: Event\nmetadata: {name: p.1, namespace: etcd-ev}\ninvolvedObject: {kind: Pod, name: p, namespace: etcd-ev}\nreason: Pulled\nmessage: pulled\n'), 'create core event');
  assert.deepEqual(etcdctl(['get', '--prefix', '--keys-only', '/registry/events/etcd-ev/']).split('\n').filter(Boolean), ['/registry/events/etcd-ev/d.1', '/registry/events/etcd-ev/p.1']);
  assert.equal(etcdctl(['get', '--prefix', '--keys-only', '/registry/events.k8s.io/']).trim(), '');
  const stored = JSON.parse(etcdctl(['get', '/registry/events/etcd-ev/d.1', '--print-value-only']));
  assert.equal(stored.apiVersion, 'v1');
  assert.equal(stored.message, 'scaled up');
  assert.deepEqual(stored.involvedObject, { kind: 'Deployment', name: 'd', namespace: 'etcd-ev' });
  // each group reads both, at the same resourceVersion
  const rvs = (resource: string) => JSON.parse(ok(k(['get', resource, '-n', 'etcd-ev', '-o', 'json']), `get ${resource}`)).items.map((i: { metadata: { name: string; resourceVersion: string } }) => `${i.metadata.name}@${i.metadata.resourceVersion}`);
  assert.deepEqual(rvs('events.v1.events.k8s.io'), rvs('events'));
  assert.equal(rvs('events').length, 2);
});

test('a continue token from before an etcd compaction is answered 410 Expired through kubectl', { skip }, () => {
  ok(k(['create', 'namespace', 'etcd-gone']), 'create ns');
  for (let i = 0; i < 3; i++) ok(k(['create', 'configmap', `c-${i}`, '-n', 'etcd-gone']), `create c-${i}`);
  const first = JSON.parse(ok(k(['get', '--raw', '/api/v1/namespaces/etcd-gone/configmaps?limit=1']), 'first page'));
  const token = encodeURIComponent(first.metadata.continue);
  ok(k(['get', '--raw', `/api/v1/namespaces/etcd-gone/configmaps?limit=1&continue=${token}`]), 'second page before compaction');
  ok(k(['create', 'configmap', 'later', '-n', 'etcd-gone']), 'write after the first page');
  const revision = JSON.parse(etcdctl(['endpoint', 'status', '-w', 'json']))[0].Status.header.revision;
  etcdctl(['compact', String(revision)]);
  const expired = k(['get', '--raw', `/api/v1/namespaces/etcd-gone/configmaps?limit=1&continue=${token}`]);
  assert.equal(expired.status, 1);
  assert.match(expired.stderr, /Error from server \(Expired\): The provided continue parameter is too old to display a consistent list result/);
});

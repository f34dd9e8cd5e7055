// The pod volume manager on a temp dir: the projected kube-api-access volume (token, ca.crt, namespace) with the
// ..data symlink layout, token renewal after 80% of its life, configMap/secret items and modes, FailedMount texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../../../src/api/object.js';
import { FakeClock } from '../../../../src/client/workqueue.js';
import { projectedTokenVolume } from '../../../../src/admission/serviceaccount.js';
import { VolumeError, VolumeManager } from '../../../../src/kubelet/volumes/manager.js';
import { writeAtomic } from '../../../../src/kubelet/volumes/atomic-writer.js';
import { FakeApi } from '../../controllers/fake-client.js';

class TokenApi extends FakeApi {
  issued = 0;
  override async create<T>(path: string, body: unknown): Promise<T> {
    if (!path.endsWith('/token')) return super.create<T>(path, body);
    this.issued++;
    const spec = (body as { spec: { expirationSeconds: number; boundObjectRef: { name: string } } }).spec;
    const now = this.clock.now();
    return { kind: 'TokenRequest', spec, status: { token: `token-${this.issued}-for-${spec.boundObjectRef.name}-${path.split('/')[6]}`, expirationTimestamp: new Date(now + spec.expirationSeconds * 1000).toISOString() } } as T;
  }
  constructor(readonly clock: FakeClock) {
    super();
  }
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'akube-volumes-'));
  const clock = new FakeClock(Date.UTC(2024, 4, 1, 10, 0, 0));
  const api = new TokenApi(clock);
  api.seed('/api/v1/namespaces/ns-1/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'ns-1' }, data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n' } } as KubeObject);
  api.seed('/api/v1/namespaces/ns-1/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'ns-1' }, data: { a: 'one', b: 'two' } } as KubeObject);
  api.seed('/api/v1/namespaces/ns-1/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns-1' }, data: { pw: Buffer.from('hunter2').toString('base64') } } as KubeObject);
  const vm = new VolumeManager({ client: api, dataDir: dir, clock, nodeAllocatable: { cpu: 2, memory: 4 * 2 ** 30 } });
  return { dir, clock, api, vm, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function pod(volumes: Record<string, unknown>[]): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'ns-1', uid: 'uid-1', labels: { app: 'web' } }, spec: { serviceAccountName: 'k-sa-1', containers: [{ name: 'c', image: 'x' }], volumes } } as KubeObject;
}

test('the kube-api-access volume: token, ca.crt and namespace behind ..data, renewed after 80% of 3607 s', async (t) => {
  const h = setup();
  t.after(h.cleanup);
  const p = pod([projectedTokenVolume('kube-api-access-abcde')]);
  const paths = await h.vm.setUp(p);
  const dir = paths.get('kube-api-access-abcde') ?? '';
  assert.equal(dir, join(h.dir, 'pods/uid-1/volumes/kubernetes.io~projected/kube-api-access-abcde'));
  assert.equal(readFileSync(join(dir, 'token'), 'utf8'), 'token-1-for-web-k-sa-1');
  assert.equal(readFileSync(join(dir, 'namespace'), 'utf8'), 'ns-1');
  assert.match(readFileSync(join(dir, 'ca.crt'), 'utf8'), /BEGIN CERTIFICATE/);
  assert.equal(readlinkSync(join(dir, 'token')), '..data/token');
  assert.ok(lstatSync(join(dir, '..data')).isSymbolicLink());
  assert.equal(statSync(join(dir, 'ca.crt')).mode & 0o777, 0o644);
  assert.equal(h.api.issued, 1);

  // Same token until 80% of its life; then a new one, swapped in atomically.
  h.clock.advance(2800_000);
  await h.vm.setUp(p);
  assert.equal(h.api.issued, 1);
  assert.ok((h.vm.msUntilRefresh('uid-1') ?? 0) > 0);
  const before = readlinkSync(join(dir, '..data'));
  h.clock.advance(100_000);
  await h.vm.setUp(p);
  assert.equal(h.api.issued, 2);
  assert.equal(readFileSync(join(dir, 'token'), 'utf8'), 'token-2-for-web-k-sa-1');
  assert.notEqual(readlinkSync(join(dir, '..data')), before);

  h.vm.tearDown('uid-1');
  assert.throws(() => statSync(join(h.dir, 'pods/uid-1')));
});

test('configMap and secret volumes: items, modes, optional, and the kubelet\'s FailedMount wording', async (t) => {
  const h = setup();
  t.after(h.cleanup);
  const paths = await h.vm.setUp(
    pod([
      { name: 'cfg', configMap: { name: 'app', items: [{ key: 'b', path: 'sub/b.txt', mode: 0o600 }] } },
      { name: 'sec', secret: { secretName: 's', defaultMode: 0o400 } },
      { name: 'opt', configMap: { name: 'missing', optional: true } },
      { name: 'scratch', emptyDir: {} },
      { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } }] } },
    ]),
  );
  assert.equal(readFileSync(join(paths.get('cfg') ?? '', 'sub/b.txt'), 'utf8'), 'two');
  assert.equal(statSync(join(paths.get('cfg') ?? '', 'sub/b.txt')).mode & 0o777, 0o600);
  assert.equal(readFileSync(join(paths.get('sec') ?? '', 'pw'), 'utf8'), 'hunter2');
  assert.equal(statSync(join(paths.get('sec') ?? '', 'pw')).mode & 0o777, 0o400);
  assert.ok(statSync(paths.get('scratch') ?? '').isDirectory());
  assert.equal(readFileSync(join(paths.get('info') ?? '', 'labels'), 'utf8'), 'app="web"');
  assert.equal(readFileSync(join(paths.get('info') ?? '', 'mem'), 'utf8'), '4096');

  await assert.rejects(h.vm.setUp(pod([{ name: 'cfg', configMap: { name: 'nope' } }])), (e: unknown) => e instanceof VolumeError && e.message === 'MountVolume.SetUp failed for volume "cfg" : configmap "nope" not found');
  await assert.rejects(h.vm.setUp(pod([{ name: 'cfg', configMap: { name: 'app', items: [{ key: 'zz', path: 'z' }] } }])), /configmap references non-existent config key: zz/);
  await assert.rejects(h.vm.setUp(pod([{ name: 'cfg', configMap: { name: 'app', items: [{ key: 'a', path: '../escape' }] } }])), /invalid path "\.\.\/escape"/);
});

test('writeAtomic rewrites only on change and removes names that are gone', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-atomic-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(writeAtomic(dir, [{ path: 'a', data: Buffer.from('1'), mode: 0o644 }, { path: 'b', data: Buffer.from('2'), mode: 0o644 }]), true);
  assert.equal(writeAtomic(dir, [{ path: 'a', data: Buffer.from('1'), mode: 0o644 }, { path: 'b', data: Buffer.from('2'), mode: 0o644 }]), false);
  assert.equal(writeAtomic(dir, [{ path: 'a', data: Buffer.from('3'), mode: 0o644 }]), true);
  assert.equal(readFileSync(join(dir, 'a'), 'utf8'), '3');
  assert.throws(() => lstatSync(join(dir, 'b')));
});

test('emptyDir medium Memory is a tmpfs of sizeLimit, unmounted before the pod dir is removed', { skip: process.getuid?.() !== 0 ? 'mounting tmpfs needs root' : false }, async (t) => {
  const h = setup();
  t.after(h.cleanup);
  const { mountsUnder } = await import('../../../../src/kubelet/volumes/manager.js');
  const paths = await h.vm.setUp(pod([{ name: 'ram', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } }]));
  const dir = paths.get('ram') ?? '';
  assert.deepEqual(mountsUnder(dir), [dir]);
  await h.vm.setUp(pod([{ name: 'ram', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } }]));
  assert.deepEqual(mountsUnder(dir), [dir], 'mounted once');
  const df = (await import('node:fs')).statfsSync(dir);
  assert.equal(df.blocks * df.bsize, 8 * 2 ** 20);
  h.vm.tearDown('uid-1');
  assert.deepEqual(mountsUnder(dir), []);
  assert.throws(() => statSync(dir));
});

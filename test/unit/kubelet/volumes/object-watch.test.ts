// configMap and secret volumes follow their objects by watch: one single-object watch per mounted object
// (metadata.name field selector), a change names the pods mounting it, their next set-up rewrites the files
// at once (no waiting for the periodic refresh), and the watches end when the last pod lets go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeList, KubeObject } from '../../../../src/api/object.js';
import { FakeClock } from '../../../../src/client/workqueue.js';
import type { WatchEvent } from '../../../../src/client/watch.js';
import { VolumeManager } from '../../../../src/kubelet/volumes/manager.js';
import { ObjectWatcher, volumeRefs } from '../../../../src/kubelet/volumes/object-watch.js';
import { FakeApi } from '../../controllers/fake-client.js';

/** Objects by collection path and name; list and watch honour a metadata.name field selector. */
class WatchableApi {
  readonly objects = new Map<string, KubeObject>();
  readonly open = new Map<string, (ev: WatchEvent) => void>();
  rv = 10;
  readonly requests: string[] = [];

  put(path: string, obj: KubeObject, type: 'ADDED' | 'MODIFIED' = 'MODIFIED'): void {
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
    this.objects.set(`${path}/${obj.metadata.name}`, stored);
    this.open.get(`${path}?${obj.metadata.name}`)?.({ type, object: stored });
  }

  remove(path: string, name: string): void {
    const obj = this.objects.get(`${path}/${name}`);
    this.objects.delete(`${path}/${name}`);
    if (obj) this.open.get(`${path}?${name}`)?.({ type: 'DELETED', object: { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } } });
  }

  async list<T extends KubeObject>(path: string, opts?: { query?: Record<string, unknown> }): Promise<KubeList<T>> {
    const name = String(opts?.query?.['fieldSelector'] ?? '').replace(/^metadata\.name=/, '');
    this.requests.push(`list ${path} ${name}`);
    const obj = this.objects.get(`${path}/${name}`);
    return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: String(this.rv) }, items: obj ? [obj as T] : [] };
  }

  watch(path: string, query: Record<string, unknown>, signal: AbortSignal): AsyncIterable<WatchEvent> {
    const name = String(query['fieldSelector'] ?? '').replace(/^metadata\.name=/, '');
    const key = `${path}?${name}`;
    const queue: WatchEvent[] = [];
    let wake: (() => void) | undefined;
    this.open.set(key, (ev) => {
      queue.push(ev);
      wake?.();
    });
    signal.addEventListener('abort', () => wake?.(), { once: true });
    const open = this.open;
    return {
      async *[Symbol.asyncIterator]() {
        try {
          while (!signal.aborted) {
            const ev = queue.shift();
            if (ev) yield ev;
            else await new Promise<void>((r) => (wake = r));
          }
        } finally {
          open.delete(key);
        }
      },
    };
  }
}

const cmPath = '/api/v1/namespaces/ns-1/configmaps';
const secretPath = '/api/v1/namespaces/ns-1/secrets';

function pod(name: string, uid: string, volumes: Record<string, unknown>[]): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns-1', uid }, spec: { containers: [{ name: 'c', image: 'x' }], volumes } } as KubeObject;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), what);
}

test('volumeRefs: configMap, secret and projected sources, each once', () => {
  const refs = volumeRefs('ns', [
    { name: 'a', configMap: { name: 'app' } },
    { name: 'b', secret: { secretName: 's' } },
    { name: 'c', projected: { sources: [{ configMap: { name: 'app' } }, { secret: { name: 't' } }, { serviceAccountToken: {} }] } },
    { name: 'd', emptyDir: {} },
  ]);
  assert.deepEqual(refs.map((r) => `${r.resource}/${r.name}`), ['configmaps/app', 'secrets/s', 'secrets/t']);
});

test('a changed configMap or secret rewrites the volumes of the pods that mount it, without waiting for the refresh period', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-objwatch-'));
  const stop = new AbortController();
  t.after(() => {
    stop.abort();
    rmSync(dir, { recursive: true, force: true });
  });
  const api = new WatchableApi();
  api.put(cmPath, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'ns-1' }, data: { greeting: 'hello' } } as KubeObject, 'ADDED');
  api.put(secretPath, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns-1' }, data: { pw: Buffer.from('one').toString('base64') } } as KubeObject, 'ADDED');
  const clock = new FakeClock(Date.UTC(2024, 4, 1));
  const watcher = new ObjectWatcher({ client: api as never, signal: stop.signal, clock });
  const vm = new VolumeManager({ client: new FakeApi(), dataDir: dir, clock, nodeAllocatable: { cpu: 1, memory: 2 ** 30 }, watcher });
  const changed: string[] = [];
  vm.onContentChange((key) => changed.push(key));

  const web = pod('web', 'uid-1', [
    { name: 'cfg', configMap: { name: 'app' } },
    { name: 'all', projected: { sources: [{ secret: { name: 's' } }, { configMap: { name: 'app', items: [{ key: 'greeting', path: 'g' }] } }] } },
  ]);
  const other = pod('other', 'uid-2', [{ name: 'cfg', configMap: { name: 'app' } }]);
  const paths = await vm.setUp(web);
  await vm.setUp(other);
  const cfg = paths.get('cfg') ?? '';
  const all = paths.get('all') ?? '';
  assert.equal(readFileSync(join(cfg, 'greeting'), 'utf8'), 'hello');
  assert.equal(readFileSync(join(all, 'pw'), 'utf8'), 'one');
  assert.equal(watcher.size, 2, 'one watch per object, shared by the pods');
  assert.deepEqual(api.requests.sort(), [`list ${cmPath} app`, `list ${secretPath} s`]);

  // Within the refresh period an unchanged set-up is reused; a change invalidates it.
  api.put(cmPath, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'ns-1' }, data: { greeting: 'bonjour' } } as KubeObject);
  await until(() => changed.length === 2, 'both pods mounting the configMap are named');
  assert.deepEqual(changed.sort(), ['ns-1/other', 'ns-1/web']);
  await vm.setUp(web);
  assert.equal(readFileSync(join(cfg, 'greeting'), 'utf8'), 'bonjour');
  assert.equal(readFileSync(join(all, 'g'), 'utf8'), 'bonjour', 'projected sources follow too');

  changed.length = 0;
  api.put(secretPath, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns-1' }, data: { pw: Buffer.from('two').toString('base64') } } as KubeObject);
  await until(() => changed.length === 1, 'the secret change names its one pod');
  assert.deepEqual(changed, ['ns-1/web']);
  await vm.setUp(web);
  assert.equal(readFileSync(join(all, 'pw'), 'utf8'), 'two');

  // A deleted (non-optional) configMap: the set-up fails as a FailedMount would say, the files stay as they were.
  api.remove(cmPath, 'app');
  await until(() => changed.includes('ns-1/other'), 'deletion is a change');
  await assert.rejects(vm.setUp(other), /MountVolume\.SetUp failed for volume "cfg" : configmap "app" not found/);
  assert.equal(readFileSync(join(cfg, 'greeting'), 'utf8'), 'bonjour');

  // The watches end with the last pod that mounts their object.
  vm.tearDown('uid-2');
  assert.equal(watcher.size, 2, 'web still mounts both');
  vm.tearDown('uid-1');
  assert.equal(watcher.size, 0);
  await until(() => api.open.size === 0, 'the watch streams are closed');
});

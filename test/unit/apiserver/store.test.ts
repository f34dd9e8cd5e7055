import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { findResource } from '../../../src/api/catalog.js';
import type { ResourceInfo } from '../../../src/api/resource-info.js';
import { StatusError, field } from '../../../src/api/status.js';
import { Store } from '../../../src/registry/store.js';
import { generateName } from '../../../src/registry/generate-name.js';
import type { StoreWatchEvent } from '../../../src/registry/store-types.js';
import type { Strategy } from '../../../src/registry/strategy.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { createResourceCache } from '../../../src/storage/cacher.js';
import type { Storage } from '../../../src/storage/types.js';

function info(group: string, resource: string): ResourceInfo {
  const r = findResource(group, group === '' ? 'v1' : 'v1', resource);
  assert.ok(r);
  return r;
}

function simpleStrategy(resource: ResourceInfo, extra: Partial<Strategy> = {}): Strategy {
  return {
    resource,
    validate: (obj) => (obj.metadata.name ? [] : [field.required('metadata.name', 'name or generateName is required')]),
    allowUnconditionalUpdate: true,
    ...extra,
  };
}

async function setup(resource = info('', 'configmaps'), extra: Partial<Strategy> = {}, storage: Storage = createMemoryStorage()) {
  const cache = createResourceCache(storage, `/registry/${resource.group || 'core'}/${resource.resource}/`);
  await cache.ready();
  const store = new Store({
    storage,
    cache,
    strategy: simpleStrategy(resource, extra),
    now: () => new Date('2024-05-01T10:00:00.123Z'),
  });
  return { store, storage, cache, close: () => cache.close() };
}

function cm(name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
}

async function rejects(p: Promise<unknown>, code: number, message?: string | RegExp): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (typeof message === 'string') assert.equal(e.status.message, message);
    else if (message) assert.match(e.status.message ?? '', message);
    return e;
  }
  assert.fail('expected a rejection');
}

test('create sets system fields; get reads it back; duplicate → 409 AlreadyExists', async () => {
  const s = await setup();
  const created = await s.store.create('default', cm('a', { k: 'v' }));
  assert.match(created.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(created.metadata.creationTimestamp, '2024-05-01T10:00:00Z');
  assert.equal(created.metadata.namespace, 'default');
  assert.ok(Number(created.metadata.resourceVersion) > 0);
  const got = await s.store.get('default', 'a');
  assert.deepEqual(got, created);
  await rejects(s.store.create('default', cm('a')), 409, 'configmaps "a" already exists');
  await rejects(s.store.get('default', 'zz'), 404, 'configmaps "zz" not found');
  s.close();
});


test('generateName: base + 5 chars of the k8s alphabet', async () => {
  assert.match(generateName('web-'), /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.equal(generateName('x'.repeat(70)).length, 63);
  const s = await setup();
  const a = await s.store.create('default', { metadata: { generateName: 'gen-' } });
  assert.match(a.metadata.name ?? '', /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  s.close();
});

test('dryRun create runs validation but writes nothing', async () => {
  const s = await setup();
  const before = await s.storage.currentRevision();
  const obj = await s.store.create('default', cm('dry'), { dryRun: true });
  assert.equal(obj.metadata.name, 'dry');
  assert.equal(await s.storage.currentRevision(), before);
  await rejects(s.store.create('default', { metadata: {} }, { dryRun: true }), 422, 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required');
  s.close();
});

test('update: optimistic concurrency, no-op keeps the resourceVersion', async () => {
  const s = await setup();
  const v1 = await s.store.create('default', cm('a', { k: '1' }));
  const stale = structuredClone(v1);
  const { object: v2 } = await s.store.update('default', 'a', () => ({ ...structuredClone(v1), data: { k: '2' } }), { requireResourceVersion: true });
  assert.notEqual(v2.metadata.resourceVersion, v1.metadata.resourceVersion);
  assert.equal(v2.metadata.uid, v1.metadata.uid);
  await rejects(
    s.store.update('default', 'a', () => ({ ...stale, data: { k: '3' } }), { requireResourceVersion: true }),
    409,
    'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
  );
  const { object: same } = await s.store.update('default', 'a', (cur) => cur!, {});
  assert.equal(same.metadata.resourceVersion, v2.metadata.resourceVersion);
  s.close();
});

test('update without resourceVersion needs allowUnconditionalUpdate', async () => {
  const s = await setup(info('', 'configmaps'), { allowUnconditionalUpdate: false });
  await s.store.create('default', cm('a'));
  await rejects(
    s.store.update('default', 'a', () => cm('a', { x: 'y' }), { requireResourceVersion: true }),
    422,
    'ConfigMap "a" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
  );
  s.close();
});

test('update of a missing object: 404, or create with allowCreateOnUpdate', async () => {
  const s = await setup();
  await rejects(s.store.update('default', 'm', () => cm('m')), 404);
  s.close();
  const t = await setup(info('', 'configmaps'), { allowCreateOnUpdate: true });
  const r = await t.store.update('default', 'm', () => cm('m'));
  assert.equal(r.created, true);
  t.close();
});

test('delete: preconditions, finalizers keep the object until the last is removed', async () => {
  const s = await setup();
  const obj = await s.store.create('default', { ...cm('f'), metadata: { name: 'f', finalizers: ['example.com/x'] } });
  await rejects(s.store.delete('default', 'f', { preconditions: { uid: 'other' } }), 409, `Operation cannot be fulfilled on configmaps "f": Precondition failed: UID in precondition: other, UID in object meta: ${obj.metadata.uid}`);
  const r = await s.store.delete('default', 'f');
  assert.equal(r.deleted, false);
  assert.equal(r.object.metadata.deletionTimestamp, '2024-05-01T10:00:00Z');
  assert.equal(r.object.metadata.deletionGracePeriodSeconds, 0);
  // removing the last finalizer completes the deletion
  await s.store.update('default', 'f', (cur) => ({ ...cur!, metadata: { ...cur!.metadata, finalizers: [] } }));
  await rejects(s.store.get('default', 'f'), 404);
  s.close();
});

test('delete: propagationPolicy Orphan/Foreground add the GC finalizers', async () => {
  const s = await setup();
  await s.store.create('default', cm('o'));
  const r = await s.store.delete('default', 'o', { propagationPolicy: 'Orphan' });
  assert.deepEqual(r.object.metadata.finalizers, ['orphan']);
  assert.equal(r.deleted, false);
  await s.store.create('default', cm('fg'));
  const f = await s.store.delete('default', 'fg', { propagationPolicy: 'Foreground' });
  assert.deepEqual(f.object.metadata.finalizers, ['foregroundDeletion']);
  await s.store.create('default', cm('bg'));
  assert.equal((await s.store.delete('default', 'bg', { propagationPolicy: 'Background' })).deleted, true);
  s.close();
});

test('pods: graceful deletion when bound to a node; immediate when unbound or grace 0', async () => {
  const s = await setup(info('', 'pods'), { gracePeriodSeconds: () => 30 });
  await s.store.create('default', { metadata: { name: 'bound' }, spec: { nodeName: 'n1' } });
  await s.store.create('default', { metadata: { name: 'unbound' }, spec: {} });
  const g = await s.store.delete('default', 'bound');
  assert.equal(g.deleted, false);
  assert.equal(g.object.metadata.deletionTimestamp, '2024-05-01T10:00:30Z');
  assert.equal(g.object.metadata.deletionGracePeriodSeconds, 30);
  assert.equal((await s.store.delete('default', 'unbound')).deleted, true);
  // the node agent confirms with grace 0
  assert.equal((await s.store.delete('default', 'bound', { gracePeriodSeconds: 0 })).deleted, true);
  await rejects(s.store.get('default', 'bound'), 404);
  s.close();
});

test('dryRun delete deletes nothing', async () => {
  const s = await setup();
  await s.store.create('default', cm('keep'));
  assert.equal((await s.store.delete('default', 'keep', { dryRun: true })).deleted, true);
  await s.store.get('default', 'keep');
  s.close();
});

test('list: pagination from the cache, continuation from storage at the same revision', async () => {
  const s = await setup();
  for (const n of ['a', 'b', 'c', 'd', 'e']) await s.store.create('default', cm(n));
  const p1 = await s.store.list('default', { limit: 2 });
  assert.deepEqual(p1.items.map((i) => i.metadata.name), ['a', 'b']);
  assert.ok(p1.nextKey);
  await s.store.create('default', cm('bb')); // after the snapshot: not in later pages
  const p2 = await s.store.list('default', { limit: 2, continueFrom: { key: p1.nextKey!, revision: p1.revision } });
  assert.deepEqual(p2.items.map((i) => i.metadata.name), ['c', 'd']);
  const p3 = await s.store.list('default', { limit: 2, continueFrom: { key: p2.nextKey!, revision: p1.revision } });
  assert.deepEqual(p3.items.map((i) => i.metadata.name), ['e']);
  assert.equal(p3.nextKey, undefined);
  // compaction past the snapshot expires the token
  await s.store.create('default', cm('z'));
  await s.storage.compact(await s.storage.currentRevision());
  await rejects(s.store.list('default', { limit: 2, continueFrom: { key: p1.nextKey!, revision: p1.revision } }), 410, /^The provided continue parameter is too old/);
  s.close();
});

test('list: filter, namespaces, resourceVersion too large → 504', async () => {
  const s = await setup();
  await s.store.create('default', { ...cm('x'), metadata: { name: 'x', labels: { app: 'web' } } });
  await s.store.create('default', cm('y'));
  const r = await s.store.list('default', { filter: (o) => o.metadata.labels?.['app'] === 'web' });
  assert.deepEqual(r.items.map((i) => i.metadata.name), ['x']);
  assert.equal((await s.store.list('other')).items.length, 0);
  assert.equal((await s.store.list('')).items.length, 2);
  await rejects(s.store.list('default', { resourceVersion: '999999' }), 504, /^Timeout: Too large resource version/);
  s.close();
});

async function take(it: AsyncIterator<StoreWatchEvent[]>, n: number): Promise<StoreWatchEvent[]> {
  const out: StoreWatchEvent[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(...r.value);
  }
  return out;
}

test('watch: initial state then changes; resume from a resourceVersion; too old → Compacted', async () => {
  const s = await setup();
  const a = await s.store.create('default', cm('a'));
  const ac = new AbortController();
  const it = s.store.watch('default', { signal: ac.signal })[Symbol.asyncIterator]();
  const initial = await take(it, 2);
  assert.deepEqual(initial.map((e) => e.type), ['ADDED', 'INITIAL_END']);
  await s.store.create('default', cm('b'));
  await s.store.delete('default', 'a');
  const changes = await take(it, 2);
  assert.deepEqual(changes.map((e) => [e.type, e.type === 'INITIAL_END' ? '' : e.object.metadata.name]), [['ADDED', 'b'], ['DELETED', 'a']]);
  ac.abort();

  const ac2 = new AbortController();
  const resumed = s.store.watch('default', { afterRevision: Number(a.metadata.resourceVersion), signal: ac2.signal })[Symbol.asyncIterator]();
  const again = await take(resumed, 2);
  assert.deepEqual(again.map((e) => e.type), ['ADDED', 'DELETED']);
  ac2.abort();
  s.close();

  const small = createMemoryStorage();
  const cache = createResourceCache(small, '/registry/core/configmaps/', { windowSize: 2 });
  await cache.ready();
  const st = new Store({ storage: small, cache, strategy: simpleStrategy(info('', 'configmaps')) });
  for (const n of ['a', 'b', 'c', 'd']) await st.create('default', cm(n));
  const old = st.watch('default', { afterRevision: 1, signal: new AbortController().signal })[Symbol.asyncIterator]();
  await assert.rejects(old.next(), (e: Error) => e.name === 'StorageError');
  cache.close();
});

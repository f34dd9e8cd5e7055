import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeList, KubeObject } from '../../../src/api/object.js';
import { byOwnerUid, Indexer, Informer, ownerUidIndex, SharedInformerFactory, type ListerWatcher } from '../../../src/client/informer.js';
import { FakeClock } from '../../../src/client/workqueue.js';
import type { WatchEvent } from '../../../src/client/watch.js';

const pod = (name: string, rv: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', resourceVersion: rv, ...extra },
});
const list = (rv: string, items: KubeObject[]): KubeList => ({ apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: rv }, items });

/** Scripted list answers and watch streams; records the resourceVersion each watch started from. */
function scripted(lists: KubeList[], watches: WatchEvent[][]) {
  const watchedFrom: string[] = [];
  let listCalls = 0;
  let idle: (() => void) | undefined;
  const lw: ListerWatcher = {
    async list() {
      listCalls++;
      const l = lists.shift();
      if (!l) throw new Error('no more lists');
      return l;
    },
    watch({ resourceVersion, signal }) {
      watchedFrom.push(resourceVersion);
      const events = watches.shift();
      return {
        async *[Symbol.asyncIterator]() {
          if (events) {
            yield* events;
            return;
          }
          // No more script: stay open until the informer stops.
          await new Promise<void>((resolve) => {
            idle = resolve;
            if (signal.aborted) resolve();
            signal.addEventListener('abort', () => resolve(), { once: true });
          });
        },
      };
    },
  };
  return { lw, watchedFrom, listCalls: () => listCalls, idle: () => idle !== undefined };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'condition never became true');
}

test('lists, then watches from the list resourceVersion and resumes from the last event', async () => {
  const s = scripted(
    [list('10', [pod('a', '5'), pod('b', '6')])],
    [
      [
        { type: 'MODIFIED', object: pod('a', '11') },
        { type: 'ADDED', object: pod('c', '12') },
      ],
      [{ type: 'DELETED', object: pod('b', '13') }, { type: 'BOOKMARK', object: { metadata: { resourceVersion: '20' } } }],
    ],
  );
  const inf = new Informer({ listerWatcher: s.lw });
  const seen: string[] = [];
  inf.addEventHandler({
    add: (o) => seen.push(`add ${o.metadata.name}`),
    update: (_old, o) => seen.push(`update ${o.metadata.name}@${o.metadata.resourceVersion}`),
    delete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  const ac = new AbortController();
  const running = inf.run(ac.signal);
  assert.equal(await inf.waitForSync(ac.signal), true);
  await until(() => s.idle());
  ac.abort();
  await running;
  assert.deepEqual(s.watchedFrom, ['10', '12', '20']);
  assert.deepEqual(seen, ['add a', 'add b', 'update a@11', 'add c', 'delete b']);
  assert.deepEqual(inf.store.keys().sort(), ['ns/a', 'ns/c']);
  assert.equal(inf.hasSynced(), true);
});

test('a 410 Expired ERROR event makes it relist, and objects missing from the new list are deleted', async () => {
  const expired: WatchEvent = {
    type: 'ERROR',
    object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (5)', reason: 'Expired', code: 410 },
  };
  const s = scripted([list('3', [pod('a', '1'), pod('b', '2')]), list('30', [pod('a', '25')])], [[expired]]);
  const inf = new Informer({ listerWatcher: s.lw });
  const deleted: string[] = [];
  inf.addEventHandler({ delete: (o) => deleted.push(o.metadata.name ?? '') });
  const ac = new AbortController();
  const running = inf.run(ac.signal);
  await until(() => s.listCalls() === 2 && s.idle());
  ac.abort();
  await running;
  assert.deepEqual(deleted, ['b']);
  assert.equal(inf.store.get('ns/a')?.metadata.resourceVersion, '25');
  assert.deepEqual(s.watchedFrom, ['3', '30']);
});

test('resync re-delivers every cached object as an update on the fake clock', async () => {
  const clock = new FakeClock();
  const s = scripted([list('1', [pod('a', '1')])], []);
  const inf = new Informer({ listerWatcher: s.lw, resyncPeriodMs: 30_000, clock });
  let updates = 0;
  inf.addEventHandler({ update: () => updates++ });
  const ac = new AbortController();
  const running = inf.run(ac.signal);
  await until(() => s.idle());
  clock.advance(29_999);
  assert.equal(updates, 0);
  clock.advance(1);
  assert.equal(updates, 1);
  clock.advance(30_000);
  assert.equal(updates, 2);
  ac.abort();
  await running;
});

test('a handler added after sync hears about existing objects', async () => {
  const s = scripted([list('1', [pod('a', '1'), pod('b', '1')])], []);
  const inf = new Informer({ listerWatcher: s.lw });
  const ac = new AbortController();
  const running = inf.run(ac.signal);
  await inf.waitForSync();
  const added: string[] = [];
  inf.addEventHandler({ add: (o) => added.push(o.metadata.name ?? '') });
  assert.deepEqual(added.sort(), ['a', 'b']);
  ac.abort();
  await running;
});

test('indexer: namespace and custom indices follow updates and removals', () => {
  const idx = new Indexer({ [ownerUidIndex]: byOwnerUid });
  const owned = (name: string, uid: string, ns = 'ns') => ({ metadata: { name, namespace: ns, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid }] } });
  idx.upsert(owned('p1', 'u1'));
  idx.upsert(owned('p2', 'u1', 'other'));
  idx.upsert(owned('p3', 'u2'));
  assert.deepEqual(idx.byIndex(ownerUidIndex, 'u1').map((o) => o.metadata.name).sort(), ['p1', 'p2']);
  assert.deepEqual(idx.byNamespace('ns').map((o) => o.metadata.name).sort(), ['p1', 'p3']);
  idx.upsert(owned('p1', 'u2'));
  assert.deepEqual(idx.byIndex(ownerUidIndex, 'u1').map((o) => o.metadata.name), ['p2']);
  idx.remove('other/p2');
  assert.deepEqual(idx.byIndex(ownerUidIndex, 'u1'), []);
  assert.throws(() => idx.byIndex('nope', 'x'), /no index named/);
});

test('the shared factory hands out one informer per collection and selector', () => {
  const client = { list: async <T extends KubeObject>() => list('1', []) as KubeList<T>, watch: () => ({ async *[Symbol.asyncIterator]() {} }) };
  const f = new SharedInformerFactory(client);
  const a = f.informerFor({ path: '/api/v1/pods' });
  const b = f.informerFor({ path: '/api/v1/pods', indexers: { [ownerUidIndex]: byOwnerUid } });
  const c = f.informerFor({ path: '/api/v1/pods', fieldSelector: 'spec.nodeName=n1' });
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.deepEqual(a.store.byIndex(ownerUidIndex, 'x'), [], 'indexers asked for later are added');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, OwnerReference } from '../../../src/api/object.js';
import { findResource } from '../../../src/api/catalog.js';
import { byOwnerUid, Indexer, ownerUidIndex } from '../../../src/client/informer.js';
import { reconcileGarbage, uidIndex, type GarbageCollectorDeps } from '../../../src/controllers/garbage-collector.js';
import { FakeApi } from './fake-client.js';

const rsPath = '/apis/apps/v1/namespaces/ns/replicasets';
const podPath = '/api/v1/namespaces/ns/pods';
const dPath = '/apis/apps/v1/namespaces/ns/deployments';

const ref = (kind: string, name: string, uid: string, block = true): OwnerReference => ({ apiVersion: kind === 'Deployment' || kind === 'ReplicaSet' ? 'apps/v1' : 'v1', kind, name, uid, controller: true, blockOwnerDeletion: block });
const obj = (kind: string, name: string, uid: string, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({ apiVersion: kind === 'Pod' ? 'v1' : 'apps/v1', kind, metadata: { name, namespace: 'ns', uid, resourceVersion: '5', ...meta } });

function deps(api: FakeApi): GarbageCollectorDeps {
  const indexers = { [ownerUidIndex]: byOwnerUid, [uidIndex]: (o: KubeObject) => (o.metadata.uid ? [o.metadata.uid] : []) };
  const resources = new Map();
  for (const [res, path] of [['deployments', dPath], ['replicasets', rsPath]] as const) {
    resources.set(`apps/${res}`, { info: findResource('apps', 'v1', res), store: new Indexer(indexers, api.under(path)) });
  }
  resources.set('/pods', { info: findResource('', 'v1', 'pods'), store: new Indexer(indexers, api.under(podPath)) });
  return { client: api, resources };
}

test('a dependent whose only owner is gone is deleted in the background, with a UID precondition', async () => {
  const api = new FakeApi();
  api.seed(rsPath, obj('ReplicaSet', 'web-1', 'rs-uid', { ownerReferences: [ref('Deployment', 'web', 'gone-uid')] }));
  await reconcileGarbage('apps/replicasets|ns/web-1', deps(api));
  assert.deepEqual(api.writes(), [
    { verb: 'delete', path: `${rsPath}/web-1`, body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', preconditions: { uid: 'rs-uid' } } },
  ]);
});

test('an owner missing from the caches but alive on the server keeps its dependent', async () => {
  const api = new FakeApi();
  api.seed(rsPath, obj('ReplicaSet', 'web-1', 'rs-uid', { ownerReferences: [ref('Deployment', 'web', 'd-uid')] }));
  const d = deps(api); // the Deployment is not in the cache…
  api.seed(dPath, obj('Deployment', 'web', 'd-uid')); // …but exists
  await reconcileGarbage('apps/replicasets|ns/web-1', d);
  assert.deepEqual(api.writes(), []);
});

test('an owner with the same name but another UID counts as gone', async () => {
  const api = new FakeApi();
  api.seed(rsPath, obj('ReplicaSet', 'web-1', 'rs-uid', { ownerReferences: [ref('Deployment', 'web', 'old-uid')] }));
  const d = deps(api);
  api.seed(dPath, obj('Deployment', 'web', 'new-uid'));
  await reconcileGarbage('apps/replicasets|ns/web-1', d);
  assert.equal(api.writes('delete').length, 1);
});

test('a dependent with a remaining owner only loses the reference to the gone one', async () => {
  const api = new FakeApi();
  api.seed(dPath, obj('Deployment', 'a', 'a-uid'));
  api.seed(podPath, obj('Pod', 'p', 'p-uid', { ownerReferences: [ref('Deployment', 'a', 'a-uid'), { ...ref('Deployment', 'b', 'b-uid'), controller: false }] }));
  await reconcileGarbage('/pods|ns/p', deps(api));
  const [patch] = api.writes('patch');
  assert.deepEqual((patch?.body as KubeObject).metadata.ownerReferences, [ref('Deployment', 'a', 'a-uid')]);
});

test('orphan: an owner deleted with the orphan finalizer has the references removed, then the finalizer', async () => {
  const api = new FakeApi();
  api.seed(dPath, obj('Deployment', 'web', 'd-uid', { deletionTimestamp: '2024-05-01T10:00:00Z', finalizers: ['orphan'] }));
  api.seed(rsPath, obj('ReplicaSet', 'web-1', 'rs-uid', { ownerReferences: [ref('Deployment', 'web', 'd-uid')] }));
  await reconcileGarbage('apps/deployments|ns/web', deps(api));
  const patches = api.writes('patch');
  assert.equal(patches.length, 2);
  assert.equal(patches[0]?.path, `${rsPath}/web-1`);
  assert.equal((patches[0]?.body as KubeObject).metadata.ownerReferences, null);
  assert.equal(patches[1]?.path, `${dPath}/web`);
  assert.equal((patches[1]?.body as KubeObject).metadata.finalizers, null);
});

test('foreground: dependents are deleted in the foreground, the owner keeps its finalizer while a blocking dependent remains', async () => {
  const api = new FakeApi();
  api.seed(dPath, obj('Deployment', 'web', 'd-uid', { deletionTimestamp: '2024-05-01T10:00:00Z', finalizers: ['foregroundDeletion'] }));
  api.seed(rsPath, obj('ReplicaSet', 'web-1', 'rs-uid', { ownerReferences: [ref('Deployment', 'web', 'd-uid', true)] }));
  await reconcileGarbage('apps/deployments|ns/web', deps(api));
  assert.deepEqual(api.writes().map((a) => [a.verb, a.path, (a.body as { propagationPolicy?: string } | undefined)?.propagationPolicy]), [['delete', `${rsPath}/web-1`, 'Foreground']]);
  // The ReplicaSet is gone now: the finalizer comes off.
  await reconcileGarbage('apps/deployments|ns/web', deps(api));
  const patch = api.writes('patch')[0];
  assert.equal(patch?.path, `${dPath}/web`);
});

test('a dependent of an owner waiting for foreground deletion is deleted in the foreground', async () => {
  const api = new FakeApi();
  api.seed(dPath, obj('Deployment', 'web', 'd-uid', { deletionTimestamp: '2024-05-01T10:00:00Z', finalizers: ['foregroundDeletion'] }));
  api.seed(rsPath, obj('ReplicaSet', 'web-1', 'rs-uid', { ownerReferences: [ref('Deployment', 'web', 'd-uid')] }));
  await reconcileGarbage('apps/replicasets|ns/web-1', deps(api));
  assert.equal((api.writes('delete')[0]?.body as { propagationPolicy: string }).propagationPolicy, 'Foreground');
});

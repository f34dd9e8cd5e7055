import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { ApiError } from '../../../src/client/api-error.js';
import { ensureCSINode } from '../../../src/kubelet/csi-node.js';

const notFound = () => new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', message: 'not found', code: 404 });

/** CSINodes by path; records writes. */
function fakeApi(existing?: KubeObject) {
  const objects = new Map<string, KubeObject>();
  if (existing) objects.set(`/apis/storage.k8s.io/v1/csinodes/${existing.metadata.name}`, existing);
  const writes: [string, string, KubeObject][] = [];
  return {
    objects,
    writes,
    async get<T>(path: string): Promise<T> {
      const o = objects.get(path);
      if (!o) throw notFound();
      return structuredClone(o) as T;
    },
    async create<T>(path: string, body: unknown): Promise<T> {
      const o = body as KubeObject;
      writes.push(['create', path, o]);
      objects.set(`${path}/${o.metadata.name}`, o);
      return o as T;
    },
    async update<T>(path: string, body: unknown): Promise<T> {
      writes.push(['update', path, body as KubeObject]);
      objects.set(path, body as KubeObject);
      return body as T;
    },
  };
}

const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker-1', uid: 'uid-now' } };

test('CSINode: created as the kubelet creates it (named after the node, owned by it, no drivers, no annotation)', async () => {
  const api = fakeApi();
  assert.equal(await ensureCSINode(api, node), 'created');
  assert.deepEqual(api.writes, [['create', '/apis/storage.k8s.io/v1/csinodes', { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'worker-1', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'worker-1', uid: 'uid-now' }] }, spec: { drivers: [] } }]]);
  assert.equal(await ensureCSINode(api, node), 'unchanged');
  assert.equal(api.writes.length, 1);
});

test('CSINode: one left by an earlier Node of the same name is pointed at this Node, other owners kept', async () => {
  const api = fakeApi({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'worker-1', resourceVersion: '7', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'worker-1', uid: 'uid-before' }, { apiVersion: 'example.com/v1', kind: 'Keeper', name: 'k', uid: 'uid-k' }] }, spec: { drivers: [{ name: 'x.csi.example.com', nodeID: 'worker-1' }] } });
  assert.equal(await ensureCSINode(api, node), 'adopted');
  const [verb, path, body] = api.writes[0]!;
  assert.deepEqual([verb, path], ['update', '/apis/storage.k8s.io/v1/csinodes/worker-1']);
  assert.deepEqual(body.metadata.ownerReferences, [{ apiVersion: 'example.com/v1', kind: 'Keeper', name: 'k', uid: 'uid-k' }, { apiVersion: 'v1', kind: 'Node', name: 'worker-1', uid: 'uid-now' }]);
  assert.equal(body.metadata.resourceVersion, '7');
  assert.deepEqual(body['spec'], { drivers: [{ name: 'x.csi.example.com', nodeID: 'worker-1' }] });
});

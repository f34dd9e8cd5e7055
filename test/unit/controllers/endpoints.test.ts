import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { byOwnerUid, ownerUidIndex } from '../../../src/client/informer.js';
import { reconcileEndpoints, type EndpointsDeps } from '../../../src/controllers/endpoints.js';
import { FakeApi } from './fake-client.js';

const svcPath = '/api/v1/namespaces/ns/services';
const podPath = '/api/v1/namespaces/ns/pods';
const epPath = '/api/v1/namespaces/ns/endpoints';
const slicePath = '/apis/discovery.k8s.io/v1/namespaces/ns/endpointslices';

const service: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', labels: { app: 'web' } },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }], clusterIP: '10.96.0.10' },
};
const pod = (name: string, ip: string, ready: boolean, labels = { app: 'web' }): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels },
  spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] },
  status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

function deps(api: FakeApi): EndpointsDeps {
  return { client: api, services: api.indexer(svcPath), pods: api.indexer(podPath), endpoints: api.indexer(epPath), slices: api.indexer(slicePath, { [ownerUidIndex]: byOwnerUid }) };
}

test('Endpoints and an EndpointSlice list the selected pods with named target ports resolved', async () => {
  const api = new FakeApi();
  api.seed(svcPath, structuredClone(service));
  api.seed(podPath, pod('a', '10.244.0.3', true), pod('b', '10.244.0.2', false), pod('other', '10.244.0.9', true, { app: 'x' } as never));
  await reconcileEndpoints('ns/web', deps(api));
  const ep = api.objects.get(`${epPath}/web`) as KubeObject;
  assert.deepEqual(ep.metadata.labels, { app: 'web' });
  assert.deepEqual(ep['subsets'], [
    {
      addresses: [{ ip: '10.244.0.3', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } }],
      notReadyAddresses: [{ ip: '10.244.0.2', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'b', uid: 'uid-b' } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  ]);
  const [slice] = api.under(slicePath);
  assert.ok(slice);
  assert.equal(slice.metadata.name?.startsWith('web-'), true);
  assert.deepEqual(slice.metadata.labels, { app: 'web', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
  assert.equal(slice.metadata.ownerReferences?.[0]?.uid, 'svc-uid');
  assert.deepEqual(slice['ports'], [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual((slice['endpoints'] as { addresses: string[]; conditions: unknown }[]).map((e) => [e.addresses[0], e.conditions]), [
    ['10.244.0.2', { ready: false, serving: false, terminating: false }],
    ['10.244.0.3', { ready: true, serving: true, terminating: false }],
  ]);
  const writes = api.actions.length;
  await reconcileEndpoints('ns/web', deps(api));
  assert.equal(api.actions.length, writes, 'nothing changes on a second pass');
});

test('a Service without a selector is not managed; a deleted Service loses its Endpoints', async () => {
  const api = new FakeApi();
  api.seed(svcPath, { ...structuredClone(service), spec: { ports: [{ port: 80 }] } });
  await reconcileEndpoints('ns/web', deps(api));
  assert.equal(api.actions.length, 0);
  api.objects.delete(`${svcPath}/web`);
  api.seed(epPath, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'ns' } });
  await reconcileEndpoints('ns/web', deps(api));
  assert.deepEqual(api.writes().map((a) => [a.verb, a.path]), [['delete', `${epPath}/web`]]);
});

// The namespace controller, the default ServiceAccount, the root CA ConfigMap and the kubernetes Service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { reconcileKubernetesService } from '../../../src/controllers/kubernetes-service.js';
import { reconcileNamespace } from '../../../src/controllers/namespace.js';
import { reconcileRootCA } from '../../../src/controllers/root-ca-publisher.js';
import { reconcileServiceAccounts } from '../../../src/controllers/serviceaccount.js';
import { FakeApi } from './fake-client.js';

const ns = (name: string, deleting = false): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, uid: `uid-${name}`, ...(deleting ? { deletionTimestamp: '2024-05-01T10:00:00Z' } : {}) },
  spec: { finalizers: ['kubernetes'] },
  status: { phase: deleting ? 'Terminating' : 'Active' },
});

test('a terminating namespace has its content deleted, and is finalized once empty', async () => {
  const api = new FakeApi();
  api.seed('/api/v1/namespaces', ns('ns-1', true));
  api.seed('/api/v1/namespaces/ns-1/configmaps', { metadata: { name: 'cm' } });
  api.seed('/apis/apps/v1/namespaces/ns-1/deployments', { metadata: { name: 'web' } });
  const namespaces = () => api.indexer('/api/v1/namespaces');
  // The fake ignores collection deletes: the controller sees content remain and deletes it item by item.
  const first = await reconcileNamespace('ns-1', { client: api, namespaces: namespaces() });
  assert.deepEqual(first, { requeueAfterMs: 1000 });
  const deletes = api.writes('delete').map((a) => a.path);
  assert.ok(deletes.includes('/api/v1/namespaces/ns-1/pods'), 'deletecollection on every namespaced resource');
  assert.ok(deletes.includes('/api/v1/namespaces/ns-1/configmaps/cm'));
  assert.ok(deletes.includes('/apis/apps/v1/namespaces/ns-1/deployments/web'));
  assert.equal(api.writes('update').length, 0, 'not finalized while content remains');
  await reconcileNamespace('ns-1', { client: api, namespaces: namespaces() });
  const [finalize] = api.writes('update');
  assert.equal(finalize?.path, '/api/v1/namespaces/ns-1/finalize');
  assert.deepEqual((finalize?.body as KubeObject)['spec'], { finalizers: [] });
});

test('an active namespace is left alone by the namespace controller', async () => {
  const api = new FakeApi();
  api.seed('/api/v1/namespaces', ns('ns-1'));
  await reconcileNamespace('ns-1', { client: api, namespaces: api.indexer('/api/v1/namespaces') });
  assert.equal(api.actions.length, 0);
});

test('every active namespace gets a default ServiceAccount, once', async () => {
  const api = new FakeApi();
  api.seed('/api/v1/namespaces', ns('a'), ns('b', true));
  const deps = () => ({ client: api, namespaces: api.indexer('/api/v1/namespaces'), serviceAccounts: api.indexer('/api/v1/namespaces/a/serviceaccounts') });
  await reconcileServiceAccounts('a', deps());
  await reconcileServiceAccounts('b', deps());
  await reconcileServiceAccounts('a', deps());
  assert.deepEqual(api.writes().map((a) => [a.verb, a.path, (a.body as KubeObject).metadata.name]), [['create', '/api/v1/namespaces/a/serviceaccounts', 'default']]);
});

test('the root CA ConfigMap is created, and repaired when its data changes', async () => {
  const api = new FakeApi();
  api.seed('/api/v1/namespaces', ns('a'));
  const deps = () => ({ client: api, namespaces: api.indexer('/api/v1/namespaces'), configMaps: api.indexer('/api/v1/namespaces/a/configmaps'), caPem: 'PEM' });
  await reconcileRootCA('a', deps());
  const created = api.writes('create')[0]?.body as KubeObject;
  assert.equal(created.metadata.name, 'kube-root-ca.crt');
  assert.deepEqual(created['data'], { 'ca.crt': 'PEM' });
  assert.match(created.metadata.annotations?.['kubernetes.io/description'] ?? '', /^Contains a CA bundle/);
  await reconcileRootCA('a', deps());
  assert.equal(api.writes().length, 1, 'nothing to do');
  (api.objects.get('/api/v1/namespaces/a/configmaps/kube-root-ca.crt') as KubeObject)['data'] = { 'ca.crt': 'tampered' };
  await reconcileRootCA('a', deps());
  assert.deepEqual((api.writes('update')[0]?.body as KubeObject)['data'], { 'ca.crt': 'PEM' });
});

test('the kubernetes Service, Endpoints and EndpointSlice point at the API server', async () => {
  const api = new FakeApi();
  await reconcileKubernetesService({ client: api, endpoints: [{ address: '127.0.0.1', port: 34567 }] });
  const svc = api.objects.get('/api/v1/namespaces/default/services/kubernetes') as KubeObject;
  assert.deepEqual(svc.metadata.labels, { component: 'apiserver', provider: 'kubernetes' });
  assert.deepEqual((svc['spec'] as Record<string, unknown>)['clusterIP'], '10.96.0.1');
  assert.deepEqual((svc['spec'] as Record<string, unknown>)['ports'], [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 34567 }]);
  const ep = api.objects.get('/api/v1/namespaces/default/endpoints/kubernetes') as KubeObject;
  assert.deepEqual(ep['subsets'], [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: 34567, protocol: 'TCP' }] }]);
  const slice = api.objects.get('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes') as KubeObject;
  assert.equal(slice.metadata.labels?.['kubernetes.io/service-name'], 'kubernetes');
  await reconcileKubernetesService({ client: api, endpoints: [{ address: '127.0.0.1', port: 34567 }] });
  assert.equal(api.writes().length, 3, 'a second pass changes nothing');
});

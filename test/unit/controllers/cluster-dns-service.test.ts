import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { reconcileClusterDnsService } from '../../../src/controllers/cluster-dns-service.js';
import { FakeApi } from './fake-client.js';

const svcPath = '/api/v1/namespaces/kube-system/services';
const epPath = '/api/v1/namespaces/kube-system/endpoints';
const slicePath = '/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices';

test('kube-dns: Service 10.96.0.10 (dns/UDP, dns-tcp/TCP) with its endpoint on the node address, kept in place', async () => {
  const api = new FakeApi();
  await reconcileClusterDnsService({ client: api, address: '10.244.0.1' });
  const svc = api.objects.get(`${svcPath}/kube-dns`) as KubeObject;
  assert.equal((svc['spec'] as { clusterIP: string }).clusterIP, '10.96.0.10');
  assert.deepEqual((svc['spec'] as { ports: unknown }).ports, [
    { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 },
    { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 },
  ]);
  assert.equal(svc.metadata.labels?.['k8s-app'], 'kube-dns');
  const slice = api.objects.get(`${slicePath}/kube-dns`) as KubeObject;
  assert.deepEqual(slice['endpoints'], [{ addresses: ['10.244.0.1'], conditions: { ready: true, serving: true, terminating: false } }]);
  assert.equal(slice.metadata.labels?.['kubernetes.io/service-name'], 'kube-dns');
  assert.deepEqual((api.objects.get(`${epPath}/kube-dns`) as KubeObject)['subsets'], [{ addresses: [{ ip: '10.244.0.1' }], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }]);
  // Unchanged: no writes; the node address moved: the endpoints follow.
  const writes = api.writes().length;
  await reconcileClusterDnsService({ client: api, address: '10.244.0.1' });
  assert.equal(api.writes().length, writes);
  await reconcileClusterDnsService({ client: api, address: '192.0.2.10' });
  assert.deepEqual(((api.objects.get(`${slicePath}/kube-dns`) as KubeObject)['endpoints'] as { addresses: string[] }[])[0]?.addresses, ['192.0.2.10']);
});

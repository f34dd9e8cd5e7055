import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, discoveryContentType, negotiateDiscovery, storageVersionHash } from '../../../src/api/discovery.js';

test('/api lists v1 and the server address', () => {
  assert.deepEqual(apiVersions('10.0.0.1:6443'), { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.0.0.1:6443' }] });
});

test('/apis lists every named group with its preferred version first', () => {
  const list = apiGroupList();
  assert.equal(list.kind, 'APIGroupList');
  assert.equal(list.apiVersion, 'v1');
  assert.ok(!list.groups.some((g) => g.name === ''));
  const apps = list.groups.find((g) => g.name === 'apps');
  assert.deepEqual(apps, { name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } });
  const authn = list.groups.find((g) => g.name === 'authentication.k8s.io');
  assert.deepEqual(authn?.versions.map((v) => v.version), ['v1', 'v1beta1']);
  assert.equal(authn?.preferredVersion.version, 'v1');
});

test('/apis/<group> answers APIGroup, unknown groups and the core group are undefined', () => {
  assert.deepEqual(apiGroup('batch'), { kind: 'APIGroup', apiVersion: 'v1', name: 'batch', versions: [{ groupVersion: 'batch/v1', version: 'v1' }], preferredVersion: { groupVersion: 'batch/v1', version: 'v1' } });
  assert.equal(apiGroup('nope.example.com'), undefined);
  assert.equal(apiGroup(''), undefined);
});

test('storageVersionHash matches kube-apiserver', () => {
  // values served by real clusters
  assert.equal(storageVersionHash('', 'v1', 'Pod'), 'xPOwRZ+Yhw8=');
  assert.equal(storageVersionHash('apps', 'v1', 'Deployment'), '8aSe+NMegvE=');
});

test('a resource stored as another version or group\'s objects names that stored form in its storageVersionHash', () => {
  // Kubernetes' storageversionhashdata: events in both groups are stored as core/v1 Events, HPAs of both versions as v2
  const hash = (group: string, version: string, resource: string) => apiResourceList(group, version)?.resources.find((r) => r.name === resource)?.storageVersionHash;
  assert.equal(hash('', 'v1', 'events'), 'r2yiGXH7wu8=');
  assert.equal(hash('events.k8s.io', 'v1', 'events'), 'r2yiGXH7wu8=');
  assert.equal(hash('autoscaling', 'v2', 'horizontalpodautoscalers'), 'qwQve8ut294=');
  assert.equal(hash('autoscaling', 'v1', 'horizontalpodautoscalers'), 'qwQve8ut294=');
});

test('/api/v1 lists resources and subresources sorted by name', () => {
  const list = apiResourceList('', 'v1');
  assert.ok(list);
  assert.equal(list.groupVersion, 'v1');
  const names = list.resources.map((r) => r.name);
  assert.deepEqual(names, [...names].sort());
  const byName = new Map(list.resources.map((r) => [r.name, r]));
  assert.deepEqual(byName.get('pods'), {
    name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod',
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['po'], categories: ['all'], storageVersionHash: 'xPOwRZ+Yhw8=',
  });
  assert.deepEqual(byName.get('pods/exec'), { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] });
  assert.deepEqual(byName.get('pods/eviction'), { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  assert.deepEqual(byName.get('serviceaccounts/token')?.group, 'authentication.k8s.io');
  assert.equal(byName.get('namespaces')?.namespaced, false);
  assert.equal(byName.get('bindings')?.storageVersionHash, undefined);
});

test('/apis/<g>/<v> for a group and for unknown group/versions', () => {
  const apps = apiResourceList('apps', 'v1');
  assert.equal(apps?.groupVersion, 'apps/v1');
  const scale = apps?.resources.find((r) => r.name === 'deployments/scale');
  assert.deepEqual(scale, { name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  assert.equal(apiResourceList('apps', 'v1beta1'), undefined);
  assert.equal(apiResourceList('nope', 'v1'), undefined);
});

test('aggregated discovery: /api holds only the core group, without a name', () => {
  const doc = aggregatedDiscovery('api', 'v2');
  assert.equal(doc.kind, 'APIGroupDiscoveryList');
  assert.equal(doc.apiVersion, 'apidiscovery.k8s.io/v2');
  assert.deepEqual(doc.metadata, {});
  assert.equal(doc.items.length, 1);
  const core = doc.items[0];
  assert.deepEqual(core?.metadata, { creationTimestamp: null });
  assert.deepEqual(core?.versions.map((v) => [v.version, v.freshness]), [['v1', 'Current']]);
  const pods = core?.versions[0]?.resources.find((r) => r.resource === 'pods');
  assert.deepEqual(pods?.responseKind, { group: '', version: '', kind: 'Pod' });
  assert.equal(pods?.scope, 'Namespaced');
  assert.equal(pods?.singularResource, 'pod');
  assert.deepEqual(pods?.shortNames, ['po']);
  assert.deepEqual(pods?.subresources?.find((s) => s.subresource === 'eviction'), { subresource: 'eviction', responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] });
  const ns = core?.versions[0]?.resources.find((r) => r.resource === 'namespaces');
  assert.equal(ns?.scope, 'Cluster');
});

test('aggregated discovery: /apis holds each named group, preferred version first', () => {
  for (const version of ['v2', 'v2beta1'] as const) {
    const doc = aggregatedDiscovery('apis', version);
    assert.equal(doc.apiVersion, `apidiscovery.k8s.io/${version}`);
    assert.ok(doc.items.every((i) => i.metadata.name));
    const authn = doc.items.find((i) => i.metadata.name === 'authentication.k8s.io');
    assert.deepEqual(authn?.versions.map((v) => v.version), ['v1', 'v1beta1']);
    const deployments = doc.items.find((i) => i.metadata.name === 'apps')?.versions[0]?.resources.find((r) => r.resource === 'deployments');
    assert.deepEqual(deployments?.subresources?.map((s) => s.subresource), ['scale', 'status']);
  }
});

test('discoveryContentType', () => {
  assert.equal(discoveryContentType('v2'), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  assert.equal(discoveryContentType('v2beta1'), 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
});

const negotiations: Array<{ accept: string | undefined; want: 'v2' | 'v2beta1' | undefined }> = [
  { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json', want: 'v2' },
  { accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json', want: 'v2beta1' },
  { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;profile=nopeer, application/json', want: 'v2' },
  { accept: 'application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList', want: undefined },
  { accept: 'application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json', want: undefined },
  { accept: 'application/json', want: undefined },
  { accept: '*/*', want: undefined },
  { accept: undefined, want: undefined },
];
for (const c of negotiations) {
  test(`negotiateDiscovery(${c.accept ?? 'no Accept'}) → ${c.want ?? 'legacy'}`, () => {
    assert.equal(negotiateDiscovery(c.accept), c.want);
  });
}

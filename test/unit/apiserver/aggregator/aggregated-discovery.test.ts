// A remote APIService whose backend serves aggregated discovery (APIGroupDiscoveryList on /apis): the API server
// publishes the resources of that document, as kube-aggregator does, and falls back to the legacy
// /apis/<group>/<version> document when the backend stops serving it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApiServer, type ApiServer } from '../../../../src/apiserver/api-server.js';
import { createMemoryStorage } from '../../../../src/storage/memory.js';
import { allowAll, collect, testAuthenticator, type Reply } from '../helpers.js';
import { makeCerts, startTestBackend, type TestBackend } from './test-backend.js';

let api: ApiServer;
let backend: TestBackend;

async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return collect(await api.handle({ method, url, headers: { authorization: 'Bearer test-token', ...(text ? { 'content-type': 'application/json' } : {}), ...headers }, ...(text ? { body: text } : {}) }));
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// what the backend's /apis answers in aggregated form: more than its legacy document lists, so the test can tell
const aggregatedDoc = {
  kind: 'APIGroupDiscoveryList',
  apiVersion: 'apidiscovery.k8s.io/v2',
  metadata: {},
  items: [{
    metadata: { name: 'wardle.example.com' },
    versions: [{
      version: 'v1alpha1',
      freshness: 'Current',
      resources: [
        { resource: 'flunders', responseKind: { group: '', version: '', kind: 'Flunder' }, scope: 'Namespaced', singularResource: 'flunder', verbs: ['get', 'list', 'watch', 'bogus'], shortNames: ['fl'], categories: ['wardle'],
          subresources: [{ subresource: 'status', responseKind: { group: '', version: '', kind: 'Flunder' }, verbs: ['get', 'patch'] }] },
        { resource: 'fischers', responseKind: { group: '', version: '', kind: 'Fischer' }, scope: 'Cluster', singularResource: 'fischer', verbs: ['get', 'list'] },
        { resource: '__proto__', responseKind: { kind: 'Bad' }, scope: 'Cluster', verbs: ['get'] },
      ],
    }],
  }, {
    metadata: { name: 'other.example.com' },
    versions: [{ version: 'v1', resources: [{ resource: 'others', responseKind: { kind: 'Other' }, scope: 'Cluster', verbs: ['get'] }] }],
  }],
};

before(async () => {
  const certs = await makeCerts();
  backend = await startTestBackend(certs);
  backend.setAggregated(aggregatedDoc);
  api = await createApiServer({ storage: createMemoryStorage(), authenticator: testAuthenticator, authorizer: allowAll, aggregator: { proxyClient: certs.frontProxyClient, checkIntervalMs: 100 } });
  await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  await call('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { ports: [{ name: 'https', port: 443 }] } });
  await call('POST', '/api/v1/namespaces/default/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'api' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: backend.port }] }] });
  const created = await call('POST', '/apis/apiregistration.k8s.io/v1/apiservices', {
    apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1alpha1.wardle.example.com' },
    spec: { group: 'wardle.example.com', version: 'v1alpha1', groupPriorityMinimum: 1000, versionPriority: 15, service: { namespace: 'default', name: 'api', port: 443 }, caBundle: backend.caBundle },
  });
  assert.equal(created.status, 201, created.text);
});

after(async () => {
  await api.close();
  await backend.close();
});

// the API server's own aggregated discovery (what kubectl reads); /apis/<group>/<version> itself is proxied
type Resource = { resource: string; responseKind: { kind: string }; scope: string; verbs: string[]; singularResource: string; categories?: string[]; subresources?: { subresource: string; verbs: string[] }[] };
const resources = async (): Promise<Resource[]> => {
  const r = await call('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
  const groups = r.json()['items'] as { metadata: { name: string }; versions: { version: string; resources?: Resource[] }[] }[];
  return groups.find((g) => g.metadata.name === 'wardle.example.com')?.versions.find((v) => v.version === 'v1alpha1')?.resources ?? [];
};

test('the backend\'s aggregated discovery is what the API server publishes for its group/version', async () => {
  const got = await until('fischers from aggregated discovery', async () => {
    const r = await resources();
    return r.some((x) => x.resource === 'fischers') ? r : undefined;
  });
  assert.deepEqual(got.map((r) => [r.resource, r.responseKind.kind, r.scope, r.verbs, r.singularResource, r.subresources?.map((x) => [x.subresource, x.verbs])]), [
    ['fischers', 'Fischer', 'Cluster', ['get', 'list'], 'fischer', undefined],
    ['flunders', 'Flunder', 'Namespaced', ['get', 'list', 'watch'], 'flunder', [['status', ['get', 'patch']]]],
  ]);
  assert.deepEqual(got.find((r) => r.resource === 'flunders')?.categories, ['wardle']);
  // the other group of the backend's list is not this APIService's
  const all = (await call('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).json()['items'] as { metadata: { name: string } }[];
  assert.ok(!all.some((g) => g.metadata.name === 'other.example.com'));
  // asked for as kube-aggregator asks, as system:kube-aggregator
  const asked = backend.seen.find((s) => s.url === '/apis');
  assert.equal(asked?.user, 'system:kube-aggregator');
});

test('a backend that stops serving aggregated discovery is read through its legacy document again', async () => {
  backend.setAggregated(undefined);
  const got = await until('legacy discovery', async () => {
    const r = await resources();
    return r.length > 0 && !r.some((x) => x.resource === 'fischers') ? r : undefined;
  });
  assert.deepEqual(got.map((r) => [r.resource, r.subresources?.map((x) => x.subresource)]), [['flunders', ['status']]]);
});

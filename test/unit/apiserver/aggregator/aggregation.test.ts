// APIServices through the in-process API server: the local ones kube-apiserver makes, validation, the table, and a
// remote one proxied to an HTTPS backend run by the test (front-proxy certificate and identity headers, discovery
// merged in, streaming watch, availability reasons, 503 when the backend is gone).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApiServer, type ApiServer } from '../../../../src/apiserver/api-server.js';
import { createMemoryStorage } from '../../../../src/storage/memory.js';
import type { Authenticator } from '../../../../src/auth/types.js';
import type { HeaderMap } from '../../../../src/apiserver/types.js';
import { allowAll, collect, type Reply } from '../helpers.js';
import { makeCerts, startTestBackend, type TestBackend } from './test-backend.js';

const users: Authenticator = {
  async authenticate(req) {
    const h = req.headers['authorization'];
    if (h === 'Bearer admin') return { kind: 'ok', user: { name: 'tester', groups: ['system:masters', 'system:authenticated'], extra: JSON.parse('{"example.com/scopes":["a","b"],"__proto__":["x"]}') as Record<string, string[]> } };
    return h === undefined ? { kind: 'skip' } : { kind: 'fail', reason: 'bad token' };
  },
};

let api: ApiServer;
let backend: TestBackend;
let certs: Awaited<ReturnType<typeof makeCerts>>;

async function call(method: string, url: string, body?: unknown, headers: HeaderMap = {}): Promise<Reply> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return collect(await api.handle({ method, url, headers: { authorization: 'Bearer admin', ...(text ? { 'content-type': 'application/json' } : {}), ...headers }, ...(text ? { body: text } : {}) }));
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

type Cond = { type: string; status: string; reason?: string; message?: string };
async function available(name: string, status: string, reason: string): Promise<Cond> {
  return until(`${name} ${status} ${reason}`, async () => {
    const r = await call('GET', `/apis/apiregistration.k8s.io/v1/apiservices/${name}`);
    const c = ((r.json()['status'] as { conditions?: Cond[] } | undefined)?.conditions ?? []).find((x) => x.type === 'Available');
    return c && c.status === status && c.reason === reason ? c : undefined;
  });
}

const wardle = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apiregistration.k8s.io/v1',
  kind: 'APIService',
  metadata: { name: 'v1alpha1.wardle.example.com' },
  spec: { group: 'wardle.example.com', version: 'v1alpha1', groupPriorityMinimum: 1000, versionPriority: 15, service: { namespace: 'default', name: 'api', port: 443 }, caBundle: backend.caBundle, ...extra },
});

before(async () => {
  certs = await makeCerts();
  backend = await startTestBackend(certs);
  api = await createApiServer({ storage: createMemoryStorage(), authenticator: users, authorizer: allowAll, aggregator: { proxyClient: certs.frontProxyClient, checkIntervalMs: 60_000 } });
  await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
});

after(async () => {
  await api.close();
  await backend.close();
});

test('the local APIServices of every built-in group/version exist, Local and Available', async () => {
  const list = await call('GET', '/apis/apiregistration.k8s.io/v1/apiservices');
  assert.equal(list.status, 200);
  const names = (list.json()['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name);
  for (const n of ['v1.', 'v1.apps', 'v1.apiregistration.k8s.io', 'v2.autoscaling', 'v1.apiextensions.k8s.io', 'v1beta1.metrics.k8s.io']) assert.ok(names.includes(n), `${n} in ${names.join(' ')}`);
  const core = await available('v1.', 'True', 'Local');
  assert.equal(core.message, 'Local APIServices are always available');
  const apps = (await call('GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1.apps')).json() as { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> };
  assert.deepEqual(apps.spec, { group: 'apps', version: 'v1', groupPriorityMinimum: 17800, versionPriority: 15 });
  assert.equal(apps.metadata.labels['kube-aggregator.kubernetes.io/automanaged'], 'onstart');
});

test('the table has NAME SERVICE AVAILABLE AGE', async () => {
  await available('v1.apps', 'True', 'Local');
  const r = await call('GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1.apps', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  const t = r.json() as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
  assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'Service', 'Available', 'Age']);
  assert.deepEqual(t.rows[0]?.cells.slice(0, 3), ['v1.apps', 'Local', 'True']);
});

test('validation answers with kube-apiserver\'s texts', async () => {
  const bad = await call('POST', '/apis/apiregistration.k8s.io/v1/apiservices', { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1.wrong.example.com' }, spec: { group: 'other.example.com', version: 'v1', groupPriorityMinimum: 0, versionPriority: 2000, caBundle: 'AAAA' } });
  assert.equal(bad.status, 422);
  const msg = String(bad.json()['message']);
  assert.match(msg, /metadata.name: Invalid value: "v1.wrong.example.com": must be `spec.version\+"."\+spec.group`: "v1.other.example.com"/);
  assert.match(msg, /spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000/);
  assert.match(msg, /spec.versionPriority: Invalid value: 2000: must be positive and less than 1000/);
  assert.match(msg, /spec.caBundle: Invalid value: "3 bytes": local APIServices may not have a caBundle/);
  const both = await call('POST', '/apis/apiregistration.k8s.io/v1/apiservices', { ...wardle({ insecureSkipTLSVerify: true }), metadata: { name: 'v1alpha1.wardle.example.com' } });
  assert.equal(both.status, 422);
  assert.match(String(both.json()['message']), /spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present/);
});

test('a remote APIService: ServiceNotFound, then MissingEndpoints, then proxied with the front-proxy identity', async () => {
  const created = await call('POST', '/apis/apiregistration.k8s.io/v1/apiservices', wardle());
  assert.equal(created.status, 201, created.text);
  const missing = await available('v1alpha1.wardle.example.com', 'False', 'ServiceNotFound');
  assert.equal(missing.message, 'service/api in "default" is not present');
  // unavailable: the group is listed, requests get kube-apiserver's 503
  const unavailable = await call('GET', '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders');
  assert.equal(unavailable.status, 503);
  assert.equal(unavailable.text, 'service unavailable\n');

  await call('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { ports: [{ name: 'https', port: 443 }] } });
  const noEndpoints = await available('v1alpha1.wardle.example.com', 'False', 'EndpointsNotFound');
  assert.equal(noEndpoints.message, 'cannot find endpoints for service/api in "default"');
  await call('POST', '/api/v1/namespaces/default/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'api' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'other', port: backend.port }] }] });
  const wrongPort = await available('v1alpha1.wardle.example.com', 'False', 'MissingEndpoints');
  assert.equal(wrongPort.message, 'endpoints for service/api in "default" have no addresses with port name "https"');
  await call('PUT', '/api/v1/namespaces/default/endpoints/api', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'api' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: backend.port }] }] });
  const passed = await available('v1alpha1.wardle.example.com', 'True', 'Passed');
  assert.equal(passed.message, 'all checks passed');
  const check = backend.seen.find((s) => s.url === '/apis/wardle.example.com/v1alpha1');
  assert.equal(check?.user, 'system:kube-aggregator');
  assert.deepEqual(check?.groups, ['system:masters']);

  // discovery: /apis lists the group, aggregated discovery has the backend's resources
  const apis = (await call('GET', '/apis')).json() as { groups: { name: string; preferredVersion: { version: string } }[] };
  assert.equal(apis.groups.find((g) => g.name === 'wardle.example.com')?.preferredVersion.version, 'v1alpha1');
  const agg = await until('aggregated discovery', async () => {
    const r = await call('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
    const items = r.json()['items'] as { metadata: { name: string }; versions: { version: string; freshness: string; resources: { resource: string; verbs: string[]; shortNames?: string[]; subresources?: { subresource: string }[] }[] }[] }[];
    const g = items.find((i) => i.metadata.name === 'wardle.example.com');
    return g?.versions[0]?.resources.length ? g : undefined;
  });
  assert.equal(agg.versions[0]?.freshness, 'Current');
  assert.deepEqual(agg.versions[0]?.resources.map((r) => [r.resource, r.verbs, r.shortNames, r.subresources?.map((s) => s.subresource)]), [['flunders', ['get', 'list', 'watch'], ['fl'], ['status']]]);

  // a request goes through with the user's identity; the client's credentials and claims stay here
  backend.seen.length = 0;
  const got = await call('GET', '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders/one', undefined, { 'x-remote-user': 'mallory', 'x-remote-group': 'system:masters' });
  assert.equal(got.status, 200, got.text);
  assert.equal((got.json()['metadata'] as { name: string }).name, 'one');
  // (discovery checks, several attempts at once, may reach the backend meanwhile)
  const seen = backend.seen.find((r) => r.url === '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders/one');
  assert.equal(seen?.user, 'tester');
  assert.deepEqual(seen?.groups, ['system:masters', 'system:authenticated']);
  assert.equal(seen?.clientCN, 'front-proxy-client');
  assert.equal(seen?.authorization, undefined);
  assert.deepEqual(seen?.extra, { 'x-remote-extra-example.com%2fscopes': 'a, b', 'x-remote-extra-__proto__': 'x' });
  // OpenAPI v3: the root lists the group/version, its document is the backend's
  const v3 = (await call('GET', '/openapi/v3')).json()['paths'] as Record<string, { serverRelativeURL: string }>;
  assert.equal(v3['apis/wardle.example.com/v1alpha1']?.serverRelativeURL, '/openapi/v3/apis/wardle.example.com/v1alpha1');
  assert.ok(v3['apis/apps/v1']);
  assert.equal(((await call('GET', '/openapi/v3/apis/wardle.example.com/v1alpha1')).json()['info'] as { title: string }).title, 'wardle');
  // OpenAPI v2: the backend's paths of its group/version and what they reach are merged in, the rest is not
  const v2 = await until('the backend in /openapi/v2', async () => {
    const doc = (await call('GET', '/openapi/v2')).json() as { paths: Record<string, unknown>; definitions: Record<string, { description?: string }>; parameters?: Record<string, unknown> };
    return doc.paths['/apis/wardle.example.com/v1alpha1/namespaces/{namespace}/flunders/{name}'] ? doc : undefined;
  });
  const flunderDef = v2.definitions['com.example.wardle.v1alpha1.Flunder'] as { properties: { metadata: { $ref: string } } };
  // the backend's ObjectMeta differs from this server's: it joins under another name, and its reference follows
  assert.equal(flunderDef.properties.metadata.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta_v2');
  assert.equal(v2.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta_v2']?.description, 'ObjectMeta as the extension server knows it.');
  assert.notEqual(v2.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']?.description, 'ObjectMeta as the extension server knows it.');
  assert.notEqual(v2.definitions['io.k8s.api.core.v1.PodList']?.description, "not the API server's");
  assert.equal(v2.definitions['io.k8s.api.core.v1.PodList_v2'], undefined);
  assert.ok(v2.parameters?.['name-flunder']);
  assert.equal((v2.paths['/api/v1/namespaces/{namespace}/pods'] as { get: { operationId: string } }).get.operationId, 'listCoreV1NamespacedPod');
  // the protobuf form kubectl reads carries the same
  const proto = await call('GET', '/openapi/v2', undefined, { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
  assert.ok(proto.text.includes('com.example.wardle.v1alpha1.Flunder'));
  // the group/version's own discovery is the backend's
  const gv = await call('GET', '/apis/wardle.example.com/v1alpha1');
  assert.equal(gv.json()['groupVersion'], 'wardle.example.com/v1alpha1');
});

test('a watch streams through as the backend writes it', async () => {
  await available('v1alpha1.wardle.example.com', 'True', 'Passed');
  const ac = new AbortController();
  const r = await api.handle({ method: 'GET', url: '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders?watch=true', headers: { authorization: 'Bearer admin' }, lifetime: ac });
  assert.equal(r.status, 200);
  const body = r.body as AsyncIterable<string | Uint8Array>;
  const it = body[Symbol.asyncIterator]();
  const read = async () => {
    let text = '';
    while (!text.includes('\n')) {
      const n = await it.next();
      if (n.done) break;
      text += typeof n.value === 'string' ? n.value : Buffer.from(n.value).toString();
    }
    return text;
  };
  assert.match(await read(), /"name":"first"/);
  backend.pushWatchEvent('second');
  assert.match(await read(), /"name":"second"/);
  ac.abort();
  await it.return?.();
});

test('the backend going away: 503 at once, Available False with FailedDiscoveryCheck', async () => {
  await available('v1alpha1.wardle.example.com', 'True', 'Passed');
  await backend.close();
  const r = await call('GET', '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders');
  assert.equal(r.status, 503);
  const c = await available('v1alpha1.wardle.example.com', 'False', 'FailedDiscoveryCheck');
  assert.match(c.message ?? '', new RegExp(`^failing or missing response from https://127\\.0\\.0\\.1:${backend.port}/apis/wardle\\.example\\.com/v1alpha1: Get "https://127\\.0\\.0\\.1:${backend.port}/apis/wardle\\.example\\.com/v1alpha1": dial tcp 127\\.0\\.0\\.1:${backend.port}: connect: connection refused$`));
  assert.equal((await call('GET', '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders')).text, 'service unavailable\n');
  // aggregated discovery keeps what it knew, marked Stale
  const agg = (await call('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).json()['items'] as { metadata: { name: string }; versions: { freshness: string }[] }[];
  assert.equal(agg.find((i) => i.metadata.name === 'wardle.example.com')?.versions[0]?.freshness, 'Stale');
  // back again
  backend = await startTestBackend(certs, backend.port);
  await call('PATCH', '/apis/apiregistration.k8s.io/v1/apiservices/v1alpha1.wardle.example.com', { metadata: { annotations: { poke: '1' } } }, { 'content-type': 'application/merge-patch+json' });
  await available('v1alpha1.wardle.example.com', 'True', 'Passed');
  assert.equal((await call('GET', '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders')).status, 200);
  // deleting the APIService gives the group/version back: nothing serves it here
  await call('DELETE', '/apis/apiregistration.k8s.io/v1/apiservices/v1alpha1.wardle.example.com');
  await until('group gone', async () => ((await call('GET', '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders')).status === 404 ? true : undefined));
});

test('metrics.k8s.io: Local and served here until its APIService points at a server, then proxied there', async () => {
  const local = await available('v1beta1.metrics.k8s.io', 'True', 'Local');
  assert.equal(local.message, 'Local APIServices are always available');
  assert.equal((await call('GET', '/apis/metrics.k8s.io/v1beta1/nodes')).status, 200);
  const s = (await call('GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io')).json() as { spec: Record<string, unknown> };
  assert.deepEqual(s.spec, { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100 });
  // what installing metrics-server does: the same APIService, now with a service
  const patched = await call('PATCH', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io', { spec: { service: { namespace: 'kube-system', name: 'metrics-server' }, insecureSkipTLSVerify: true } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(patched.status, 200, patched.text);
  assert.equal((patched.json()['spec'] as { service: { port: number } }).service.port, 443);
  await available('v1beta1.metrics.k8s.io', 'False', 'ServiceNotFound');
  const proxied = await call('GET', '/apis/metrics.k8s.io/v1beta1/nodes');
  assert.equal(proxied.status, 503);
  assert.equal(proxied.text, 'service unavailable\n');
  // the local APIService is not put back behind the user's back
  await new Promise((r) => setTimeout(r, 300));
  assert.ok((await call('GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io')).json()['spec'] !== undefined);
  // back to Local: served here again
  await call('PATCH', '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io', { spec: { service: null, insecureSkipTLSVerify: null } }, { 'content-type': 'application/merge-patch+json' });
  await available('v1beta1.metrics.k8s.io', 'True', 'Local');
  assert.equal((await call('GET', '/apis/metrics.k8s.io/v1beta1/nodes')).status, 200);
});

test('a CustomResourceDefinition\'s group/version gets its local APIService, kept in step', async () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gizmos.toys.example.com' },
    spec: { group: 'toys.example.com', scope: 'Namespaced', names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
  };
  assert.equal((await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
  await available('v1.toys.example.com', 'True', 'Local');
  const s = (await call('GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1.toys.example.com')).json() as { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> };
  assert.equal(s.metadata.labels['kube-aggregator.kubernetes.io/automanaged'], 'true');
  assert.deepEqual(s.spec, { group: 'toys.example.com', version: 'v1', groupPriorityMinimum: 1000, versionPriority: 100 });
  await call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.toys.example.com');
  await until('APIService of the deleted CRD gone', async () => ((await call('GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1.toys.example.com')).status === 404 ? true : undefined));
});

test('/apis is ordered by the APIServices\' priorities, as kube-aggregator orders it; a changed local priority moves its group', async () => {
  const names = async (accept?: string) => {
    const r = await call('GET', '/apis', undefined, accept ? { accept } : {});
    const body = r.json() as { groups?: { name: string }[]; items?: { metadata: { name: string } }[] };
    return body.groups ? body.groups.map((g) => g.name) : (body.items ?? []).map((i) => i.metadata.name);
  };
  const builtins = ['apiregistration.k8s.io', 'apps', 'events.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io', 'autoscaling', 'batch', 'certificates.k8s.io', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'storage.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'node.k8s.io', 'discovery.k8s.io', 'flowcontrol.apiserver.k8s.io'];
  const aggregated = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
  // a custom resource group (1000) comes after the built-ins and before metrics.k8s.io (100)
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.order.example.com' },
    spec: { group: 'order.example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' }, versions: ['v1beta1', 'v1', 'v2alpha1'].map((name) => ({ name, served: true, storage: name === 'v1', schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } })) },
  };
  assert.equal((await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
  await available('v1.order.example.com', 'True', 'Local');
  const withCrd = await until('order.example.com served', async () => {
    const n = await names();
    return n.includes('order.example.com') ? n : undefined;
  });
  assert.deepEqual(withCrd.filter((g) => !g.endsWith('.example.com') || g === 'order.example.com'), [...builtins, 'order.example.com', 'metrics.k8s.io']);
  assert.deepEqual((await names(aggregated)).filter((g) => !g.endsWith('.example.com') || g === 'order.example.com'), [...builtins, 'order.example.com', 'metrics.k8s.io']);
  // equal versionPriority (100): Kubernetes' version order picks the preferred version
  const group = (await call('GET', '/apis/order.example.com')).json() as { versions: { version: string }[]; preferredVersion: { version: string } };
  assert.deepEqual(group.versions.map((v) => v.version), ['v1', 'v1beta1', 'v2alpha1']);
  // a user raising the local APIService's priorities moves the group to the front and v2alpha1 first within it
  const raise = async (name: string, spec: Record<string, number>) => {
    const s = (await call('GET', `/apis/apiregistration.k8s.io/v1/apiservices/${name}`)).json() as Record<string, unknown> & { spec: Record<string, unknown>; metadata: Record<string, unknown> };
    s.metadata = { ...s.metadata, labels: {} }; // no longer managed: the CRD registration leaves it alone
    s.spec = { ...s.spec, ...spec };
    assert.equal((await call('PUT', `/apis/apiregistration.k8s.io/v1/apiservices/${name}`, s)).status, 200);
  };
  await raise('v2alpha1.order.example.com', { groupPriorityMinimum: 19000, versionPriority: 200 });
  const moved = await until('order.example.com first', async () => {
    const n = await names();
    return n[0] === 'order.example.com' ? n : undefined;
  });
  assert.equal(moved[1], 'apiregistration.k8s.io');
  assert.equal((await names(aggregated))[0], 'order.example.com');
  const after = (await call('GET', '/apis/order.example.com')).json() as { versions: { version: string }[]; preferredVersion: { version: string } };
  assert.deepEqual(after.versions.map((v) => v.version), ['v2alpha1', 'v1', 'v1beta1']);
  assert.equal(after.preferredVersion.version, 'v2alpha1');
  await call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.order.example.com');
  await call('DELETE', '/apis/apiregistration.k8s.io/v1/apiservices/v2alpha1.order.example.com');
});

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { collect, testServer, type TestServer } from './helpers.js';

let s: TestServer;
before(async () => {
  s = await testServer();
  const r = await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  assert.equal(r.status, 201, r.text);
});
after(async () => s.close());

const cmURL = '/api/v1/namespaces/default/configmaps';

test('configmap CRUD round-trip', async () => {
  const c = await s.call('POST', cmURL, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'crud' }, data: { a: '1' } });
  assert.equal(c.status, 201, c.text);
  const created = c.json();
  assert.equal((created['metadata'] as Record<string, unknown>)['namespace'], 'default');
  const g = await s.call('GET', `${cmURL}/crud`);
  assert.equal(g.status, 200);
  assert.deepEqual(g.json()['data'], { a: '1' });
  const u = await s.call('PUT', `${cmURL}/crud`, { ...g.json(), data: { a: '2' } });
  assert.equal(u.status, 200, u.text);
  const p = await s.call('PATCH', `${cmURL}/crud`, { data: { b: '3' } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(p.status, 200, p.text);
  assert.deepEqual(p.json()['data'], { a: '2', b: '3' });
  const sp = await s.call('PATCH', `${cmURL}/crud`, { data: { c: '4' } }, { 'content-type': 'application/strategic-merge-patch+json' });
  assert.deepEqual(sp.json()['data'], { a: '2', b: '3', c: '4' });
  const jp = await s.call('PATCH', `${cmURL}/crud`, [{ op: 'remove', path: '/data/a' }], { 'content-type': 'application/json-patch+json' });
  assert.deepEqual(jp.json()['data'], { b: '3', c: '4' });
  const l = await s.call('GET', `${cmURL}?limit=500`);
  assert.equal(l.status, 200);
  const list = l.json();
  assert.equal(list['kind'], 'ConfigMapList');
  assert.equal(list['apiVersion'], 'v1');
  assert.ok((list['metadata'] as Record<string, unknown>)['resourceVersion']);
  const d = await s.call('DELETE', `${cmURL}/crud`, { propagationPolicy: 'Background' });
  assert.equal(d.status, 200, d.text);
  const st = d.json();
  assert.equal(st['kind'], 'Status');
  assert.equal(st['status'], 'Success');
  assert.deepEqual({ ...(st['details'] as object), uid: undefined }, { name: 'crud', kind: 'configmaps', uid: undefined });
  const gone = await s.call('GET', `${cmURL}/crud`);
  assert.equal(gone.status, 404);
  assert.equal(gone.json()['message'], 'configmaps "crud" not found');
  assert.equal(gone.text, '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \\"crud\\" not found","reason":"NotFound","details":{"name":"crud","kind":"configmaps"},"code":404}\n', 'the error body byte for byte, ending with a newline as Kubernetes writes it');
  const after = await s.call('GET', cmURL);
  assert.ok(after.text.endsWith(']}\n'), 'a list ends with a newline too');
});

test('PUT with a stale resourceVersion → 409 Conflict', async () => {
  const c = (await s.call('POST', cmURL, { metadata: { name: 'occ' }, data: {} })).json();
  await s.call('PUT', `${cmURL}/occ`, { ...c, data: { x: '1' } });
  const r = await s.call('PUT', `${cmURL}/occ`, { ...c, data: { x: '2' } });
  assert.equal(r.status, 409);
  assert.equal(r.json()['reason'], 'Conflict');
  assert.equal(r.json()['message'], 'Operation cannot be fulfilled on configmaps "occ": the object has been modified; please apply your changes to the latest version and try again');
});

test('generateName', async () => {
  const r = await s.call('POST', cmURL, { metadata: { generateName: 'gen-' } });
  assert.equal(r.status, 201);
  assert.match(String((r.json()['metadata'] as Record<string, unknown>)['name']), /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

test('dryRun=All creates nothing', async () => {
  const r = await s.call('POST', `${cmURL}?dryRun=All`, { metadata: { name: 'dry' } });
  assert.equal(r.status, 201);
  assert.equal((await s.call('GET', `${cmURL}/dry`)).status, 404);
});

const badBodies: { name: string; method: string; url: string; body: string; headers?: Record<string, string>; status: number; message?: string | RegExp }[] = [
  { name: 'malformed JSON', method: 'POST', url: cmURL, body: '{"metadata": ', status: 400, message: /^the object provided is unrecognized \(must be of type ConfigMap\): couldn't get version\/kind; json parse error/ },
  { name: 'wrong kind', method: 'POST', url: cmURL, body: '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}', status: 400, message: /^Secret in version "v1" cannot be handled as a ConfigMap/ },
  { name: 'wrong apiVersion', method: 'POST', url: cmURL, body: '{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"x"}}', status: 400, message: 'the API version in the data (apps/v1) does not match the expected API version (v1)' },
  { name: 'namespace mismatch', method: 'POST', url: cmURL, body: '{"metadata":{"name":"x","namespace":"other"}}', status: 400, message: 'the namespace of the provided object does not match the namespace sent on the request' },
  { name: 'name mismatch on PUT', method: 'PUT', url: `${cmURL}/a`, body: '{"metadata":{"name":"b"}}', status: 400, message: 'the name of the object (b) does not match the name on the URL (a)' },
  { name: 'unknown media type', method: 'POST', url: cmURL, body: 'x', headers: { 'content-type': 'text/plain' }, status: 415 },
  { name: 'unknown patch type', method: 'PATCH', url: `${cmURL}/a`, body: '{}', headers: { 'content-type': 'application/json' }, status: 415 },
  { name: 'too large', method: 'POST', url: cmURL, body: `{"metadata":{"name":"big"},"data":{"a":"${'x'.repeat(3 * 1024 * 1024)}"}}`, status: 413 },
  { name: 'unknown resource', method: 'GET', url: '/api/v1/namespaces/default/widgets', body: '', status: 404, message: 'the server could not find the requested resource' },
  { name: 'unknown group', method: 'GET', url: '/apis/nope.example.com/v1/things', body: '', status: 404, message: 'the server could not find the requested resource' },
  { name: 'missing namespace', method: 'POST', url: '/api/v1/namespaces/nope/configmaps', body: '{"metadata":{"name":"x"}}', status: 404, message: 'namespaces "nope" not found' },
  { name: 'invalid name', method: 'POST', url: cmURL, body: '{"metadata":{"name":"Bad_Name"}}', status: 422, message: /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"/ },
  { name: 'bad label selector', method: 'GET', url: `${cmURL}?labelSelector=a%20in%20(`, body: '', status: 400 },
  { name: 'unsupported field selector', method: 'GET', url: `${cmURL}?fieldSelector=spec.foo%3Dx`, body: '', status: 400 },
  { name: 'unsupported verb (namespaces deletecollection)', method: 'DELETE', url: '/api/v1/namespaces', body: '', status: 405, message: 'deletecollection is not supported on resources of kind "namespaces"' },
];

for (const c of badBodies) {
  test(`bad request: ${c.name} → ${c.status}, and the server keeps answering`, async () => {
    const r = await s.call(c.method, c.url, c.body === '' ? undefined : c.body, { 'content-type': 'application/json', ...c.headers });
    assert.equal(r.status, c.status, r.text.slice(0, 300));
    const st = r.json();
    assert.equal(st['kind'], 'Status');
    assert.equal(st['code'], c.status);
    if (typeof c.message === 'string') assert.equal(st['message'], c.message);
    else if (c.message) assert.match(String(st['message']), c.message);
    assert.equal((await s.call('GET', '/version')).status, 200);
  });
}

test('fieldValidation: Strict rejects, Warn warns and drops, Ignore drops', async () => {
  const body = { metadata: { name: 'fv' }, data: { a: 'b' }, dataa: { x: 'y' } };
  const strict = await s.call('POST', `${cmURL}?fieldValidation=Strict`, body);
  assert.equal(strict.status, 400);
  assert.equal(strict.json()['message'], 'strict decoding error: unknown field "dataa"');
  const warn = await s.call('POST', `${cmURL}?fieldValidation=Warn`, body);
  assert.equal(warn.status, 201);
  assert.deepEqual(warn.headers['warning'], ['299 - "unknown field \\"dataa\\""']);
  assert.equal(warn.json()['dataa'], undefined);
  const ignore = await s.call('POST', `${cmURL}?fieldValidation=Ignore`, { ...body, metadata: { name: 'fv2' } });
  assert.equal(ignore.status, 201);
  assert.equal(ignore.headers['warning'], undefined);
});

const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

test('Table output for list and get, with includeObject', async () => {
  await s.call('POST', cmURL, { metadata: { name: 'tbl' }, data: { a: '1', b: '2' } });
  const r = await s.call('GET', `${cmURL}?limit=500`, undefined, { accept: tableAccept });
  assert.equal(r.status, 200);
  const t = r.json();
  assert.equal(t['kind'], 'Table');
  assert.equal(t['apiVersion'], 'meta.k8s.io/v1');
  const cols = (t['columnDefinitions'] as { name: string }[]).map((c) => c.name);
  assert.equal(cols[0], 'Name');
  const rows = t['rows'] as { cells: unknown[]; object: Record<string, unknown> }[];
  const row = rows.find((x) => x.cells[0] === 'tbl');
  assert.ok(row);
  assert.equal(row.object['kind'], 'PartialObjectMetadata');
  const one = (await s.call('GET', `${cmURL}/tbl?includeObject=Object`, undefined, { accept: tableAccept })).json();
  const r1 = (one['rows'] as { object: Record<string, unknown> }[])[0]!;
  assert.equal(r1.object['kind'], 'ConfigMap');
  const none = (await s.call('GET', `${cmURL}/tbl?includeObject=None`, undefined, { accept: tableAccept })).json();
  assert.equal((none['rows'] as Record<string, unknown>[])[0]!['object'], undefined);
});

test('Accept negotiation: protobuf alone → 406; protobuf,json → JSON; */* → JSON', async () => {
  assert.equal((await s.call('GET', `${cmURL}`, undefined, { accept: 'application/vnd.kubernetes.protobuf' })).status, 406);
  const both = await s.call('GET', `${cmURL}`, undefined, { accept: 'application/vnd.kubernetes.protobuf,application/json' });
  assert.equal(both.status, 200);
  assert.equal(both.headers['content-type'], 'application/json');
  assert.equal((await s.call('GET', `${cmURL}`, undefined, { accept: '*/*' })).status, 200);
});

test('list pagination with continue and an invalid token', async () => {
  for (let i = 0; i < 5; i++) await s.call('POST', '/api/v1/namespaces/default/secrets', { metadata: { name: `s${i}` } });
  const names: string[] = [];
  let token = '';
  let pages = 0;
  do {
    const r = (await s.call('GET', `/api/v1/namespaces/default/secrets?limit=2${token ? `&continue=${encodeURIComponent(token)}` : ''}`)).json();
    names.push(...(r['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name));
    token = String((r['metadata'] as Record<string, unknown>)['continue'] ?? '');
    pages++;
  } while (token);
  assert.deepEqual(names, ['s0', 's1', 's2', 's3', 's4']);
  assert.equal(pages, 3);
  assert.equal((await s.call('GET', '/api/v1/namespaces/default/secrets?limit=2&continue=garbage')).status, 400);
});

test('selectors: labelSelector and fieldSelector metadata.name', async () => {
  await s.call('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'sa1', labels: { team: 'a' } } });
  await s.call('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'sa2', labels: { team: 'b' } } });
  const byLabel = (await s.call('GET', '/api/v1/namespaces/default/serviceaccounts?labelSelector=team%3Da')).json();
  assert.deepEqual((byLabel['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name), ['sa1']);
  const byName = (await s.call('GET', '/api/v1/serviceaccounts?fieldSelector=metadata.name%3Dsa2')).json();
  assert.deepEqual((byName['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name), ['sa2']);
});

test('/version reports a 1.32 server', async () => {
  const v = (await s.call('GET', '/version')).json();
  assert.equal(v['major'], '1');
  assert.equal(v['minor'], '32');
  assert.match(String(v['gitVersion']), /^v1\.32\./);
});

test('health endpoints', async () => {
  for (const p of ['/healthz', '/livez', '/readyz']) {
    const r = await s.call('GET', p);
    assert.equal(r.status, 200);
    assert.equal(r.text, 'ok');
  }
  const v = await s.call('GET', '/readyz?verbose');
  assert.match(v.text, /^\[\+\]ping ok\n/);
  assert.match(v.text, /readyz check passed\n$/);
  assert.equal((await s.call('GET', '/livez/etcd')).status, 200);
});

test('discovery: legacy and aggregated', async () => {
  const api = (await s.call('GET', '/api')).json();
  assert.equal(api['kind'], 'APIVersions');
  const apis = (await s.call('GET', '/apis')).json();
  assert.equal(apis['kind'], 'APIGroupList');
  const agg = await s.call('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
  assert.equal(agg.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  assert.equal(agg.json()['kind'], 'APIGroupDiscoveryList');
  const v1 = (await s.call('GET', '/api/v1')).json();
  assert.equal(v1['kind'], 'APIResourceList');
  assert.equal((await s.call('GET', '/apis/apps/v1')).json()['groupVersion'], 'apps/v1');
  assert.equal((await s.call('GET', '/apis/apps')).json()['kind'], 'APIGroup');
  assert.equal((await s.call('GET', '/apis/nope')).status, 404);
  assert.equal((await s.call('GET', '/openapi/v2')).status, 200);
  const v2pb = await s.raw('GET', '/openapi/v2', undefined, { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
  assert.equal(v2pb.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  const root = (await s.call('GET', '/openapi/v3')).json();
  assert.ok((root['paths'] as Record<string, unknown>)['api/v1']);
  assert.equal((await s.call('GET', '/openapi/v3/apis/apps/v1')).status, 200);
});

test('namespace deletion: Terminating blocks new content; finalize then delete removes it', async () => {
  assert.equal((await s.call('POST', '/api/v1/namespaces', { metadata: { name: 'doomed' } })).status, 201);
  const d = await s.call('DELETE', '/api/v1/namespaces/doomed');
  assert.equal(d.status, 200, d.text);
  const ns = (await s.call('GET', '/api/v1/namespaces/doomed')).json();
  assert.equal((ns['status'] as Record<string, unknown>)['phase'], 'Terminating');
  const blocked = await s.call('POST', '/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'x' } });
  assert.equal(blocked.status, 403);
  assert.equal(blocked.json()['message'], 'configmaps "x" is forbidden: unable to create new content in namespace doomed because it is being terminated');
  const fin = await s.call('PUT', '/api/v1/namespaces/doomed/finalize', { ...ns, spec: { finalizers: [] } });
  assert.equal(fin.status, 200, fin.text);
  assert.equal((await s.call('GET', '/api/v1/namespaces/doomed')).status, 404);
});

test('scale subresource on a deployment', async () => {
  const dep = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
  const c = await s.call('POST', '/apis/apps/v1/namespaces/default/deployments', dep);
  assert.equal(c.status, 201, c.text);
  const sc = (await s.call('GET', '/apis/apps/v1/namespaces/default/deployments/web/scale')).json();
  assert.equal(sc['kind'], 'Scale');
  assert.deepEqual(sc['spec'], { replicas: 1 });
  assert.equal((sc['status'] as Record<string, unknown>)['selector'], 'app=web');
  const p = await s.call('PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale', { spec: { replicas: 3 } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(p.status, 200, p.text);
  const after = (await s.call('GET', '/apis/apps/v1/namespaces/default/deployments/web')).json();
  assert.equal((after['spec'] as Record<string, unknown>)['replicas'], 3);
});

test('pods/binding sets spec.nodeName; a second binding → 409', async () => {
  const pod = { metadata: { name: 'p1' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  assert.equal((await s.call('POST', '/api/v1/namespaces/default/pods', pod)).status, 201);
  const b = await s.call('POST', '/api/v1/namespaces/default/pods/p1/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p1' }, target: { kind: 'Node', name: 'n1' } });
  assert.equal(b.status, 201, b.text);
  assert.equal(b.json()['status'], 'Success');
  const got = (await s.call('GET', '/api/v1/namespaces/default/pods/p1')).json();
  assert.equal((got['spec'] as Record<string, unknown>)['nodeName'], 'n1');
  const again = await s.call('POST', '/api/v1/namespaces/default/bindings', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p1' }, target: { kind: 'Node', name: 'n2' } });
  assert.equal(again.status, 409);
  assert.equal(again.json()['message'], 'Operation cannot be fulfilled on pods/binding "p1": pod p1 is already assigned to node "n1"');
});

test('registered subresource handlers are called', async () => {
  s.api.registerSubresource('', 'pods', 'log', async (scope) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: `log of ${scope.info.urlName}` }));
  const r = await s.call('GET', '/api/v1/namespaces/default/pods/p1/log');
  assert.equal(r.text, 'log of p1');
});

test('watch: initial events, live events, resume and 410 as an ERROR event', async () => {
  const ac = new AbortController();
  const first = (await s.call('POST', '/api/v1/namespaces/default/endpoints', { metadata: { name: 'w1' } })).json();
  const rv = String((first['metadata'] as Record<string, unknown>)['resourceVersion']);
  const res = await s.api.handle({ method: 'GET', url: '/api/v1/namespaces/default/endpoints?watch=1&allowWatchBookmarks=true', headers: { authorization: 'Bearer test-token' }, lifetime: ac });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  const body = res.body as AsyncIterable<string>;
  const it = body[Symbol.asyncIterator]();
  const lines: { type: string; object: Record<string, unknown> }[] = [];
  const readLines = async (n: number) => {
    while (lines.length < n) {
      const r = await it.next();
      if (r.done) break;
      for (const l of r.value.split('\n')) if (l) lines.push(JSON.parse(l));
    }
  };
  await readLines(1);
  assert.equal(lines[0]!.type, 'ADDED');
  await s.call('POST', '/api/v1/namespaces/default/endpoints', { metadata: { name: 'w2' } });
  await s.call('DELETE', '/api/v1/namespaces/default/endpoints/w1');
  await readLines(3);
  assert.deepEqual(lines.map((l) => [l.type, (l.object['metadata'] as Record<string, unknown>)['name']]), [['ADDED', 'w1'], ['ADDED', 'w2'], ['DELETED', 'w1']]);
  ac.abort();
  assert.equal((await it.next()).done, true);

  const resumed = await collect(await s.api.handle({ method: 'GET', url: `/api/v1/namespaces/default/endpoints?watch=1&resourceVersion=${rv}&timeoutSeconds=1`, headers: { authorization: 'Bearer test-token' } }));
  const types = resumed.text.trim().split('\n').map((l) => JSON.parse(l).type);
  assert.deepEqual(types, ['ADDED', 'DELETED']);

  const tooOld = await collect(await s.api.handle({ method: 'GET', url: '/api/v1/namespaces/default/endpoints?watch=1&resourceVersion=999999999&timeoutSeconds=1', headers: { authorization: 'Bearer test-token' } }));
  const ev = JSON.parse(tooOld.text.trim().split('\n')[0]!);
  assert.equal(ev.type, 'ERROR');
});

test('watch: sendInitialEvents ends the initial state with the initial-events-end bookmark', async () => {
  await s.call('POST', '/api/v1/namespaces/default/limitranges', { metadata: { name: 'lr' } });
  const r = await collect(await s.api.handle({
    method: 'GET',
    url: '/api/v1/namespaces/default/limitranges?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1',
    headers: { authorization: 'Bearer test-token' },
  }));
  const events = r.text.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(events[0].type, 'ADDED');
  assert.equal(events[1].type, 'BOOKMARK');
  assert.equal(events[1].object.metadata.annotations['k8s.io/initial-events-end'], 'true');
  const bad = await s.call('GET', '/api/v1/namespaces/default/limitranges?watch=1&sendInitialEvents=true');
  assert.equal(bad.status, 422);
});

test('watch: allowWatchBookmarks sends periodic BOOKMARKs with only the resourceVersion', async () => {
  const t = await testServer({ bookmarkIntervalMs: 30 });
  try {
    await t.call('POST', '/api/v1/namespaces', { metadata: { name: 'bm' } });
    const ac = new AbortController();
    const res = await t.api.handle({ method: 'GET', url: '/api/v1/namespaces?watch=1&allowWatchBookmarks=true', headers: { authorization: 'Bearer test-token' }, lifetime: ac });
    const it = (res.body as AsyncIterable<string>)[Symbol.asyncIterator]();
    const events: { type: string; object: Record<string, unknown> }[] = [];
    while (!events.some((e) => e.type === 'BOOKMARK')) {
      const r = await it.next();
      if (r.done) break;
      for (const l of r.value.split('\n')) if (l) events.push(JSON.parse(l));
    }
    ac.abort();
    await it.return?.();
    const bm = events.find((e) => e.type === 'BOOKMARK')!;
    assert.deepEqual(Object.keys(bm.object), ['kind', 'apiVersion', 'metadata']);
    assert.equal(bm.object['kind'], 'Namespace');
    assert.ok((bm.object['metadata'] as Record<string, unknown>)['resourceVersion']);
  } finally {
    await t.close();
  }
});

test('a large list is streamed in slices and is the same JSON as a small one', async () => {
  await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'big' } });
  for (let i = 0; i < 620; i++) {
    const r = await s.call('POST', '/api/v1/namespaces/big/configmaps', { metadata: { name: `cm-${String(i).padStart(4, '0')}` }, data: { i: String(i) } });
    assert.equal(r.status, 201, r.text);
  }
  const raw = await s.api.handle({ method: 'GET', url: '/api/v1/namespaces/big/configmaps', headers: { accept: 'application/json' } });
  assert.equal(typeof raw.body === 'object' && raw.body !== null && Symbol.asyncIterator in raw.body, true, 'streamed');
  const list = JSON.parse((await s.call('GET', '/api/v1/namespaces/big/configmaps')).text) as { kind: string; items: { metadata: { name: string }; data: { i: string } }[] };
  assert.equal(list.kind, 'ConfigMapList');
  assert.equal(list.items.length, 620);
  assert.deepEqual(list.items.map((c) => Number(c.data.i)), [...Array(620).keys()]);
});

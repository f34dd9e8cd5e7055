// A cluster-scoped custom resource through the in-process API server: every verb at a path without a namespace,
// and no resource under a namespace path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer } from '../apiserver/helpers.js';
import { established, simpleCrd, type Obj } from './helpers.js';

test('a cluster-scoped custom resource is created, read, listed, watched and deleted without a namespace', async () => {
  const s = await testServer();
  try {
    assert.equal((await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', simpleCrd('cluster.example.com', 'widgets', 'Widget', 'Cluster'))).status, 201);
    await established(s, 'widgets.cluster.example.com');
    const disc = (await s.call('GET', '/apis/cluster.example.com/v1')).json() as Obj;
    const res = (disc['resources'] as Obj[]).find((r) => r['name'] === 'widgets')!;
    assert.equal(res['namespaced'], false);

    const base = '/apis/cluster.example.com/v1/widgets';
    const empty = (await s.call('GET', base)).json() as Obj;
    const startRv = String(empty['metadata']['resourceVersion']);

    const created = await s.call('POST', base, { apiVersion: 'cluster.example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'ignored' }, spec: { size: 3 } });
    assert.equal(created.status, 201, created.text);
    const meta = created.json()['metadata'] as Obj;
    assert.equal(meta['namespace'], undefined, 'a cluster-scoped object has no namespace');

    const got = await s.call('GET', `${base}/w1`);
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(got.json()['spec'], { size: 3 });
    const list = (await s.call('GET', base)).json() as Obj;
    assert.equal(list['kind'], 'WidgetList');
    assert.deepEqual((list['items'] as Obj[]).map((i) => i['metadata']['name']), ['w1']);

    // under a namespace path the resource does not exist
    for (const [method, url, body] of [
      ['GET', '/apis/cluster.example.com/v1/namespaces/default/widgets', undefined],
      ['GET', '/apis/cluster.example.com/v1/namespaces/default/widgets/w1', undefined],
      ['POST', '/apis/cluster.example.com/v1/namespaces/default/widgets', { apiVersion: 'cluster.example.com/v1', kind: 'Widget', metadata: { name: 'w2' } }],
      ['DELETE', '/apis/cluster.example.com/v1/namespaces/default/widgets/w1', undefined],
    ] as const) {
      const r = await s.call(method, url, body);
      assert.equal(r.status, 404, `${method} ${url}: ${r.text}`);
      assert.equal(r.json()['reason'], 'NotFound', r.text);
      assert.equal(r.json()['message'], 'the server could not find the requested resource');
    }
    assert.equal((await s.call('GET', `${base}/w1`)).status, 200, 'the namespaced DELETE did not touch it');

    const del = await s.call('DELETE', `${base}/w1`);
    assert.equal(del.status, 200, del.text);
    assert.equal((await s.call('GET', `${base}/w1`)).status, 404);

    // a watch from before the create sees both events, at the cluster-wide path
    const w = await s.call('GET', `${base}?watch=1&resourceVersion=${startRv}&timeoutSeconds=1`);
    assert.equal(w.status, 200, w.text);
    const events = w.text.trim().split('\n').map((l) => JSON.parse(l) as Obj);
    assert.deepEqual(events.map((e) => [e['type'], e['object']['metadata']['name'], e['object']['metadata']['namespace']]), [['ADDED', 'w1', undefined], ['DELETED', 'w1', undefined]]);
    const nsWatch = await s.call('GET', `/apis/cluster.example.com/v1/namespaces/default/widgets?watch=1&resourceVersion=${startRv}&timeoutSeconds=1`);
    assert.equal(nsWatch.status, 404, nsWatch.text);
  } finally {
    await s.close();
  }
});

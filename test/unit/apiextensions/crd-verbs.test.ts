// Custom-resource verbs and listings beyond create/get through the in-process API server: JSON patch,
// deletecollection, the metadata.namespace field selector, the default NAME/AGE table, categories in discovery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer } from '../apiserver/helpers.js';
import { established, simpleCrd, type Obj } from './helpers.js';

test('JSON patch, deletecollection, metadata.namespace selector, default columns and categories on a custom resource', async () => {
  const s = await testServer();
  try {
    assert.equal((await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', simpleCrd('verbs.example.com', 'things', 'Thing', 'Namespaced', { categories: ['all'] }))).status, 201);
    await established(s, 'things.verbs.example.com');
    for (const ns of ['a', 'b']) await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const make = (ns: string, name: string, labels: Record<string, string> = {}) =>
      s.call('POST', `/apis/verbs.example.com/v1/namespaces/${ns}/things`, { apiVersion: 'verbs.example.com/v1', kind: 'Thing', metadata: { name, labels }, spec: { n: 1, tags: ['x'] } });
    for (const [ns, name, labels] of [['a', 't1', { keep: 'no' }], ['a', 't2', { keep: 'yes' }], ['b', 't3', { keep: 'no' }]] as const) assert.equal((await make(ns, name, labels)).status, 201);

    // categories: the resource is listed in discovery with its category
    const disc = (await s.call('GET', '/apis/verbs.example.com/v1')).json() as Obj;
    assert.deepEqual((disc['resources'] as Obj[]).find((r) => r['name'] === 'things')!['categories'], ['all']);
    const agg = (await s.call('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).json() as Obj;
    const group = (agg['items'] as Obj[]).find((g) => g['metadata']['name'] === 'verbs.example.com')!;
    assert.deepEqual(group['versions'][0]['resources'].find((r: Obj) => r['resource'] === 'things')['categories'], ['all']);

    // JSON patch: test, replace, add to a list; a failed test is 422 as kube-apiserver answers it
    const jp = { 'content-type': 'application/json-patch+json' };
    const patched = await s.call('PATCH', '/apis/verbs.example.com/v1/namespaces/a/things/t1', [
      { op: 'test', path: '/spec/n', value: 1 }, { op: 'replace', path: '/spec/n', value: 2 }, { op: 'add', path: '/spec/tags/-', value: 'y' },
    ], jp);
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.json()['spec'], { n: 2, tags: ['x', 'y'] });
    assert.equal((patched.json()['metadata'] as Obj)['generation'], 2);
    const failed = await s.call('PATCH', '/apis/verbs.example.com/v1/namespaces/a/things/t1', [{ op: 'test', path: '/spec/n', value: 1 }], jp);
    assert.equal(failed.status, 422, failed.text);
    assert.equal(failed.json()['reason'], 'Invalid');
    assert.equal(((await s.call('GET', '/apis/verbs.example.com/v1/namespaces/a/things/t1')).json()['spec'] as Obj)['n'], 2);

    // field selector on metadata.namespace across namespaces
    const inA = (await s.call('GET', '/apis/verbs.example.com/v1/things?fieldSelector=metadata.namespace%3Da')).json() as Obj;
    assert.deepEqual((inA['items'] as Obj[]).map((i) => i['metadata']['name']), ['t1', 't2']);
    const notA = (await s.call('GET', '/apis/verbs.example.com/v1/things?fieldSelector=metadata.namespace!%3Da')).json() as Obj;
    assert.deepEqual((notA['items'] as Obj[]).map((i) => i['metadata']['name']), ['t3']);
    const badField = await s.call('GET', '/apis/verbs.example.com/v1/things?fieldSelector=spec.n%3D1');
    assert.equal(badField.status, 400, badField.text);
    assert.equal(badField.json()['message'], '"spec.n" is not a known field selector: only "metadata.name", "metadata.namespace"');

    // no additionalPrinterColumns: the table has NAME and AGE
    const table = (await s.call('GET', '/apis/verbs.example.com/v1/namespaces/a/things', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json() as Obj;
    assert.deepEqual((table['columnDefinitions'] as Obj[]).map((c) => [c['name'], c['type'], c['format']]), [['Name', 'string', 'name'], ['Age', 'date', '']]);
    assert.deepEqual((table['rows'] as Obj[]).map((r) => r['cells'][0]), ['t1', 't2']);
    assert.match(String((table['rows'] as Obj[])[0]!['cells'][1]), /^\d+s$/, 'a human-readable age');

    // deletecollection within a namespace, with a label selector
    const dc = await s.call('DELETE', '/apis/verbs.example.com/v1/namespaces/a/things?labelSelector=keep%3Dno');
    assert.equal(dc.status, 200, dc.text);
    const left = (await s.call('GET', '/apis/verbs.example.com/v1/things')).json() as Obj;
    assert.deepEqual((left['items'] as Obj[]).map((i) => `${i['metadata']['namespace']}/${i['metadata']['name']}`), ['a/t2', 'b/t3']);
    const all = await s.call('DELETE', '/apis/verbs.example.com/v1/namespaces/a/things');
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(((await s.call('GET', '/apis/verbs.example.com/v1/things')).json()['items'] as Obj[]).map((i) => i['metadata']['name']), ['t3']);
  } finally {
    await s.close();
  }
});

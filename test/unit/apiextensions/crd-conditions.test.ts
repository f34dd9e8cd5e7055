// A CRD's status conditions through the in-process API server: NamesAccepted False on a names conflict within a
// group (and Established False for a CRD never accepted), and Terminating while its custom resources are deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer, type TestServer } from '../apiserver/helpers.js';
import { established, eventually, simpleCrd, type Obj } from './helpers.js';

const crdUrl = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const conditions = (crd: Obj) => ((crd['status']?.['conditions'] ?? []) as Obj[]).map((c) => [c['type'], c['status'], c['reason'], c['message']]);
const getCrd = (s: TestServer, name: string) => async () => (await s.call('GET', `${crdUrl}/${name}`)).json() as Obj;

test('names claimed by another CRD of the group are not accepted, with kube-apiserver\'s reasons', async () => {
  const s = await testServer();
  try {
    assert.equal((await s.call('POST', crdUrl, simpleCrd('names.example.com', 'foos', 'Foo', 'Namespaced', { shortNames: ['fo'] }))).status, 201);
    await established(s, 'foos.names.example.com');
    const cases: Array<[Obj, string, string]> = [
      // the plural of one is the singular of the other
      [simpleCrd('names.example.com', 'foo', 'Other', 'Namespaced'), 'PluralConflict', '"foo" is already in use'],
      [simpleCrd('names.example.com', 'others', 'Foos', 'Namespaced'), 'SingularConflict', '"foos" is already in use'],
      [simpleCrd('names.example.com', 'bars', 'Bar', 'Namespaced', { shortNames: ['fo'] }), 'ShortNamesConflict', '"fo" is already in use'],
      [simpleCrd('names.example.com', 'bazs', 'Foo', 'Namespaced', { singular: 'baz' }), 'KindConflict', '"Foo" is already in use'],
      [simpleCrd('names.example.com', 'quxs', 'Qux', 'Namespaced', { listKind: 'FooList' }), 'ListKindConflict', '"FooList" is already in use'],
    ];
    for (const [crd, reason, message] of cases) {
      const name = crd['metadata']['name'] as string;
      assert.equal((await s.call('POST', crdUrl, crd)).status, 201, name);
      const got = await eventually(getCrd(s, name), (c) => conditions(c).length > 0, `${name} has no conditions`);
      assert.deepEqual(conditions(got), [['NamesAccepted', 'False', reason, message], ['Established', 'False', 'NotAccepted', 'not all names are accepted']], name);
      assert.equal(got['status']['acceptedNames']?.['plural'] ?? '', '', `${name} has no accepted names`);
      const plural = crd['spec']['names']['plural'] as string;
      assert.equal((await s.call('GET', `/apis/names.example.com/v1/${plural}`)).status, 404, `${plural} is not served`);
    }
    // the same names in another group are free
    assert.equal((await s.call('POST', crdUrl, simpleCrd('other.example.com', 'foos', 'Foo', 'Namespaced', { shortNames: ['fo'] }))).status, 201);
    await established(s, 'foos.other.example.com');
  } finally {
    await s.close();
  }
});

test('a deleted CRD is Terminating while its custom resources are being deleted, and goes when they are gone', async () => {
  const s = await testServer();
  try {
    assert.equal((await s.call('POST', crdUrl, simpleCrd('term.example.com', 'things', 'Thing', 'Namespaced'))).status, 201);
    await established(s, 'things.term.example.com');
    await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    const cr = '/apis/term.example.com/v1/namespaces/default/things';
    assert.equal((await s.call('POST', cr, { apiVersion: 'term.example.com/v1', kind: 'Thing', metadata: { name: 'held', finalizers: ['example.com/hold'] } })).status, 201);

    assert.equal((await s.call('DELETE', `${crdUrl}/things.term.example.com`)).status, 200);
    const terminating = await eventually(getCrd(s, 'things.term.example.com'), (c) => conditions(c).some((x) => x[0] === 'Terminating'), 'no Terminating condition');
    assert.deepEqual(conditions(terminating).find((x) => x[0] === 'Terminating'), ['Terminating', 'True', 'InstanceDeletionInProgress', 'CustomResource deletion is in progress']);
    assert.deepEqual(terminating['metadata']['finalizers'], ['customresourcecleanup.apiextensions.k8s.io']);
    const held = (await s.call('GET', `${cr}/held`)).json() as Obj;
    assert.ok(held['metadata']['deletionTimestamp'], 'the custom resource is being deleted');
    const refused = await s.call('POST', cr, { apiVersion: 'term.example.com/v1', kind: 'Thing', metadata: { name: 'late' } });
    assert.equal(refused.status, 405, refused.text);
    assert.equal(refused.json()['message'], 'create not allowed while custom resource definition is terminating');

    // releasing the custom resource's finalizer lets the CRD go
    const released = await s.call('PATCH', `${cr}/held`, { metadata: { finalizers: null } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(released.status, 200, released.text);
    await eventually(async () => (await s.call('GET', `${crdUrl}/things.term.example.com`)).status, (st) => st === 404, 'the CRD is still there');
  } finally {
    await s.close();
  }
});

test('instances that stay past the finalizer\'s minute turn Terminating to InstanceDeletionCheck, and a new pass follows', async () => {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const s = await testServer({ now: () => new Date(clock) });
  try {
    const name = 'stuck.term.example.com';
    assert.equal((await s.call('POST', crdUrl, simpleCrd('term.example.com', 'stuck', 'Stuck', 'Namespaced'))).status, 201);
    await established(s, name);
    await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    const cr = '/apis/term.example.com/v1/namespaces/default/stuck';
    assert.equal((await s.call('POST', cr, { apiVersion: 'term.example.com/v1', kind: 'Stuck', metadata: { name: 'held', finalizers: ['example.com/hold'] } })).status, 201);
    assert.equal((await s.call('DELETE', `${crdUrl}/${name}`)).status, 200);
    const inProgress = await eventually(getCrd(s, name), (c) => conditions(c).some((x) => x[2] === 'InstanceDeletionInProgress'), 'no InstanceDeletionInProgress');

    // past the finalizer's minute the pass gives up with kube-apiserver's reason and message; the retry starts a
    // new pass (every write is in the watch)
    clock += 61_000;
    const w = await s.call('GET', `${crdUrl}?watch=1&fieldSelector=metadata.name%3D${name}&resourceVersion=${inProgress['metadata']['resourceVersion']}&timeoutSeconds=2`);
    const events = w.text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Obj);
    const terminating = events.map((e) => conditions(e['object']).find((x) => x[0] === 'Terminating')).filter((c) => c !== undefined);
    const check = terminating.findIndex((c) => c[2] === 'InstanceDeletionCheck');
    assert.ok(check >= 0, JSON.stringify(terminating));
    assert.deepEqual(terminating[check], ['Terminating', 'True', 'InstanceDeletionCheck', 'could not confirm zero CustomResources remaining: context deadline exceeded']);
    assert.deepEqual(terminating[check + 1], ['Terminating', 'True', 'InstanceDeletionInProgress', 'CustomResource deletion is in progress']);

    const released = await s.call('PATCH', `${cr}/held`, { metadata: { finalizers: null } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(released.status, 200, released.text);
    await eventually(async () => (await s.call('GET', `${crdUrl}/${name}`)).status, (st) => st === 404, 'the CRD is still there');
  } finally {
    await s.close();
  }
});

// Server-side apply of a custom resource through the in-process API server: field ownership between managers,
// Kubernetes' 409 text, force, removal of fields a manager stops applying, and list-map merging from the schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer, type TestServer } from '../apiserver/helpers.js';
import { established, type Obj } from './helpers.js';

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gadgets.ssa.example.com' },
  spec: {
    group: 'ssa.example.com',
    scope: 'Namespaced',
    names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
    versions: [{
      name: 'v1', served: true, storage: true,
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: {
        a: { type: 'string' },
        b: { type: 'string' },
        c: { type: 'string' },
        ports: {
          type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } },
        },
      } } } } },
    }],
  },
};

const url = '/apis/ssa.example.com/v1/namespaces/default/gadgets/g';

function apply(s: TestServer, manager: string, spec: Obj, force = false) {
  const q = `?fieldManager=${manager}${force ? '&force=true' : ''}`;
  return s.call('PATCH', url + q, JSON.stringify({ apiVersion: 'ssa.example.com/v1', kind: 'Gadget', metadata: { name: 'g' }, spec }), { 'content-type': 'application/apply-patch+yaml' });
}

function owners(obj: Obj): Array<[string, string, unknown]> {
  return (obj['metadata']['managedFields'] as Obj[]).map((e) => [e['manager'], e['operation'], e['fieldsV1']]);
}

test('two managers applying a custom resource: 409 with Kubernetes\' text, force takes over, dropped fields are removed', async () => {
  const s = await testServer();
  try {
    assert.equal((await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
    await established(s, 'gadgets.ssa.example.com');
    await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });

    const first = await apply(s, 'alice', { a: '1', b: '2', c: '3', ports: [{ name: 'http', port: 80 }] });
    assert.equal(first.status, 201, first.text);
    assert.deepEqual(owners(first.json()), [['alice', 'Apply', { 'f:spec': { 'f:a': {}, 'f:b': {}, 'f:c': {}, 'f:ports': { 'k:{"name":"http"}': { '.': {}, 'f:name': {}, 'f:port': {} } } } }]]);

    // another manager setting a field alice owns to another value conflicts
    const conflict = await apply(s, 'bob', { a: 'x' });
    assert.equal(conflict.status, 409, conflict.text);
    const st = conflict.json();
    assert.equal(st['reason'], 'Conflict');
    assert.equal(st['message'], 'Apply failed with 1 conflict: conflict with "alice": .spec.a');
    assert.deepEqual((st['details'] as Obj)['causes'], [{ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.a' }]);
    const two = await apply(s, 'bob', { a: 'x', b: 'y' });
    assert.equal(two.json()['message'], 'Apply failed with 2 conflicts: conflicts with "alice":\n- .spec.a\n- .spec.b');
    assert.equal(((await s.call('GET', url)).json()['spec'] as Obj)['a'], '1', 'a refused apply changes nothing');

    // the same value is shared, not a conflict; a list-map entry with another key merges beside alice's
    const shared = await apply(s, 'bob', { b: '2', ports: [{ name: 'https', port: 443 }] });
    assert.equal(shared.status, 200, shared.text);
    assert.deepEqual((shared.json()['spec'] as Obj)['ports'], [{ name: 'http', port: 80 }, { name: 'https', port: 443 }]);

    // force takes ownership of .spec.a
    const forced = await apply(s, 'bob', { a: 'x', b: '2', ports: [{ name: 'https', port: 443 }] }, true);
    assert.equal(forced.status, 200, forced.text);
    assert.equal((forced.json()['spec'] as Obj)['a'], 'x');
    assert.deepEqual(owners(forced.json()), [
      ['alice', 'Apply', { 'f:spec': { 'f:b': {}, 'f:c': {}, 'f:ports': { 'k:{"name":"http"}': { '.': {}, 'f:name': {}, 'f:port': {} } } } }],
      ['bob', 'Apply', { 'f:spec': { 'f:a': {}, 'f:b': {}, 'f:ports': { 'k:{"name":"https"}': { '.': {}, 'f:name': {}, 'f:port': {} } } } }],
    ]);

    // alice stops applying c, b and her port: c and the port go (no one else owns them), b stays (bob owns it too)
    const dropped = await apply(s, 'alice', {});
    assert.equal(dropped.status, 200, dropped.text);
    assert.deepEqual(dropped.json()['spec'], { a: 'x', b: '2', ports: [{ name: 'https', port: 443 }] });
    assert.deepEqual(owners(dropped.json()), [
      ['alice', 'Apply', { 'f:spec': {} }],
      ['bob', 'Apply', { 'f:spec': { 'f:a': {}, 'f:b': {}, 'f:ports': { 'k:{"name":"https"}': { '.': {}, 'f:name': {}, 'f:port': {} } } } }],
    ]);

    // an update by a non-apply manager is recorded as an Update with its apiVersion, and conflicts name it so
    const upd = await s.call('PATCH', `${url}?fieldManager=editor`, { spec: { a: 'edited' } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(upd.status, 200, upd.text);
    const again = await apply(s, 'bob', { a: 'x', b: '2', ports: [{ name: 'https', port: 443 }] });
    assert.equal(again.status, 409);
    assert.equal(again.json()['message'], 'Apply failed with 1 conflict: conflict with "editor" using ssa.example.com/v1: .spec.a');
  } finally {
    await s.close();
  }
});

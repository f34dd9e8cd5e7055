// A CRD's kinds in the published OpenAPI documents through the in-process API server: /openapi/v2 definitions and
// paths, the /openapi/v3 root and its group-version document, and their removal with the CRD.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer } from '../apiserver/helpers.js';
import { established, eventually, type Obj } from './helpers.js';

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gizmos.openapi.example.com' },
  spec: {
    group: 'openapi.example.com',
    scope: 'Namespaced',
    names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo' },
    versions: [{
      name: 'v1', served: true, storage: true,
      schema: { openAPIV3Schema: { type: 'object', description: 'A gizmo.', properties: { spec: { type: 'object', properties: { size: { type: 'integer', description: 'How big.' } } } } } },
    }],
  },
};

test('a CRD\'s kind is published in /openapi/v2 and /openapi/v3 while it exists', async () => {
  const s = await testServer();
  try {
    assert.equal((await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
    await established(s, 'gizmos.openapi.example.com');
    const v2 = () => s.call('GET', '/openapi/v2', undefined, { accept: 'application/json' }).then((r) => r.json() as Obj);
    const doc = await eventually(v2, (d) => 'com.example.openapi.v1.Gizmo' in d['definitions'], 'Gizmo is not in /openapi/v2');
    const def = doc['definitions']['com.example.openapi.v1.Gizmo'] as Obj;
    assert.equal(def['description'], 'A gizmo.');
    assert.deepEqual(def['x-kubernetes-group-version-kind'], [{ group: 'openapi.example.com', kind: 'Gizmo', version: 'v1' }]);
    assert.deepEqual(def['properties']['spec']['properties']['size'], { type: 'integer', description: 'How big.' });
    assert.ok(def['properties']['metadata']['$ref'].endsWith('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), JSON.stringify(def['properties']['metadata']));
    assert.deepEqual(doc['definitions']['com.example.openapi.v1.GizmoList']['x-kubernetes-group-version-kind'], [{ group: 'openapi.example.com', kind: 'GizmoList', version: 'v1' }]);
    assert.ok(doc['paths']['/apis/openapi.example.com/v1/namespaces/{namespace}/gizmos/{name}'], 'the item path is published');

    const root = (await s.call('GET', '/openapi/v3')).json() as Obj;
    assert.match(String(root['paths']['apis/openapi.example.com/v1']?.['serverRelativeURL']), /^\/openapi\/v3\/apis\/openapi\.example\.com\/v1\?hash=/);
    const v3 = (await s.call('GET', '/openapi/v3/apis/openapi.example.com/v1')).json() as Obj;
    const schema = v3['components']['schemas']['com.example.openapi.v1.Gizmo'] as Obj;
    assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: 'openapi.example.com', kind: 'Gizmo', version: 'v1' }]);
    assert.deepEqual(schema['properties']['spec']['properties']['size'], { type: 'integer', description: 'How big.' });

    // deleting the CRD takes its kind out of both documents
    assert.equal((await s.call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.openapi.example.com')).status, 200);
    await eventually(v2, (d) => !('com.example.openapi.v1.Gizmo' in d['definitions']), 'Gizmo is still in /openapi/v2');
    const after = (await s.call('GET', '/openapi/v3')).json() as Obj;
    assert.equal(after['paths']['apis/openapi.example.com/v1'], undefined);
    assert.equal((await s.call('GET', '/openapi/v3/apis/openapi.example.com/v1')).status, 404);
  } finally {
    await s.close();
  }
});

// Merging aggregated backends' /openapi/v2 documents into the API server's, as kube-aggregator does: only the
// backend's group/version paths, what they reach, conflicts renamed with their references, local paths kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeOpenapiV2 } from '../../../src/api/openapi/merge-v2.js';

const local = {
  swagger: '2.0',
  paths: { '/apis/x.io/v1/things': { get: { operationId: 'localThings' } } },
  definitions: { Meta: { type: 'object', properties: { name: { type: 'string' } } }, Shared: { type: 'string' } },
};

test('paths of the backend group/version and the definitions and parameters they reach join; the rest stays out', () => {
  const backend = {
    paths: {
      '/apis/b.io/v1/widgets': { get: { responses: { '200': { schema: { $ref: '#/definitions/Widget' } } } }, parameters: [{ $ref: '#/parameters/p' }] },
      '/apis/b.io/v2/widgets': { get: { operationId: 'otherVersion' } },
      '/apis/x.io/v1/things': { get: { operationId: 'hijack' } },
      '/api/v1/pods': { get: { operationId: 'hijackPods' } },
    },
    parameters: { p: { in: 'query', name: 'p', type: 'string' }, unused: { in: 'query', name: 'u', type: 'string' } },
    definitions: {
      Widget: { type: 'object', properties: { meta: { $ref: '#/definitions/Meta' }, shared: { $ref: '#/definitions/Shared' }, items: { type: 'array', items: { $ref: '#/definitions/Part' } } } },
      Part: { type: 'object', properties: { widget: { $ref: '#/definitions/Widget' } } },
      Meta: { type: 'object', properties: { other: { type: 'integer' } } },
      Meta_v2: { type: 'object', description: 'the backend has this name already' },
      Shared: { type: 'string' },
      Unused: { type: 'string' },
    },
  };
  const out = mergeOpenapiV2(local, [{ group: 'b.io', version: 'v1', spec: backend }]) as { paths: Record<string, any>; definitions: Record<string, any>; parameters: Record<string, unknown> };
  assert.deepEqual(Object.keys(out.paths).sort(), ['/apis/b.io/v1/widgets', '/apis/x.io/v1/things']);
  assert.equal(out.paths['/apis/x.io/v1/things'].get.operationId, 'localThings');
  assert.deepEqual(Object.keys(out.definitions).sort(), ['Meta', 'Meta_v3', 'Part', 'Shared', 'Widget']);
  assert.equal(out.definitions['Widget'].properties.meta.$ref, '#/definitions/Meta_v3');
  assert.equal(out.definitions['Widget'].properties.shared.$ref, '#/definitions/Shared');
  assert.deepEqual(out.definitions['Meta_v3'], backend.definitions.Meta);
  assert.deepEqual(out.definitions['Meta'], local.definitions.Meta);
  assert.deepEqual(Object.keys(out.parameters), ['p']);
  // the input documents are not changed
  assert.equal(backend.definitions.Widget.properties.meta.$ref, '#/definitions/Meta');
  assert.equal(Object.keys(local.paths).length, 1);
});

test('hostile backend documents: not objects, prototype keys, references to nothing, depth', () => {
  let deep: Record<string, unknown> = {};
  const root = deep;
  for (let i = 0; i < 2000; i++) deep = (deep['x'] = {}) as Record<string, unknown>;
  const out = mergeOpenapiV2(local, [
    { group: 'b.io', version: 'v1', spec: 'nonsense' },
    { group: 'b.io', version: 'v1', spec: { paths: { '/apis/b.io/v1/deep': root } } },
    { group: 'c.io', version: 'v1', spec: JSON.parse('{"paths":{"/apis/c.io/v1/x":{"get":{"schema":{"$ref":"#/definitions/__proto__"}}}},"definitions":{"__proto__":{"type":"string"},"Missing":1}}') },
    { group: 'd.io', version: 'v1', spec: { paths: { '/apis/d.io/v1/y': { get: { schema: { $ref: '#/definitions/Nowhere' } } } } } },
  ]) as { paths: Record<string, unknown>; definitions: Record<string, unknown> };
  assert.equal(out.paths['/apis/b.io/v1/deep'], undefined);
  assert.ok(out.paths['/apis/c.io/v1/x']);
  assert.ok(Object.hasOwn(out.definitions, '__proto__'));
  assert.equal(Object.getPrototypeOf(out.definitions), Object.prototype);
  assert.ok(out.paths['/apis/d.io/v1/y']);
  assert.equal(out.definitions['Nowhere'], undefined);
});

test('without backends the local document is served as it is', () => {
  assert.equal(mergeOpenapiV2(local, []), local);
});

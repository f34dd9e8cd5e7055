// Embedded resources (x-kubernetes-embedded-resource) in a custom resource: apiVersion and kind required and
// well-formed, metadata validated as ObjectMeta under the embedded object's path, as kube-apiserver checks them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateAgainstSchema } from '../../../src/api/apiextensions/schema-validate.js';
import type { JSONSchemaProps } from '../../../src/api/apiextensions/types.js';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        items: { type: 'array', items: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } },
      },
    },
  },
};

const errs = (template: unknown) => validateAgainstSchema({ apiVersion: 'ex.com/v1', kind: 'Box', metadata: { name: 'b' }, spec: { template } }, schema).map((e) => [e.type, e.field, e.detail ?? '']);

test('a well-formed embedded resource passes, with or without metadata and name', () => {
  assert.deepEqual(errs({ apiVersion: 'v1', kind: 'Pod', metadata: { labels: { a: 'b' } }, spec: { x: 1 } }), []);
  assert.deepEqual(errs({ apiVersion: 'apps/v1', kind: 'Deployment' }), []);
});

test('apiVersion and kind are required and checked', () => {
  assert.deepEqual(errs({ metadata: { name: 'x' } }), [['Required', 'spec.template.apiVersion', ''], ['Required', 'spec.template.kind', '']]);
  assert.deepEqual(errs({ apiVersion: 'a/b/c', kind: 'Pod' }), [['Invalid', 'spec.template.apiVersion', 'unexpected GroupVersion string: a/b/c']]);
  assert.deepEqual(errs({ apiVersion: 1, kind: '' }), [['Invalid', 'spec.template.apiVersion', 'must be a string'], ['Required', 'spec.template.kind', '']]);
  const [kind] = errs({ apiVersion: 'v1', kind: 'My_Kind' });
  assert.equal(kind?.[1], 'spec.template.kind');
  assert.match(String(kind?.[2]), /^may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-'/);
});

test('metadata is ObjectMeta under the embedded path; in lists too', () => {
  assert.deepEqual(errs({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a/b', labels: { 'bad key!': 'x' } } }).map(([t, f]) => [t, f]), [
    ['Invalid', 'spec.template.metadata.name'],
    ['Invalid', 'spec.template.metadata.labels'],
  ]);
  assert.deepEqual(errs({ apiVersion: 'v1', kind: 'Pod', metadata: { labels: 'x' } }), [['Invalid', 'spec.template.metadata', 'labels must be a map of strings']]);
  const inList = validateAgainstSchema({ spec: { items: [{ apiVersion: 'v1', kind: 'Pod' }, { kind: 'Pod' }] } }, schema).map((e) => e.field);
  assert.deepEqual(inList, ['spec.items[1].apiVersion']);
});

test('the published schema gives an embedded resource apiVersion, kind and ObjectMeta metadata', async () => {
  const { publishedSchema } = await import('../../../src/api/apiextensions/crd-resources.js');
  const version = { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } };
  const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'boxes.ex.com' }, spec: { group: 'ex.com', scope: 'Cluster', names: { plural: 'boxes', kind: 'Box' }, versions: [version] } };
  const published = publishedSchema(crd as never, version as never, 'Box') as { properties: { spec: { properties: { template: { properties: Record<string, unknown> } } } } };
  const template = published.properties.spec.properties.template.properties;
  assert.deepEqual(template['metadata'], { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
  assert.deepEqual(template['kind'], { type: 'string' });
});

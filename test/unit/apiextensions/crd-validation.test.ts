// CRD validation texts, structural-schema rules and the custom resource schema checks, as kube-apiserver words them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { defaultCrd, validateCrd } from '../../../src/api/apiextensions/crd-validation.js';
import { validateAgainstSchema } from '../../../src/api/apiextensions/schema-validate.js';
import { applyDefaults } from '../../../src/api/apiextensions/schema-defaults.js';
import { celErrors } from '../../../src/api/apiextensions/cel-rules.js';
import { formatFieldError } from '../../../src/api/status.js';
import { compareVersionPriority } from '../../../src/api/version-priority.js';

function crd(patch: (c: Record<string, any>) => void): KubeObject {
  const c: Record<string, any> = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
    spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } } }] },
  };
  patch(c);
  defaultCrd(c as KubeObject);
  return c as KubeObject;
}

const cases: Array<{ name: string; patch: (c: Record<string, any>) => void; want: string[] }> = [
  { name: 'valid', patch: () => undefined, want: [] },
  { name: 'name must match', patch: (c) => (c.metadata.name = 'x.example.com'), want: ['metadata.name: Invalid value: "x.example.com": must be spec.names.plural+"."+spec.group'] },
  { name: 'group needs a dot', patch: (c) => { c.spec.group = 'example'; c.metadata.name = 'widgets.example'; }, want: ['spec.group: Invalid value: "example": should be a domain with at least one dot'] },
  { name: 'scope', patch: (c) => (c.spec.scope = 'Global'), want: ['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"'] },
  { name: 'no storage version', patch: (c) => (c.spec.versions[0].storage = false), want: ['spec.versions: Invalid value: "": must have exactly one version marked as storage version'] },
  { name: 'schema required', patch: (c) => delete c.spec.versions[0].schema, want: ['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required'] },
  { name: 'field type required', patch: (c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.spec = { properties: { a: { type: 'string' } } }), want: ['spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields'] },
  { name: 'array items', patch: (c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.spec = { type: 'array' }), want: ['spec.validation.openAPIV3Schema.properties[spec].items: Required value: must be specified'] },
  { name: 'metadata restricted', patch: (c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.metadata = { type: 'object', properties: { labels: { type: 'object' } } }), want: ['spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified'] },
  { name: 'bad CEL', patch: (c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'] = [{ rule: 'self.a ==' }]), want: ['spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule'] },
  { name: 'kind equals listKind', patch: (c) => (c.spec.names.listKind = 'Widget'), want: ['spec.names.listKind: Invalid value: "Widget": kind and listKind may not be the same'] },
  { name: 'printer column type', patch: (c) => (c.spec.versions[0].additionalPrinterColumns = [{ name: 'X', type: 'float', jsonPath: '.spec.x' }]), want: ['spec.versions[0].additionalPrinterColumns[0].type: Unsupported value: "float": supported values: "integer", "number", "string", "boolean", "date"'] },
];

for (const c of cases) {
  test(`CRD validation: ${c.name}`, () => {
    const got = validateCrd(crd(c.patch)).map(formatFieldError);
    assert.equal(got.length, c.want.length, got.join('\n'));
    c.want.forEach((w, i) => assert.ok(got[i]!.startsWith(w), `${got[i]} should start with ${w}`));
  });
}

test('CRD defaults: singular, listKind and conversion', () => {
  const c = crd(() => undefined) as Record<string, any>;
  assert.equal(c.spec.names.singular, 'widget');
  assert.equal(c.spec.names.listKind, 'WidgetList');
  assert.deepEqual(c.spec.conversion, { strategy: 'None' });
});

test('schema validation texts', () => {
  const schema = { type: 'object', properties: { spec: { type: 'object', required: ['a'], properties: {
    a: { type: 'string', maxLength: 3 }, n: { type: 'integer', minimum: 1, maximum: 5 }, l: { type: 'array', maxItems: 1, items: { type: 'string' } },
    s: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } }, ios: { 'x-kubernetes-int-or-string': true }, d: { type: 'string', format: 'date-time' },
  } } } };
  const errs = validateAgainstSchema({ spec: { a: 'long', n: 0, l: ['x', 'y'], s: ['a', 'a'], ios: true, d: 'yesterday' } }, schema).map(formatFieldError);
  assert.deepEqual(errs, [
    'spec.a: Too long: may not be longer than 3',
    'spec.n: Invalid value: 0: spec.n in body should be greater than or equal to 1',
    'spec.l: Too many: 2: must have at most 1 items',
    'spec.s[1]: Duplicate value: "a"',
    'spec.ios: Invalid value: "boolean": spec.ios in body must be of type integer,string: "boolean"',
    'spec.d: Invalid value: "yesterday": spec.d in body must be of type date-time: "yesterday"',
  ]);
  assert.deepEqual(validateAgainstSchema({ spec: {} }, schema).map(formatFieldError), ['spec.a: Required value']);
});

test('defaults apply inside present objects only, and to null without nullable', () => {
  const schema = { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'integer', default: 3 }, b: { type: 'string', default: 'x' }, inner: { type: 'object', properties: { c: { type: 'boolean', default: true } } } } } } };
  const obj: Record<string, unknown> = { spec: { b: null } };
  applyDefaults(obj, schema);
  assert.deepEqual(obj, { spec: { a: 3, b: 'x' } });
});

test('CEL rules: messages, transition rules, the root path', () => {
  const schema = { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.spec.min <= self.spec.max' }], properties: { spec: { type: 'object', properties: {
    min: { type: 'integer' }, max: { type: 'integer' }, name: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'name is immutable' }] },
  } } } };
  assert.deepEqual(celErrors({ spec: { min: 2, max: 1, name: 'a' } }, undefined, schema).map(formatFieldError), ['<nil>: Invalid value: "object": failed rule: self.spec.min <= self.spec.max']);
  assert.deepEqual(celErrors({ spec: { min: 1, max: 1, name: 'b' } }, { spec: { min: 1, max: 1, name: 'a' } }, schema).map(formatFieldError), ['spec.name: Invalid value: "string": name is immutable']);
});

test('version priority: GA, then beta, then alpha, then others', () => {
  assert.deepEqual(['v1alpha1', 'foo', 'v1', 'v2beta1', 'v2', 'v1beta2', 'v10'].sort(compareVersionPriority), ['v10', 'v2', 'v1', 'v2beta1', 'v1beta2', 'v1alpha1', 'foo']);
});

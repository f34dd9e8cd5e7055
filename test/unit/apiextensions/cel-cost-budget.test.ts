// The static cost limits on x-kubernetes-validations when a CRD is written: a rule whose worst case (from the
// schema's maxItems/maxLength/maxProperties, or what one request can hold) passes the per-rule limit is refused,
// and so is a schema whose rules together pass the per-schema limit, in kube-apiserver's words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { defaultCrd, validateCrd, validateCrdUpdate } from '../../../src/api/apiextensions/crd-validation.js';
import { costErrorMessage } from '../../../src/api/apiextensions/cel-cost-budget.js';
import { formatFieldError } from '../../../src/api/status.js';
import { estimateCost } from '../../../src/api/cel/estimate.js';
import { schemaDeclType } from '../../../src/api/cel/decl-type.js';

type Obj = Record<string, any>;

function crd(spec: Obj, versions = ['v1']): KubeObject {
  const c: Obj = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
    spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' },
      versions: versions.map((name, i) => ({ name, served: true, storage: i === 0, schema: { openAPIV3Schema: { type: 'object', properties: { spec: structuredClone(spec) } } } })) },
  };
  defaultCrd(c as KubeObject);
  return c as KubeObject;
}

const errors = (c: KubeObject) => validateCrd(c).map(formatFieldError);
const hint = '(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)';
const names = (items: Obj, list: Obj = {}) => ({ type: 'object', properties: { names: { type: 'array', items, ...list, 'x-kubernetes-validations': [{ rule: "self.all(x, x.matches('^[a-z]+$'))" }] } } });

test('a rule over an unbounded list of unbounded strings is refused with the per-rule and per-schema texts', () => {
  const rule = 'spec.validation.openAPIV3Schema.properties[spec].properties[names].x-kubernetes-validations[0].rule';
  assert.deepEqual(errors(crd(names({ type: 'string' }))), [
    `${rule}: Forbidden: estimated rule cost exceeds budget by factor of more than 100x ${hint}`,
    `${rule}: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema`,
    `spec.validation.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x ${hint}`,
  ]);
});

test('the same rule is accepted once the list and its strings are bounded', () => {
  assert.deepEqual(errors(crd(names({ type: 'string', maxLength: 64 }, { maxItems: 100 }))), []);
  // bounding only one of them is not enough
  for (const c of [crd(names({ type: 'string', maxLength: 64 })), crd(names({ type: 'string' }, { maxItems: 100 }))]) {
    assert.match(errors(c)[0] ?? '', /^spec\.validation\.openAPIV3Schema\.properties\[spec\]\.properties\[names\]\.x-kubernetes-validations\[0\]\.rule: Forbidden: estimated rule cost exceeds budget by factor of /);
  }
});

test('schemas that differ per version are checked each at its own path', () => {
  const c = crd(names({ type: 'string' }), ['v1', 'v2']);
  (c['spec'] as Obj)['versions'][1].schema.openAPIV3Schema.properties.spec.properties.names.maxItems = 100;
  const got = errors(c);
  assert.ok(got.some((e) => e.startsWith('spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[names].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x')), got.join('\n'));
  assert.ok(got.some((e) => e.startsWith('spec.versions[1].schema.openAPIV3Schema.properties[spec].properties[names].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of 6.3x')), got.join('\n'));
});

test('a rule under an unbounded list runs once per element that fits in a request', () => {
  // items: self.size() < 5 costs 3, and ~1M strings fit in 3 MiB: accepted; a regex on each is not
  const items = (rule: string) => ({ type: 'object', properties: { xs: { type: 'array', items: { type: 'string', maxLength: 10, 'x-kubernetes-validations': [{ rule }] } } } });
  assert.deepEqual(errors(crd(items('self.size() < 5'))), []);
  const got = errors(crd(items("self.matches('^[a-z]+$')")));
  assert.equal(got[0], `spec.validation.openAPIV3Schema.properties[spec].properties[xs].items.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of 1.153434x ${hint}`);
});

test('rules each within their limit can together pass the schema limit: the 4 costliest are named', () => {
  const props: Obj = {};
  for (let i = 0; i < 12; i++) props[`l${i}`] = { type: 'array', maxItems: 100, items: { type: 'integer' }, 'x-kubernetes-validations': [{ rule: 'self.all(x, self.all(y, self.all(z, x + y + z >= 0)))' }] };
  const got = errors(crd({ type: 'object', properties: props }));
  assert.deepEqual(got, [
    ...[0, 1, 2, 3].map((i) => `spec.validation.openAPIV3Schema.properties[spec].properties[l${i}].x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema`),
    `spec.validation.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of 1.086060x ${hint}`,
  ]);
});

test('an update that leaves a schema unchanged keeps it writable under the per-rule limit', () => {
  const old = crd(names({ type: 'string' }));
  const next = structuredClone(old) as KubeObject;
  (next['spec'] as Obj)['names'].shortNames = ['wd'];
  const got = validateCrdUpdate(next, old).map(formatFieldError);
  assert.ok(!got.some((e) => e.includes('estimated rule cost exceeds budget')), got.join('\n'));
  // the schema's total is still checked
  assert.ok(got.some((e) => e.startsWith('spec.validation.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total')), got.join('\n'));
});

test('the factor is written as Go formats it', () => {
  assert.equal(costErrorMessage('estimated rule cost', 12_345_678, 10_000_000), `estimated rule cost exceeds budget by factor of 1.234568x ${hint}`);
  assert.equal(costErrorMessage('estimated rule cost', 15_000_000, 10_000_000), `estimated rule cost exceeds budget by factor of 1.5x ${hint}`);
  assert.equal(costErrorMessage('estimated rule cost', 999_000_000, 10_000_000), `estimated rule cost exceeds budget by factor of 99.9x ${hint}`);
  assert.equal(costErrorMessage('estimated rule cost', 1_000_000_001, 10_000_000), `estimated rule cost exceeds budget by factor of more than 100x ${hint}`);
});

test('estimates follow cel-go: selections and identifiers 1, comparisons by the smaller size, comprehensions by range size', () => {
  const obj = schemaDeclType({ type: 'object', properties: { spec: { type: 'object', properties: { n: { type: 'integer' }, s: { type: 'string', maxLength: 5 } } } } }, true)!;
  const list = schemaDeclType({ type: 'array', maxItems: 10, items: { type: 'string', maxLength: 64 } }, false)!;
  const cases: Array<[string, Record<string, typeof obj>, number]> = [
    ['self.spec.n > 3', { self: obj }, 4],
    ["self.spec.s == 'abc'", { self: obj }, 4],
    ['has(self.spec.s)', { self: obj }, 2],
    ['self.size() < 10', { self: list }, 3],
    ["'a' in self", { self: list }, 11],
    ["self.all(x, x.startsWith('a'))", { self: list }, 52],
    ["self.all(x, x.matches('^[a-z]+$'))", { self: list }, 562],
    ['cel.bind(y, self, y.size())', { self: list }, 13],
  ];
  for (const [expr, vars, want] of cases) assert.equal(estimateCost(expr, vars), want, expr);
});

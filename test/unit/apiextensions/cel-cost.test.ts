// x-kubernetes-validations under Kubernetes' runtime cost limits: one rule that passes the per-call limit stops
// validation with cel-go's error; rules that together use up the object's budget stop it with the budget text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { celErrors } from '../../../src/api/apiextensions/cel-rules.js';
import type { JSONSchemaProps } from '../../../src/api/apiextensions/types.js';

const listOf = (rule: string, extra: Record<string, JSONSchemaProps> = {}): JSONSchemaProps => ({
  type: 'object',
  properties: { spec: { type: 'object', properties: { xs: { type: 'array', items: { type: 'integer' }, 'x-kubernetes-validations': [{ rule }] }, ...extra } } },
});
const obj = (n: number, more: Record<string, unknown> = {}) => ({ spec: { xs: Array.from({ length: n }, (_, i) => i), ...more } });
const view = (errs: ReturnType<typeof celErrors>) => errs.map((e): [string, string, string] => [e.type, e.field, e.detail ?? '']);

test('a cheap rule over a list runs to its answer', () => {
  assert.deepEqual(view(celErrors(obj(1000), undefined, listOf('self.all(x, x >= 0)'))), []);
  assert.deepEqual(view(celErrors(obj(1000), undefined, listOf('self.all(x, x < 10)'))), [['Invalid', 'spec.xs', 'failed rule: self.all(x, x < 10)']]);
});

test('nested comprehensions over a large list pass the per-call limit and stop validation', () => {
  const rule = 'self.all(x, self.all(y, self.all(z, x + y + z >= 0)))';
  const schema = listOf(rule, { name: { type: 'string', 'x-kubernetes-validations': [{ rule: "self != ''", message: 'name must not be empty' }] } });
  const errs = view(celErrors(obj(200, { name: '' }), undefined, schema));
  // the failing name rule comes after the list in document order: no further rules run
  assert.deepEqual(errs, [['Invalid', 'spec.xs', `'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: ${rule}`]]);
});

test('the cost error wins even where the evaluator would swallow it (exists, ||)', () => {
  for (const rule of ['self.exists(x, x == 3 || self.all(y, self.all(z, x + y + z >= 0)))', 'self.all(x, self.all(y, self.all(z, x + y + z >= 0))) || true']) {
    const [e] = view(celErrors(obj(400), undefined, listOf(rule)));
    assert.match(String(e?.[2]), /^'operation cancelled: actual cost limit exceeded': no further validation rules/, rule);
  }
});

test('the rule message names the rule in the cost error, as Kubernetes does', () => {
  const schema: JSONSchemaProps = { type: 'array', items: { type: 'string' }, 'x-kubernetes-validations': [{ rule: 'self.all(a, self.all(b, self.all(c, a + b + c != "")))', message: ' no empty triples ' }] };
  const [e] = view(celErrors(Array.from({ length: 200 }, () => 'x'), undefined, schema));
  assert.equal(e?.[2], "'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: no empty triples");
  assert.equal(e?.[1], '<nil>');
});

test('rules on many items share the object budget; running out stops validation at that item', () => {
  // each item's rule walks a list of 2000 (about 5 per element, under the per-call limit): 2000 items × ~10000
  // is twice the budget of 1e7
  const xs = Array.from({ length: 2000 }, (_, i) => i);
  const heavy: JSONSchemaProps = {
    type: 'object',
    properties: { items: { type: 'array', items: { type: 'object', properties: { v: { type: 'integer' }, all: { type: 'array', items: { type: 'integer' } } }, 'x-kubernetes-validations': [{ rule: 'self.all.all(x, x >= 0)' }] } } },
  };
  const items = xs.map((v) => ({ v, all: xs }));
  const errs = view(celErrors({ items }, undefined, heavy));
  assert.equal(errs.length, 1);
  const [type, fieldPath, detail] = errs[0]!;
  assert.equal(type, 'Invalid');
  assert.match(fieldPath, /^items\[\d+\]$/);
  assert.ok(Number(/\[(\d+)\]/.exec(fieldPath)?.[1]) > 100, fieldPath);
  assert.equal(detail, 'validation failed due to running out of cost budget, no further validation rules will be run');
});

test('a small budget given by the caller is honoured', () => {
  const errs = view(celErrors(obj(10), undefined, listOf('self.all(x, x >= 0)'), 5));
  assert.deepEqual(errs, [['Invalid', 'spec.xs', 'validation failed due to running out of cost budget, no further validation rules will be run']]);
});

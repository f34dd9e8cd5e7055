import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  escapeFieldValue,
  exactMatch,
  fieldSelectorRequirements,
  fieldSelectorString,
  matchesFields,
  parseFieldSelector,
  SelectorError,
  unsupportedFieldLabelMessage,
} from '../../../src/api/selectors/index.js';

const parses: { input: string; requirements: { field: string; operator: '=' | '!='; value: string }[] }[] = [
  { input: '', requirements: [] },
  { input: 'metadata.name=x', requirements: [{ field: 'metadata.name', operator: '=', value: 'x' }] },
  { input: 'a==b', requirements: [{ field: 'a', operator: '=', value: 'b' }] },
  {
    input: 'status.phase!=Running,spec.nodeName=n1',
    requirements: [
      { field: 'spec.nodeName', operator: '=', value: 'n1' },
      { field: 'status.phase', operator: '!=', value: 'Running' },
    ],
  },
  { input: 'a=', requirements: [{ field: 'a', operator: '=', value: '' }] },
  { input: 'a=b\\,c\\=d\\\\e', requirements: [{ field: 'a', operator: '=', value: 'b,c=d\\e' }] },
  { input: 'a=b,,', requirements: [{ field: 'a', operator: '=', value: 'b' }] },
];

for (const c of parses) {
  test(`parse field selector ${JSON.stringify(c.input)}`, () => {
    assert.deepEqual(fieldSelectorRequirements(parseFieldSelector(c.input)), c.requirements);
  });
}

const errors: [string, string][] = [
  ['abc', "invalid selector: 'abc'; can't understand 'abc'"],
  ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
  ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
  ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
  ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
];

for (const [input, message] of errors) {
  test(`field selector error ${JSON.stringify(input)}`, () => {
    assert.throws(() => parseFieldSelector(input), (e: unknown) => e instanceof SelectorError && e.message === message);
  });
}

const fields = { 'metadata.name': 'p', 'metadata.namespace': 'ns', 'status.phase': 'Running' };
const matches: [string, boolean][] = [
  ['', true],
  ['metadata.name=p', true],
  ['metadata.name=q', false],
  ['status.phase!=Running', false],
  ['status.phase!=Pending', true],
  ['metadata.name=p,metadata.namespace=ns', true],
  ['metadata.name=p,metadata.namespace=other', false],
  ['spec.nodeName=', true],
  ['spec.nodeName!=', false],
];

for (const [input, want] of matches) {
  test(`field selector ${JSON.stringify(input)} ${want ? 'matches' : 'does not match'}`, () => {
    assert.equal(matchesFields(parseFieldSelector(input), fields), want);
  });
}

test('exactMatch finds the value a field must equal', () => {
  assert.equal(exactMatch(parseFieldSelector('metadata.namespace=ns,metadata.name=x'), 'metadata.name'), 'x');
  assert.equal(exactMatch(parseFieldSelector('metadata.name!=x'), 'metadata.name'), undefined);
  assert.equal(exactMatch(parseFieldSelector(''), 'metadata.name'), undefined);
});

test('escaping round-trips through the string form', () => {
  const value = 'a,b=c\\d';
  const text = `x=${escapeFieldValue(value)}`;
  assert.equal(text, 'x=a\\,b\\=c\\\\d');
  const sel = parseFieldSelector(text);
  assert.equal(exactMatch(sel, 'x'), value);
  assert.equal(fieldSelectorString(sel), text);
});

test('unsupported field labels are named with kube-apiserver wording', () => {
  const sel = parseFieldSelector('spec.nodeName=n,spec.bogus=x');
  assert.equal(unsupportedFieldLabelMessage(sel, ['metadata.name', 'metadata.namespace', 'spec.nodeName']), 'field label not supported: spec.bogus');
  assert.equal(unsupportedFieldLabelMessage(sel), '"spec.bogus" is not a known field selector: only "metadata.name", "metadata.namespace"');
  assert.equal(unsupportedFieldLabelMessage(parseFieldSelector('metadata.name=x')), undefined);
});

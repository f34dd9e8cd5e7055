import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatLabels,
  formatLabelSelector,
  labelSelectorFromSet,
  labelSelectorFromSpec,
  labelSelectorString,
  matchesLabels,
  parseLabelSelector,
  SelectorError,
  type LabelSelectorSpec,
} from '../../../src/api/selectors/index.js';

const keyRegexError =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const valueRegexError =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

// Input → the selector's String() (requirements sorted by key, set values sorted).
const parses: [string, string][] = [
  ['', ''],
  ['a=b', 'a=b'],
  ['a==b', 'a==b'],
  ['a!=b', 'a!=b'],
  ['a', 'a'],
  ['!a', '!a'],
  ['a=', 'a='],
  ['  a = b ,  c  ', 'a=b,c'],
  ['b=x,a=y', 'a=y,b=x'],
  ['x in (foo,,baz),y,z notin ()', 'x in (,baz,foo),y,z notin ()'],
  ['a in (in)', 'a in (in)'],
  ['a notin (x, y)', 'a notin (x,y)'],
  ['example.com/app=web', 'example.com/app=web'],
  ['a>1,b<2', 'a>1,b<2'],
];

for (const [input, want] of parses) {
  test(`parse label selector ${JSON.stringify(input)}`, () => {
    assert.equal(labelSelectorString(parseLabelSelector(input)), want);
  });
}

const errors: [string, string][] = [
  ['a b', 'unable to parse requirement: found \'b\', expected: in, notin, =, ==, !=, gt, lt'],
  ['a=b c', "found 'c', expected: ',' or 'end of string'"],
  ['a=b,', "found '', expected: identifier after ','"],
  ['=a', "found '=', expected: !, identifier, or 'end of string'"],
  ['!a=b', "found '=', expected: ',' or 'end of string'"],
  ['a in b', "unable to parse requirement: found 'b' expected: '('"],
  ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
  ['a in (b c)', "unable to parse requirement: found 'c', expected: ',' or ')'"],
  ['a=(', "unable to parse requirement: found '(', expected: identifier"],
  ['-a', `unable to parse requirement: <nil>: Invalid value: "-a": ${keyRegexError}`],
  ['a/b/c', `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`],
  ['a=-b', `unable to parse requirement: values[0][a]: Invalid value: "-b": ${valueRegexError}`],
  ['a>b', 'unable to parse requirement: values[0]: Invalid value: "b": for \'Gt\', \'Lt\' operators, the value must be an integer'],
];

for (const [input, message] of errors) {
  test(`label selector syntax error ${JSON.stringify(input)}`, () => {
    assert.throws(() => parseLabelSelector(input), (e: unknown) => e instanceof SelectorError && e.message === message);
  });
}

const labels = { app: 'web', tier: 'front', n: '5' };
const matches: [string, boolean][] = [
  ['', true],
  ['app=web', true],
  ['app==web', true],
  ['app=db', false],
  ['app!=db', true],
  ['missing!=x', true],
  ['app in (db,web)', true],
  ['app notin (db,web)', false],
  ['missing notin (x)', true],
  ['missing in (x)', false],
  ['app', true],
  ['missing', false],
  ['!missing', true],
  ['!app', false],
  ['app=web,tier=back', false],
  ['n>4', true],
  ['n<5', false],
  ['app>1', false],
];

for (const [input, want] of matches) {
  test(`label selector ${JSON.stringify(input)} ${want ? 'matches' : 'does not match'}`, () => {
    assert.equal(matchesLabels(parseLabelSelector(input), labels), want);
  });
}

test('label selector against an object without labels', () => {
  assert.equal(matchesLabels(parseLabelSelector('!a'), undefined), true);
  assert.equal(matchesLabels(parseLabelSelector('a'), undefined), false);
});

const specs: { name: string; spec: LabelSelectorSpec | null; matches: Record<string, string>[]; rejects: Record<string, string>[] }[] = [
  { name: 'empty selector matches everything', spec: {}, matches: [{}, { a: 'b' }], rejects: [] },
  { name: 'null selector matches nothing', spec: null, matches: [], rejects: [{}, { a: 'b' }] },
  {
    name: 'matchLabels and matchExpressions are ANDed',
    spec: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'canary', operator: 'DoesNotExist' }] },
    matches: [{ app: 'web', tier: 'a' }],
    rejects: [{ app: 'web', tier: 'c' }, { app: 'web', tier: 'a', canary: 'y' }, { tier: 'a' }],
  },
  { name: 'NotIn and Exists', spec: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }, { key: 'team', operator: 'Exists' }] }, matches: [{ team: 'x' }, { team: 'x', env: 'dev' }], rejects: [{ team: 'x', env: 'prod' }, {}] },
];

for (const c of specs) {
  test(`label selector from spec: ${c.name}`, () => {
    const sel = labelSelectorFromSpec(c.spec);
    for (const l of c.matches) assert.equal(matchesLabels(sel, l), true, JSON.stringify(l));
    for (const l of c.rejects) assert.equal(matchesLabels(sel, l), false, JSON.stringify(l));
  });
}

const specErrors: [LabelSelectorSpec, string][] = [
  [{ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['b'] }] }, '"Equals" is not a valid label selector operator'],
  [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"],
  [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['b'] }] }, 'values: Invalid value: ["b"]: values set must be empty for exists and does not exist'],
  [{ matchLabels: { '-a': 'b' } }, `key: Invalid value: "-a": ${keyRegexError}`],
  [{ matchLabels: { '-a': '-b' } }, `[key: Invalid value: "-a": ${keyRegexError}, values[0][-a]: Invalid value: "-b": ${valueRegexError}]`],
];

for (const [spec, message] of specErrors) {
  test(`label selector spec error: ${message.slice(0, 40)}`, () => {
    assert.throws(() => labelSelectorFromSpec(spec), (e: unknown) => e instanceof SelectorError && e.message === message);
  });
}

const formats: [LabelSelectorSpec | null | undefined, string][] = [
  [{ matchLabels: { tier: 'x', app: 'y' } }, 'app=y,tier=x'],
  [{ matchLabels: { app: 'x' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] }, 'app=x,tier in (a,b)'],
  [{ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }, { key: 'b', operator: 'NotIn', values: ['c'] }] }, '!a,b notin (c)'],
  [{}, '<none>'],
  [null, '<none>'],
  [undefined, '<none>'],
  [{ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }, '<error>'],
];

for (const [spec, want] of formats) {
  test(`format label selector ${JSON.stringify(spec)} → ${want}`, () => {
    assert.equal(formatLabelSelector(spec), want);
  });
}

test('format labels and selector from set', () => {
  assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
  assert.equal(formatLabels({}), '<none>');
  assert.equal(formatLabels(undefined), '<none>');
  const sel = labelSelectorFromSet({ run: 'web', app: 'x' });
  assert.equal(labelSelectorString(sel), 'app=x,run=web');
  assert.equal(matchesLabels(sel, { app: 'x', run: 'web', more: '1' }), true);
  assert.equal(matchesLabels(sel, { app: 'x' }), false);
});

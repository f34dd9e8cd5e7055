import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goRegexpError, goRegexpMatches } from '../../../src/api/go-regexp.js';
import { structuralErrors } from '../../../src/api/apiextensions/structural.js';
import { validateAgainstSchema } from '../../../src/api/apiextensions/schema-validate.js';

test('patterns compile as Go reads them, with Go\'s error texts', () => {
  assert.equal(goRegexpError('^[a-z]+$'), undefined);
  assert.equal(goRegexpError('+'), 'error parsing regexp: missing argument to repetition operator: `+`');
  assert.equal(goRegexpError('(a'), 'error parsing regexp: missing closing ): `(a`');
  // Not RE2: lookarounds, back-references, repeat counts over 1000.
  assert.equal(goRegexpError('(?=a)b'), 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
  assert.match(goRegexpError('(a)\\1') ?? '', /^error parsing regexp: invalid escape sequence: `\\1`$/);
  assert.equal(goRegexpError('a{1001}'), 'error parsing regexp: invalid repeat count: `{1001}`');
});

test('matching follows Go: unanchored, inline flags, \\z, code points', () => {
  assert.equal(goRegexpMatches('b', 'abc'), true);
  assert.equal(goRegexpMatches('^b', 'abc'), false);
  assert.equal(goRegexpMatches('(?i)^abc$', 'ABC'), true);
  assert.equal(goRegexpMatches('^abc\\z', 'abc'), true);
  assert.equal(goRegexpMatches('^.$', '😀'), true);
  assert.equal(goRegexpMatches('^\\p{Greek}+$', 'αβγ'), true);
  assert.equal(goRegexpMatches('(', 'anything'), false);
});

test('a pattern that backtracking engines take exponential time over is linear here', () => {
  // With a backtracking engine this one call would not finish in any reasonable time.
  const hostile = 'a'.repeat(20_000) + '!';
  assert.equal(goRegexpMatches('^([a-z]+-?)*$', hostile), false);
  assert.equal(goRegexpMatches('^(a|a)*$', hostile), false);
  assert.equal(goRegexpMatches('^([a-z]+-?)*$', 'abc-def-'), true);
});

test('a CRD schema pattern is checked with Go\'s regexp, and custom resources are validated with it', () => {
  const errors = structuralErrors({ type: 'object', properties: { a: { type: 'string', pattern: '(?<=x)y' } } }, 'spec.validation.openAPIV3Schema');
  assert.deepEqual(errors.map((e) => [e.field, e.detail]), [['spec.validation.openAPIV3Schema.properties[a].pattern', "must be a valid regular expression, but isn't: error parsing regexp: invalid named capture: `(?<=x)y`"]]);
  assert.deepEqual(structuralErrors({ type: 'object', properties: { a: { type: 'string', pattern: '(?i)^[a-z]+$' } } }, 'p'), []);
  const schema = { type: 'object', properties: { name: { type: 'string', pattern: '^([a-z0-9]+-?)*$' } } } as const;
  assert.deepEqual(validateAgainstSchema({ name: 'web-1' }, schema), []);
  const bad = validateAgainstSchema({ name: 'a'.repeat(5000) + '_' }, schema);
  assert.equal(bad.length, 1);
  assert.match(bad[0]!.detail ?? '', /should match '\^\(\[a-z0-9\]\+-\?\)\*\$'$/);
});

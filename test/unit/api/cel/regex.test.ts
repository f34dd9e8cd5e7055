// CEL's matches() follows Go's regular expressions: RE2 syntax and its error texts, and linear time. The hostile
// cases run in a child process that does not turn on V8's linear-time fallback: only RE2 can finish them before
// the kill timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { evaluate } from '../../../../src/api/cel/admission.js';

const src = (p: string) => JSON.stringify(fileURLToPath(new URL(`../../../../src/${p}`, import.meta.url)));
const name = (n: string) => ({ object: { metadata: { name: n } } });

test('Go syntax: inline flags, \\z, Unicode classes', async () => {
  assert.equal(await evaluate('policy', "object.metadata.name.matches('(?i)^WEB-[a-z]+\\\\z')", name('web-front')), true);
  assert.equal(await evaluate('policy', "object.metadata.name.matches('^\\\\p{L}+$')", name('grüße')), true);
  assert.equal(await evaluate('policy', "object.metadata.name.matches('^web$')", name('web-front')), false);
});

test("patterns RE2 refuses fail the evaluation with Go's text", async () => {
  await assert.rejects(evaluate('policy', "object.metadata.name.matches('(a)\\\\1')", name('aa')), /error parsing regexp: invalid escape sequence: `\\1`/);
  await assert.rejects(evaluate('policy', "object.metadata.name.matches('a(?=b)')", name('ab')), /error parsing regexp: invalid or unsupported Perl syntax: `\(\?=`/);
  await assert.rejects(evaluate('policy', "object.metadata.name.matches(object.metadata.name)", name('(x')), /error parsing regexp: missing closing \): `\(x`/);
});

test('hostile patterns and strings finish without V8\'s fallback, in policies and CRD rules', () => {
  const code = `
    const { evaluate } = await import(${src('api/cel/admission.ts')});
    const { celErrors } = await import(${src('api/apiextensions/cel-rules.ts')});
    const long = 'a'.repeat(5000) + '!';
    const out = [];
    for (const p of ['^(a|a)*$', '^([a-z]+-?)*$', '^(a+)+$']) out.push(await evaluate('policy', "object.metadata.name.matches('" + p + "')", { object: { metadata: { name: long } } }));
    // a pattern taken from the object itself, as a CRD rule may do
    const schema = { type: 'object', properties: { p: { type: 'string' }, s: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: 'self.s.matches(self.p)', message: 'no match' }] };
    out.push(celErrors({ p: '^(a|aa)+$', s: long }, undefined, schema).map((e) => e.detail));
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as unknown[];
  assert.deepEqual(out.slice(0, 3), [false, false, false]);
  assert.match(JSON.stringify(out[3]), /no match/);
});

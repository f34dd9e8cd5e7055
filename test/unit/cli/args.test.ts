import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, leadingWords, parseCommandLine } from '../../../src/cli/args.js';
import type { FlagSpec } from '../../../src/cli/args.js';

const specs: FlagSpec[] = [
  { name: 'namespace', short: 'n', kind: 'string', usage: '' },
  { name: 'output', short: 'o', kind: 'string', usage: '' },
  { name: 'all-namespaces', short: 'A', kind: 'bool', usage: '' },
  { name: 'watch', short: 'w', kind: 'bool', usage: '' },
  { name: 'replicas', kind: 'int', default: 1, usage: '' },
  { name: 'from-literal', kind: 'stringArray', usage: '' },
  { name: 'filename', short: 'f', kind: 'stringSlice', usage: '' },
  { name: 'dry-run', kind: 'string', default: 'none', noOptDefault: 'unchanged', usage: '' },
];

const cases: { name: string; argv: string[]; positionals: string[]; flags: Record<string, unknown>; afterDash?: string[] }[] = [
  { name: '-n x', argv: ['get', 'pods', '-n', 'x'], positionals: ['get', 'pods'], flags: { namespace: 'x' } },
  { name: '-n=x', argv: ['get', '-n=x', 'pods'], positionals: ['get', 'pods'], flags: { namespace: 'x' } },
  { name: '-nx', argv: ['-nx', 'get', 'pods'], positionals: ['get', 'pods'], flags: { namespace: 'x' } },
  { name: '--namespace=x', argv: ['get', '--namespace=x'], positionals: ['get'], flags: { namespace: 'x' } },
  { name: '--namespace x', argv: ['--namespace', 'x', 'get'], positionals: ['get'], flags: { namespace: 'x' } },
  { name: '-ojson', argv: ['get', '-ojson'], positionals: ['get'], flags: { output: 'json' } },
  { name: '-o=json', argv: ['get', '-o=json'], positionals: ['get'], flags: { output: 'json' } },
  { name: 'grouped booleans', argv: ['get', '-Aw'], positionals: ['get'], flags: { 'all-namespaces': true, watch: true } },
  { name: 'grouped boolean then value', argv: ['get', '-Aojson'], positionals: ['get'], flags: { 'all-namespaces': true, output: 'json' } },
  { name: '--bool=false', argv: ['get', '--watch=false'], positionals: ['get'], flags: { watch: false } },
  { name: 'int', argv: ['--replicas', '3'], positionals: [], flags: { replicas: 3 } },
  { name: 'negative int value', argv: ['--replicas', '-1'], positionals: [], flags: { replicas: -1 } },
  { name: 'repeated stringArray keeps commas', argv: ['--from-literal=a=b,c', '--from-literal', 'd=e'], positionals: [], flags: { 'from-literal': ['a=b,c', 'd=e'] } },
  { name: 'stringSlice splits commas and repeats', argv: ['-f', 'a.yaml,b.yaml', '-f=c.yaml'], positionals: [], flags: { filename: ['a.yaml', 'b.yaml', 'c.yaml'] } },
  { name: 'last string wins', argv: ['-n', 'a', '-n', 'b'], positionals: [], flags: { namespace: 'b' } },
  { name: 'no-value default', argv: ['create', '--dry-run', 'ns', 'x'], positionals: ['create', 'ns', 'x'], flags: { 'dry-run': 'unchanged' } },
  { name: '-- passthrough', argv: ['exec', 'p', '--', 'ls', '-l', '-n'], positionals: ['exec', 'p'], flags: {}, afterDash: ['ls', '-l', '-n'] },
];

for (const c of cases) {
  test(`parseCommandLine: ${c.name}`, () => {
    const parsed = parseCommandLine(c.argv, specs);
    assert.deepEqual(parsed.positionals, c.positionals);
    assert.deepEqual(parsed.afterDash, c.afterDash);
    for (const [k, v] of Object.entries(c.flags)) assert.deepEqual(parsed.flags.given(k), v, k);
  });
}

test('defaults apply when a flag is absent, and has() tells given from default', () => {
  const parsed = parseCommandLine([], specs);
  assert.equal(parsed.flags.int('replicas'), 1);
  assert.equal(parsed.flags.has('replicas'), false);
  assert.equal(parsed.flags.string('dry-run'), 'none');
  assert.deepEqual(parsed.flags.list('filename'), []);
});

const errors: { argv: string[]; message: string }[] = [
  { argv: ['--foo'], message: 'unknown flag: --foo' },
  { argv: ['-x'], message: "unknown shorthand flag: 'x' in -x" },
  { argv: ['get', '-n'], message: "flag needs an argument: 'n' in -n" },
  { argv: ['get', '--namespace'], message: 'flag needs an argument: --namespace' },
  { argv: ['--replicas=x'], message: 'invalid argument "x" for "--replicas" flag: strconv.ParseInt: parsing "x": invalid syntax' },
  { argv: ['-A=maybe'], message: 'invalid argument "maybe" for "-A, --all-namespaces" flag: strconv.ParseBool: parsing "maybe": invalid syntax' },
];

for (const e of errors) {
  test(`parseCommandLine error: ${e.argv.join(' ')}`, () => {
    assert.throws(() => parseCommandLine(e.argv, specs), (err: unknown) => err instanceof FlagError && err.message === e.message);
  });
}

test('leadingWords skips flag values it knows about', () => {
  assert.deepEqual(leadingWords(['-n', 'ns-1', 'create', '--output', 'yaml', 'namespace', 'x'], specs), ['create', 'namespace', 'x']);
  assert.deepEqual(leadingWords(['--watch', 'get', 'pods', '--', 'rest'], specs), ['get', 'pods']);
});

// The executables turn on V8's linear-time fallback (src/cmd/regexp-fallback.ts) as a second line behind Go's
// engine (OpenAPI patterns, CEL matches()): a RegExp that backtracks exponentially finishes. The match runs in a
// child process: without the flag it would hold its event loop far beyond the kill timeout, and the test would
// fail instead of hanging the suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const src = (p: string) => JSON.stringify(fileURLToPath(new URL(`../../../src/${p}`, import.meta.url)));

test('a V8 RegExp with a catastrophic pattern finishes instead of holding the event loop', () => {
  const code = `
    await import(${src('cmd/regexp-fallback.ts')});
    const name = 'a'.repeat(40) + '!';
    const results = ['^(a|a)*$', '^([a-z]+-?)*$'].map((p) => new RegExp(p).test(name));
    results.push(new RegExp('^([a-z]+-?)*$').test('web-a'));
    process.stdout.write(JSON.stringify(results));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [false, false, true]);
});

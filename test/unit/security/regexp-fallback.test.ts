// CEL's matches() runs on V8's RegExp. The executables turn on V8's linear-time fallback
// (src/cmd/regexp-fallback.ts), so a pattern that backtracks exponentially finishes. The evaluation runs in a child
// process: without the fallback it would hold its event loop far beyond the kill timeout, and the test would fail
// instead of hanging the suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const src = (p: string) => JSON.stringify(fileURLToPath(new URL(`../../../src/${p}`, import.meta.url)));

function run(): { status: number | null; stdout: string } {
  const code = `
    await import(${src('cmd/regexp-fallback.ts')});
    const { evaluate } = await import(${src('api/cel/admission.ts')});
    const name = 'a'.repeat(40) + '!';
    const results = [];
    for (const p of ['^(a|a)*$', '^([a-z]+-?)*$']) results.push(await evaluate('policy', "object.metadata.name.matches('" + p + "')", { object: { metadata: { name } } }));
    results.push(await evaluate('policy', "object.metadata.name.matches('^([a-z]+-?)*$')", { object: { metadata: { name: 'web-a' } } }));
    process.stdout.write(JSON.stringify(results));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout };
}

test('a CEL matches() with a catastrophic pattern finishes instead of holding the event loop', () => {
  const r = run();
  assert.equal(r.status, 0);
  assert.deepEqual(JSON.parse(r.stdout), [false, false, true]);
});

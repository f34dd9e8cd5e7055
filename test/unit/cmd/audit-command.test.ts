// `a-kube audit`: --help answers as every other command's does; default-policy prints the policy a-kube up records
// with, as a file --audit-policy-file reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parsePolicy } from '../../../src/audit/policy.js';
import { defaultPolicy } from '../../../src/audit/default-policy.js';

const entry = fileURLToPath(new URL('../../../src/cmd/a-kube.ts', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], { encoding: 'utf8', timeout: 60_000 });

test('a-kube audit --help (and help audit) print the usage and succeed; no or another subcommand fails with it', () => {
  for (const args of [['audit', '--help'], ['audit', '-h'], ['help', 'audit']]) {
    const r = run(...args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /^Usage:\n  a-kube audit default-policy /m, args.join(' '));
  }
  const none = run('audit');
  assert.equal(none.status, 1);
  assert.match(none.stderr, /^error: a command is needed\n\n[^]*a-kube audit default-policy/);
  const other = run('audit', 'show');
  assert.equal(other.status, 1);
  assert.match(other.stderr, /^error: unknown command "show" for "a-kube audit"\n/);
});

test('a-kube audit default-policy prints the built-in policy, which reads back as the same Policy', () => {
  const r = run('audit', 'default-policy');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(parsePolicy(r.stdout, 'printed'), defaultPolicy);
});

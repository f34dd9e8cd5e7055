// processAlive and waitForExit over a real child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { processAlive, waitForExit } from '../../../src/process/alive.js';

test('a running child is alive until it is ended; waitForExit sees the end', async () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const pid = child.pid;
  assert.ok(pid);
  assert.equal(processAlive(pid), true);
  assert.equal(await waitForExit(pid, 200), false, 'still running after 200 ms');
  const reaped = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await reaped;
  assert.equal(await waitForExit(pid, 5000), true);
  assert.equal(processAlive(pid), false);
});

test('a process of another user counts as alive (EPERM)', { skip: process.getuid?.() === 0 ? false : 'needs root to run a probe as nobody' }, async () => {
  // Run as nobody, the signal check on pid 1 (root's) fails with EPERM. nobody may not be able to read this checkout
  // (a temporary directory is owner-only), so the module goes to it on stdin, compiled to JavaScript here.
  const source = readFileSync(fileURLToPath(new URL('../../../src/process/alive.ts', import.meta.url)), 'utf8');
  const { code } = transformSync(source, { loader: 'ts', format: 'esm' });
  const probe = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-'], { stdio: ['pipe', 'inherit', 'inherit'], cwd: '/' });
  probe.stdin.end(`${code}\nprocess.exit(processAlive(1) ? 0 : 1);\n`);
  const status = await new Promise((r) => probe.once('exit', r));
  assert.equal(status, 0, 'pid 1 is alive as seen by nobody');
});

// processAlive and waitForExit over a real child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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
  // run as nobody, the signal check on pid 1 (root's) fails with EPERM
  const module = new URL('../../../src/process/alive.ts', import.meta.url).pathname;
  const probe = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', '-e', `import(${JSON.stringify(module)}).then((m) => process.exit(m.processAlive(1) ? 0 : 1))`], { stdio: 'inherit' });
  const code = await new Promise((r) => probe.once('exit', r));
  assert.equal(code, 0, 'pid 1 is alive as seen by nobody');
});

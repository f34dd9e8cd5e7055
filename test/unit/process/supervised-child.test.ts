// A supervised child (a member of `a-kube up --ha`, or containerd): its output goes to its log file, waitFor finds a line of the current
// run, an unexpected exit is followed by a new start, stop() ends it for good, and a supervisor that is killed
// outright takes its children with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SupervisedChild } from '../../../src/process/supervised-child.js';

test('a child that dies is started again; stop() ends it without a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-child-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const said: string[] = [];
  // the first run exits with code 3 after saying so; the next runs stay up
  const marker = join(dir, 'ran-once');
  const script = `const fs = require('node:fs'); if (!fs.existsSync(${JSON.stringify(marker)})) { fs.writeFileSync(${JSON.stringify(marker)}, ''); console.log('first run'); process.exit(3); } console.log('up again'); setInterval(() => {}, 1000);`;
  const child = new SupervisedChild({ name: 'worker', command: process.execPath, args: ['-e', script], logFile: join(dir, 'worker.log'), say: (l) => said.push(l) });
  child.start();
  const firstPid = child.pid;
  await child.waitFor(/first run/, 30_000);
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (said.some((l) => l.startsWith('worker started again'))) {
        clearInterval(poll);
        resolve();
      }
    }, 50);
  });
  assert.match(said[0] ?? '', new RegExp(`^worker \\(pid ${firstPid}\\) exited \\(code 3\\); starting it again in 1 s \\(log: .*worker\\.log\\)$`));
  await child.waitFor(/up again/, 30_000);
  const pid = child.pid as number;
  await child.stop();
  assert.throws(() => process.kill(pid, 0));
  assert.equal(said.length, 2, said.join('\n'));
  assert.equal(readFileSync(join(dir, 'worker.log'), 'utf8'), 'first run\nup again\n');
});

test('waitFor rejects when the child exits before the line comes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-child-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = new SupervisedChild({ name: 'quitter', command: process.execPath, args: ['-e', 'console.log("bye"); process.exit(1)'], logFile: join(dir, 'q.log'), say: () => {} });
  child.start();
  await assert.rejects(child.waitFor(/never/, 30_000), /quitter exited while starting:\nbye/);
  await child.stop();
});

test('a supervisor killed outright takes its children with it (parent-death signal)', { skip: existsSync('/usr/bin/setpriv') ? false : '/usr/bin/setpriv (util-linux) is not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-child-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const module = fileURLToPath(new URL('../../../src/process/supervised-child.ts', import.meta.url));
  const script = `const { SupervisedChild } = await import(${JSON.stringify(module)}); const c = new SupervisedChild({ name: 'sleeper', command: process.execPath, args: ['-e', 'console.log("up"); setInterval(() => {}, 1000)'], logFile: ${JSON.stringify(join(dir, 's.log'))}, say: () => {} }); c.start(); await c.waitFor(/up/, 30000); console.log(c.pid); setInterval(() => {}, 1000);`;
  const supervisor = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve) => supervisor.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  assert.ok(pid > 0);
  supervisor.kill('SIGKILL');
  // gone, or a zombie waiting for init to reap it (state Z after the command name in /proc/PID/stat)
  const ended = (): boolean => {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return true;
    }
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  };
  for (let i = 0; i < 200 && !ended(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(ended(), true, `child ${pid} outlived its supervisor`);
});

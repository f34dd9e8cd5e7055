// The process guards, in child processes: the watchdog ends a process whose event loop never turns again, and the
// shutdown timer ends one whose orderly close hangs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const module = fileURLToPath(new URL('../../../src/cmd/watchdog.ts', import.meta.url));

function runChild(script: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `const m = await import(${JSON.stringify(module)});\n${script}`], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
}

test('the watchdog ends a process stuck in a loop that never yields (signal handlers cannot run)', () => {
  const r = runChild(`m.startWatchdog(400); process.on('SIGTERM', () => {}); setTimeout(() => { for (;;) {} }, 50);`);
  assert.equal(r.signal, 'SIGKILL', `status ${r.status}, stderr: ${r.stderr}`);
  assert.match(r.stderr, /a-kube: the event loop has been blocked for \d+s; exiting/);
});

test('a busy but turning event loop is left alone', () => {
  const r = runChild(`const w = m.startWatchdog(400); let n = 0; const t = setInterval(() => { for (let i = 0; i < 1e6; i++) n += i; }, 5); setTimeout(() => { clearInterval(t); w.stop(); }, 1500);`);
  assert.equal(r.status, 0, r.stderr);
});

test('the shutdown timer exits with status 1 when the close hangs', () => {
  const r = runChild(`m.armShutdownTimer(200); setInterval(() => {}, 1000); await new Promise(() => {});`);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /a-kube: shutdown did not finish within 0s; exiting/);
});

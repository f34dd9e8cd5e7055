// A process that runs only node agents (a-kube node, a-kube node join) must not exit while every agent waits on an
// unref'd timer — a joined node once exited with status 0 while retrying its registration after a conflict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const module = JSON.stringify(fileURLToPath(new URL('../../../src/kubelet/hold-open.ts', import.meta.url)));

function run(hold: boolean): string {
  const code = `
    const { holdOpen } = await import(${module});
    const stop = new AbortController();
    ${hold ? 'holdOpen(stop.signal);' : ''}
    // As the agents' clock does: a timer that does not hold the process open.
    setTimeout(() => { process.stdout.write('waited'); stop.abort(); }, 200).unref();`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('holdOpen keeps the process until it is stopped, then lets it exit', () => {
  assert.equal(run(false), '', 'without it the process exits before the timer fires');
  assert.equal(run(true), 'waited');
});

// The open-file limit: read from /proc/self/limits, raised by the a-kube executable when it may.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileLimit, worthRaising } from '../../../src/cmd/file-limit.js';

const sample = `Limit                     Soft Limit           Hard Limit           Units
Max processes             127405               127405               processes
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

test('readFileLimit reads the soft and hard open-file limits', () => {
  assert.deepEqual(readFileLimit(sample), { soft: 1024, hard: 524288 });
  assert.deepEqual(readFileLimit(sample.replace('1024                 524288', 'unlimited            unlimited')), { soft: Infinity, hard: Infinity });
  assert.equal(readFileLimit('nothing here'), undefined);
});

const script = `import { raiseOpenFileLimit, readFileLimit } from ${JSON.stringify(join(import.meta.dirname, '../../../src/cmd/file-limit.ts'))};
const w = raiseOpenFileLimit(); console.log(JSON.stringify({ w: w ?? null, soft: readFileLimit()?.soft }));`;

/** Runs raiseOpenFileLimit in a child started with the given limits; undefined when there is no prlimit to do that. */
function startedWith(nofile: string): { w: string | null; soft: number } | undefined {
  const r = spawnSync('prlimit', [`--nofile=${nofile}`, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  if (r.error) return undefined;
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { w: string | null; soft: number };
}

test('prlimit is run only for a limit below 65536 that the system would let grow', () => {
  assert.equal(worthRaising({ soft: 70_000, hard: 70_000 }, 1_048_576), false);
  assert.equal(worthRaising({ soft: 65_536, hard: 65_536 }, 1_048_576), false);
  assert.equal(worthRaising({ soft: 20_000, hard: 20_000 }, 1_048_576), true);
  assert.equal(worthRaising({ soft: 4096, hard: 4096 }, 4096), false, 'already at the ceiling');
});

test('a process started with a low limit gets it raised (as root) or a warning that says how to raise it', { skip: process.platform !== 'linux' }, () => {
  const out = startedWith('512:4096');
  if (!out) return; // no prlimit on this machine: nothing to start the child with
  if (out.soft >= 8192) {
    assert.equal(out.w, null); // raised: root with the right to lift the hard limit
  } else {
    assert.equal(out.soft, 4096, 'the soft limit at least reaches the hard one');
    assert.match(out.w ?? '', /^a-kube: the open-file limit is 4096, low for a busy cluster .*(ulimit -Hn 65536|ulimit -n 65536)/);
  }
});

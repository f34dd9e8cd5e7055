import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogBackend, rotatedName } from '../../../src/audit/log-backend.js';
import type { AuditEvent } from '../../../src/audit/types.js';
import { ready } from '../../fixtures/audit-event.js';

function event(i: number, pad = 0): AuditEvent {
  return {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `id-${i}`, stage: 'ResponseComplete', requestURI: `/api/v1/pods?i=${i}&pad=${'x'.repeat(pad)}`,
    verb: 'get', user: { username: 'u' }, requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z', stageTimestamp: '2026-01-01T00:00:00.000001Z',
  };
}

function withDir(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-log-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('one JSON line per event, appended to what the file holds', withDir(async (dir) => {
  const path = join(dir, 'audit.log');
  writeFileSync(path, '{"earlier":true}\n');
  const b = new LogBackend({ path });
  b.process([event(1), event(2)].map(ready));
  b.process([event(3)].map(ready));
  await b.close();
  const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.auditID ?? 'earlier'), ['earlier', 'id-1', 'id-2', 'id-3']);
}));

test('events are built when their batch is written, not when handed over; a few hundred held become lines at once', withDir(async (dir) => {
  let built = 0;
  const counted = (i: number) => ({ event: () => (built++, event(i)) });
  const b = new LogBackend({ path: join(dir, 'audit.log'), batchWaitMs: 60_000 });
  b.process([counted(1), counted(2)]);
  assert.equal(built, 0, 'nothing is built while the request runs');
  await b.flush();
  assert.equal(built, 2);
  // a long wait (a slow batch time, or a disk that fails) does not hold events unbuilt without bound
  for (let i = 0; i < 300; i++) b.process([counted(i)]);
  assert.ok(built >= 2 + 256, `${built - 2} of 300 built while waiting`);
  await b.flush();
  assert.equal(built, 302, 'each event is built once');
  assert.equal(readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').length, 302);
  // nor large request bodies: a mebibyte of them held, and the events are built (the bodies let go)
  b.process([{ ...counted(400), heldBytes: 600 * 1024 }]);
  assert.equal(built, 302);
  b.process([{ ...counted(401), heldBytes: 600 * 1024 }]);
  assert.equal(built, 304);
  await b.close();
}));

test('events that come while a batch is being written are written too, in order; a batch waits batchWaitMs', withDir(async (dir) => {
  const path = join(dir, 'audit.log');
  const b = new LogBackend({ path, batchWaitMs: 0 });
  let n = 0;
  // one event per turn of the event loop, so most arrive while the previous batch's write is in flight
  for (let round = 0; round < 300; round++) {
    b.process([event(n++, 2000)].map(ready));
    await new Promise((r) => setImmediate(r));
  }
  await b.close();
  const ids = readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as AuditEvent).auditID);
  assert.deepEqual(ids, Array.from({ length: n }, (_, i) => `id-${i}`));

  const slow = new LogBackend({ path: join(dir, 'slow.log'), batchWaitMs: 60_000 });
  slow.process([event(1)].map(ready));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(readFileSync(join(dir, 'slow.log'), 'utf8'), '', 'nothing is written before the batch time is up');
  await slow.flush();
  assert.equal(readFileSync(join(dir, 'slow.log'), 'utf8').trim().split('\n').length, 1, 'flush() writes the waiting batch at once');
  await slow.close();
}));

test('rotation by size keeps at most maxBackups rotated files, named by time', withDir(async (dir) => {
  const path = join(dir, 'audit.log');
  let clock = Date.parse('2026-03-01T10:00:00Z');
  const b = new LogBackend({ path, maxSizeBytes: 2000, maxBackups: 2, now: () => new Date((clock += 1000)) });
  for (let i = 0; i < 12; i++) {
    b.process([event(i, 800)].map(ready));
    await b.flush();
  }
  await b.close();
  const files = readdirSync(dir).sort();
  assert.equal(files.length, 3, files.join(' '));
  assert.ok(files.includes('audit.log'));
  for (const f of files.filter((f) => f !== 'audit.log')) assert.match(f, /^audit-2026-03-01T10-00-\d\d\.000\.log$/);
  // Every file stays under the limit, and the newest events are in the current file.
  for (const f of files) assert.ok(readFileSync(join(dir, f)).length <= 2000, f);
  assert.match(readFileSync(path, 'utf8'), /id-11/);
  assert.equal(rotatedName('/x/audit.log', new Date('2026-03-01T10:00:01.5Z')), '/x/audit-2026-03-01T10-00-01.500.log');
}));

test('rotated files older than maxAgeDays are deleted', withDir(async (dir) => {
  const path = join(dir, 'audit.log');
  writeFileSync(join(dir, 'audit-2020-01-01T00-00-00.000.log'), 'old\n');
  writeFileSync(join(dir, 'audit-notes.log'), 'not a rotated file\n');
  const b = new LogBackend({ path, maxSizeBytes: 500, maxAgeDays: 30, maxBackups: 0, now: () => new Date('2026-03-01T00:00:00Z') });
  b.process([event(1, 300)].map(ready));
  await b.flush();
  b.process([event(2, 300)].map(ready));
  await b.close();
  const files = readdirSync(dir).sort();
  assert.deepEqual(files, ['audit-2026-03-01T00-00-00.000.log', 'audit-notes.log', 'audit.log']);
}));

test('a full disk: one clear message, the events are kept then dropped, nothing throws', async () => {
  const lines: string[] = [];
  const b = new LogBackend({ path: '/dev/full', maxBufferBytes: 4096, retryMs: 20, log: (l) => lines.push(l) });
  for (let i = 0; i < 100; i++) b.process([event(i, 100)].map(ready));
  await new Promise((r) => setTimeout(r, 100));
  await b.close();
  assert.equal(lines.filter((l) => l.includes('no space left on device')).length, 1, lines.join('\n'));
  assert.match(lines[0]!, /cannot write \/dev\/full: no space left on device; .*the API server keeps serving/);
  assert.match(lines.at(-1)!, /not written: \/dev\/full still fails at shutdown/);
});

test('a rotation that cannot open the new file (its directory is gone) keeps the events and writes them once it can', withDir(async (dir) => {
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const path = join(logDir, 'audit.log');
  const lines: string[] = [];
  const b = new LogBackend({ path, maxSizeBytes: 2000, retryMs: 20, batchWaitMs: 1, log: (l) => lines.push(l) });
  b.process([event(0, 1500)].map(ready));
  await b.flush();
  rmSync(logDir, { recursive: true });
  b.process([event(1, 1500)].map(ready)); // past maxSizeBytes: a rotation, whose open fails
  await new Promise((r) => setTimeout(r, 60));
  assert.ok(lines.some((l) => l.startsWith(`cannot write ${path}:`)), lines.join('\n'));
  mkdirSync(logDir);
  await new Promise((r) => setTimeout(r, 60));
  await b.close();
  const written = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as AuditEvent).auditID);
  assert.deepEqual(written, ['id-1']);
  assert.ok(lines.some((l) => l.includes('works again')), lines.join('\n'));
}));

// A small tmpfs stands for a full disk that takes part of a batch (needs root to mount, as CI runs).
const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;

test('a full disk that takes part of a batch: the rest is written once space is free, every event once and every line whole', { skip: !canMount && 'mounting a tmpfs needs root' }, withDir(async (dir) => {
  const mnt = join(dir, 'small');
  mkdirSync(mnt);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
  if (mounted.status !== 0) return assert.fail(`mount: ${mounted.stderr.toString()}`);
  try {
    writeFileSync(join(mnt, 'filler'), Buffer.alloc(40 * 1024));
    const path = join(mnt, 'audit.log');
    const lines: string[] = [];
    const b = new LogBackend({ path, retryMs: 20, log: (l) => lines.push(l) });
    for (let i = 0; i < 20; i++) b.process([event(i, 1500)].map(ready));
    await new Promise((r) => setTimeout(r, 80));
    assert.ok(lines.some((l) => l.includes('no space left on device')), lines.join('\n'));
    rmSync(join(mnt, 'filler'));
    await new Promise((r) => setTimeout(r, 80));
    await b.close();
    const written = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as AuditEvent).auditID);
    assert.deepEqual(written, Array.from({ length: 20 }, (_, i) => `id-${i}`));
  } finally {
    spawnSync('umount', [mnt]);
  }
}));

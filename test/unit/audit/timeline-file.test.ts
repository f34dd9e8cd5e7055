// The audit timeline read from a log file another process writes: only whole new lines, final stages only, a
// rotated (shorter) file read again from its start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogFileTimeline } from '../../../src/audit/timeline-file.js';

const line = (user: string, stage = 'ResponseComplete', code = 200) =>
  `${JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', stage, auditID: user, verb: 'get', requestURI: '/api/v1/pods', user: { username: user }, responseStatus: { code }, stageTimestamp: '2026-01-01T00:00:00Z', annotations: { 'authorization.k8s.io/decision': 'allow' } })}\n`;

test('new lines are read on each call, partial lines wait, rotation starts over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-timeline-'));
  try {
    const path = join(dir, 'audit.log');
    const t = new LogFileTimeline(path);
    assert.deepEqual(await t.read(0, 10), [], 'no file yet');
    writeFileSync(path, line('a', 'RequestReceived') + line('a') + 'not json\n' + line('b', 'ResponseComplete', 403));
    const first = await t.read(0, 10);
    assert.deepEqual(first.map((e) => [e.user, e.code, e.decision]), [['a', 200, 'allow'], ['b', 403, 'allow']]);
    const half = line('c');
    appendFileSync(path, half.slice(0, 20));
    assert.deepEqual(await t.read(first.at(-1)!.seq, 10), []);
    appendFileSync(path, half.slice(20));
    assert.deepEqual((await t.read(first.at(-1)!.seq, 10)).map((e) => e.user), ['c']);
    writeFileSync(path, line('d'));
    assert.deepEqual((await t.read(first.at(-1)!.seq + 1, 10)).map((e) => e.user), ['d']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('while followed, lines written to the file reach the listeners without a read; unsubscribing stops the tail', async () => {
  let alive: NodeJS.Timeout | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'akube-timeline-'));
  try {
    const path = join(dir, 'audit.log');
    writeFileSync(path, line('a'));
    const t = new LogFileTimeline(path, { capacity: 100, tailMs: 10 });
    alive = setInterval(() => {}, 1000); // the tail's timer does not hold the process open by itself
    let calls = 0;
    let arrived: () => void = () => {};
    const off = t.subscribe(() => {
      calls++;
      arrived();
    });
    await new Promise<void>((resolve) => (arrived = resolve)); // the existing line, read by the tail
    appendFileSync(path, line('b') + line('c'));
    await new Promise<void>((resolve) => (arrived = resolve));
    const read = await t.readAfter(0, 10);
    assert.deepEqual(read.entries.map((e) => e.user), ['a', 'b', 'c']);
    assert.equal(read.latest, 3);
    off();
    off(); // twice is harmless
    const before = calls;
    appendFileSync(path, line('d'));
    assert.deepEqual((await t.readAfter(3, 10)).entries.map((e) => e.user), ['d'], 'a read still catches up');
    assert.equal(calls, before, 'no listener any more');
  } finally {
    clearInterval(alive);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the first read of a large file starts near its end, at a whole line; later reads continue from there', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-timeline-'));
  try {
    const path = join(dir, 'audit.log');
    // 12 MiB of old lines, then the newest ones: the first read shows the newest, never a torn line
    const old = line('old').repeat(Math.ceil((12 * 1024 * 1024) / line('old').length));
    const fd = openSync(path, 'w');
    writeSync(fd, old);
    for (let i = 0; i < 5; i++) writeSync(fd, line(`new-${i}`));
    closeSync(fd);
    const t = new LogFileTimeline(path, { capacity: 10 });
    const first = await t.read(0, 10);
    assert.deepEqual(first.slice(-5).map((e) => e.user), ['new-0', 'new-1', 'new-2', 'new-3', 'new-4']);
    assert.ok(first.every((e) => e.user === 'old' || e.user.startsWith('new-')), 'no entry from a partial line');
    appendFileSync(path, line('later'));
    assert.deepEqual((await t.read(first.at(-1)!.seq, 10)).map((e) => e.user), ['later']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('beforeRead runs before each read: a writer in the same process puts its held lines into the file first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-timeline-'));
  try {
    const path = join(dir, 'audit.log');
    const held: string[] = [];
    const t = new LogFileTimeline(path, { beforeRead: () => appendFileSync(path, held.splice(0).join('')) });
    held.push(line('x'), line('y'));
    assert.deepEqual((await t.read(0, 10)).map((e) => e.user), ['x', 'y']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

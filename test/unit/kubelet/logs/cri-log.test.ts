import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatLogTime, parseCriLine, readCriLog, type LogReadOptions } from '../../../../src/kubelet/logs/cri-log.js';

const sample = [
  '2026-12-02T06:00:00.100000000Z stdout F one',
  '2026-12-02T06:00:01.000000000Z stderr F two',
  '2026-12-02T06:00:02.120000000Z stdout P thr',
  '2026-12-02T06:00:02.130000000Z stdout F ee',
  'garbage line that is not CRI',
  '2026-12-02T06:00:03.000000000Z stdout F four',
  '',
].join('\n');

function tempLog(t: { after(fn: () => void): void }, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'akube-crilog-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, '0.log');
  writeFileSync(path, content);
  return path;
}

async function read(path: string, o: LogReadOptions = {}): Promise<string> {
  let out = '';
  for await (const s of readCriLog(path, o)) out += s;
  return out;
}

test('parseCriLine splits time, stream, tag and text; rejects other lines', () => {
  assert.deepEqual(parseCriLine('2026-12-02T06:00:00Z stdout F hello world'), { time: '2026-12-02T06:00:00Z', stream: 'stdout', partial: false, text: 'hello world' });
  assert.deepEqual(parseCriLine('2026-12-02T06:00:00Z stderr P:x part'), { time: '2026-12-02T06:00:00Z', stream: 'stderr', partial: true, text: 'part' });
  assert.deepEqual(parseCriLine('2026-12-02T06:00:00Z stdout F'), { time: '2026-12-02T06:00:00Z', stream: 'stdout', partial: false, text: '' });
  assert.equal(parseCriLine('2026-12-02T06:00:00Z stdin F x'), undefined);
  assert.equal(parseCriLine('no'), undefined);
});

test('formatLogTime drops trailing zeros of the fraction, as Go RFC3339Nano does', () => {
  assert.equal(formatLogTime('2026-12-02T06:00:02.120000000Z'), '2026-12-02T06:00:02.12Z');
  assert.equal(formatLogTime('2026-12-02T06:00:03.000000000Z'), '2026-12-02T06:00:03Z');
});

const cases: { name: string; o: LogReadOptions; want: string }[] = [
  { name: 'everything, partial lines joined', o: {}, want: 'one\ntwo\nthree\nfour\n' },
  { name: 'tail 2', o: { tailLines: 2 }, want: 'three\nfour\n' },
  { name: 'tail 0', o: { tailLines: 0 }, want: '' },
  { name: 'timestamps', o: { tailLines: 1, timestamps: true }, want: '2026-12-02T06:00:03Z four\n' },
  { name: 'since', o: { since: new Date('2026-12-02T06:00:01Z') }, want: 'two\nthree\nfour\n' },
  { name: 'limit bytes', o: { limitBytes: 6 }, want: 'one\ntw' },
];
for (const c of cases) {
  test(`readCriLog: ${c.name}`, async (t) => {
    assert.equal(await read(tempLog(t, sample), c.o), c.want);
  });
}

test('readCriLog follows appended lines until the writer is gone', async (t) => {
  const path = tempLog(t, '2026-12-02T06:00:00Z stdout F first\n');
  let running = true;
  const got: string[] = [];
  const reading = (async () => {
    for await (const s of readCriLog(path, { follow: true, pollMs: 20, stillWriting: async () => running })) got.push(s);
  })();
  await new Promise((r) => setTimeout(r, 100));
  appendFileSync(path, '2026-12-02T06:00:01Z stdout F second\n');
  for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(got, ['first\n', 'second\n']);
  running = false;
  await reading; // ends once stillWriting says no
});

test('readCriLog stops following when the signal aborts', async (t) => {
  const path = tempLog(t, '');
  const ac = new AbortController();
  const reading = read(path, { follow: true, pollMs: 20, signal: ac.signal });
  setTimeout(() => ac.abort(), 50);
  assert.equal(await reading, '');
});

test('readCriLog follows into the new file after a rotation, reading what reached the old one first', async (t) => {
  const path = tempLog(t, '2026-12-02T06:00:00Z stdout F before\n');
  const ac = new AbortController();
  const got: string[] = [];
  const reading = (async () => {
    for await (const s of readCriLog(path, { follow: true, pollMs: 20, tailLines: 1, signal: ac.signal, stillWriting: async () => true })) got.push(s);
  })();
  const waitFor = async (n: number) => {
    for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  };
  await waitFor(1);
  // The log manager renames the file aside; the runtime still writes to it until it has reopened the path.
  renameSync(path, `${path}.20261202-060001`);
  appendFileSync(`${path}.20261202-060001`, '2026-12-02T06:00:01Z stdout P late in the \n');
  await new Promise((r) => setTimeout(r, 60));
  writeFileSync(path, '2026-12-02T06:00:02Z stdout F first of the new file\n');
  // A last write to the old file after the new one appeared (the runtime swaps its writer after creating it).
  appendFileSync(`${path}.20261202-060001`, '2026-12-02T06:00:01Z stdout F old file\n');
  await waitFor(3);
  appendFileSync(path, '2026-12-02T06:00:03Z stdout F second of the new file\n');
  await waitFor(4);
  ac.abort();
  await reading;
  assert.deepEqual(got, ['before\n', 'late in the old file\n', 'first of the new file\n', 'second of the new file\n']);
});

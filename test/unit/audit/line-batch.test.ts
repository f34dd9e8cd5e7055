// Lines held as UTF-8 bytes in chunks: what is taken is every line in order with its newline, whatever the chunk
// boundaries and the characters; a batch put back comes before the lines added since.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineBatch, rest } from '../../../src/audit/line-batch.js';

const text = (b: { buffers: Buffer[] }) => Buffer.concat(b.buffers).toString('utf8');

test('lines across chunk boundaries, multi-byte characters and a line longer than a chunk come back whole and in order', () => {
  const batch = new LineBatch();
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) lines.push(`{"i":${i},"s":"${'é€😀'.repeat(i % 7)}${'x'.repeat(i * 7)}"}`);
  lines.push('y'.repeat(200_000), '€'.repeat(70_000));
  let bytes = 0;
  for (const l of lines) bytes += batch.add(l);
  assert.equal(batch.lines, lines.length);
  assert.equal(batch.bytes, bytes);
  assert.equal(bytes, Buffer.byteLength(lines.join('\n') + '\n'));
  const taken = batch.take();
  assert.ok(taken.buffers.length > 3, 'several chunks');
  assert.equal(text(taken), lines.map((l) => `${l}\n`).join(''));
  assert.equal(taken.bytes, bytes);
  assert.equal(taken.lines, lines.length);
  assert.deepEqual([batch.lines, batch.bytes, batch.take().buffers.length], [0, 0, 0]);
});

test('lines added after a take do not overwrite the taken ones; a batch put back goes first', () => {
  const batch = new LineBatch();
  batch.add('one');
  batch.add('two');
  const first = batch.take();
  batch.add('three');
  assert.equal(text(first), 'one\ntwo\n');
  batch.putBack(first);
  batch.add('four');
  assert.equal(batch.lines, 4);
  assert.equal(text(batch.take()), 'one\ntwo\nthree\nfour\n');
  batch.add('five');
  batch.clear();
  assert.equal(batch.lines, 0);
  batch.add('six');
  assert.equal(text(batch.take()), 'six\n');
});

test('rest: what is left after part of a batch was written, a cut line counted as one left', () => {
  const batch = new LineBatch();
  for (const l of ['aaaa', 'bbbb', 'cccc']) batch.add(l);
  const taken = batch.take();
  const left = rest(taken, 7); // "aaaa\nbb" went out
  assert.equal(Buffer.concat(left.buffers).toString(), 'bb\ncccc\n');
  assert.deepEqual([left.bytes, left.lines], [8, 2]);
  assert.deepEqual([rest(taken, 0).lines, rest(taken, 15).lines, rest(taken, 15).bytes], [3, 0, 0]);
});

// A request's lifetime from its transport: the signal exists only once read, aborts when the connection ends, and
// is already aborted when read after the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionLifetime } from '../../../src/apiserver/lifetime.js';

test('a signal read before the end aborts at the end; closed says so without making one', () => {
  const l = new ConnectionLifetime();
  const signal = l.signal;
  assert.equal(l.signal, signal, 'the same signal each time');
  let aborted = 0;
  signal.addEventListener('abort', () => aborted++);
  assert.equal(l.closed, false);
  l.end();
  l.end();
  assert.equal(l.closed, true);
  assert.equal(signal.aborted, true);
  assert.equal(aborted, 1);
});

test('a signal first read after the end is already aborted', () => {
  const l = new ConnectionLifetime();
  l.end();
  assert.equal(l.closed, true);
  assert.equal(l.signal.aborted, true);
});

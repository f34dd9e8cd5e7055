import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { storageConformance } from './conformance.suite.js';

storageConformance('memory', () => createMemoryStorage());

test('memory: a watch replays a history longer than one read batch, in order', async () => {
  const s = createMemoryStorage();
  for (let i = 0; i < 2500; i++) await s.create(`/${i % 2 ? 'odd' : 'even'}/${i}`, String(i));
  const ac = new AbortController();
  const values: string[] = [];
  for await (const batch of s.watch({ prefix: '/odd/', afterRevision: 0, signal: ac.signal })) {
    for (const ev of batch) values.push(ev.type === 'put' ? ev.kv.value : 'delete');
    if (values.length === 1250) ac.abort();
  }
  assert.deepEqual(values, Array.from({ length: 1250 }, (_, i) => String(2 * i + 1)));
  await s.close();
});

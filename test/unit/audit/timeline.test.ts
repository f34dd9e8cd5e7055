import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentTimeline, type TimelineEntry } from '../../../src/audit/timeline.js';

function entry(seq: number): TimelineEntry {
  return { seq, auditID: `id-${seq}`, time: '', user: 'u', verb: 'get', resource: 'pods', namespace: 'default', name: '', path: '/api/v1/namespaces/default/pods', code: 200, decision: 'allow', reason: '', userAgent: '', sourceIP: '' };
}

const seqs = (ts: readonly TimelineEntry[]) => ts.map((t) => t.seq);

test('the recent timeline keeps the newest `capacity` entries as it wraps around, oldest first', async () => {
  const t = new RecentTimeline(5);
  t.pushAll([1, 2, 3].map(entry));
  assert.deepEqual(seqs(await t.read(0, 10)), [1, 2, 3]);
  for (let s = 4; s <= 12; s++) t.pushAll([entry(s)]);
  assert.deepEqual(seqs(await t.read(0, 10)), [8, 9, 10, 11, 12], 'the five newest');
  assert.deepEqual(seqs(await t.read(0, 2)), [11, 12], 'read: the newest when more than the limit');
  assert.deepEqual(seqs(await t.read(9, 10)), [10, 11, 12], 'read: past the cursor');
  assert.deepEqual(await t.readAfter(3, 2), { entries: [entry(8), entry(9)], missed: 4, latest: 12 }, 'readAfter: the oldest kept, and how many are gone');
  assert.deepEqual(await t.readAfter(10, 10), { entries: [entry(11), entry(12)], missed: 0, latest: 12 });
  assert.deepEqual(await t.readAfter(12, 10), { entries: [], missed: 0, latest: 12 });
  assert.deepEqual(await t.read(0, 0), []);
  const none = new RecentTimeline(0);
  none.pushAll([entry(1)]);
  assert.deepEqual(await none.readAfter(0, 10), { entries: [], missed: 0, latest: 1 }, 'capacity 0 keeps nothing');
});

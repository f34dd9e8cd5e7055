import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, percentileOfSorted, summarizeLatencies } from '../../../bench/lib/stats.js';
import { fmt, fmtBytes, fmtRatio, formatTable } from '../../../bench/lib/table.js';

const percentileCases: { name: string; values: number[]; p: number; want: number }[] = [
  { name: 'p50 of an odd count is the middle', values: [1, 2, 3, 4, 5], p: 50, want: 3 },
  { name: 'p50 of an even count is the lower middle (nearest rank)', values: [1, 2, 3, 4], p: 50, want: 2 },
  { name: 'p99 of 100 values is the 99th', values: Array.from({ length: 100 }, (_, i) => i + 1), p: 99, want: 99 },
  { name: 'p99 of 10 values is the largest', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p: 99, want: 10 },
  { name: 'p0 is the smallest', values: [4, 5], p: 0, want: 4 },
  { name: 'p100 is the largest', values: [4, 5], p: 100, want: 5 },
  { name: 'one value', values: [7], p: 99, want: 7 },
];
for (const c of percentileCases) {
  test(`percentileOfSorted: ${c.name}`, () => {
    assert.equal(percentileOfSorted(c.values, c.p), c.want);
  });
}

test('percentileOfSorted of nothing is NaN', () => {
  assert.ok(Number.isNaN(percentileOfSorted([], 50)));
});

const medianCases: { name: string; values: number[]; want: number }[] = [
  { name: 'odd count, unsorted', values: [9, 1, 5], want: 5 },
  { name: 'even count averages the middle two', values: [4, 1, 3, 2], want: 2.5 },
  { name: 'NaN values are ignored', values: [Number.NaN, 3, 1], want: 2 },
];
for (const c of medianCases) {
  test(`median: ${c.name}`, () => {
    assert.equal(median(c.values), c.want);
  });
}

test('median of nothing is NaN', () => {
  assert.ok(Number.isNaN(median([])));
  assert.ok(Number.isNaN(median([Number.NaN])));
});

test('summarizeLatencies sorts numerically, not as text', () => {
  const s = summarizeLatencies([10, 9, 100, 2, 1]);
  assert.deepEqual(s, { count: 5, p50Ms: 9, p99Ms: 100 });
});

test('formatTable left-aligns the first column and right-aligns the rest', () => {
  const text = formatTable(['name', 'n'], [['get', '1'], ['list 10k', '123']]);
  assert.equal(text, ['name        n', 'get         1', 'list 10k  123'].join('\n'));
});

const fmtCases: { value: number; want: string }[] = [
  { value: 1234.5, want: '1235' },
  { value: 12.345, want: '12.3' },
  { value: 1.2345, want: '1.23' },
  { value: 0.12345, want: '0.123' },
  { value: Number.NaN, want: '-' },
  { value: Number.POSITIVE_INFINITY, want: '-' },
];
for (const c of fmtCases) {
  test(`fmt(${c.value}) is ${c.want}`, () => {
    assert.equal(fmt(c.value), c.want);
  });
}

test('fmtRatio and fmtBytes', () => {
  assert.equal(fmtRatio(2.44), '2.4×');
  assert.equal(fmtRatio(12.6), '13×');
  assert.equal(fmtRatio(Number.NaN), '-');
  assert.equal(fmtBytes(512), '512 B');
  assert.equal(fmtBytes(1536), '1.5 KiB');
  assert.equal(fmtBytes(11.5 * 1024 * 1024), '11.5 MiB');
  assert.equal(fmtBytes(-1581056), '-1.5 MiB');
});

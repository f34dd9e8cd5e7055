import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, shortHumanDuration } from '../../../src/api/duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

const human: [number, string][] = [
  [-2500, '<invalid>'],
  [-1500, '0s'],
  [0, '0s'],
  [999, '0s'],
  [90 * s, '90s'],
  [119 * s, '119s'],
  [120 * s, '2m'],
  [125 * s, '2m5s'],
  [5 * m, '5m'],
  [9 * m + 59 * s, '9m59s'],
  [10 * m + 30 * s, '10m'],
  [15 * m, '15m'],
  [179 * m, '179m'],
  [3 * h, '3h'],
  [3 * h + 4 * m, '3h4m'],
  [7 * h + 59 * m, '7h59m'],
  [8 * h, '8h'],
  [47 * h, '47h'],
  [2 * d, '2d'],
  [3 * d + 4 * h, '3d4h'],
  [5 * d, '5d'],
  [8 * d, '8d'],
  [364 * d, '364d'],
  [729 * d, '729d'],
  [730 * d, '2y'],
  [735 * d, '2y5d'],
  [8 * 365 * d, '8y'],
  [9 * 365 * d + 100 * d, '9y'],
];

for (const [ms, want] of human) {
  test(`humanDuration(${ms}) = ${want}`, () => assert.equal(humanDuration(ms), want));
}

const short: [number, string][] = [
  [-2500, '<invalid>'],
  [-500, '0s'],
  [59 * s, '59s'],
  [60 * s, '1m'],
  [59 * m, '59m'],
  [60 * m, '1h'],
  [23 * h, '23h'],
  [24 * h, '1d'],
  [364 * d, '364d'],
  [365 * d, '1y'],
];

for (const [ms, want] of short) {
  test(`shortHumanDuration(${ms}) = ${want}`, () => assert.equal(shortHumanDuration(ms), want));
}

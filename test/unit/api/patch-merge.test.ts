import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch, createMergePatch, PatchError } from '../../../src/api/patch/index.js';

// RFC 7386 appendix A.
const rfcCases: { target: unknown; patch: unknown; want: unknown }[] = [
  { target: { a: 'b' }, patch: { a: 'c' }, want: { a: 'c' } },
  { target: { a: 'b' }, patch: { b: 'c' }, want: { a: 'b', b: 'c' } },
  { target: { a: 'b' }, patch: { a: null }, want: {} },
  { target: { a: 'b', b: 'c' }, patch: { a: null }, want: { b: 'c' } },
  { target: { a: ['b'] }, patch: { a: 'c' }, want: { a: 'c' } },
  { target: { a: 'c' }, patch: { a: ['b'] }, want: { a: ['b'] } },
  { target: { a: { b: 'c' } }, patch: { a: { b: 'd', c: null } }, want: { a: { b: 'd' } } },
  { target: { a: [{ b: 'c' }] }, patch: { a: [1] }, want: { a: [1] } },
  { target: ['a', 'b'], patch: ['c', 'd'], want: ['c', 'd'] },
  { target: { a: 'b' }, patch: ['c'], want: ['c'] },
  { target: { e: null }, patch: { a: 1 }, want: { e: null, a: 1 } },
  { target: [1, 2], patch: { a: 'b', c: null }, want: { a: 'b' } },
  { target: {}, patch: { a: { bb: { ccc: null } } }, want: { a: { bb: {} } } },
];

for (const [i, c] of rfcCases.entries()) {
  test(`merge patch RFC 7386 example ${i + 1}`, () => {
    const before = structuredClone(c.target);
    assert.deepEqual(applyMergePatch(c.target, c.patch), c.want);
    assert.deepEqual(c.target, before, 'input is not modified');
  });
}

test('merge patch: a null patch is 400 "Invalid JSON Patch"', () => {
  assert.throws(() => applyMergePatch({ a: 1 }, null), (e: unknown) => e instanceof PatchError && e.kind === 'BadRequest' && e.message === 'Invalid JSON Patch');
});

const createCases: { name: string; original: unknown; modified: unknown; want: unknown }[] = [
  { name: 'label added (kubectl label)', original: { metadata: { name: 'p', labels: { x: 'y' } } }, modified: { metadata: { name: 'p', labels: { x: 'y', a: 'b' } } }, want: { metadata: { labels: { a: 'b' } } } },
  { name: 'label removed', original: { metadata: { labels: { a: 'b' } } }, modified: { metadata: { labels: {} } }, want: { metadata: { labels: { a: null } } } },
  { name: 'list replaced whole', original: { spec: { l: [1, 2] } }, modified: { spec: { l: [1] } }, want: { spec: { l: [1] } } },
  { name: 'no change', original: { a: { b: 1 } }, modified: { a: { b: 1 } }, want: {} },
];

for (const c of createCases) {
  test(`create merge patch: ${c.name}`, () => {
    const patch = createMergePatch(c.original, c.modified);
    assert.deepEqual(patch, c.want);
    assert.deepEqual(applyMergePatch(c.original, patch), c.modified, 'the patch turns original into modified');
  });
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, PatchError, invalidPatchMessage, maxJsonPatchOperations } from '../../../src/api/patch/index.js';

const doc = () => ({ metadata: { name: 'p', labels: { a: 'b' } }, spec: { list: [1, 2, 3] } });

const ok: { name: string; patch: unknown; want: unknown }[] = [
  { name: 'add a key', patch: [{ op: 'add', path: '/metadata/labels/c', value: 'd' }], want: { metadata: { name: 'p', labels: { a: 'b', c: 'd' } }, spec: { list: [1, 2, 3] } } },
  { name: 'add inserts into a list', patch: [{ op: 'add', path: '/spec/list/1', value: 9 }], want: { metadata: { name: 'p', labels: { a: 'b' } }, spec: { list: [1, 9, 2, 3] } } },
  { name: 'add appends with -', patch: [{ op: 'add', path: '/spec/list/-', value: 4 }], want: { metadata: { name: 'p', labels: { a: 'b' } }, spec: { list: [1, 2, 3, 4] } } },
  { name: 'remove a list item', patch: [{ op: 'remove', path: '/spec/list/0' }], want: { metadata: { name: 'p', labels: { a: 'b' } }, spec: { list: [2, 3] } } },
  { name: 'replace', patch: [{ op: 'replace', path: '/metadata/name', value: 'q' }], want: { metadata: { name: 'q', labels: { a: 'b' } }, spec: { list: [1, 2, 3] } } },
  // evanphx/json-patch v4 (what kube-apiserver uses) does not require the key to exist for replace.
  { name: 'replace of a missing key adds it', patch: [{ op: 'replace', path: '/metadata/uid', value: 'u' }], want: { metadata: { name: 'p', labels: { a: 'b' }, uid: 'u' }, spec: { list: [1, 2, 3] } } },
  { name: 'move', patch: [{ op: 'move', from: '/metadata/labels/a', path: '/metadata/labels/z' }], want: { metadata: { name: 'p', labels: { z: 'b' } }, spec: { list: [1, 2, 3] } } },
  { name: 'copy', patch: [{ op: 'copy', from: '/metadata/labels', path: '/spec/labels' }], want: { metadata: { name: 'p', labels: { a: 'b' } }, spec: { list: [1, 2, 3], labels: { a: 'b' } } } },
  { name: 'test then replace', patch: [{ op: 'test', path: '/spec/list', value: [1, 2, 3] }, { op: 'replace', path: '/spec/list', value: [] }], want: { metadata: { name: 'p', labels: { a: 'b' } }, spec: { list: [] } } },
  { name: 'escaped keys', patch: [{ op: 'add', path: '/metadata/labels/example.com~1x~0y', value: 'v' }], want: { metadata: { name: 'p', labels: { a: 'b', 'example.com/x~y': 'v' } }, spec: { list: [1, 2, 3] } } },
  { name: 'null patch is no operation', patch: null, want: doc() },
];

for (const c of ok) {
  test(`json patch: ${c.name}`, () => {
    const input = doc();
    assert.deepEqual(applyJsonPatch(input, c.patch), c.want);
    assert.deepEqual(input, doc(), 'input is not modified');
  });
}

const failures: { name: string; patch: unknown; kind: PatchError['kind']; message?: string; detail?: string }[] = [
  { name: 'failed test', patch: [{ op: 'test', path: '/metadata/name', value: 'x' }], kind: 'Invalid', message: invalidPatchMessage, detail: 'testing value /metadata/name failed: test failed' },
  {
    name: 'remove of a missing key',
    patch: [{ op: 'remove', path: '/metadata/labels/x' }],
    kind: 'Invalid',
    detail: "error in remove for path: '/metadata/labels/x': Unable to remove nonexistent key: x: missing value",
  },
  { name: 'add under a missing parent', patch: [{ op: 'add', path: '/a/b/c', value: 1 }], kind: 'Invalid', detail: 'add operation does not apply: doc is missing path: "/a/b/c": missing value' },
  {
    name: 'index out of range',
    patch: [{ op: 'remove', path: '/spec/list/7' }],
    kind: 'Invalid',
    detail: "error in remove for path: '/spec/list/7': Unable to access invalid index: 7: invalid index referenced",
  },
  { name: 'unknown op', patch: [{ op: 'frob', path: '/a' }], kind: 'Invalid', detail: 'Unexpected kind: frob' },
  { name: 'not a list', patch: { op: 'add' }, kind: 'BadRequest', message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' },
  { name: 'not a list of objects', patch: ['add'], kind: 'BadRequest', message: 'json: cannot unmarshal string into Go value of type jsonpatch.Operation' },
];

for (const c of failures) {
  test(`json patch error: ${c.name}`, () => {
    assert.throws(
      () => applyJsonPatch(doc(), c.patch),
      (e: unknown) => {
        assert.ok(e instanceof PatchError);
        assert.equal(e.kind, c.kind);
        if (c.message !== undefined) assert.equal(e.message, c.message);
        if (c.detail !== undefined) assert.equal(e.detail, c.detail);
        return true;
      },
    );
  });
}

test('json patch: a later failing operation leaves the input untouched', () => {
  const input = doc();
  assert.throws(() => applyJsonPatch(input, [{ op: 'add', path: '/metadata/x', value: 1 }, { op: 'test', path: '/metadata/name', value: 'nope' }]), PatchError);
  assert.deepEqual(input, doc());
});

test('json patch: too many operations is 413', () => {
  const ops = Array.from({ length: maxJsonPatchOperations + 1 }, () => ({ op: 'test', path: '/metadata/name', value: 'p' }));
  assert.throws(
    () => applyJsonPatch(doc(), ops),
    (e: unknown) => e instanceof PatchError && e.kind === 'RequestEntityTooLarge' && e.message === `Request entity too large: The allowed maximum operations in a JSON patch is 10000, got ${maxJsonPatchOperations + 1}`,
  );
});

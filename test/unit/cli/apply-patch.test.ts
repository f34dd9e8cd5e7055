import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createThreeWayJsonMergePatch, lastAppliedAnnotation, lastAppliedOf, sortedJson, withLastApplied } from '../../../src/cli/apply-patch.js';
import { createThreeWayStrategicMergePatch } from '../../../src/api/patch/index.js';
import type { KubeObject } from '../../../src/api/object.js';

const manifest: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { b: '2', a: '1' } };

test('withLastApplied records the manifest as kubectl does: sorted keys, empty annotations map, trailing newline', () => {
  const annotated = withLastApplied(manifest);
  assert.equal(
    annotated.metadata.annotations?.[lastAppliedAnnotation],
    '{"apiVersion":"v1","data":{"a":"1","b":"2"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"c","namespace":"default"}}\n',
  );
  // applying an already annotated manifest does not nest the annotation
  assert.equal(withLastApplied(annotated).metadata.annotations?.[lastAppliedAnnotation], annotated.metadata.annotations?.[lastAppliedAnnotation]);
  assert.deepEqual(lastAppliedOf(annotated), JSON.parse(annotated.metadata.annotations?.[lastAppliedAnnotation] ?? ''));
});

test('sortedJson matches Go map encoding', () => {
  assert.equal(sortedJson({ b: [{ d: 1, c: null }], a: 'x' }), '{"a":"x","b":[{"c":null,"d":1}]}');
});

test('applying the same manifest twice gives an empty strategic patch', () => {
  const modified = withLastApplied(manifest);
  const live = { ...modified, metadata: { ...modified.metadata, uid: 'u', resourceVersion: '5', creationTimestamp: '2024-01-01T00:00:00Z' } };
  assert.deepEqual(createThreeWayStrategicMergePatch(lastAppliedOf(live), modified, live, 'io.k8s.api.core.v1.ConfigMap'), {});
});

const cases: { name: string; original: unknown; modified: unknown; current: unknown; patch: Record<string, unknown> }[] = [
  { name: 'no change', original: { a: 1 }, modified: { a: 1 }, current: { a: 1, status: {} }, patch: {} },
  { name: 'field removed from the manifest is deleted', original: { a: 1, b: 2 }, modified: { a: 1 }, current: { a: 1, b: 2 }, patch: { b: null } },
  { name: 'changed field is set', original: { a: 1 }, modified: { a: 2 }, current: { a: 1 }, patch: { a: 2 } },
  { name: 'field changed live is reset', original: { a: 1 }, modified: { a: 1 }, current: { a: 5 }, patch: { a: 1 } },
  { name: 'fields others added stay', original: { m: { a: 1 } }, modified: { m: { a: 1 } }, current: { m: { a: 1, z: 9 } }, patch: {} },
  { name: 'nested deletion', original: { m: { a: 1, b: 2 } }, modified: { m: { a: 1 } }, current: { m: { a: 1, b: 2 } }, patch: { m: { b: null } } },
];

for (const c of cases) {
  test(`createThreeWayJsonMergePatch: ${c.name}`, () => {
    assert.deepEqual(createThreeWayJsonMergePatch(c.original, c.modified, c.current), c.patch);
  });
}

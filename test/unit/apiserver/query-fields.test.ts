import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { findResource } from '../../../src/api/catalog.js';
import { podStrategy } from '../../../src/registry/pod.js';
import type { Strategy } from '../../../src/registry/strategy.js';
import { fieldsOf, selectionFilter } from '../../../src/apiserver/query.js';

const pods = findResource('', 'v1', 'pods');
if (!pods) throw new Error('pods missing from the catalog');

function countingPodStrategy(): { strategy: Strategy; calls: () => number } {
  const real = podStrategy(pods as NonNullable<typeof pods>);
  let n = 0;
  const labels = real.fieldLabels;
  if (!labels) throw new Error('pod strategy has no fieldLabels');
  return { strategy: { ...real, fieldLabels: (o) => (n++, labels(o)) }, calls: () => n };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const pod = (node: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns-1' }, spec: { nodeName: node, containers: [] } });

test('a frozen object: field labels computed once, shared by every caller', () => {
  const { strategy, calls } = countingPodStrategy();
  const obj = deepFreeze(pod('node-1'));
  const first = fieldsOf(strategy, obj);
  for (let i = 0; i < 99; i++) assert.equal(fieldsOf(strategy, obj), first);
  assert.equal(calls(), 1);
  assert.equal(first['spec.nodeName'], 'node-1');
  assert.equal(first['metadata.name'], 'p');
  assert.equal(first['metadata.namespace'], 'ns-1');
});

test('a mutable object: recomputed each time, so a change is seen', () => {
  const { strategy, calls } = countingPodStrategy();
  const obj = pod('node-1');
  assert.equal(fieldsOf(strategy, obj)['spec.nodeName'], 'node-1');
  (obj['spec'] as { nodeName: string }).nodeName = 'node-2';
  assert.equal(fieldsOf(strategy, obj)['spec.nodeName'], 'node-2');
  assert.equal(calls(), 2);
});

test('the memo is per strategy: another strategy computes its own labels', () => {
  const a = countingPodStrategy();
  const b = countingPodStrategy();
  const obj = deepFreeze(pod('node-1'));
  fieldsOf(a.strategy, obj);
  fieldsOf(b.strategy, obj);
  assert.equal(a.calls(), 1);
  assert.equal(b.calls(), 1);
});

test('many watchers filtering the same event by spec.nodeName share one computation', () => {
  const { strategy, calls } = countingPodStrategy();
  const filters = Array.from({ length: 100 }, (_, i) => selectionFilter(strategy, null, `spec.nodeName=node-${i}`));
  const cases: Array<{ node: string; frozen: boolean; matches: number; computations: number }> = [
    { node: 'node-7', frozen: true, matches: 1, computations: 1 },
    { node: 'elsewhere', frozen: true, matches: 0, computations: 1 },
    { node: 'node-7', frozen: false, matches: 1, computations: 100 },
  ];
  for (const c of cases) {
    const before = calls();
    const obj = c.frozen ? deepFreeze(pod(c.node)) : pod(c.node);
    const matched = filters.filter((f) => f?.(obj)).length;
    assert.equal(matched, c.matches, c.node);
    assert.equal(calls() - before, c.computations, `${c.node} frozen=${c.frozen}`);
  }
});

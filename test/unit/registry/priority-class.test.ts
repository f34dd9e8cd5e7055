import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NOW, create, strategy, update } from './helpers.js';

const meta = (name: string) => ({ name, creationTimestamp: '2024-05-01T11:00:00Z' });

test('priorityclass: default preemption policy, table columns', () => {
  const classes = strategy('scheduling.k8s.io', 'v1', 'priorityclasses');
  const { obj, errors } = create(classes, { metadata: meta('high'), value: 1000, globalDefault: true });
  assert.deepEqual(errors, []);
  assert.equal(obj['preemptionPolicy'], 'PreemptLowerPriority');
  assert.deepEqual(classes.table?.columns.map((c) => c.name), ['Name', 'Value', 'Global-Default', 'Age', 'PreemptionPolicy']);
  assert.deepEqual(classes.table?.cells(obj, NOW), ['high', 1000, true, '60m', 'PreemptLowerPriority']);
});

test('priorityclass: reserved names, value ceiling, policy, immutability', () => {
  const classes = strategy('scheduling.k8s.io', 'v1', 'priorityclasses');
  const errorsOf = (name: string, body: Record<string, unknown>) => create(classes, { metadata: meta(name), ...body }).errors;
  assert.deepEqual(errorsOf('system-node-critical', { value: 2000001000 }), []);
  assert.deepEqual(errorsOf('system-mine', { value: 1 }), [
    "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
  ]);
  assert.deepEqual(errorsOf('system-cluster-critical', { value: 5 }), [
    "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-cluster-critical PriorityClass must be 2000000000",
  ]);
  assert.deepEqual(errorsOf('huge', { value: 1000000001 }), ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']);
  assert.deepEqual(errorsOf('p', { value: 1, preemptionPolicy: 'Sometimes' }), ['preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"']);

  const old = create(classes, { metadata: meta('p'), value: 1 }).obj;
  assert.deepEqual(update(classes, { ...structuredClone(old), value: 2, preemptionPolicy: 'Never' }, old).errors, [
    'value: Forbidden: may not be changed in an update.',
    'preemptionPolicy: Invalid value: "Never": field is immutable',
  ]);
});

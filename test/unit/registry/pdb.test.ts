import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NOW, create, strategy, update } from './helpers.js';

const meta = (name: string) => ({ name, namespace: 'ns', creationTimestamp: '2024-05-01T11:00:00Z' });

test('poddisruptionbudget: zero counters on create, status kept on update, table columns', () => {
  const pdbs = strategy('policy', 'v1', 'poddisruptionbudgets');
  const { obj, errors } = create(pdbs, { metadata: meta('web'), spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } }, status: { disruptionsAllowed: 5 } });
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.status, { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 });
  assert.equal(obj.metadata.generation, 1);
  assert.deepEqual(pdbs.table?.cells(obj, NOW), ['web', '2', 'N/A', 0, '60m']);
  const pct = create(pdbs, { metadata: meta('p'), spec: { maxUnavailable: '25%', selector: {} } }).obj;
  assert.deepEqual(pdbs.table?.cells({ ...pct, status: { disruptionsAllowed: 3 } }, NOW), ['p', 'N/A', '25%', 3, '60m']);
  assert.deepEqual(pdbs.table?.columns.map((c) => c.name), ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);

  const edited = update(pdbs, { ...structuredClone(obj), spec: { minAvailable: 3, selector: { matchLabels: { app: 'web' } } }, status: { disruptionsAllowed: 9 } }, obj);
  assert.deepEqual(edited.errors, []);
  assert.equal(edited.obj.metadata.generation, 2);
  assert.equal((edited.obj.status as { disruptionsAllowed: number }).disruptionsAllowed, 0);
});

test('poddisruptionbudget: validation texts', () => {
  const pdbs = strategy('policy', 'v1', 'poddisruptionbudgets');
  const errorsOf = (spec: Record<string, unknown>) => create(pdbs, { metadata: meta('x'), spec }).errors;
  assert.deepEqual(errorsOf({ minAvailable: -1 }), ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(errorsOf({ maxUnavailable: '120%' }), ['spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%']);
  assert.deepEqual(errorsOf({ minAvailable: 'half' }), [
    `spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"half"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
  ]);
  const both = errorsOf({ minAvailable: 1, maxUnavailable: 1 });
  assert.equal(both.length, 1);
  assert.match(both[0] ?? '', /^spec: Invalid value: policy\.PodDisruptionBudgetSpec\{MinAvailable:\(\*intstr\.IntOrString\)\(0x…\), .*\}: minAvailable and maxUnavailable cannot be both set$/);
  assert.deepEqual(errorsOf({ unhealthyPodEvictionPolicy: 'Sometimes' }), ['spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"']);
  assert.deepEqual(errorsOf({ selector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }), [
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
  ]);
});

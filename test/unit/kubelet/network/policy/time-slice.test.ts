// TimeSlice: the event loop gets a turn (a queued setImmediate runs) once a slice is used up, and not before;
// resolving and building policies pause between policies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../../../src/api/object.js';
import { resolvePolicies } from '../../../../../src/kubelet/network/policy/model.js';
import { buildPolicyRules } from '../../../../../src/kubelet/network/policy/rules.js';
import { TimeSlice } from '../../../../../src/kubelet/network/policy/time-slice.js';

test('a used-up slice lets queued callbacks run; an unused one does not', async () => {
  let ran = false;
  setImmediate(() => (ran = true));
  await new TimeSlice(1e9).pause();
  assert.equal(ran, false);
  await new TimeSlice(0).pause();
  assert.equal(ran, true);
});

test('resolving and building give the event loop a turn between policies', async () => {
  const policies: KubeObject[] = Array.from({ length: 5 }, (_, i) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'a', name: `p${i}` }, spec: { podSelector: {} } }));
  let turns = 0;
  let ticking = true;
  const tick = () => {
    turns++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const resolved = await resolvePolicies(policies, { pods: [], namespaceLabels: new Map() }, () => true, new TimeSlice(0));
  const afterResolve = turns;
  await buildPolicyRules(resolved, new TimeSlice(0));
  ticking = false;
  assert.ok(afterResolve >= 4, `turns while resolving: ${afterResolve}`);
  assert.ok(turns - afterResolve >= 4, `turns while building: ${turns - afterResolve}`);
});

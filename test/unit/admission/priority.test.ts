import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { StatusError } from '../../../src/api/status.js';
import { priorityAdmission } from '../../../src/admission/priority.js';
import { staticReader } from '../../../src/admission/reader.js';
import type { AdmissionRequest } from '../../../src/admission/types.js';

const pc = (name: string, value: number, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, preemptionPolicy: 'PreemptLowerPriority', ...extra });
const podReq = (spec: Record<string, unknown>, operation: 'CREATE' | 'UPDATE' = 'CREATE', oldSpec?: Record<string, unknown>): AdmissionRequest => ({
  operation,
  resource: { group: '', version: 'v1', resource: 'pods', kind: 'Pod' },
  subresource: '',
  namespace: 'ns',
  name: 'p',
  object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec },
  ...(oldSpec ? { oldObject: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: oldSpec } } : {}),
  user: { name: 'u', groups: [] },
  dryRun: false,
});

async function refusal(p: Promise<void>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 403);
    return e.message;
  }
  return assert.fail('expected a refusal');
}

test('pods get priority 0 and PreemptLowerPriority without a default class, the class value with one', async () => {
  const none = priorityAdmission(staticReader({}));
  const r = podReq({ containers: [] });
  await none.admit?.(r);
  assert.deepEqual([r.object['spec']], [{ containers: [], priority: 0, preemptionPolicy: 'PreemptLowerPriority' }]);

  const plugin = priorityAdmission(staticReader({ 'priorityclasses.scheduling.k8s.io': [pc('low', 10, { globalDefault: true }), pc('lower', 5, { globalDefault: true }), pc('high', 1000, { preemptionPolicy: 'Never' })] }));
  const dflt = podReq({});
  await plugin.admit?.(dflt);
  assert.deepEqual(dflt.object['spec'], { priorityClassName: 'lower', priority: 5, preemptionPolicy: 'PreemptLowerPriority' });
  const named = podReq({ priorityClassName: 'high' });
  await plugin.admit?.(named);
  assert.deepEqual(named.object['spec'], { priorityClassName: 'high', priority: 1000, preemptionPolicy: 'Never' });

  assert.equal(await refusal(plugin.admit!(podReq({ priorityClassName: 'nope' }))), 'pods "p" is forbidden: no PriorityClass with name nope was found');
  assert.equal(
    await refusal(plugin.admit!(podReq({ priorityClassName: 'high', priority: 7 }))),
    'pods "p" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
  );
  assert.equal(
    await refusal(plugin.admit!(podReq({ priorityClassName: 'high', preemptionPolicy: 'PreemptLowerPriority' }))),
    'pods "p" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name',
  );
  const upd = podReq({}, 'UPDATE', { priority: 5, preemptionPolicy: 'Never' });
  await plugin.admit?.(upd);
  assert.deepEqual(upd.object['spec'], { priority: 5, preemptionPolicy: 'Never' });
});

test('only one PriorityClass may be the global default', async () => {
  const plugin = priorityAdmission(staticReader({ 'priorityclasses.scheduling.k8s.io': [pc('low', 10, { globalDefault: true })] }));
  const req = (name: string, operation: 'CREATE' | 'UPDATE'): AdmissionRequest => ({
    operation,
    resource: { group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses', kind: 'PriorityClass' },
    subresource: '',
    namespace: '',
    name,
    object: pc(name, 1, { globalDefault: true }),
    user: { name: 'u', groups: [] },
    dryRun: false,
  });
  assert.equal(
    await refusal(plugin.validate!(req('second', 'CREATE'))),
    'priorityclasses.scheduling.k8s.io "second" is forbidden: PriorityClass low is already marked as default. Only one default can exist',
  );
  await plugin.validate?.(req('low', 'UPDATE'));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { limitRangerAdmission } from '../../../src/admission/limit-ranger.js';
import { staticReader } from '../../../src/admission/reader.js';
import type { AdmissionRequest } from '../../../src/admission/types.js';
import type { KubeObject } from '../../../src/api/object.js';
import { StatusError } from '../../../src/api/status.js';
import { strategyFor } from '../../../src/registry/index.js';
import { findResource } from '../../../src/api/catalog.js';

const lrStrategy = strategyFor(findResource('', 'v1', 'limitranges')!);

function limitRange(name: string, limits: Record<string, unknown>[]): KubeObject {
  const lr: KubeObject = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name, namespace: 'ns' }, spec: { limits } };
  lrStrategy.defaults?.(lr);
  return lr;
}

function podRequest(spec: Record<string, unknown>, resource = 'pods'): AdmissionRequest {
  const object: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'ns' }, spec };
  return { operation: 'CREATE', resource: { group: '', version: 'v1', resource, kind: 'Pod' }, subresource: '', namespace: 'ns', name: 'web', object, user: { name: 'u', groups: [] }, dryRun: false };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    assert.equal(e.code, 403);
    return e.status.message ?? '';
  }
  assert.fail('expected a refusal');
}

test('defaults from a Container item: requests and limits set where missing, and the annotation says which', async () => {
  const lr = limitRange('limits', [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } }]);
  const plugin = limitRangerAdmission({ reader: staticReader({ limitranges: [lr] }) });
  const req = podRequest({
    initContainers: [{ name: 'init', image: 'busybox' }],
    containers: [{ name: 'app', image: 'nginx', resources: { limits: { memory: '1Gi' } } }],
  });
  await plugin.admit!(req);
  await plugin.validate!(req);
  const spec = req.object['spec'] as { containers: Record<string, unknown>[]; initContainers: Record<string, unknown>[] };
  assert.deepEqual(spec.containers[0]!['resources'], { limits: { memory: '1Gi', cpu: '500m' }, requests: { cpu: '100m', memory: '128Mi' } });
  assert.deepEqual(spec.initContainers[0]!['resources'], { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
  assert.equal(
    req.object.metadata.annotations?.['kubernetes.io/limit-ranger'],
    'LimitRanger plugin set: cpu, memory request for container app; cpu limit for container app; cpu, memory request for init container init; cpu, memory limit for init container init',
  );
});

test('a LimitRange with only max defaults the limit and the request to the max (API defaulting)', async () => {
  const lr = limitRange('max-only', [{ type: 'Container', max: { cpu: '1' } }]);
  assert.deepEqual((lr['spec'] as { limits: unknown[] }).limits[0], { type: 'Container', max: { cpu: '1' }, default: { cpu: '1' }, defaultRequest: { cpu: '1' } });
  const plugin = limitRangerAdmission({ reader: staticReader({ limitranges: [lr] }) });
  const req = podRequest({ containers: [{ name: 'app', image: 'nginx' }] });
  await plugin.admit!(req);
  assert.equal(req.object.metadata.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu request for container app; cpu limit for container app');
});

test('min, max and ratio refusals use Kubernetes\' texts', async () => {
  // Stored as given (no API defaulting), so validation sees containers without defaults.
  const lr: KubeObject = { metadata: { name: 'bounds', namespace: 'ns' }, spec: { limits: [{ type: 'Container', min: { cpu: '100m' }, max: { cpu: '1', memory: '1Gi' }, maxLimitRequestRatio: { memory: '2' } }] } };
  const plugin = limitRangerAdmission({ reader: staticReader({ limitranges: [lr] }) });
  const over = podRequest({ containers: [{ name: 'app', resources: { requests: { cpu: '200m', memory: '100Mi' }, limits: { cpu: '2', memory: '512Mi' } } }] });
  assert.equal(
    await refusal(plugin.validate!(over)),
    'pods "web" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, memory max limit to request ratio per Container is 2, but provided ratio is 5.120000]',
  );
  const under = podRequest({ containers: [{ name: 'app', resources: { requests: { cpu: '50m', memory: '300Mi' }, limits: { cpu: '500m', memory: '512Mi' } } }] });
  assert.equal(await refusal(plugin.validate!(under)), 'pods "web" is forbidden: minimum cpu usage per Container is 100m, but request is 50m');
  const none = podRequest({ containers: [{ name: 'app' }] });
  assert.equal(
    await refusal(plugin.validate!(none)),
    'pods "web" is forbidden: [minimum cpu usage per Container is 100m.  No request is specified, maximum cpu usage per Container is 1.  No limit is specified, maximum memory usage per Container is 1Gi.  No limit is specified, memory max limit to request ratio per Container is 2, but no request is specified or request is 0]',
  );
  await plugin.validate!(podRequest({ containers: [{ name: 'app', resources: { requests: { cpu: '100m', memory: '300Mi' }, limits: { cpu: '1', memory: '600Mi' } } }] }));
});

test('Pod items bound the sum of the containers (or the largest init container)', async () => {
  const plugin = limitRangerAdmission({ reader: staticReader({ limitranges: [limitRange('pod', [{ type: 'Pod', max: { memory: '1Gi' } }])] }) });
  const req = podRequest({
    initContainers: [{ name: 'i', resources: { limits: { memory: '100Mi' } } }],
    containers: [{ name: 'a', resources: { limits: { memory: '600Mi' } } }, { name: 'b', resources: { limits: { memory: '600Mi' } } }],
  });
  assert.equal(await refusal(plugin.validate!(req)), 'pods "web" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1200Mi');
});

test('PersistentVolumeClaim items bound the requested storage', async () => {
  const plugin = limitRangerAdmission({ reader: staticReader({ limitranges: [limitRange('pvc', [{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } }])] }) });
  const claim = (storage: string): AdmissionRequest => ({
    ...podRequest({}, 'persistentvolumeclaims'),
    name: 'data',
    object: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { resources: { requests: { storage } } } },
  });
  assert.equal(await refusal(plugin.validate!(claim('20Gi'))), 'persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi');
  assert.equal(await refusal(plugin.validate!(claim('500Mi'))), 'persistentvolumeclaims "data" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi');
  await plugin.validate!(claim('5Gi'));
});

test('LimitRange validation: min above max, default above max, ratio below 1, default on a Pod item', () => {
  const lr = limitRange('bad', [
    { type: 'Container', min: { cpu: '2' }, max: { cpu: '1' }, default: { memory: '2Gi' }, maxLimitRequestRatio: { memory: '500m' } },
    { type: 'Pod', default: { cpu: '1' } },
  ]);
  (lr['spec'] as { limits: Record<string, unknown>[] }).limits[0]!['max'] = { cpu: '1', memory: '1Gi' };
  const errs = lrStrategy.validate(lr).map((e) => `${e.field}: ${e.detail ?? ''}`);
  assert.deepEqual(errs, [
    'spec.limits[0].min[cpu]: min value 2 is greater than max value 1',
    'spec.limits[0].defaultRequest[cpu]: min value 2 is greater than default request value 1',
    'spec.limits[0].default[cpu]: min value 2 is greater than default value 1',
    'spec.limits[0].defaultRequest[memory]: default request value 2Gi is greater than max value 1Gi',
    'spec.limits[0].default[memory]: default value 2Gi is greater than max value 1Gi',
    'spec.limits[0].maxLimitRequestRatio[memory]: ratio 500m is less than 1',
    "spec.limits[1].default: may not be specified when `type` is 'Pod'",
  ]);
});

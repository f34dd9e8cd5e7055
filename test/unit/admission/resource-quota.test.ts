import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { resourceQuotaAdmission } from '../../../src/admission/resource-quota.js';
import type { AdmissionRequest } from '../../../src/admission/types.js';
import type { KubeObject } from '../../../src/api/object.js';
import { errors, StatusError } from '../../../src/api/status.js';

/** Quotas held in memory with a resourceVersion each; a status write with a stale one is a 409, as the store answers. */
function quotaStore(quotas: KubeObject[]) {
  let rv = 1;
  for (const q of quotas) q.metadata.resourceVersion = String(rv++);
  const writes: KubeObject[] = [];
  return {
    writes,
    get: (name: string) => quotas.find((q) => q.metadata.name === name)!,
    access: {
      async quotas(namespace: string) {
        await sleep(1);
        return quotas.filter((q) => q.metadata.namespace === namespace).map((q) => structuredClone(q));
      },
      async updateStatus(quota: KubeObject) {
        await sleep(1);
        const i = quotas.findIndex((q) => q.metadata.name === quota.metadata.name);
        if (quotas[i]!.metadata.resourceVersion !== quota.metadata.resourceVersion) throw errors.conflict({ group: '', resource: 'resourcequotas' }, quota.metadata.name ?? '', errors.optimisticLockMessage);
        quotas[i] = { ...structuredClone(quota), metadata: { ...quota.metadata, resourceVersion: String(rv++) } };
        writes.push(quotas[i]!);
      },
    },
  };
}

function quota(name: string, hard: Record<string, string>, used: Record<string, string> | undefined, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace: 'ns', uid: `uid-${name}` }, spec: { hard, ...spec }, status: used ? { hard, used } : {} };
}

function create(resource: string, object: KubeObject, dryRun = false): AdmissionRequest {
  return { operation: 'CREATE', resource: { group: '', version: 'v1', resource, kind: object.kind ?? '' }, subresource: '', namespace: 'ns', name: object.metadata.name ?? '', object, user: { name: 'u', groups: [] }, dryRun };
}

function pod(name: string, containers: Record<string, unknown>[] = [{ name: 'app', image: 'nginx' }], extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns' }, spec: { containers, ...extra } };
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

test('the second pod over pods: 1 is refused with Kubernetes\' message; the first is charged to status.used', async () => {
  const s = quotaStore([quota('pod-quota', { pods: '1' }, { pods: '0' })]);
  const plugin = resourceQuotaAdmission(s.access);
  await plugin.validate!(create('pods', pod('a')));
  assert.deepEqual((s.get('pod-quota')['status'] as Record<string, unknown>)['used'], { pods: '1' });
  assert.equal(await refusal(plugin.validate!(create('pods', pod('b')))), 'pods "b" is forbidden: exceeded quota: pod-quota, requested: pods=1, used: pods=1, limited: pods=1');
  // A dry run is checked but not charged.
  const dry = quotaStore([quota('q', { pods: '2' }, { pods: '0' })]);
  await resourceQuotaAdmission(dry.access).validate!(create('pods', pod('a'), true));
  assert.equal(dry.writes.length, 0);
});

test('compute quotas: must specify texts, requests and limits charged in canonical quantities', async () => {
  const s = quotaStore([quota('compute', { 'requests.cpu': '1', 'requests.memory': '1Gi', 'limits.cpu': '2', 'limits.memory': '2Gi' }, { 'requests.cpu': '0', 'requests.memory': '0', 'limits.cpu': '0', 'limits.memory': '0' })]);
  const plugin = resourceQuotaAdmission(s.access);
  assert.equal(
    await refusal(plugin.validate!(create('pods', pod('bare', [{ name: 'web' }, { name: 'side', resources: { requests: { cpu: '100m', memory: '64Mi' } } }])))),
    'pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: side,web; limits.memory for: side,web; requests.cpu for: web; requests.memory for: web',
  );
  const sized = (name: string, cpu: string) => pod(name, [{ name: 'app', resources: { requests: { cpu, memory: '256Mi' }, limits: { cpu, memory: '512Mi' } } }]);
  await plugin.validate!(create('pods', sized('a', '400m')));
  await plugin.validate!(create('pods', sized('b', '400m')));
  assert.deepEqual((s.get('compute')['status'] as Record<string, unknown>)['used'], { 'requests.cpu': '800m', 'requests.memory': '512Mi', 'limits.cpu': '800m', 'limits.memory': '1Gi' });
  assert.equal(
    await refusal(plugin.validate!(create('pods', sized('c', '400m')))),
    'pods "c" is forbidden: exceeded quota: compute, requested: requests.cpu=400m, used: requests.cpu=800m, limited: requests.cpu=1',
  );
});

test('a quota whose status the controller has not filled yet refuses with status unknown', async () => {
  const s = quotaStore([{ ...quota('fresh', { pods: '3' }, undefined), status: { hard: { pods: '3' } } }]);
  assert.equal(await refusal(resourceQuotaAdmission(s.access).validate!(create('pods', pod('a')))), 'pods "a" is forbidden: status unknown for quota: fresh, resources: pods');
});

test('object counts, services and scopes', async () => {
  const s = quotaStore([
    quota('objects', { 'count/configmaps': '1', services: '2', 'services.nodeports': '1', secrets: '5' }, { 'count/configmaps': '1', services: '0', 'services.nodeports': '0', secrets: '0' }),
    quota('best-effort', { pods: '1' }, { pods: '1' }, { scopes: ['BestEffort'] }),
    quota('high', { pods: '1' }, { pods: '0' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } }),
  ]);
  const plugin = resourceQuotaAdmission(s.access);
  assert.equal(
    await refusal(plugin.validate!(create('configmaps', { kind: 'ConfigMap', metadata: { name: 'c' } }))),
    'configmaps "c" is forbidden: exceeded quota: objects, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1',
  );
  const svc = (name: string, type: string, ports: number) => ({ kind: 'Service', metadata: { name }, spec: { type, ports: Array.from({ length: ports }, (_, i) => ({ port: 80 + i })) } });
  assert.equal(
    await refusal(plugin.validate!(create('services', svc('np', 'NodePort', 2)))),
    'services "np" is forbidden: exceeded quota: objects, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1',
  );
  await plugin.validate!(create('services', svc('ip', 'ClusterIP', 2)));
  await plugin.validate!(create('secrets', { kind: 'Secret', metadata: { name: 's' } }));
  assert.deepEqual((s.get('objects')['status'] as Record<string, unknown>)['used'], { 'count/configmaps': '1', services: '1', 'services.nodeports': '0', secrets: '1' });
  // A best-effort pod hits the BestEffort quota; a pod with requests does not.
  assert.match(await refusal(plugin.validate!(create('pods', pod('be')))), /exceeded quota: best-effort, requested: pods=1, used: pods=1, limited: pods=1$/);
  await plugin.validate!(create('pods', pod('sized', [{ name: 'a', resources: { requests: { cpu: '10m' } } }])));
  await plugin.validate!(create('pods', pod('urgent', [{ name: 'a', resources: { requests: { cpu: '10m' } } }], { priorityClassName: 'high' })));
  assert.match(await refusal(plugin.validate!(create('pods', pod('urgent2', [{ name: 'a', resources: { requests: { cpu: '10m' } } }], { priorityClassName: 'high' })))), /exceeded quota: high,/);
});

test('concurrent creates never overshoot, even when another writer moves the quota in between', async () => {
  const s = quotaStore([quota('pods', { pods: '5' }, { pods: '0' })]);
  const plugin = resourceQuotaAdmission(s.access);
  // A competing writer (the controller recounting) bumps the resourceVersion now and then.
  let bumps = 0;
  const timer = setInterval(() => {
    const q = s.get('pods');
    void s.access.updateStatus(structuredClone(q)).then(() => bumps++, () => {});
  }, 3);
  const results = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => plugin.validate!(create('pods', pod(`p${i}`)))));
  clearInterval(timer);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
  assert.deepEqual((s.get('pods')['status'] as Record<string, unknown>)['used'], { pods: '5' });
  assert.ok(bumps > 0);
});

test('client-chosen quota names such as __proto__ and constructor stay plain keys', async () => {
  const hard = JSON.parse('{"__proto__":"1","constructor":"2","count/configmaps":"3"}') as Record<string, string>;
  const used = JSON.parse('{"__proto__":"0","constructor":"0","count/configmaps":"0"}') as Record<string, string>;
  const s = quotaStore([{ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'odd', namespace: 'ns', uid: 'u' }, spec: { hard }, status: { hard, used } }]);
  await resourceQuotaAdmission(s.access).validate!(create('configmaps', { kind: 'ConfigMap', metadata: { name: 'c' } }));
  const after = (s.get('odd')['status'] as { used: Record<string, unknown> }).used;
  assert.equal(Object.getPrototypeOf(after), Object.prototype);
  assert.deepEqual(Object.keys(after).sort(), ['__proto__', 'constructor', 'count/configmaps']);
  assert.equal(after['count/configmaps'], '1');
});

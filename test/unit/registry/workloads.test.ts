import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { NOW, create, strategy, update } from './helpers.js';

const deployments = strategy('apps', 'v1', 'deployments');
const replicasets = strategy('apps', 'v1', 'replicasets');
const statefulsets = strategy('apps', 'v1', 'statefulsets');
const daemonsets = strategy('apps', 'v1', 'daemonsets');

function deployment(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx-1', namespace: 'ns-1', creationTimestamp: '2024-05-01T11:45:00Z' }, spec };
}

const template = (labels: Record<string, string>) => ({ metadata: { labels }, spec: { containers: [{ name: 'nginx-1', image: 'nginx:latest' }] } });

test('deployment defaults and create rules', () => {
  const { obj, errors } = create(deployments, { ...deployment({ selector: { matchLabels: { run: 'nginx-1' } }, template: template({ run: 'nginx-1' }) }), status: { replicas: 9 } });
  assert.deepEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.replicas, 1);
  assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(spec.progressDeadlineSeconds, 600);
  const podSpec = (spec.template as { spec: Record<string, unknown> }).spec;
  assert.equal(podSpec.restartPolicy, 'Always');
  assert.equal(podSpec.enableServiceLinks, undefined, 'enableServiceLinks is a Pod-only default');
  assert.deepEqual(obj.status, {}, 'status is owned by the status subresource and starts empty');
  assert.equal(obj.metadata.generation, 1);
});

const invalid: { name: string; spec: Record<string, unknown>; want: string[] }[] = [
  {
    name: 'selector does not match the template',
    spec: { selector: { matchLabels: { app: 'a' } }, template: template({ app: 'b', tier: 'x' }) },
    want: ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"b", "tier":"x"}: `selector` does not match template `labels`'],
  },
  { name: 'no selector', spec: { template: template({ app: 'a' }) }, want: ['spec.selector: Required value'] },
  {
    name: 'negative replicas',
    spec: { replicas: -1, selector: { matchLabels: { app: 'a' } }, template: template({ app: 'a' }) },
    want: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
  },
  {
    name: 'restartPolicy other than Always',
    spec: { selector: { matchLabels: { app: 'a' } }, template: { ...template({ app: 'a' }), spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } },
    want: ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
  },
  {
    name: 'Recreate with rollingUpdate',
    spec: { strategy: { type: 'Recreate', rollingUpdate: {} }, selector: { matchLabels: { app: 'a' } }, template: template({ app: 'a' }) },
    want: ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
  },
  {
    name: 'both maxSurge and maxUnavailable zero',
    spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }, selector: { matchLabels: { app: 'a' } }, template: template({ app: 'a' }) },
    want: ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0'],
  },
];
for (const c of invalid) {
  test(`deployment validation: ${c.name}`, () => assert.deepEqual(create(deployments, deployment(c.spec)).errors, c.want));
}

test('deployment update: generation bumps on spec change only; selector is immutable; status is kept', () => {
  const { obj: old } = create(deployments, deployment({ selector: { matchLabels: { app: 'a' } }, template: template({ app: 'a' }) }));
  old.status = { replicas: 1 };
  const labelsOnly = structuredClone(old);
  labelsOnly.metadata.labels = { x: 'y' };
  labelsOnly.status = { replicas: 7 };
  const r1 = update(deployments, labelsOnly, old);
  assert.deepEqual(r1.errors, []);
  assert.equal(r1.obj.metadata.generation, 1);
  assert.deepEqual(r1.obj.status, { replicas: 1 });

  const scaled = structuredClone(old);
  (scaled.spec as Record<string, unknown>).replicas = 3;
  assert.equal(update(deployments, scaled, old).obj.metadata.generation, 2);

  const reselected = structuredClone(old);
  (reselected.spec as Record<string, unknown>).selector = { matchLabels: { app: 'b' } };
  (reselected.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels = { app: 'b' };
  assert.deepEqual(update(deployments, reselected, old).errors, [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ]);
});

test('deployment table uses the seed transcript columns', () => {
  assert.deepEqual(
    deployments.table?.columns.map((c) => [c.name, c.type, c.priority]),
    [
      ['Name', 'string', 0],
      ['Desired', 'integer', 0],
      ['Current', 'integer', 0],
      ['Up-to-date', 'integer', 0],
      ['Available', 'integer', 0],
      ['Age', 'string', 0],
      ['Containers', 'string', 1],
      ['Images', 'string', 1],
      ['Selector', 'string', 1],
    ],
  );
  const d = { ...deployment({ replicas: 1, selector: { matchLabels: { run: 'nginx-1' } }, template: template({ run: 'nginx-1' }) }), status: { replicas: 1, updatedReplicas: 1, availableReplicas: 1 } };
  assert.deepEqual(deployments.table?.cells(d, NOW), ['nginx-1', 1, 1, 1, 1, '15m', 'nginx-1', 'nginx:latest', 'run=nginx-1']);
  const fresh = deployment({ replicas: 2, selector: { matchLabels: { run: 'x' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] }, template: template({ run: 'x' }) });
  assert.deepEqual(deployments.table?.cells(fresh, NOW).slice(1, 5), [2, 0, 0, 0]);
  assert.equal(deployments.table?.cells(fresh, NOW)[8], 'run=x,tier in (a,b)');
});

test('replicaset defaults, table and field labels', () => {
  const rs: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'nginx-1-7c5ddbdf54', namespace: 'ns-1', creationTimestamp: '2024-05-01T11:45:00Z' },
    spec: { selector: { matchLabels: { run: 'nginx-1', 'pod-template-hash': '7c5ddbdf54' } }, template: template({ run: 'nginx-1', 'pod-template-hash': '7c5ddbdf54' }) },
  };
  const { obj, errors } = create(replicasets, rs);
  assert.deepEqual(errors, []);
  assert.equal((obj.spec as Record<string, unknown>).replicas, 1);
  obj.status = { replicas: 1, readyReplicas: 1 };
  assert.deepEqual(replicasets.table?.columns.slice(0, 5).map((c) => c.name), ['Name', 'Desired', 'Current', 'Ready', 'Age']);
  assert.deepEqual(replicasets.table?.cells(obj, NOW), ['nginx-1-7c5ddbdf54', 1, 1, 1, '15m', 'nginx-1', 'nginx:latest', 'pod-template-hash=7c5ddbdf54,run=nginx-1']);
  assert.deepEqual(replicasets.fieldLabels?.(obj), { 'status.replicas': '1' });
});

test('statefulset defaults and forbidden updates', () => {
  const sts: KubeObject = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'ns' }, spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template({ app: 'db' }) } };
  const { obj, errors } = create(statefulsets, sts);
  assert.deepEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  const changed = structuredClone(obj);
  (changed.spec as Record<string, unknown>).serviceName = 'other';
  assert.deepEqual(update(statefulsets, changed, obj).errors, [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
  obj.status = { readyReplicas: 1 };
  assert.deepEqual(statefulsets.table?.cells(obj, NOW).slice(0, 2), ['db', '1/1']);
});

test('daemonset defaults', () => {
  const ds: KubeObject = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'ns' }, spec: { selector: { matchLabels: { app: 'a' } }, template: template({ app: 'a' }) } };
  const { obj, errors } = create(daemonsets, ds);
  assert.deepEqual(errors, []);
  assert.deepEqual((obj.spec as Record<string, unknown>).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(daemonsets.table?.cells(obj, NOW)[6], '<none>');
});

test('status fields Kubernetes always serialises are present with their zero values, however the writer left them out', () => {
  const rs = strategy('apps', 'v1', 'replicasets');
  const created = create(rs, { metadata: { name: 'r', namespace: 'default' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } }).obj;
  assert.deepEqual(created.status, { replicas: 0 });
  const statusWrite = structuredClone(created);
  statusWrite.status = { observedGeneration: 1 };
  rs.prepareForStatusUpdate?.(statusWrite, created);
  assert.deepEqual(statusWrite.status, { observedGeneration: 1, replicas: 0 });
  const ds = strategy('apps', 'v1', 'daemonsets');
  const d = create(ds, { metadata: { name: 'd', namespace: 'default' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } }).obj;
  assert.deepEqual(d.status, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
  const svc = strategy('', 'v1', 'services');
  assert.deepEqual(create(svc, { metadata: { name: 's', namespace: 'default' }, spec: { ports: [{ port: 80 }] } }).obj.status, { loadBalancer: {} });
});

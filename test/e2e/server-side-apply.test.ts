// Server-side apply and managedFields against a real `a-kube up` (simulated runtime), driven by the real kubectl
// (1.32 and 1.27), a-kubectl and @kubernetes/client-node. The expected managedFields shapes are those
// kube-apiserver records for the same sequences (timestamps aside).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { akubectl, hasKubectl, kubectl, kubectlBinary, startCluster, type Cluster, ok } from './harness.js';

let cluster: Cluster;
let dir: string;

before(async () => {
  cluster = await startCluster({ args: ['--storage', 'memory', '--runtime', 'fake'], timeoutMs: 60_000 });
  dir = mkdtempSync(join(tmpdir(), 'akube-ssa-'));
});

after(async () => {
  await cluster?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});


function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

type Entry = { manager?: string; operation: string; apiVersion: string; time?: string; fieldsType: string; fieldsV1: unknown; subresource?: string };

function managed(obj: { metadata: { managedFields?: Entry[] } }): Array<Omit<Entry, 'time'>> {
  return (obj.metadata.managedFields ?? []).map(({ time: _t, ...rest }) => rest);
}

const cm = (ns: string, data: string, labels = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: test-cm\n  namespace: ${ns}\n${labels}data:\n${data}`;

const versions = [
  { label: 'kubectl 1.32', binary: 'kubectl' },
  { label: 'kubectl 1.27', binary: kubectlBinary('1.27') },
];

for (const v of versions) {
  test(`${v.label}: two managers conflict with Kubernetes' 409 text, --force-conflicts takes over, a dropped field disappears`, { skip: !hasKubectl ? 'kubectl is not installed' : !v.binary ? 'kubectl.1.27 is not installed' : false }, () => {
    const binary = v.binary!;
    const ns = `ssa-${v.label.replace(/\D/g, '')}`;
    ok(kubectl(cluster, ['create', 'namespace', ns], { binary }), 'create ns');
    const first = file(`${ns}-a.yaml`, cm(ns, '  key: some value\n  other: x\n', '  labels:\n    test-label: test\n'));
    assert.match(ok(kubectl(cluster, ['apply', '--server-side', '-f', first], { binary }), 'apply'), /configmap\/test-cm serverside-applied/);
    const got = JSON.parse(ok(kubectl(cluster, ['get', 'cm', 'test-cm', '-n', ns, '-o', 'json', '--show-managed-fields'], { binary }), 'get'));
    // kube-apiserver: one Apply entry, struct fields without ".", map keys as members
    assert.deepEqual(managed(got), [
      { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:key': {}, 'f:other': {} }, 'f:metadata': { 'f:labels': { 'f:test-label': {} } } } },
    ]);
    assert.match(got.metadata.managedFields[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // kubectl hides managedFields unless asked
    assert.doesNotMatch(ok(kubectl(cluster, ['get', 'cm', 'test-cm', '-n', ns, '-o', 'yaml'], { binary }), 'get yaml'), /managedFields/);

    const second = file(`${ns}-b.yaml`, cm(ns, '  key: mine\n'));
    const conflict = kubectl(cluster, ['apply', '--server-side', '--field-manager', 'other-manager', '-f', second], { binary });
    assert.notEqual(conflict.status, 0);
    assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.data\.key/);
    assert.match(conflict.stderr, /--force-conflicts/);

    ok(kubectl(cluster, ['apply', '--server-side', '--force-conflicts', '--field-manager', 'other-manager', '-f', second], { binary }), 'force');
    const forced = JSON.parse(ok(kubectl(cluster, ['get', 'cm', 'test-cm', '-n', ns, '-o', 'json', '--show-managed-fields'], { binary }), 'get forced'));
    assert.equal(forced.data.key, 'mine');
    assert.deepEqual(managed(forced).map((e) => [e.manager, e.fieldsV1]), [
      ['kubectl', { 'f:data': { 'f:other': {} }, 'f:metadata': { 'f:labels': { 'f:test-label': {} } } }],
      ['other-manager', { 'f:data': { 'f:key': {} } }],
    ]);

    // kubectl stops applying `other` and the label: both go; `key` belongs to other-manager and stays
    const third = file(`${ns}-c.yaml`, cm(ns, '  key: mine\n'));
    ok(kubectl(cluster, ['apply', '--server-side', '-f', third], { binary }), 'apply without other');
    const dropped = JSON.parse(ok(kubectl(cluster, ['get', 'cm', 'test-cm', '-n', ns, '-o', 'json', '--show-managed-fields'], { binary }), 'get dropped'));
    assert.deepEqual(dropped.data, { key: 'mine' });
    assert.equal(dropped.metadata.labels, undefined);
    // both now apply the same value: shared ownership (entries are ordered by time, then name)
    assert.deepEqual(managed(dropped).map((e) => [e.manager, e.fieldsV1]).sort(), [
      ['kubectl', { 'f:data': { 'f:key': {} } }],
      ['other-manager', { 'f:data': { 'f:key': {} } }],
    ]);
  });
}

test('kubectl: an Update then an apply records what kube-apiserver records (TestApplyManagedFields sequence)', { skip: hasKubectl ? false : 'kubectl is not installed' }, () => {
  ok(kubectl(cluster, ['create', 'namespace', 'ssa-seq']), 'ns');
  ok(kubectl(cluster, ['apply', '--server-side', '--field-manager', 'apply_test', '-f', file('seq.yaml', cm('ssa-seq', '  key: value\n', '  labels:\n    test-label: test\n'))]), 'apply');
  ok(kubectl(cluster, ['patch', 'cm', 'test-cm', '-n', 'ssa-seq', '--type', 'merge', '--field-manager', 'updater', '-p', '{"data":{"key":"new value"}}']), 'patch');
  const got = JSON.parse(ok(kubectl(cluster, ['get', 'cm', 'test-cm', '-n', 'ssa-seq', '-o', 'json', '--show-managed-fields']), 'get'));
  assert.deepEqual(managed(got), [
    { manager: 'apply_test', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:test-label': {} } } } },
    { manager: 'updater', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:key': {} } } },
  ]);
});

test('kubectl create of a Deployment records the creator\'s fields with defaults, and controllers their own entries', { skip: hasKubectl ? false : 'kubectl is not installed' }, async () => {
  ok(kubectl(cluster, ['create', 'namespace', 'ssa-deploy']), 'ns');
  ok(kubectl(cluster, ['create', 'deployment', 'web', '--image=nginx:1.25', '--port=80', '-n', 'ssa-deploy']), 'create');
  let d: { metadata: { managedFields?: Entry[] }; status?: { replicas?: number } } = { metadata: {} };
  for (let i = 0; i < 50 && !(d.status?.replicas ?? 0); i++) {
    d = JSON.parse(ok(kubectl(cluster, ['get', 'deploy', 'web', '-n', 'ssa-deploy', '-o', 'json', '--show-managed-fields']), 'get'));
    if (!(d.status?.replicas ?? 0)) await new Promise((r) => setTimeout(r, 200));
  }
  const entries = managed(d);
  const creator = entries.find((e) => e.manager === 'kubectl-create');
  // the shape kube-apiserver records for `kubectl create deployment web --image=nginx:1.25 --port=80`
  assert.deepEqual(creator?.fieldsV1, {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:progressDeadlineSeconds': {},
      'f:replicas': {},
      'f:revisionHistoryLimit': {},
      'f:selector': {},
      'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} }, 'f:type': {} },
      'f:template': {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"nginx"}': {
              '.': {},
              'f:image': {},
              'f:imagePullPolicy': {},
              'f:name': {},
              'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
              'f:resources': {},
              'f:terminationMessagePath': {},
              'f:terminationMessagePolicy': {},
            },
          },
          'f:dnsPolicy': {},
          'f:restartPolicy': {},
          'f:schedulerName': {},
          'f:securityContext': {},
          'f:terminationGracePeriodSeconds': {},
        },
      },
    },
  });
  const status = entries.find((e) => e.manager === 'kube-controller-manager' && e.subresource === 'status');
  assert.ok(status, JSON.stringify(entries.map((e) => [e.manager, e.subresource])));
  assert.equal(status.operation, 'Update');
});

test('client-side apply then kubectl apply --server-side: ownership moves to kubectl, the annotation to kubectl-last-applied', { skip: hasKubectl ? false : 'kubectl is not installed' }, () => {
  ok(kubectl(cluster, ['create', 'namespace', 'ssa-csa']), 'ns');
  ok(kubectl(cluster, ['apply', '-f', file('csa1.yaml', cm('ssa-csa', '  a: "1"\n  b: "2"\n'))]), 'client-side apply');
  const before = JSON.parse(ok(kubectl(cluster, ['get', 'cm', 'test-cm', '-n', 'ssa-csa', '-o', 'json', '--show-managed-fields']), 'get'));
  assert.deepEqual(managed(before).map((e) => [e.manager, e.operation]), [['kubectl-client-side-apply', 'Update']]);
  ok(kubectl(cluster, ['apply', '--server-side', '-f', file('csa2.yaml', cm('ssa-csa', '  a: "1"\n'))]), 'server-side apply');
  const after = JSON.parse(ok(kubectl(cluster, ['get', 'cm', 'test-cm', '-n', 'ssa-csa', '-o', 'json', '--show-managed-fields']), 'get after'));
  assert.deepEqual(after.data, { a: '1' }, 'b, dropped from the manifest, is removed');
  assert.deepEqual(managed(after).map((e) => [e.manager, e.operation, e.fieldsV1]).sort(), [
    ['kubectl', 'Apply', { 'f:data': { 'f:a': {} } }],
    ['kubectl-last-applied', 'Apply', { 'f:metadata': { 'f:annotations': { 'f:kubectl.kubernetes.io/last-applied-configuration': {} } } }],
  ]);
  assert.equal(after.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], '{"apiVersion":"v1","data":{"a":"1"},"kind":"ConfigMap","metadata":{"name":"test-cm","namespace":"ssa-csa"}}\n');
});

test('a-kubectl apply --server-side: conflicts, --force-conflicts, --field-manager and the client-side apply hand-over', () => {
  const ak = (args: string[]) => akubectl(cluster, args);
  ok(ak(['create', 'namespace', 'ssa-ak']), 'ns');
  ok(ak(['apply', '-f', file('ak1.yaml', cm('ssa-ak', '  a: "1"\n  b: "2"\n'))]), 'client-side apply');
  assert.match(ok(ak(['apply', '--server-side', '-f', file('ak2.yaml', cm('ssa-ak', '  a: "1"\n'))]), 'server-side apply'), /configmap\/test-cm serverside-applied/);
  const after = JSON.parse(ok(ak(['get', 'cm', 'test-cm', '-n', 'ssa-ak', '-o', 'json', '--show-managed-fields']), 'get'));
  assert.deepEqual(after.data, { a: '1' });
  assert.deepEqual(managed(after).map((e) => e.manager).sort(), ['kubectl', 'kubectl-last-applied']);
  const conflict = ak(['apply', '--server-side', '--field-manager', 'someone', '-f', file('ak3.yaml', cm('ssa-ak', '  a: "2"\n'))]);
  assert.equal(conflict.status, 1);
  assert.match(conflict.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl": \.data\.a\n/);
  ok(ak(['apply', '--server-side', '--force-conflicts', '--field-manager', 'someone', '-f', join(dir, 'ak3.yaml')]), 'force');
  assert.equal(JSON.parse(ok(ak(['get', 'cm', 'test-cm', '-n', 'ssa-ak', '-o', 'json']), 'get')).data.a, '2');
});

test('@kubernetes/client-node: server-side apply of a status subresource', async () => {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'ssa-cn' } } });
  await core.createNamespacedPod({ namespace: 'ssa-cn', body: { metadata: { name: 'p' }, spec: { nodeName: 'nowhere', containers: [{ name: 'c', image: 'i' }] } } });
  const status = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ssa-cn' }, status: { conditions: [{ type: 'example.com/Checked', status: 'True' }] } };
  const applied = await core.patchNamespacedPodStatus(
    { name: 'p', namespace: 'ssa-cn', body: status, fieldManager: 'checker', force: true },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
  );
  assert.ok(applied.status?.conditions?.some((c) => c.type === 'example.com/Checked' && c.status === 'True'));
  const entry = applied.metadata?.managedFields?.find((e) => e.manager === 'checker');
  assert.equal(entry?.operation, 'Apply');
  assert.equal(entry?.subresource, 'status');
  assert.deepEqual(entry?.fieldsV1, { 'f:status': { 'f:conditions': { 'k:{"type":"example.com/Checked"}': { '.': {}, 'f:status': {}, 'f:type': {} } } } });
  // another manager changing that condition conflicts
  await assert.rejects(
    core.patchNamespacedPodStatus(
      { name: 'p', namespace: 'ssa-cn', body: { ...status, status: { conditions: [{ type: 'example.com/Checked', status: 'False' }] } }, fieldManager: 'rival' },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
    ),
    (e: unknown) => (e as { code?: number }).code === 409 && String((e as { body?: unknown }).body).includes('conflict with \\"checker\\" with subresource \\"status\\"'),
  );
});

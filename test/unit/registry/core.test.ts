import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { NOW, create, strategy, update } from './helpers.js';

const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}), creationTimestamp: '2024-05-01T11:00:00Z' });

test('namespace: label, finalizer and Active phase on create; DNS-label names', () => {
  const namespaces = strategy('', 'v1', 'namespaces');
  const { obj, errors } = create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: meta('ns-1'), status: { phase: 'Terminating' } });
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.metadata.labels, { 'kubernetes.io/metadata.name': 'ns-1' });
  assert.deepEqual(obj.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(obj.status, { phase: 'Active' });
  assert.deepEqual(namespaces.table?.cells(obj, NOW), ['ns-1', 'Active', '60m']);
  assert.deepEqual(namespaces.fieldLabels?.(obj), { 'status.phase': 'Active' });
  assert.equal(create(namespaces, { metadata: { name: 'a.b' } }).errors[0], 'metadata.name: Invalid value: "a.b": must not contain dots');
  assert.deepEqual(create(namespaces, { metadata: { name: 'x', namespace: 'y' } }).errors, ['metadata.namespace: Forbidden: not allowed on this type']);

  const edited = update(namespaces, { ...structuredClone(obj), spec: { finalizers: [] }, status: { phase: 'Terminating' } }, obj);
  assert.deepEqual(edited.obj.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(edited.obj.status, { phase: 'Active' });
});

test('secret: default type, stringData merge, required annotation, immutability', () => {
  const secrets = strategy('', 'v1', 'secrets');
  const { obj, errors } = create(secrets, { metadata: meta('s', 'ns'), stringData: { password: 'hunter2' } });
  assert.deepEqual(errors, []);
  assert.equal(obj.type, 'Opaque');
  assert.deepEqual(obj.data, { password: Buffer.from('hunter2').toString('base64') });
  assert.equal(obj.stringData, undefined);
  assert.deepEqual(secrets.table?.cells(obj, NOW), ['s', 'Opaque', 1, '60m']);
  assert.deepEqual(secrets.fieldLabels?.(obj), { type: 'Opaque' });

  assert.deepEqual(create(secrets, { metadata: meta('t', 'ns'), type: 'kubernetes.io/service-account-token' }).errors, [
    'metadata.annotations[kubernetes.io/service-account.name]: Required value',
  ]);
  assert.deepEqual(create(secrets, { metadata: meta('k', 'ns'), data: { 'a b': '' } }).errors, [
    `data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
  ]);

  const frozen = { ...structuredClone(obj), immutable: true };
  const changed = { ...structuredClone(frozen), data: { password: 'eA==' } };
  assert.deepEqual(update(secrets, changed, frozen).errors, ['data: Forbidden: field is immutable when `immutable` is set']);
  assert.deepEqual(update(secrets, { ...structuredClone(obj), type: 'Other' }, obj).errors, ['type: Invalid value: "Other": field is immutable']);
});

test('configmap: keys, duplicates across data/binaryData, 1 MiB', () => {
  const configmaps = strategy('', 'v1', 'configmaps');
  assert.deepEqual(create(configmaps, { metadata: meta('c', 'ns'), data: { a: '1' }, binaryData: { a: 'AA==' } }).errors, [
    'data[a]: Invalid value: "a": duplicate of key present in binaryData',
    'binaryData[a]: Invalid value: "a": duplicate of key present in data',
  ]);
  assert.deepEqual(create(configmaps, { metadata: meta('c', 'ns'), data: { big: 'x'.repeat(1024 * 1024 + 1) } }).errors, [': Too long: may not be more than 1048576 bytes']);
  const { obj } = create(configmaps, { metadata: meta('c', 'ns'), data: { a: '1' }, binaryData: { b: 'AA==' } });
  assert.deepEqual(configmaps.table?.cells(obj, NOW), ['c', 2, '60m']);
});

test('rbac: role rules, binding roleRef and subjects, path-segment names', () => {
  const roles = strategy('rbac.authorization.k8s.io', 'v1', 'roles');
  const clusterroles = strategy('rbac.authorization.k8s.io', 'v1', 'clusterroles');
  const rolebindings = strategy('rbac.authorization.k8s.io', 'v1', 'rolebindings');
  const crbs = strategy('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings');

  const role = { kind: 'Role', metadata: meta('pod-lister', 'ns-1'), rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }] };
  assert.deepEqual(create(roles, role).errors, []);
  assert.equal(roles.table, undefined, 'roles use the default Name/Created At table');
  assert.deepEqual(create(roles, { ...role, rules: [{ verbs: [], resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/healthz'] }] }).errors, [
    'rules[0].verbs: Required value: verbs must contain at least one value',
    'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
    'rules[1].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
  ]);
  assert.deepEqual(create(clusterroles, { metadata: meta('system:x'), rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] }).errors, []);
  assert.deepEqual(create(roles, { ...role, metadata: meta('a/b', 'ns-1') }).errors, ['metadata.name: Invalid value: "a/b": may not contain \'/\'']);

  const binding: KubeObject = {
    kind: 'RoleBinding',
    metadata: meta('pod-lister-binding', 'ns-1'),
    subjects: [{ kind: 'ServiceAccount', name: 'k-sa-1', namespace: 'ns-1' }, { kind: 'User', name: 'alice' }],
    roleRef: { kind: 'Role', name: 'pod-lister' },
  };
  const { obj, errors } = create(rolebindings, binding);
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.roleRef, { kind: 'Role', name: 'pod-lister', apiGroup: 'rbac.authorization.k8s.io' });
  assert.deepEqual(rolebindings.table?.cells(obj, NOW), ['pod-lister-binding', 'Role/pod-lister', '60m', 'alice', '', 'ns-1/k-sa-1']);
  const changed = { ...structuredClone(obj), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'other' } };
  assert.deepEqual(update(rolebindings, changed, obj).errors, [
    'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"}: cannot change roleRef',
  ]);
  assert.deepEqual(create(rolebindings, { ...binding, subjects: [{ kind: 'Robot', name: 'r' }] }).errors, [
    'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
  ]);
  assert.deepEqual(create(crbs, { metadata: meta('b'), roleRef: { kind: 'Role', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }] }).errors, [
    'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
    'subjects[0].namespace: Required value',
  ]);
});

test('core events: namespace agreement, table with wide cells, field labels', () => {
  const events = strategy('', 'v1', 'events');
  const ev: KubeObject = {
    metadata: meta('nginx.17a', 'ns-1'),
    involvedObject: { kind: 'Pod', name: 'nginx', namespace: 'ns-1', fieldPath: 'spec.containers{nginx}' },
    reason: 'Pulled',
    message: 'Container image "nginx" already present on machine ',
    type: 'Normal',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: '2024-05-01T11:50:00Z',
    lastTimestamp: '2024-05-01T11:58:00Z',
    count: 2,
  };
  assert.deepEqual(create(events, ev).errors, []);
  assert.deepEqual(create(events, { ...ev, involvedObject: { kind: 'Pod', name: 'x', namespace: 'other' } }).errors, [
    'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
  ]);
  assert.deepEqual(events.table?.cells(ev, NOW), [
    '2m', 'Normal', 'Pulled', 'pod/nginx', 'spec.containers{nginx}', 'kubelet, node-1', 'Container image "nginx" already present on machine', '10m', 2, 'nginx.17a',
  ]);
  const labels = events.fieldLabels?.(ev);
  assert.equal(labels?.['involvedObject.name'], 'nginx');
  assert.equal(labels?.source, 'kubelet');
  assert.equal(labels?.type, 'Normal');
});

test('events.k8s.io/v1 events are printed through the same columns', () => {
  const events = strategy('events.k8s.io', 'v1', 'events');
  const ev: KubeObject = {
    metadata: meta('e', 'ns-1'),
    eventTime: '2024-05-01T11:59:00.000000Z',
    regarding: { kind: 'Deployment', name: 'web', namespace: 'ns-1' },
    reason: 'ScalingReplicaSet',
    note: 'Scaled up',
    type: 'Normal',
    action: 'Scale',
    reportingController: 'deployment-controller',
    reportingInstance: 'a-kube',
  };
  assert.deepEqual(create(events, ev).errors, []);
  assert.deepEqual(events.table?.cells(ev, NOW).slice(0, 4), ['60s', 'Normal', 'ScalingReplicaSet', 'deployment/web']);
  assert.deepEqual(create(events, { ...ev, type: 'Odd' }).errors, ['type: Invalid value: "": has invalid value: Odd']);
});

test('node: table status and roles; status owned by the subresource', () => {
  const nodes = strategy('', 'v1', 'nodes');
  const node: KubeObject = {
    metadata: { ...meta('node-1'), labels: { 'node-role.kubernetes.io/control-plane': '' } },
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.4' }],
      nodeInfo: { kubeletVersion: 'v1.31.0', osImage: 'Debian', kernelVersion: '6.1', containerRuntimeVersion: 'containerd://1.7' },
    },
  };
  assert.deepEqual(nodes.table?.cells(node, NOW), ['node-1', 'Ready,SchedulingDisabled', 'control-plane', '60m', 'v1.31.0', '10.0.0.4', '<none>', 'Debian', '6.1', 'containerd://1.7']);
  assert.deepEqual(nodes.fieldLabels?.(node), { 'spec.unschedulable': 'true' });
  const { obj } = create(nodes, node);
  assert.deepEqual(obj.status, {});
});

test('endpoints and endpointslices tables', () => {
  const endpoints = strategy('', 'v1', 'endpoints');
  const ep: KubeObject = { metadata: meta('kubernetes', 'default'), subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }] };
  assert.deepEqual(create(endpoints, ep).errors, []);
  assert.equal(endpoints.allowCreateOnUpdate, true);
  assert.deepEqual(endpoints.table?.cells(ep, NOW), ['kubernetes', '10.0.0.1:6443,10.0.0.2:6443,10.0.0.3:6443 + 1 more...', '60m']);
  assert.deepEqual(endpoints.table?.cells({ metadata: meta('e', 'x') }, NOW), ['e', '<none>', '60m']);

  const slices = strategy('discovery.k8s.io', 'v1', 'endpointslices');
  const slice: KubeObject = { metadata: meta('kubernetes', 'default'), addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }], ports: [{ name: 'https', port: 6443 }] };
  assert.deepEqual(create(slices, slice).errors, []);
  assert.deepEqual(slices.table?.cells(slice, NOW), ['kubernetes', 'IPv4', '6443', '10.0.0.1', '60m']);
  assert.deepEqual(create(slices, { ...slice, addressType: 'IPv5' }).errors, ['addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"']);
});

test('lease holder column and validation', () => {
  const leases = strategy('coordination.k8s.io', 'v1', 'leases');
  const lease: KubeObject = { metadata: meta('kube-scheduler', 'kube-system'), spec: { holderIdentity: 'a-kube_1', leaseDurationSeconds: 15 } };
  assert.deepEqual(create(leases, lease).errors, []);
  assert.deepEqual(leases.table?.cells(lease, NOW), ['kube-scheduler', 'a-kube_1', '60m']);
  assert.deepEqual(create(leases, { ...lease, spec: { leaseDurationSeconds: 0 } }).errors, ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']);
});

test('access reviews validate their spec, not a name', () => {
  const ssar = strategy('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews');
  assert.deepEqual(create(ssar, { metadata: { creationTimestamp: null }, spec: { resourceAttributes: { verb: 'list', resource: 'pods' } } }).errors, []);
  assert.deepEqual(create(ssar, { metadata: {}, spec: {} }).errors, [
    'spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified',
  ]);
  const lsar = strategy('authorization.k8s.io', 'v1', 'localsubjectaccessreviews');
  assert.deepEqual(create(lsar, { metadata: { namespace: 'ns-1' }, spec: { user: 'alice', resourceAttributes: { namespace: 'other', verb: 'get', resource: 'pods' } } }).errors, [
    'spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace',
  ]);
  const tokenreviews = strategy('authentication.k8s.io', 'v1', 'tokenreviews');
  assert.deepEqual(create(tokenreviews, { metadata: {}, spec: { token: 'x' } }).errors, []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  builtinType,
  compare,
  customResourceType,
  decodeElement,
  encodeElement,
  FieldManager,
  FieldSet,
  fieldElement,
  merge,
  pathString,
  removeItems,
  toFieldSet,
  zeroObject,
  type Path,
} from '../../../src/api/managedfields/index.js';
import type { KubeObject } from '../../../src/api/object.js';

const f = fieldElement;
const k = (...fields: [string, unknown][]): Path[number] => ({ kind: 'key', fields });
const now = () => new Date('2024-05-06T07:08:09.123Z');

test('path elements encode as FieldsV1 keys and back', () => {
  const cases: [Path[number], string][] = [
    [f('spec'), 'f:spec'],
    [k(['containerPort', 80], ['protocol', 'TCP']), 'k:{"containerPort":80,"protocol":"TCP"}'],
    [{ kind: 'value', value: 'example.com/finalizer' }, 'v:"example.com/finalizer"'],
    [{ kind: 'index', index: 3 }, 'i:3'],
  ];
  for (const [pe, s] of cases) {
    assert.equal(encodeElement(pe), s);
    assert.equal(encodeElement(decodeElement(s)), s);
  }
  assert.throws(() => decodeElement('x:1'));
  assert.throws(() => decodeElement('k:[1]'));
  assert.equal(pathString([f('spec'), f('containers'), k(['name', 'nginx']), f('image')]), '.spec.containers[name="nginx"].image');
  assert.equal(pathString([f('metadata'), f('finalizers'), { kind: 'value', value: 'a' }]), '.metadata.finalizers[=a]'.replace('[=a]', '[="a"]'));
});

test('set algebra: union, intersection, difference, recursive difference', () => {
  const a = FieldSet.of([f('a')], [f('b'), f('c')], [f('b'), f('d')]);
  const b = FieldSet.of([f('b')], [f('b'), f('c')], [f('e')]);
  assert.deepEqual(a.union(b).toFieldsV1(), { 'f:a': {}, 'f:b': { '.': {}, 'f:c': {}, 'f:d': {} }, 'f:e': {} });
  assert.deepEqual(a.intersection(b).toFieldsV1(), { 'f:b': { 'f:c': {} } });
  assert.deepEqual(a.difference(b).toFieldsV1(), { 'f:a': {}, 'f:b': { 'f:d': {} } });
  // a member of the right side removes what lies below it only in the recursive difference
  assert.deepEqual(a.recursiveDifference(FieldSet.of([f('b')])).toFieldsV1(), { 'f:a': {} });
  assert.ok(a.difference(a).isEmpty());
  assert.ok(a.has([f('b'), f('d')]) && !a.has([f('b')]));
});

test('FieldsV1 round-trips and sorts fields, then keys, then values', () => {
  const v1 = { 'v:"x"': {}, 'k:{"name":"a"}': { '.': {}, 'f:image': {} }, 'f:z': {}, 'f:a': {} };
  const s = FieldSet.fromFieldsV1(v1);
  assert.deepEqual(Object.keys(s.toFieldsV1()), ['f:a', 'f:z', 'k:{"name":"a"}', 'v:"x"']);
  assert.deepEqual(s.toFieldsV1()['k:{"name":"a"}'], { '.': {}, 'f:image': {} });
  assert.throws(() => FieldSet.fromFieldsV1({ 'f:a': 1 }));
  assert.throws(() => FieldSet.fromFieldsV1([]));
  // "__proto__" is a plain field name
  const p = FieldSet.fromFieldsV1(JSON.parse('{"f:__proto__":{}}'));
  assert.ok(p.has([f('__proto__')]));
});

test('the field set of a value follows the schema: struct fields vs map keys, atomic and associative lists', () => {
  const t = builtinType('io.k8s.api.apps.v1.Deployment');
  const set = toFieldSet(
    {
      metadata: { labels: { app: 'x' } },
      spec: {
        selector: { matchLabels: { app: 'x' } },
        template: { spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }], securityContext: {} } },
      },
    },
    t,
  );
  assert.deepEqual(set.toFieldsV1(), {
    'f:metadata': { 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:selector': {},
      'f:template': {
        'f:spec': {
          'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } } },
          'f:securityContext': {},
        },
      },
    },
  });
  assert.throws(() => toFieldSet({ spec: { bogus: 1 } }, t), /\.spec\.bogus: field not declared in schema/);
  assert.throws(() => toFieldSet({ spec: { template: { spec: { containers: [{ image: 'i' }] } } } }, t), /omits key field "name"/);
  assert.throws(() => toFieldSet({ spec: { template: { spec: { containers: [{ name: 'a' }, { name: 'a' }] } } } }, t), /duplicate entries for key \[name="a"\]/);
});

test('compare marks added containers, modified leaves and removed items', () => {
  const t = builtinType('io.k8s.api.core.v1.ConfigMap');
  const c = compare({ metadata: { name: 'a' }, data: { x: '1', y: '2' } }, { metadata: { name: 'a', labels: { l: 'v' } }, data: { x: '9' } }, t);
  assert.deepEqual(c.added.toFieldsV1(), { 'f:metadata': { 'f:labels': { '.': {}, 'f:l': {} } } });
  assert.deepEqual(c.modified.toFieldsV1(), { 'f:data': { 'f:x': {} } });
  assert.deepEqual(c.removed.toFieldsV1(), { 'f:data': { 'f:y': {} } });
});

test('merge keeps live items and takes the configuration for leaves; removeItems drops items and emptied containers', () => {
  const t = builtinType('io.k8s.api.core.v1.Pod');
  const live = { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }], tolerations: [{ key: 't' }] } };
  const merged = merge(live, { spec: { containers: [{ name: 'b', image: 'z' }], tolerations: [{ key: 'u' }] } }, t) as { spec: Record<string, unknown> };
  assert.deepEqual(merged.spec['containers'], [{ name: 'a', image: 'x' }, { name: 'b', image: 'z' }]);
  assert.deepEqual(merged.spec['tolerations'], [{ key: 'u' }], 'tolerations are atomic');
  const removed = removeItems(merged, FieldSet.of([f('spec'), f('containers'), k(['name', 'a'])], [f('spec'), f('tolerations')]), t);
  assert.deepEqual(removed, { spec: { containers: [{ name: 'b', image: 'z' }] } });
  assert.equal(removeItems({ metadata: { labels: { a: '1' } } }, FieldSet.of([f('metadata'), f('labels'), f('a')]), t), undefined);
});

function manager(definition: string, apiVersion: string, kind: string, opts: { subresource?: string; ignored?: FieldSet } = {}): FieldManager {
  return new FieldManager({ type: builtinType(definition), apiVersion, kind, zero: () => zeroObject(definition), now, ...opts });
}

test('updates: creator owns what it set (defaults too), the next writer takes what it changed, times in seconds', () => {
  const fm = manager('io.k8s.api.core.v1.ConfigMap', 'v1', 'ConfigMap');
  const created = fm.update(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: '1' } }, data: { k: 'v', j: 'w' } }, 'kubectl-create');
  created.metadata.uid = 'u';
  assert.deepEqual(created.metadata.managedFields, [
    { manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: '2024-05-06T07:08:09Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:j': {}, 'f:k': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } } } },
  ]);
  const next = structuredClone(created);
  (next['data'] as Record<string, string>)['k'] = 'changed';
  const updated = fm.update(created, next, 'editor');
  assert.deepEqual(
    (updated.metadata.managedFields as Array<Record<string, unknown>>).map((e) => [e['manager'], e['fieldsV1']]),
    [
      ['editor', { 'f:data': { 'f:k': {} } }],
      ['kubectl-create', { 'f:data': { '.': {}, 'f:j': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } } }],
    ],
  );
  // an update that changes nothing leaves the list as it was
  assert.deepEqual(fm.update(updated, structuredClone(updated), 'someone').metadata.managedFields, updated.metadata.managedFields);
});

test('a client may replace managedFields; [] or [{}] clears them and the object stays untracked by updates', () => {
  const fm = manager('io.k8s.api.core.v1.ConfigMap', 'v1', 'ConfigMap');
  const live = { ...fm.update(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'v' } }, 'a'), metadata: { name: 'c', uid: 'u' } } as KubeObject;
  live.metadata.managedFields = fm.update(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'v' } }, 'a').metadata.managedFields;
  for (const reset of [[{}], []]) {
    const cleared = fm.update(live, { ...structuredClone(live), metadata: { ...live.metadata, managedFields: reset }, data: { k: 'v2' } }, 'b');
    assert.equal(cleared.metadata.managedFields, undefined);
    const after = fm.update(cleared, { ...structuredClone(cleared), data: { k: 'v3' } }, 'c');
    assert.equal(after.metadata.managedFields, undefined);
  }
  // malformed entries are ignored: the live list is kept
  const bad = fm.update(live, { ...structuredClone(live), metadata: { ...live.metadata, managedFields: [{ manager: 'x', operation: 'Bogus', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} }] } }, 'b');
  assert.deepEqual(bad.metadata.managedFields, live.metadata.managedFields);
  // a well-formed replacement is taken as it is
  const replaced = [{ manager: 'mine', operation: 'Apply', apiVersion: 'v1', time: '2020-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:k': {} } } }];
  const taken = fm.update(live, { ...structuredClone(live), metadata: { ...live.metadata, managedFields: replaced } }, 'b');
  assert.deepEqual(taken.metadata.managedFields, replaced);
});

const cm = (data: Record<string, string>, labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'test-cm', namespace: 'default', ...(labels ? { labels } : {}) }, data });

test('apply: conflicts in Kubernetes words, force takes ownership, dropped fields go unless someone else owns them', () => {
  const fm = manager('io.k8s.api.core.v1.ConfigMap', 'v1', 'ConfigMap');
  let live = fm.apply(undefined, cm({ a: '1', b: '2' }, { l: 'x' }), 'm1', false);
  live.metadata.uid = 'u';
  assert.deepEqual(live.metadata.managedFields, [
    { manager: 'm1', operation: 'Apply', apiVersion: 'v1', time: '2024-05-06T07:08:09Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:l': {} } } } },
  ]);
  // same value: shared ownership, no conflict
  live = fm.apply(live, cm({ a: '1' }), 'm2', false);
  try {
    fm.apply(live, cm({ a: '9', b: '8' }), 'm2', false);
    assert.fail('expected a conflict');
  } catch (e) {
    const st = (e as { status: { code: number; message: string; reason: string; details: { causes: unknown[] } } }).status;
    assert.equal(st.code, 409);
    assert.equal(st.reason, 'Conflict');
    assert.equal(st.message, 'Apply failed with 2 conflicts: conflicts with "m1":\n- .data.a\n- .data.b');
    assert.deepEqual(st.details.causes, [
      { reason: 'FieldManagerConflict', message: 'conflict with "m1"', field: '.data.a' },
      { reason: 'FieldManagerConflict', message: 'conflict with "m1"', field: '.data.b' },
    ]);
  }
  live = fm.apply(live, cm({ a: '9' }), 'm2', true);
  assert.deepEqual(live['data'], { a: '9', b: '2' });
  // m1 stops applying b and l: removed; a is owned by m2 alone now and stays
  const { data: _none, ...bare } = cm({});
  live = fm.apply(live, bare, 'm1', false);
  assert.deepEqual(live['data'], { a: '9' });
  assert.equal(live.metadata.labels, undefined);
  assert.deepEqual((live.metadata.managedFields as Array<Record<string, unknown>>).map((e) => e['manager']), ['m2']);
});

test('apply conflicts with an updater name its apiVersion, and a subresource manager says so', () => {
  const fm = manager('io.k8s.api.core.v1.ConfigMap', 'v1', 'ConfigMap');
  let live = fm.update(undefined, cm({ a: '1' }) as KubeObject, 'kubectl-edit');
  live.metadata.uid = 'u';
  assert.throws(() => fm.apply(live, cm({ a: '2' }), 'm', false), (e: { status: { message: string } }) => e.status.message === 'Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.a');
  const pods = manager('io.k8s.api.core.v1.Pod', 'v1', 'Pod', { subresource: 'status' });
  live = pods.apply(undefined, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Running' } }, 'kubelet', false);
  live.metadata.uid = 'u';
  assert.throws(() => pods.apply(live, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Failed' } }, 'other', false), (e: { status: { message: string } }) => e.status.message === 'Apply failed with 1 conflict: conflict with "kubelet" with subresource "status": .status.phase');
});

test('apply refuses another apiVersion and managedFields in the body', () => {
  const fm = manager('io.k8s.api.core.v1.ConfigMap', 'v1', 'ConfigMap');
  assert.throws(() => fm.apply(undefined, { ...cm({}), apiVersion: 'v2' }, 'm', false), (e: { status: { code: number; message: string } }) => e.status.code === 400 && e.status.message === 'Incorrect version specified in apply patch. Specified patch version: v2, expected: v1');
  assert.throws(() => fm.apply(undefined, { ...cm({}), metadata: { name: 'x', managedFields: [] } }, 'm', false), (e: { status: { message: string } }) => e.status.message === 'metadata.managedFields must be nil');
  assert.throws(() => fm.apply(undefined, { ...cm({}), spec: {} }, 'm', false), (e: { status: { code: number; message: string } }) => e.status.code === 500 && e.status.message === 'failed to create typed patch object (default/test-cm; /v1, Kind=ConfigMap): .spec: field not declared in schema');
});

test('the first apply to an untracked object records its fields as before-first-apply', () => {
  const fm = manager('io.k8s.api.core.v1.ConfigMap', 'v1', 'ConfigMap');
  const live = { ...cm({ a: '1', b: '2' }), metadata: { name: 'test-cm', namespace: 'default', uid: 'u' } } as KubeObject;
  assert.throws(() => fm.apply(live, cm({ a: '2' }), 'm', false), /conflict with "before-first-apply" using v1: \.data\.a/);
  const out = fm.apply(live, cm({ a: '1' }), 'm', false);
  assert.deepEqual((out.metadata.managedFields as Array<Record<string, unknown>>).map((e) => [e['manager'], e['operation'], e['fieldsV1']]), [
    ['m', 'Apply', { 'f:data': { 'f:a': {} } }],
    ['before-first-apply', 'Update', { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} } }],
  ]);
});

test('kubectl takes over what client-side apply set and keeps the last-applied annotation current', () => {
  const fm = manager('io.k8s.api.core.v1.ConfigMap', 'v1', 'ConfigMap');
  const annotation = 'kubectl.kubernetes.io/last-applied-configuration';
  const csa = { ...cm({ a: '1' }), metadata: { name: 'test-cm', namespace: 'default', annotations: { [annotation]: '{"apiVersion":"v1","data":{"a":"1"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"test-cm","namespace":"default"}}\n' } } };
  const live = fm.update(undefined, csa as KubeObject, 'kubectl-client-side-apply');
  live.metadata.uid = 'u';
  // another manager conflicts; kubectl does not, for fields still holding the last-applied values
  assert.throws(() => fm.apply(live, cm({ a: '2' }), 'someone', false), /conflict with "kubectl-client-side-apply" using v1: \.data\.a/);
  const out = fm.apply(live, cm({ a: '2' }), 'kubectl', false);
  assert.equal(out['data'] && (out['data'] as Record<string, string>)['a'], '2');
  assert.equal(out.metadata.annotations?.[annotation], '{"apiVersion":"v1","data":{"a":"2"},"kind":"ConfigMap","metadata":{"name":"test-cm","namespace":"default"}}\n');
  const managers = (out.metadata.managedFields as Array<Record<string, unknown>>).map((e) => [e['manager'], e['fieldsV1']]);
  assert.deepEqual(managers[0], ['kubectl', { 'f:data': { 'f:a': {} } }]);
});

test('Update entries are capped at ten: the oldest fold into ancient-changes', () => {
  let t = 0;
  const fm = new FieldManager({ type: builtinType('io.k8s.api.core.v1.ConfigMap'), apiVersion: 'v1', kind: 'ConfigMap', zero: () => ({}), now: () => new Date(1_700_000_000_000 + 1000 * t++) });
  let live = fm.update(undefined, cm({ k0: '0' }) as KubeObject, 'm0');
  live.metadata.uid = 'u';
  for (let i = 1; i <= 11; i++) live = fm.update(live, { ...structuredClone(live), data: { ...(live['data'] as object), [`k${i}`]: String(i) } }, `m${i}`);
  const names = (live.metadata.managedFields as Array<Record<string, unknown>>).map((e) => e['manager']);
  assert.equal(names.length, 10);
  assert.ok(names.includes('ancient-changes'));
  assert.ok(!names.includes('m0') && !names.includes('m1') && names.includes('m11'));
});

test('custom resources: apiVersion/kind/metadata typed, lists from the schema, unknown schema treated as unstructured', () => {
  const t = customResourceType({
    type: 'object',
    properties: {
      spec: { type: 'object', properties: { items: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['id'], items: { type: 'object', properties: { id: { type: 'string' }, v: { type: 'integer' } } } }, tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } } } },
    },
  });
  assert.deepEqual(toFieldSet({ metadata: { labels: { a: 'b' } }, spec: { items: [{ id: 'x', v: 1 }], tags: ['t'] } }, t).toFieldsV1(), {
    'f:metadata': { 'f:labels': { 'f:a': {} } },
    'f:spec': { 'f:items': { 'k:{"id":"x"}': { '.': {}, 'f:id': {}, 'f:v': {} } }, 'f:tags': { 'v:"t"': {} } },
  });
  const free = customResourceType(undefined);
  assert.deepEqual(toFieldSet({ spec: { a: { b: 1 }, l: [1] } }, free).toFieldsV1(), { 'f:spec': { '.': {}, 'f:a': { '.': {}, 'f:b': {} }, 'f:l': {} } });
});

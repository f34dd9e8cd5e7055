import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantityError, quantityFormatMessage, quantitySuffixMessage, strictDecodingMessage, typeErrors, unknownFieldMessage, unknownFields, visitUnknownFields } from '../../../src/api/schema/index.js';

const pod = 'io.k8s.api.core.v1.Pod';
const deployment = 'io.k8s.api.apps.v1.Deployment';

const unknownCases: Array<{ name: string; def: string; obj: unknown; want: string[] }> = [
  { name: 'a valid pod has none', def: pod, obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' }, annotations: { 'x/y': 'z' } }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } } }] } }, want: [] },
  { name: 'top level', def: pod, obj: { foo: 1, kind: 'Pod' }, want: ['foo'] },
  { name: 'metadata', def: pod, obj: { metadata: { name: 'p', foo: 'x' } }, want: ['metadata.foo'] },
  { name: 'inside a list, with its index', def: pod, obj: { spec: { containers: [{ name: 'a' }, { name: 'b', imagee: 'x' }] } }, want: ['spec.containers[1].imagee'] },
  { name: 'nested lists', def: pod, obj: { spec: { containers: [{ ports: [{ containerPort: 1, bogus: true }] }] } }, want: ['spec.containers[0].ports[0].bogus'] },
  { name: 'deep in a deployment template', def: deployment, obj: { spec: { replica: 3, template: { spec: { containers: [{ name: 'c', readinessProbee: {} }] } } } }, want: ['spec.replica', 'spec.template.spec.containers[0].readinessProbee'] },
  { name: 'map keys are free, map values are checked', def: 'io.k8s.api.core.v1.ResourceQuota', obj: { spec: { hard: { anything: '1' } }, status: { used: { 'x.y/z': '2' } } }, want: [] },
  { name: 'case matters', def: pod, obj: { Spec: {}, spec: { Containers: [] } }, want: ['Spec', 'spec.Containers'] },
  { name: 'RawExtension and FieldsV1 take anything', def: 'io.k8s.api.apps.v1.ControllerRevision', obj: { data: { any: { thing: 1 } }, metadata: { managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': { 'f:x': {} } } }] } }, want: [] },
  { name: 'int-or-string and quantity are leaves', def: 'io.k8s.api.core.v1.Service', obj: { spec: { ports: [{ port: 80, targetPort: 'http' }] } }, want: [] },
  { name: 'values of the wrong type are not entered', def: pod, obj: { spec: { containers: 'oops' } }, want: [] },
  { name: 'the same path is reported once', def: pod, obj: { spec: { containers: [{ x: 1 }] }, metadata: { x: 1 } }, want: ['spec.containers[0].x', 'metadata.x'] },
];
for (const c of unknownCases) {
  test(`unknownFields: ${c.name}`, () => assert.deepEqual(unknownFields(c.def, c.obj), c.want));
}

test('unknownFields reports at most 100, like sigs.k8s.io/json', () => {
  const labels = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`f${i}`, i]));
  assert.equal(unknownFields(pod, { spec: labels }).length, 100);
});

test('pruning reaches every unknown field, past the 100 reported, by holder and key', () => {
  const extra = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`f${i}`, i]));
  const obj = { metadata: { name: 'p', annotations: { 'example.com/a.b': 'kept' } }, spec: { ...extra, containers: [{ name: 'c', 'x.y': 1 }] } };
  const seen: string[] = [];
  visitUnknownFields(pod, obj, (parent, key, path) => {
    seen.push(JSON.stringify(path));
    delete parent[key];
  });
  assert.equal(seen.length, 151);
  assert.ok(seen.includes(JSON.stringify(['spec', 'containers', 0, 'x.y'])), seen.at(-1));
  assert.deepEqual(obj, { metadata: { name: 'p', annotations: { 'example.com/a.b': 'kept' } }, spec: { containers: [{ name: 'c' }] } });
});

test('unknownFields for a served version the 1.35 definitions dropped (authentication v1beta1)', () => {
  assert.deepEqual(unknownFields('io.k8s.api.authentication.v1beta1.SelfSubjectReview', { status: { userInfo: { username: 'u', foo: 1 } } }), ['status.userInfo.foo']);
});

test('strict and warn messages', () => {
  assert.equal(strictDecodingMessage(['spec.foo']), 'strict decoding error: unknown field "spec.foo"');
  assert.equal(strictDecodingMessage(['spec.foo', 'metadata.bar']), 'strict decoding error: unknown field "spec.foo", unknown field "metadata.bar"');
  assert.equal(unknownFieldMessage('spec.containers[0].imagee'), 'unknown field "spec.containers[0].imagee"');
});

const typeCases: Array<{ name: string; def: string; obj: unknown; want: string[] }> = [
  { name: 'a valid pod has none', def: pod, obj: { metadata: { name: 'p', generation: 2, creationTimestamp: null }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }], terminationGracePeriodSeconds: 30, hostNetwork: false } }, want: [] },
  { name: 'string for a list of structs', def: pod, obj: { spec: { containers: 'x' } }, want: ['json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container'] },
  { name: 'bool for a string deep in a template (no indices in the path)', def: deployment, obj: { spec: { template: { spec: { containers: [{ env: [{ name: 'a', value: true }] }] } } } }, want: ['json: cannot unmarshal bool into Go struct field EnvVar.spec.template.spec.containers.env.value of type string'] },
  { name: 'string for an int32', def: pod, obj: { spec: { containers: [{ ports: [{ containerPort: '80' }] }] } }, want: ['json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32'] },
  { name: 'fraction for an int32', def: 'io.k8s.api.core.v1.Service', obj: { spec: { ports: [{ port: 1.5 }] } }, want: ['json: cannot unmarshal number 1.5 into Go struct field ServicePort.spec.ports.port of type int32'] },
  { name: 'overflowing an int32', def: deployment, obj: { spec: { replicas: 2 ** 31 } }, want: ['json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32'] },
  { name: 'array for a struct', def: pod, obj: { spec: [] }, want: ['json: cannot unmarshal array into Go struct field Pod.spec of type v1.PodSpec'] },
  { name: 'number in a string map (map keys not in the path)', def: pod, obj: { metadata: { labels: { a: 1 } } }, want: ['json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string'] },
  { name: 'object for a string map', def: 'io.k8s.api.core.v1.ConfigMap', obj: { data: [] }, want: ['json: cannot unmarshal array into Go struct field ConfigMap.data of type map[string]string'] },
  { name: 'bool for int-or-string', def: 'io.k8s.api.core.v1.Service', obj: { spec: { ports: [{ targetPort: true }] } }, want: ['json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32'] },
  { name: 'int-or-string takes both', def: 'io.k8s.api.core.v1.Service', obj: { spec: { ports: [{ targetPort: 8080 }, { targetPort: 'http' }] } }, want: [] },
  { name: 'bad quantity', def: pod, obj: { spec: { containers: [{ resources: { limits: { cpu: 'lots' } } }] } }, want: [quantityFormatMessage] },
  { name: 'numeric quantity', def: pod, obj: { spec: { containers: [{ resources: { limits: { cpu: 2, memory: '1Gi' } } }] } }, want: [] },
  { name: 'number for a time', def: pod, obj: { metadata: { creationTimestamp: 5 } }, want: ['json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string'] },
  { name: 'bytes map', def: 'io.k8s.api.core.v1.Secret', obj: { data: { a: 1 } }, want: ['json: cannot unmarshal number into Go struct field Secret.data of type []uint8'] },
  { name: 'not an object at all', def: pod, obj: [1], want: ['json: cannot unmarshal array into Go value of type v1.Pod'] },
  { name: 'null is always fine', def: pod, obj: { spec: { containers: null, nodeSelector: null }, metadata: null }, want: [] },
  { name: 'unknown fields are not type-checked', def: pod, obj: { spec: { bogus: 1 } }, want: [] },
];
for (const c of typeCases) {
  test(`typeErrors: ${c.name}`, () => assert.deepEqual(typeErrors(c.def, c.obj), c.want));
}

const quantities: Array<[string, string | undefined]> = [['1', undefined], ['100m', undefined], ['1.5Gi', undefined], ['1e3', undefined], ['-2', undefined], ['abc', quantityFormatMessage], ['1Gu', quantitySuffixMessage], ['', quantityFormatMessage]];
for (const [q, want] of quantities) {
  test(`quantityError(${JSON.stringify(q)})`, () => assert.equal(quantityError(q), want));
}

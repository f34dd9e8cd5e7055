// Wrongly typed writes are refused before anything is stored, with kube-apiserver's status and text:
// 400 "… cannot be handled as a …" for bodies, 422 Invalid on "patch" for patch results.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer, type TestServer } from './helpers.js';
import { findResource } from '../../../src/api/catalog.js';
import { goValue } from '../../../src/apiserver/handlers/type-check.js';

let s: TestServer;
const deps = '/apis/apps/v1/namespaces/default/deployments';
const rss = '/apis/apps/v1/namespaces/default/replicasets';
const cms = '/api/v1/namespaces/default/configmaps';
const merge = { 'content-type': 'application/merge-patch+json' };
const smp = { 'content-type': 'application/strategic-merge-patch+json' };
const jsonPatch = { 'content-type': 'application/json-patch+json' };

function deployment(name: string, replicas: unknown): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
}

before(async () => {
  s = await testServer();
  assert.equal((await s.call('POST', '/api/v1/namespaces', { metadata: { name: 'default' } })).status, 201);
  assert.equal((await s.call('POST', deps, deployment('web', 2))).status, 201);
  const rs = deployment('rs', 1);
  rs['kind'] = 'ReplicaSet';
  assert.equal((await s.call('POST', rss, rs)).status, 201);
  assert.equal((await s.call('POST', cms, { metadata: { name: 'cm' }, data: { a: 'b' } })).status, 201);
});
after(() => s.close());

const replicasError = (what: string) => `Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal ${what} into Go struct field DeploymentSpec.spec.replicas of type int32`;

interface Case {
  name: string;
  method: string;
  url: string;
  body: unknown;
  headers?: Record<string, string>;
  status: number;
  message: string | RegExp;
}

const cases: Case[] = [
  { name: 'create: replicas as a string', method: 'POST', url: deps, body: deployment('a', '3'), status: 400, message: replicasError('string') },
  { name: 'create: replicas as a bool', method: 'POST', url: deps, body: deployment('a', true), status: 400, message: replicasError('bool') },
  { name: 'create: replicas 1.5', method: 'POST', url: deps, body: deployment('a', 1.5), status: 400, message: replicasError('number 1.5') },
  { name: 'create: replicas beyond int32', method: 'POST', url: deps, body: deployment('a', 4294967297), status: 400, message: replicasError('number 4294967297') },
  { name: 'create: replicas 1e400 (quoted as written)', method: 'POST', url: deps, body: JSON.stringify(deployment('a', 0)).replace('"replicas":0', '"replicas":1e400'), status: 400, message: replicasError('number 1e400') },
  { name: 'create: replicas as an object', method: 'POST', url: deps, body: deployment('a', {}), status: 400, message: replicasError('object') },
  { name: 'create: progressDeadlineSeconds as an array', method: 'POST', url: deps, body: { ...deployment('a', 1), spec: { ...(deployment('a', 1)['spec'] as object), progressDeadlineSeconds: [1] } }, status: 400, message: 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal array into Go struct field DeploymentSpec.spec.progressDeadlineSeconds of type int32' },
  { name: 'create: paused as a string', method: 'POST', url: deps, body: { ...deployment('a', 1), spec: { ...(deployment('a', 1)['spec'] as object), paused: 'yes' } }, status: 400, message: 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool' },
  { name: 'create: labels as an array', method: 'POST', url: cms, body: { metadata: { name: 'x', labels: ['a'] } }, status: 400, message: 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string' },
  { name: 'create: finalizers as a string', method: 'POST', url: cms, body: { metadata: { name: 'x', finalizers: 'x' } }, status: 400, message: 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal string into Go struct field ObjectMeta.metadata.finalizers of type []string' },
  { name: 'create: data value as a number', method: 'POST', url: cms, body: { metadata: { name: 'x' }, data: { a: 1 } }, status: 400, message: 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string' },
  { name: 'create: namespace finalizers as a string', method: 'POST', url: '/api/v1/namespaces', body: { metadata: { name: 'nsx', finalizers: 'x' } }, status: 400, message: 'Namespace in version "v1" cannot be handled as a Namespace: json: cannot unmarshal string into Go struct field ObjectMeta.metadata.finalizers of type []string' },
  { name: 'create: a float for an int64', method: 'POST', url: '/api/v1/namespaces/default/pods', body: { metadata: { name: 'p' }, spec: { terminationGracePeriodSeconds: 0.5, containers: [{ name: 'c', image: 'i' }] } }, status: 400, message: 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number 0.5 into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64' },
  { name: 'create: an overflowing number in an untyped field', method: 'POST', url: '/apis/apps/v1/namespaces/default/controllerrevisions', body: '{"metadata":{"name":"r"},"revision":1,"data":{"x":-1e999}}', status: 400, message: 'ControllerRevision in version "v1" cannot be handled as a ControllerRevision: json: cannot unmarshal number -1e999 into Go struct field ControllerRevision.data of type float64' },
  { name: 'create (YAML): replicas as a string', method: 'POST', url: deps, body: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: yml}\nspec: {replicas: "3"}\n', headers: { 'content-type': 'application/yaml' }, status: 400, message: replicasError('string') },
  { name: 'update: replicas 1.5', method: 'PUT', url: `${deps}/web`, body: deployment('web', 1.5), status: 400, message: replicasError('number 1.5') },
  { name: 'update status: status.replicas as a string', method: 'PUT', url: `${deps}/web/status`, body: { ...deployment('web', 2), status: { replicas: 'x' } }, status: 400, message: 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentStatus.status.replicas of type int32' },
  { name: 'strategic merge patch: replicas 1.5', method: 'PATCH', url: `${deps}/web`, body: { spec: { replicas: 1.5 } }, headers: smp, status: 422, message: ' "" is invalid: patch: Invalid value: "map[spec:map[replicas:1.5]]": cannot convert float64 to int32' },
  { name: 'strategic merge patch: replicas as a string', method: 'PATCH', url: `${deps}/web`, body: { spec: { replicas: '3' } }, headers: smp, status: 422, message: ' "" is invalid: patch: Invalid value: "map[spec:map[replicas:3]]": unrecognized type: int32' },
  { name: 'strategic merge patch: replicas as a bool', method: 'PATCH', url: `${deps}/web`, body: { spec: { replicas: true } }, headers: smp, status: 422, message: ' "" is invalid: patch: Invalid value: "map[spec:map[replicas:true]]": unrecognized type: int32' },
  { name: 'strategic merge patch: labels as an array', method: 'PATCH', url: `${cms}/cm`, body: { metadata: { labels: ['a'] } }, headers: smp, status: 422, message: ' "" is invalid: patch: Invalid value: "map[metadata:map[labels:[a]]]": cannot restore map from slice' },
  { name: 'strategic merge patch: finalizers as a string', method: 'PATCH', url: `${cms}/cm`, body: { metadata: { finalizers: 'x' } }, headers: smp, status: 422, message: ' "" is invalid: patch: Invalid value: "map[metadata:map[finalizers:x]]": cannot convert string to slice' },
  { name: 'strategic merge patch: replicas beyond int32', method: 'PATCH', url: `${deps}/web`, body: { spec: { replicas: 4294967297 } }, headers: smp, status: 422, message: ' "" is invalid: patch: Invalid value: "map[spec:map[replicas:4294967297]]": cannot convert int64 to int32' },
  { name: 'merge patch: replicas 1.5', method: 'PATCH', url: `${deps}/web`, body: { spec: { replicas: 1.5 } }, headers: merge, status: 422, message: /^ "" is invalid: patch: Invalid value: "\{.*\\"replicas\\":1\.5.*\}": json: cannot unmarshal number 1\.5 into Go struct field DeploymentSpec\.spec\.replicas of type int32$/ },
  { name: 'merge patch: replica set replicas 0.5', method: 'PATCH', url: `${rss}/rs`, body: { spec: { replicas: 0.5 } }, headers: merge, status: 422, message: /json: cannot unmarshal number 0\.5 into Go struct field ReplicaSetSpec\.spec\.replicas of type int32$/ },
  { name: 'JSON patch: replicas as a string', method: 'PATCH', url: `${deps}/web`, body: [{ op: 'replace', path: '/spec/replicas', value: '3' }], headers: jsonPatch, status: 422, message: /json: cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32$/ },
  { name: 'JSON patch: labels replaced by an array', method: 'PATCH', url: `${cms}/cm`, body: [{ op: 'add', path: '/metadata/labels', value: [1] }], headers: jsonPatch, status: 422, message: /cannot unmarshal array into Go struct field ObjectMeta\.metadata\.labels of type map\[string\]string$/ },
  { name: 'merge patch of status: a float', method: 'PATCH', url: `${deps}/web/status`, body: { status: { readyReplicas: 0.5 } }, headers: merge, status: 422, message: /cannot unmarshal number 0\.5 into Go struct field DeploymentStatus\.status\.readyReplicas of type int32$/ },
  { name: 'scale update: replicas 1.5', method: 'PUT', url: `${deps}/web/scale`, body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 1.5 } }, status: 400, message: 'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal number 1.5 into Go struct field ScaleSpec.spec.replicas of type int32' },
  { name: 'scale merge patch: replicas 0.5', method: 'PATCH', url: `${rss}/rs/scale`, body: { spec: { replicas: 0.5 } }, headers: merge, status: 422, message: /cannot unmarshal number 0\.5 into Go struct field ScaleSpec\.spec\.replicas of type int32$/ },
  { name: 'scale strategic patch: replicas as a string', method: 'PATCH', url: `${deps}/web/scale`, body: { spec: { replicas: '9' } }, headers: smp, status: 422, message: ' "" is invalid: patch: Invalid value: "map[spec:map[replicas:9]]": unrecognized type: int32' },
];

for (const c of cases) {
  test(`${c.name} → ${c.status}`, async () => {
    const r = await s.call(c.method, c.url, c.body, c.headers ?? {});
    assert.equal(r.status, c.status, r.text);
    const status = r.json();
    assert.equal(status['kind'], 'Status');
    assert.equal(status['reason'], c.status === 400 ? 'BadRequest' : 'Invalid');
    if (typeof c.message === 'string') assert.equal(status['message'], c.message);
    else assert.match(String(status['message']), c.message);
    const ready = await s.call('GET', '/readyz');
    assert.deepEqual([ready.status, ready.text], [200, 'ok']);
  });
}

test('nothing wrongly typed was stored, and the objects still take well-typed writes', async () => {
  const web = (await s.call('GET', `${deps}/web`)).json();
  assert.equal((web['spec'] as Record<string, unknown>)['replicas'], 2);
  assert.equal((await s.call('GET', `${deps}/a`)).status, 404);
  assert.equal((await s.call('GET', `${cms}/x`)).status, 404);
  const cm = (await s.call('GET', `${cms}/cm`)).json();
  assert.equal((cm['metadata'] as Record<string, unknown>)['finalizers'], undefined);
  assert.equal((await s.call('PATCH', `${deps}/web`, { spec: { replicas: 3 } }, smp)).status, 200);
  assert.equal((await s.call('PATCH', `${rss}/rs/scale`, { spec: { replicas: 0 } }, merge)).status, 200);
});

test('the store refuses a wrongly typed object from a server-side writer too', async () => {
  const info = findResource('apps', 'v1', 'deployments');
  assert.ok(info);
  const store = await s.api.stores.storeFor(info);
  await assert.rejects(
    store.update('default', 'web', (cur) => {
      if (!cur) throw new Error('missing');
      (cur['spec'] as Record<string, unknown>)['replicas'] = 0.5;
      return cur;
    }),
    (e: unknown) => e instanceof Error && e.message === replicasError('number 0.5'),
  );
});

test("goValue renders like Go's %+v", () => {
  assert.equal(goValue({ b: [1, 'x', null], a: { c: true, d: 1.5 } }), 'map[a:map[c:true d:1.5] b:[1 x <nil>]]');
  assert.equal(goValue(1e21), '1e+21');
  assert.equal(goValue(1.5e-7), '1.5e-07');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer } from './helpers.js';

const applyHeaders = { 'content-type': 'application/apply-patch+yaml' };
const cmUrl = '/api/v1/namespaces/default/configmaps';
type Entry = { manager?: string; operation: string; apiVersion: string; time?: string; fieldsType: string; fieldsV1: unknown; subresource?: string };

async function withDefault(opts: { now?: () => Date } = {}) {
  const s = await testServer(opts);
  await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  return s;
}

function entries(o: Record<string, unknown>): Entry[] {
  return ((o['metadata'] as Record<string, unknown>)['managedFields'] ?? []) as Entry[];
}

test('every write records managedFields; the manager comes from fieldManager or the User-Agent', async () => {
  const s = await withDefault({ now: () => new Date('2024-01-02T03:04:05.678Z') });
  try {
    const created = await s.call('POST', cmUrl, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } }, { 'user-agent': 'kubectl/v1.32.0 (linux/amd64) kubernetes/abc' });
    assert.equal(created.status, 201);
    assert.deepEqual(entries(created.json()), [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2024-01-02T03:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:k': {} } } }]);
    const patched = await s.call('PATCH', `${cmUrl}/a?fieldManager=editor`, { data: { j: 'w' } }, { 'content-type': 'application/merge-patch+json' });
    assert.deepEqual(entries(patched.json()).map((e) => [e.manager, e.fieldsV1]), [
      ['editor', { 'f:data': { 'f:j': {} } }],
      ['kubectl', { 'f:data': { '.': {}, 'f:k': {} } }],
    ]);
    // a JSON patch that replaces the list with one empty entry clears it
    const cleared = await s.call('PATCH', `${cmUrl}/a`, [{ op: 'replace', path: '/metadata/managedFields', value: [{}] }], { 'content-type': 'application/json-patch+json' });
    assert.equal(cleared.status, 200);
    assert.equal((cleared.json()['metadata'] as Record<string, unknown>)['managedFields'], undefined);
  } finally {
    await s.close();
  }
});

test('write options: fieldManager length and characters, force only on apply, fieldManager required for apply', async () => {
  const s = await withDefault();
  try {
    const long = 'm'.repeat(129);
    const r1 = await s.call('POST', `${cmUrl}?fieldManager=${long}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
    assert.equal(r1.status, 422);
    assert.equal(r1.json()['message'], 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes');
    const r2 = await s.call('PATCH', `${cmUrl}/b?force=true`, { data: {} }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(r2.status, 422);
    assert.equal(r2.json()['message'], 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
    const r3 = await s.call('PATCH', `${cmUrl}/b`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n', applyHeaders);
    assert.equal(r3.status, 422);
    assert.equal(r3.json()['message'], 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  } finally {
    await s.close();
  }
});

test('server-side apply: creates, conflicts with 409, force takes over, dropped fields disappear, dryRun writes nothing', async () => {
  const s = await withDefault();
  try {
    const doc = (data: string, labels = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n${labels}data:\n${data}`;
    const created = await s.call('PATCH', `${cmUrl}/c?fieldManager=one`, doc('  a: "1"\n  b: "2"\n', '  labels:\n    l: x\n'), applyHeaders);
    assert.equal(created.status, 201);
    assert.deepEqual(entries(created.json()).map((e) => [e.manager, e.operation, e.fieldsV1]), [['one', 'Apply', { 'f:data': { 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:l': {} } } }]]);
    const conflict = await s.call('PATCH', `${cmUrl}/c?fieldManager=two`, doc('  a: "9"\n'), applyHeaders);
    assert.equal(conflict.status, 409);
    const st = conflict.json();
    assert.equal(st['reason'], 'Conflict');
    assert.equal(st['message'], 'Apply failed with 1 conflict: conflict with "one": .data.a');
    assert.deepEqual((st['details'] as Record<string, unknown>)['causes'], [{ reason: 'FieldManagerConflict', message: 'conflict with "one"', field: '.data.a' }]);
    const dry = await s.call('PATCH', `${cmUrl}/c?fieldManager=two&force=true&dryRun=All`, doc('  a: "9"\n'), applyHeaders);
    assert.equal(dry.status, 200);
    assert.equal((await s.call('GET', `${cmUrl}/c`)).json()['data'] && ((await s.call('GET', `${cmUrl}/c`)).json()['data'] as Record<string, string>)['a'], '1');
    const forced = await s.call('PATCH', `${cmUrl}/c?fieldManager=two&force=true`, doc('  a: "9"\n'), applyHeaders);
    assert.equal(forced.status, 200);
    assert.deepEqual(forced.json()['data'], { a: '9', b: '2' });
    const dropped = await s.call('PATCH', `${cmUrl}/c?fieldManager=one`, doc('  b: "2"\n'), applyHeaders);
    assert.equal(dropped.status, 200);
    const body = dropped.json();
    assert.deepEqual(body['data'], { a: '9', b: '2' });
    assert.equal((body['metadata'] as Record<string, unknown>)['labels'], undefined, 'the label only "one" applied is gone');
    assert.deepEqual(entries(body).map((e) => [e.manager, e.fieldsV1]), [
      ['one', { 'f:data': { 'f:b': {} } }],
      ['two', { 'f:data': { 'f:a': {} } }],
    ]);
  } finally {
    await s.close();
  }
});

test('server-side apply of a status subresource records a status entry', async () => {
  const s = await withDefault();
  try {
    await s.call('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } }, { 'user-agent': 'kubectl-run/v1.32.0' });
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    const r = await s.call('PATCH', '/api/v1/namespaces/default/pods/p/status?fieldManager=agent', body, applyHeaders);
    assert.equal(r.status, 200, r.text);
    const e = entries(r.json());
    const status = e.find((x) => x.subresource === 'status');
    assert.deepEqual(status && [status.manager, status.operation, status.fieldsV1], ['agent', 'Apply', { 'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } } } }]);
    const creator = e.find((x) => x.manager === 'kubectl-run');
    assert.ok(creator && JSON.stringify(creator.fieldsV1).includes('"k:{\\"name\\":\\"c\\"}"'));
    const other = await s.call('PATCH', '/api/v1/namespaces/default/pods/p/status?fieldManager=x', body.replace('"True"', '"False"'), applyHeaders);
    assert.equal(other.status, 409);
    assert.equal(other.json()['message'], 'Apply failed with 1 conflict: conflict with "agent" with subresource "status": .status.conditions[type="Ready"].status');
  } finally {
    await s.close();
  }
});

test('a write through the scale subresource records the parent\'s spec.replicas under subresource scale', async () => {
  const s = await withDefault();
  try {
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
    assert.equal((await s.call('POST', '/apis/apps/v1/namespaces/default/deployments', d)).status, 201);
    const r = await s.call('PATCH', '/apis/apps/v1/namespaces/default/deployments/d/scale', { spec: { replicas: 4 } }, { 'content-type': 'application/merge-patch+json', 'user-agent': 'kubectl/v1.32.0' });
    assert.equal(r.status, 200, r.text);
    const got = (await s.call('GET', '/apis/apps/v1/namespaces/default/deployments/d')).json();
    const scale = entries(got).find((e) => e.subresource === 'scale');
    assert.deepEqual(scale && [scale.manager, scale.operation, scale.apiVersion, scale.fieldsV1], ['kubectl', 'Update', 'apps/v1', { 'f:spec': { 'f:replicas': {} } }]);
    const creator = entries(got).find((e) => !e.subresource);
    assert.ok(creator && !JSON.stringify(creator.fieldsV1).includes('f:replicas'), 'the creator no longer owns replicas');
  } finally {
    await s.close();
  }
});

test('client-supplied managedFields: a well-formed list replaces the stored one, but is validated like ObjectMeta', async () => {
  const s = await withDefault();
  try {
    assert.equal((await s.call('POST', cmUrl, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'v' }, data: { k: 'v' } })).status, 201);
    const entry = { manager: 'm'.repeat(129), operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } };
    const r = await s.call('PATCH', `${cmUrl}/v`, { metadata: { managedFields: [entry] } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json()['message'], 'ConfigMap "v" is invalid: metadata.managedFields[0].manager: Too long: may not be more than 128 bytes');
    const mine = { manager: 'mine', operation: 'Apply', apiVersion: 'v1', time: '2020-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:k': {} } } };
    const ok = await s.call('PATCH', `${cmUrl}/v`, { metadata: { managedFields: [mine] } }, { 'content-type': 'application/merge-patch+json' });
    assert.deepEqual(entries(ok.json()), [mine]);
  } finally {
    await s.close();
  }
});

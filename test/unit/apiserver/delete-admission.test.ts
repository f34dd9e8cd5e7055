// DELETE and DELETECOLLECTION run validating admission with the stored object as oldObject, before the write
// (also when the delete only marks the object deleting); a refusal leaves the object where it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdmissionRequest } from '../../../src/admission/types.js';
import { errors } from '../../../src/api/status.js';
import { testServer } from './helpers.js';

async function setup() {
  const srv = await testServer();
  assert.equal((await srv.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } })).status, 201);
  const seen: AdmissionRequest[] = [];
  srv.api.registerAdmission({
    name: 'ValidatingAdmissionWebhook',
    handles: (req) => req.operation === 'DELETE',
    async validate(req) {
      seen.push(req);
      if (req.oldObject?.metadata.labels?.['keep'] === 'yes') throw errors.forbidden({ group: '', resource: 'configmaps' }, req.name, 'kept by policy');
    },
  });
  for (const [name, keep] of [['a', 'no'], ['b', 'yes'], ['c', 'no']] as const) {
    const r = await srv.call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { keep, set: 'x' } }, data: { k: name } });
    assert.equal(r.status, 201, r.text);
  }
  return { srv, seen };
}

test('DELETE: validating admission sees operation DELETE, the name, the stored object and the user; a refusal keeps the object', async () => {
  const { srv, seen } = await setup();
  try {
    const ok = await srv.call('DELETE', '/api/v1/namespaces/default/configmaps/a');
    assert.equal(ok.status, 200, ok.text);
    assert.equal(seen.length, 1);
    const req = seen[0]!;
    assert.equal(req.operation, 'DELETE');
    assert.equal(req.name, 'a');
    assert.equal(req.namespace, 'default');
    assert.deepEqual(req.resource, { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap' });
    assert.equal((req.oldObject?.['data'] as Record<string, string>)['k'], 'a');
    assert.equal(req.user.name, 'tester');
    assert.equal(req.dryRun, false);

    const refused = await srv.call('DELETE', '/api/v1/namespaces/default/configmaps/b');
    assert.equal(refused.status, 403);
    assert.equal(refused.json()['message'], 'configmaps "b" is forbidden: kept by policy');
    assert.equal((await srv.call('GET', '/api/v1/namespaces/default/configmaps/b')).status, 200);

    const dry = await srv.call('DELETE', '/api/v1/namespaces/default/configmaps/c?dryRun=All');
    assert.equal(dry.status, 200);
    assert.equal(seen.at(-1)?.dryRun, true);
    assert.equal((await srv.call('GET', '/api/v1/namespaces/default/configmaps/c')).status, 200);
  } finally {
    await srv.close();
  }
});

test('DELETE of an object that does not exist is NotFound before admission runs', async () => {
  const { srv, seen } = await setup();
  try {
    const r = await srv.call('DELETE', '/api/v1/namespaces/default/configmaps/nope');
    assert.equal(r.status, 404);
    assert.equal(seen.length, 0);
  } finally {
    await srv.close();
  }
});

test('DELETECOLLECTION: each object passes admission; the first refusal stops the request', async () => {
  const { srv, seen } = await setup();
  try {
    const r = await srv.call('DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=set%3Dx');
    assert.equal(r.status, 403, r.text);
    assert.deepEqual(seen.map((s) => s.oldObject?.metadata.name), ['a', 'b']);
    const left = await srv.call('GET', '/api/v1/namespaces/default/configmaps?labelSelector=set%3Dx');
    assert.deepEqual((left.json()['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name), ['b', 'c']);
  } finally {
    await srv.close();
  }
});

test('graceful delete (finalizers) passes admission too', async () => {
  const { srv, seen } = await setup();
  try {
    const patch = await srv.call('PATCH', '/api/v1/namespaces/default/configmaps/b', { metadata: { finalizers: ['example.com/hold'], labels: { keep: 'no' } } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(patch.status, 200, patch.text);
    const r = await srv.call('DELETE', '/api/v1/namespaces/default/configmaps/b');
    assert.equal(r.status, 200, r.text);
    assert.ok((r.json()['metadata'] as Record<string, unknown>)['deletionTimestamp']);
    assert.equal(seen.at(-1)?.oldObject?.metadata.finalizers?.[0], 'example.com/hold');
  } finally {
    await srv.close();
  }
});

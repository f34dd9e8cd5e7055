// pods/ephemeralcontainers through the assembled handler: get, strategic merge patch (kubectl debug's request),
// PUT, and upstream's rules and texts (additions only, forbidden fields, unique names, an existing target).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testServer, type TestServer } from './helpers.js';

let s: TestServer;
const base = '/api/v1/namespaces/default/pods';
const smp = { 'content-type': 'application/strategic-merge-patch+json' };

before(async () => {
  s = await testServer();
  await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const r = await s.call('POST', base, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } }, spec: { initContainers: [{ name: 'setup', image: 'busybox' }], containers: [{ name: 'main', image: 'busybox' }] } });
  assert.equal(r.status, 201, r.text);
});
after(() => s.close());

test('kubectl debug\'s patch adds an ephemeral container, defaulted; GET on the subresource returns the Pod', async () => {
  const r = await s.call('PATCH', `${base}/web/ephemeralcontainers`, { spec: { ephemeralContainers: [{ name: 'debugger-abc', image: 'busybox', targetContainerName: 'main', stdin: true, tty: true }] } }, smp);
  assert.equal(r.status, 200, r.text);
  const pod = r.json() as { kind: string; spec: { ephemeralContainers: Record<string, unknown>[] } };
  assert.equal(pod.kind, 'Pod');
  assert.equal(pod.spec.ephemeralContainers[0]?.['terminationMessagePolicy'], 'File');
  assert.equal(pod.spec.ephemeralContainers[0]?.['targetContainerName'], 'main');
  const got = await s.call('GET', `${base}/web/ephemeralcontainers`);
  assert.equal(got.status, 200);
  assert.equal((got.json() as { spec: { ephemeralContainers: unknown[] } }).spec.ephemeralContainers.length, 1);
});

test('only spec.ephemeralContainers changes through the subresource: labels and images in the body are ignored', async () => {
  const cur = (await s.call('GET', `${base}/web`)).json() as { metadata: Record<string, unknown>; spec: Record<string, any> };
  cur.metadata['labels'] = { app: 'changed' };
  cur.spec['containers'][0].image = 'other';
  cur.spec['ephemeralContainers'].push({ name: 'second', image: 'busybox' });
  const r = await s.call('PUT', `${base}/web/ephemeralcontainers`, cur);
  assert.equal(r.status, 200, r.text);
  const pod = r.json() as { metadata: { labels: Record<string, string> }; spec: Record<string, any> };
  assert.deepEqual(pod.metadata.labels, { app: 'web' });
  assert.equal(pod.spec['containers'][0].image, 'busybox');
  assert.deepEqual(pod.spec['ephemeralContainers'].map((c: { name: string }) => c.name), ['debugger-abc', 'second']);
});

test('forbidden fields, a duplicate name and a missing target: 422 with upstream\'s texts', async () => {
  const r = await s.call('PATCH', `${base}/web/ephemeralcontainers`, {
    spec: { ephemeralContainers: [{ name: 'main', image: 'busybox', targetContainerName: 'nope', ports: [{ containerPort: 80 }], readinessProbe: { exec: { command: ['true'] } }, resources: { limits: { cpu: '1' } }, lifecycle: { preStop: { exec: { command: ['true'] } } } }] },
  }, smp);
  assert.equal(r.status, 422, r.text);
  const status = r.json() as { message: string; reason: string };
  assert.equal(status.reason, 'Invalid');
  for (const part of [
    'spec.ephemeralContainers[0].name: Duplicate value: "main"',
    'spec.ephemeralContainers[0].targetContainerName: Not found: "nope"',
    'spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container',
    'spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container',
    'spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for an Ephemeral Container',
    'spec.ephemeralContainers[0].lifecycle: Forbidden: cannot be set for an Ephemeral Container',
  ]) assert.ok(status.message.includes(part), `${part}\nin: ${status.message}`);
  assert.match(status.message, /^Pod "web" is invalid: /);
});

test('existing ephemeral containers may not be removed or changed', async () => {
  const removed = await s.call('PATCH', `${base}/web/ephemeralcontainers`, [{ op: 'remove', path: '/spec/ephemeralContainers/1' }], { 'content-type': 'application/json-patch+json' });
  assert.equal(removed.status, 422, removed.text);
  assert.match((removed.json() as { message: string }).message, /spec\.ephemeralContainers: Forbidden: existing ephemeral containers "second" may not be removed/);
  const changed = await s.call('PATCH', `${base}/web/ephemeralcontainers`, [{ op: 'replace', path: '/spec/ephemeralContainers/1/image', value: 'other' }], { 'content-type': 'application/json-patch+json' });
  assert.equal(changed.status, 422, changed.text);
  assert.match((changed.json() as { message: string }).message, /spec\.ephemeralContainers\[second\]: Forbidden: existing ephemeral containers "second" may not be changed/);
});

test('a pod may not be created with ephemeral containers, and a plain update may not change them', async () => {
  const created = await s.call('POST', base, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'born' }, spec: { containers: [{ name: 'main', image: 'busybox' }], ephemeralContainers: [{ name: 'dbg', image: 'busybox' }] } });
  assert.equal(created.status, 422, created.text);
  assert.match((created.json() as { message: string }).message, /spec\.ephemeralContainers: Forbidden: cannot be set on create/);
  const plain = await s.call('PATCH', `${base}/web`, { spec: { ephemeralContainers: [{ name: 'third', image: 'busybox' }] } }, smp);
  assert.equal(plain.status, 422, plain.text);
  assert.match((plain.json() as { message: string }).message, /spec: Forbidden: pod updates may not change fields other than/);
});

test('the subresource of a missing pod is a NotFound for the pod; POST is not allowed', async () => {
  const r = await s.call('PATCH', `${base}/nope/ephemeralcontainers`, { spec: { ephemeralContainers: [] } }, smp);
  assert.equal(r.status, 404);
  assert.equal((r.json() as { message: string }).message, 'pods "nope" not found');
  const post = await s.call('POST', `${base}/web/ephemeralcontainers`, {});
  assert.equal(post.status, 405);
});

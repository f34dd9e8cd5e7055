import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer, type TestServer } from './helpers.js';

const ns = '/api/v1/namespaces/default';
const pdbs = '/apis/policy/v1/namespaces/default/poddisruptionbudgets';

async function runningPod(s: TestServer, name: string, labels: Record<string, string> = { app: 'web' }, ready = true): Promise<void> {
  const created = await s.call('POST', `${ns}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] } });
  assert.equal(created.status, 201, created.text);
  const pod = created.json();
  const status = { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
  const r = await s.call('PUT', `${ns}/pods/${name}/status`, { ...pod, status });
  assert.equal(r.status, 200, r.text);
}

async function budget(s: TestServer, status: Record<string, unknown>, spec: Record<string, unknown> = { minAvailable: 1 }): Promise<void> {
  const created = await s.call('POST', pdbs, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } });
  assert.equal(created.status, 201, created.text);
  const r = await s.call('PUT', `${pdbs}/web/status`, { ...created.json(), status: { currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, observedGeneration: 1, ...status } });
  assert.equal(r.status, 200, r.text);
}

async function server(opts: Parameters<typeof testServer>[0] = {}): Promise<TestServer> {
  const s = await testServer(opts);
  await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  return s;
}

const evict = (s: TestServer, name: string, extra: Record<string, unknown> = {}) =>
  s.call('POST', `${ns}/pods/${name}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...extra });

test('eviction without a budget deletes the pod: 201 Success, DisruptionTarget set before it goes', async () => {
  const s = await server();
  try {
    await runningPod(s, 'p1');
    const r = await evict(s, 'p1', { deleteOptions: { gracePeriodSeconds: 30 } });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    const pod = (await s.call('GET', `${ns}/pods/p1`)).json() as { metadata: { deletionTimestamp?: string }; status: { conditions: { type: string; reason?: string }[] } };
    assert.ok(pod.metadata.deletionTimestamp, 'graceful delete started');
    assert.equal(pod.status.conditions.find((c) => c.type === 'DisruptionTarget')?.reason, 'EvictionByEvictionAPI');

    const mismatch = await s.call('POST', `${ns}/pods/p1/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'other' } });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.json()['message'], 'name in URL does not match name in Eviction object');
    assert.equal((await evict(s, 'missing')).status, 404);
  } finally {
    await s.close();
  }
});

test('a budget with no disruptions left refuses with 429 and its cause; one allowed disruption is spent once', async () => {
  const s = await server({ now: () => new Date('2024-05-01T12:00:00Z') });
  try {
    await runningPod(s, 'a');
    await runningPod(s, 'b');
    await budget(s, { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1 });
    const refused = await evict(s, 'a');
    assert.equal(refused.status, 429, refused.text);
    assert.deepEqual(refused.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      reason: 'TooManyRequests',
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 1 healthy pods and has 1 currently' }] },
      code: 429,
    });

    const pdb = (await s.call('GET', `${pdbs}/web`)).json();
    await s.call('PUT', `${pdbs}/web/status`, { ...pdb, status: { ...(pdb['status'] as object), disruptionsAllowed: 1, currentHealthy: 2 } });
    const dry = await s.call('POST', `${ns}/pods/a/eviction?dryRun=All`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'a' } });
    assert.equal(dry.status, 201, dry.text);
    assert.equal(((await s.call('GET', `${pdbs}/web`)).json()['status'] as { disruptionsAllowed: number }).disruptionsAllowed, 1, 'a dry run spends nothing');

    assert.equal((await evict(s, 'a')).status, 201);
    const after = (await s.call('GET', `${pdbs}/web`)).json()['status'] as Record<string, unknown>;
    assert.equal(after['disruptionsAllowed'], 0);
    assert.deepEqual(after['disruptedPods'], { a: '2024-05-01T12:00:00Z' });
    assert.deepEqual((after['conditions'] as Record<string, unknown>[]).map((c) => [c['type'], c['status'], c['reason']]), [['DisruptionAllowed', 'False', 'InsufficientPods']]);
    assert.equal((await evict(s, 'b')).status, 429, 'the allowance is spent');
  } finally {
    await s.close();
  }
});

test('eviction: unprocessed budgets, unready pods, several budgets', async () => {
  const s = await server();
  try {
    await runningPod(s, 'a');
    await runningPod(s, 'sick', { app: 'web' }, false);
    await budget(s, { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, observedGeneration: 0 });
    const stale = await evict(s, 'a');
    assert.equal(stale.status, 429);
    assert.deepEqual((stale.json()['details'] as { causes: unknown[] }).causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' }]);

    const pdb = (await s.call('GET', `${pdbs}/web`)).json();
    await s.call('PUT', `${pdbs}/web/status`, { ...pdb, status: { ...(pdb['status'] as object), observedGeneration: 1 } });
    // An unready pod may go while the budget is met, without spending the allowance.
    assert.equal((await evict(s, 'sick')).status, 201);

    await s.call('POST', pdbs, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'second' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } } });
    const two = await evict(s, 'a');
    assert.equal(two.status, 500);
    assert.equal(two.json()['message'], 'Internal error occurred: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  } finally {
    await s.close();
  }
});

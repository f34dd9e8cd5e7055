import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { admissionOrder, admissionRank, insertInOrder } from '../../../src/admission/order.js';
import { namespaceLifecycleAdmission } from '../../../src/admission/namespace-lifecycle.js';
import { defaultTolerationSecondsAdmission } from '../../../src/admission/default-toleration-seconds.js';
import type { AdmissionPlugin, AdmissionRequest } from '../../../src/admission/types.js';
import type { KubeObject } from '../../../src/api/object.js';
import { StatusError } from '../../../src/api/status.js';
import { testServer, type TestServer } from '../apiserver/helpers.js';

const plugin = (name: string): AdmissionPlugin => ({ name, handles: () => true });

test('plugins take their place from the ordered list, whatever order they are registered in', () => {
  const chain: AdmissionPlugin[] = [];
  for (const name of ['ResourceQuota', 'ServiceAccount', 'NamespaceLifecycle', 'PodSecurity', 'LimitRanger', 'DefaultTolerationSeconds']) insertInOrder(chain, plugin(name));
  assert.deepEqual(chain.map((p) => p.name), ['NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'PodSecurity', 'DefaultTolerationSeconds', 'ResourceQuota']);
  assert.throws(() => insertInOrder(chain, plugin('LimitRanger')), /registered twice/);
  assert.throws(() => insertInOrder(chain, plugin('Nope')), /has no place/);
  assert.equal(admissionOrder.at(-1), 'ResourceQuota');
  assert.ok(admissionRank('Priority') < admissionRank('DefaultTolerationSeconds'));
  assert.ok(admissionRank('RuntimeClass') < admissionRank('CertificateApproval'));
});

function request(o: Partial<AdmissionRequest> & { object: KubeObject }): AdmissionRequest {
  return { operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'pods', kind: 'Pod' }, subresource: '', namespace: 'ns', name: o.object.metadata.name ?? '', user: { name: 'u', groups: [] }, dryRun: false, ...o };
}

async function refusal(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return e;
  }
  assert.fail('expected a refusal');
}

test('NamespaceLifecycle: missing namespace → 404, Terminating → 403 with a NamespaceTerminating cause, generateName names the object', async () => {
  const phases = new Map([['live', 'Active'], ['dying', 'Terminating']]);
  const p = namespaceLifecycleAdmission({ phase: (n) => phases.get(n) });
  await p.admit!(request({ namespace: 'live', object: { metadata: { name: 'a' } } }));
  const missing = await refusal(p.admit!(request({ namespace: 'nope', object: { metadata: { name: 'a' } } })));
  assert.equal(missing.code, 404);
  assert.equal(missing.status.message, 'namespaces "nope" not found');
  const dying = await refusal(p.admit!(request({ namespace: 'dying', name: '', object: { metadata: { generateName: 'web-' } } })));
  assert.equal(dying.code, 403);
  assert.equal(dying.status.message, 'pods "web-" is forbidden: unable to create new content in namespace dying because it is being terminated');
  assert.deepEqual(dying.status.details?.causes, [{ reason: 'NamespaceTerminating', message: 'namespace dying is being terminated', field: 'metadata.namespace' }]);
  // Updates and deletes in a terminating namespace go on (controllers finish their work there).
  assert.equal(p.handles(request({ operation: 'UPDATE', namespace: 'dying', object: { metadata: { name: 'a' } } })), false);
});

test('NamespaceLifecycle: default, kube-system and kube-public may not be deleted', async () => {
  const p = namespaceLifecycleAdmission({ phase: () => 'Active' });
  const ns = { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace' };
  for (const name of ['default', 'kube-system', 'kube-public']) {
    const req = request({ operation: 'DELETE', resource: ns, namespace: '', name, object: { metadata: { name } } });
    assert.ok(p.handles(req));
    const e = await refusal(p.admit!(req));
    assert.equal(e.code, 403);
    assert.equal(e.status.message, `namespaces "${name}" is forbidden: this namespace may not be deleted`);
  }
  await p.admit!(request({ operation: 'DELETE', resource: ns, namespace: '', name: 'kube-node-lease', object: { metadata: { name: 'kube-node-lease' } } }));
});

test('DefaultTolerationSeconds adds 300 s for not-ready and unreachable unless the pod tolerates them already', async () => {
  const p = defaultTolerationSecondsAdmission();
  const bare = request({ object: { metadata: { name: 'a' }, spec: { containers: [] } } });
  await p.admit!(bare);
  assert.deepEqual((bare.object['spec'] as Record<string, unknown>)['tolerations'], [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 };
  const partial = request({ object: { metadata: { name: 'b' }, spec: { tolerations: [own] } } });
  await p.admit!(partial);
  assert.deepEqual((partial.object['spec'] as Record<string, unknown>)['tolerations'], [own, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]);
  const everything = request({ object: { metadata: { name: 'c' }, spec: { tolerations: [{ operator: 'Exists' }] } } });
  await p.admit!(everything);
  assert.deepEqual((everything.object['spec'] as Record<string, unknown>)['tolerations'], [{ operator: 'Exists' }]);
});

let s: TestServer;
before(async () => {
  s = await testServer();
});
after(async () => s.close());

test('through the API server: deleting default is refused, a dry-run delete too, other namespaces go', async () => {
  for (const name of ['default', 'scratch']) assert.equal((await s.call('POST', '/api/v1/namespaces', { metadata: { name } })).status, 201);
  const d = await s.call('DELETE', '/api/v1/namespaces/default');
  assert.equal(d.status, 403, d.text);
  assert.equal(d.json()['message'], 'namespaces "default" is forbidden: this namespace may not be deleted');
  assert.equal((await s.call('DELETE', '/api/v1/namespaces/default?dryRun=All')).status, 403);
  assert.equal((await s.call('GET', '/api/v1/namespaces/default')).status, 200);
  assert.equal((await s.call('DELETE', '/api/v1/namespaces/scratch')).status, 200);
  const blocked = await s.call('POST', '/api/v1/namespaces/scratch/configmaps', { metadata: { name: 'x' } });
  assert.equal(blocked.status, 403);
  assert.equal(blocked.json()['message'], 'configmaps "x" is forbidden: unable to create new content in namespace scratch because it is being terminated');
});

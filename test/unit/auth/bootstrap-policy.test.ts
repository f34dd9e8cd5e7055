import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from '../../../src/auth/authz/bootstrap-policy.js';
import { reconcileBinding, reconcileRole } from '../../../src/auth/authz/reconcile.js';
import { aggregatedRules } from '../../../src/auth/authz/aggregation.js';
import { RbacIndex } from '../../../src/auth/authz/rbac-index.js';
import { rbacDecision } from '../../../src/auth/authz/rbac.js';
import { runRbacInformer } from '../../../src/auth/authz/rbac-informer.js';
import { toRole } from '../../../src/auth/authz/rbac-types.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { createResourceCache } from '../../../src/storage/cacher.js';
import type { Attributes, UserInfo } from '../../../src/auth/types.js';

const byName = (list: KubeObject[], name: string) => {
  const o = list.find((x) => x.metadata.name === name);
  assert.ok(o, name);
  return o;
};

test('the generated policy holds the roles and bindings the seed relies on', () => {
  const roles = bootstrapClusterRoles();
  const bindings = bootstrapClusterRoleBindings();
  for (const n of ['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:basic-user', 'system:public-info-viewer', 'system:service-account-issuer-discovery', 'system:auth-delegator', 'system:node']) byName(roles, n);
  assert.deepEqual(byName(bindings, 'system:public-info-viewer')['subjects'], [
    { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' },
    { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:unauthenticated' },
  ]);
  assert.equal(byName(roles, 'admin').metadata.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true');
});

test('reconcileRole adds missing rules and labels, keeps extra ones, and respects autoupdate=false', () => {
  const expected = byName(bootstrapClusterRoles(), 'system:public-info-viewer');
  const existing: KubeObject = { ...structuredClone(expected), rules: [{ verbs: ['get'], nonResourceURLs: ['/version', '/custom'] }] };
  delete existing.metadata.labels;
  const out = reconcileRole(existing, expected);
  assert.ok(out);
  assert.deepEqual(out.metadata.labels, { 'kubernetes.io/bootstrapping': 'rbac-defaults' });
  const rules = out['rules'] as { nonResourceURLs: string[] }[];
  assert.deepEqual(rules[0], { verbs: ['get'], nonResourceURLs: ['/version', '/custom'] });
  assert.deepEqual(rules.slice(1).map((r) => r.nonResourceURLs[0]).sort(), ['/healthz', '/livez', '/readyz', '/version/']);
  assert.equal(reconcileRole(out, expected), undefined, 'a second pass changes nothing');
  const pinned: KubeObject = { ...existing, metadata: { ...existing.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } } };
  assert.equal(reconcileRole(pinned, expected), undefined);
});

test('reconcileBinding adds missing subjects and re-creates on a changed roleRef', () => {
  const expected = byName(bootstrapClusterRoleBindings(), 'system:public-info-viewer');
  const existing: KubeObject = { ...structuredClone(expected), subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }] };
  const r = reconcileBinding(existing, expected);
  assert.equal(r.action, 'update');
  if (r.action === 'update') assert.equal((r.object['subjects'] as unknown[]).length, 2);
  const moved = reconcileBinding({ ...structuredClone(expected), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'other' } }, expected);
  assert.equal(moved.action, 'recreate');
  assert.deepEqual(reconcileBinding(expected, expected), { action: 'none' });
});

test('aggregation: admin includes edit includes view, computed from the aggregate-to roles', () => {
  const roles = bootstrapClusterRoles().map(toRole);
  const index = new RbacIndex();
  for (const r of bootstrapClusterRoles()) index.upsert('ClusterRole', r);
  // run to a fixed point, as the controller does as roles change
  for (let i = 0; i < 3; i++) {
    for (const r of index.clusterRoles()) {
      if (!r.aggregationSelectors) continue;
      const obj = bootstrapClusterRoles().find((x) => x.metadata.name === r.name);
      assert.ok(obj);
      index.upsert('ClusterRole', { ...obj, rules: aggregatedRules(r, index.clusterRoles()) });
    }
  }
  const view = index.getClusterRole('view');
  const edit = index.getClusterRole('edit');
  const admin = index.getClusterRole('admin');
  assert.ok(view && edit && admin && roles.length > 0);
  assert.ok(view.rules.length > 0);
  assert.ok(edit.rules.length > view.rules.length);
  assert.ok(admin.rules.length > edit.rules.length);
  const bob: UserInfo = { name: 'bob', groups: ['system:authenticated'] };
  index.upsert('RoleBinding', { kind: 'RoleBinding', metadata: { name: 'bob-view', namespace: 'ns-1' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'bob' }] });
  const attrs = (verb: string, resource: string, group = ''): Attributes => ({ user: bob, verb, resourceRequest: true, namespace: 'ns-1', apiGroup: group, apiVersion: 'v1', resource, subresource: '', name: '', path: '' });
  assert.equal(rbacDecision(index, attrs('list', 'deployments', 'apps')).decision, 'allow');
  assert.equal(rbacDecision(index, attrs('list', 'secrets')).decision, 'no-opinion');
  assert.equal(rbacDecision(index, attrs('create', 'pods')).decision, 'no-opinion');
  // system:aggregated-metrics-reader reaches view (and so edit and admin): `kubectl top pod` for pod readers.
  assert.equal(rbacDecision(index, attrs('list', 'pods', 'metrics.k8s.io')).decision, 'allow');
  assert.equal(rbacDecision(index, attrs('get', 'pods', 'metrics.k8s.io')).decision, 'allow');
  assert.ok(edit.rules.some((r) => (r.apiGroups ?? []).includes('metrics.k8s.io')) && admin.rules.some((r) => (r.apiGroups ?? []).includes('metrics.k8s.io')));
});

test('the informer follows the watch cache: create, update and delete reach the index', async () => {
  const storage = createMemoryStorage();
  const prefix = '/registry/rbac.authorization.k8s.io/rolebindings/';
  const cache = createResourceCache(storage, prefix);
  const index = new RbacIndex();
  const ac = new AbortController();
  const rb = (subject: string) => JSON.stringify({ kind: 'RoleBinding', metadata: { name: 'b', namespace: 'ns-1' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'x' }, subjects: [{ kind: 'User', name: subject }] });
  await storage.create(`${prefix}ns-1/b`, rb('alice'));
  await runRbacInformer(index, [{ kind: 'RoleBinding', cache, prefix }], ac.signal);
  const seen = (want: () => boolean) => new Promise<void>((resolve) => {
    if (want()) return resolve();
    const off = index.onChange(() => {
      if (want()) {
        off();
        resolve();
      }
    });
  });
  await seen(() => index.roleBindingsFor({ name: 'alice', groups: [] }, 'ns-1').length === 1);
  const kv = await storage.get(`${prefix}ns-1/b`);
  assert.ok(kv);
  await storage.update(`${prefix}ns-1/b`, rb('bob'), kv.modRevision);
  await seen(() => index.roleBindingsFor({ name: 'bob', groups: [] }, 'ns-1').length === 1);
  assert.equal(index.roleBindingsFor({ name: 'alice', groups: [] }, 'ns-1').length, 0);
  await storage.delete(`${prefix}ns-1/b`);
  await seen(() => index.allRoleBindings('ns-1').length === 0);
  ac.abort();
  cache.close();
  await storage.close();
});

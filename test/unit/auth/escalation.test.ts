import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import type { UserInfo } from '../../../src/auth/types.js';
import { StatusError } from '../../../src/api/status.js';
import { RbacIndex } from '../../../src/auth/authz/rbac-index.js';
import { rbacAuthorizer } from '../../../src/auth/authz/rbac.js';
import { privilegedGroupsAuthorizer, unionAuthorizer } from '../../../src/auth/authz/always-allow.js';
import { rbacEscalationPlugin } from '../../../src/auth/authz/escalation.js';
import type { AdmissionRequest } from '../../../src/admission/types.js';

const bob: UserInfo = { name: 'bob', groups: ['system:authenticated'] };
const rbacGroup = 'rbac.authorization.k8s.io';

function policy(): RbacIndex {
  const i = new RbacIndex();
  i.upsert('Role', { kind: 'Role', metadata: { name: 'bob-powers', namespace: 'ns-1' }, rules: [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
    { verbs: ['create', 'update'], apiGroups: [rbacGroup], resources: ['roles', 'rolebindings'] },
  ] });
  i.upsert('RoleBinding', { kind: 'RoleBinding', metadata: { name: 'bob-powers', namespace: 'ns-1' }, roleRef: { apiGroup: rbacGroup, kind: 'Role', name: 'bob-powers' }, subjects: [{ kind: 'User', name: 'bob' }] });
  i.upsert('Role', { kind: 'Role', metadata: { name: 'pod-lister', namespace: 'ns-1' }, rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }] });
  i.upsert('Role', { kind: 'Role', metadata: { name: 'secret-reader', namespace: 'ns-1' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] });
  return i;
}

function req(resource: string, object: KubeObject, user: UserInfo = bob, operation: 'CREATE' | 'UPDATE' = 'CREATE'): AdmissionRequest {
  const kind = { roles: 'Role', rolebindings: 'RoleBinding', clusterroles: 'ClusterRole', clusterrolebindings: 'ClusterRoleBinding' }[resource] ?? '';
  return { operation, resource: { group: rbacGroup, version: 'v1', resource, kind }, subresource: '', namespace: object.metadata.namespace ?? '', name: object.metadata.name ?? '', object, user, dryRun: false };
}

const role = (name: string, rules: unknown[]): KubeObject => ({ kind: 'Role', metadata: { name, namespace: 'ns-1' }, rules });
const binding = (name: string, roleName: string, kind = 'Role'): KubeObject => ({ kind: 'RoleBinding', metadata: { name, namespace: 'ns-1' }, roleRef: { apiGroup: rbacGroup, kind, name: roleName }, subjects: [{ kind: 'User', name: 'carol' }] });

async function outcome(index: RbacIndex, r: AdmissionRequest): Promise<string> {
  const plugin = rbacEscalationPlugin({ index, authorizer: unionAuthorizer([privilegedGroupsAuthorizer(), rbacAuthorizer(index)]) });
  try {
    await plugin.validate?.(r);
    return 'allowed';
  } catch (e) {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 403);
    return e.message;
  }
}

test('a role within what the user holds is allowed', async () => {
  assert.equal(await outcome(policy(), req('roles', role('r', [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }]))), 'allowed');
});

test('a role granting more is refused with Kubernetes wording', async () => {
  const msg = await outcome(policy(), req('roles', role('r', [{ verbs: ['list', 'delete'], apiGroups: [''], resources: ['pods', 'secrets'] }])));
  assert.equal(msg, 'roles.rbac.authorization.k8s.io "r" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n'
    + '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n'
    + '{APIGroups:[""], Resources:["secrets"], Verbs:["list" "delete"]}');
});

test('the escalate verb allows a role granting more', async () => {
  const i = policy();
  i.upsert('Role', { kind: 'Role', metadata: { name: 'esc', namespace: 'ns-1' }, rules: [{ verbs: ['escalate'], apiGroups: [rbacGroup], resources: ['roles'] }] });
  i.upsert('RoleBinding', { kind: 'RoleBinding', metadata: { name: 'esc', namespace: 'ns-1' }, roleRef: { apiGroup: rbacGroup, kind: 'Role', name: 'esc' }, subjects: [{ kind: 'User', name: 'bob' }] });
  assert.equal(await outcome(i, req('roles', role('r', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]))), 'allowed');
});

test('system:masters skip the check', async () => {
  assert.equal(await outcome(policy(), req('roles', role('r', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]), { name: 'admin', groups: ['system:masters'] })), 'allowed');
});

test('binding a role the user holds is allowed', async () => {
  assert.equal(await outcome(policy(), req('rolebindings', binding('b', 'pod-lister'))), 'allowed');
});

test('binding a role with more is refused', async () => {
  const msg = await outcome(policy(), req('rolebindings', binding('b', 'secret-reader')));
  assert.match(msg, /^rolebindings\.rbac\.authorization\.k8s\.io "b" is forbidden: user "bob" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\["get"\]\}$/);
});

test('binding a missing role is refused as not found', async () => {
  assert.equal(await outcome(policy(), req('rolebindings', binding('b', 'nope'))), 'rolebindings.rbac.authorization.k8s.io "b" is forbidden: roles.rbac.authorization.k8s.io "nope" not found');
});

test('the bind verb on that role allows the binding', async () => {
  const i = policy();
  i.upsert('Role', { kind: 'Role', metadata: { name: 'binder', namespace: 'ns-1' }, rules: [{ verbs: ['bind'], apiGroups: [rbacGroup], resources: ['roles'], resourceNames: ['secret-reader'] }] });
  i.upsert('RoleBinding', { kind: 'RoleBinding', metadata: { name: 'binder', namespace: 'ns-1' }, roleRef: { apiGroup: rbacGroup, kind: 'Role', name: 'binder' }, subjects: [{ kind: 'User', name: 'bob' }] });
  assert.equal(await outcome(i, req('rolebindings', binding('b', 'secret-reader'))), 'allowed');
  i.upsert('Role', { kind: 'Role', metadata: { name: 'deleter', namespace: 'ns-1' }, rules: [{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }] });
  assert.match(await outcome(i, req('rolebindings', binding('b', 'deleter'))), /not currently held/);
});

test('an aggregated ClusterRole needs cluster-admin-like rights', async () => {
  const i = policy();
  i.upsert('ClusterRole', { kind: 'ClusterRole', metadata: { name: 'cr' }, rules: [{ verbs: ['escalate', 'create'], apiGroups: [rbacGroup], resources: ['clusterroles'] }] });
  i.upsert('ClusterRoleBinding', { kind: 'ClusterRoleBinding', metadata: { name: 'cr' }, roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: 'cr' }, subjects: [{ kind: 'User', name: 'bob' }] });
  // escalate lets it through without looking at the aggregation rule, as in Kubernetes
  const agg: KubeObject = { kind: 'ClusterRole', metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] }, rules: [] };
  assert.equal(await outcome(i, req('clusterroles', agg)), 'allowed');
  const j = policy();
  assert.equal(await outcome(j, req('clusterroles', agg)), 'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule');
});

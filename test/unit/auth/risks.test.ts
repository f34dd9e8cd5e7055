// `auth risks` findings over RBAC objects: impersonation, escalate/bind, nodes/proxy and serviceaccounts/token,
// cluster-wide and in one namespace, and the chains they open for those who can run pods as such an account.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findRisks, type Risk } from '../../../src/auth/analysis/risks.js';
import type { RbacData } from '../../../src/auth/analysis/rbac-data.js';
import type { BindingLike, PolicyRule, RoleLike, Subject } from '../../../src/auth/authz/rbac-types.js';

const rbacGroup = 'rbac.authorization.k8s.io';
const user = (name: string): Subject => ({ kind: 'User', apiGroup: rbacGroup, name });
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: rbacGroup, name });
const sa = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });
const role = (name: string, rules: PolicyRule[], namespace = ''): RoleLike => ({ name, namespace, rules, labels: {} });
const binding = (name: string, roleRef: { kind: 'ClusterRole' | 'Role'; name: string }, subjects: Subject[], namespace = ''): BindingLike => ({ name, namespace, roleRef: { apiGroup: rbacGroup, ...roleRef }, subjects });

function data(o: Partial<RbacData>): RbacData {
  return { clusterRoles: [], clusterRoleBindings: [], roles: [], roleBindings: [], ...o };
}

/** The findings for one subject, as "severity: risk" lines, with the bindings of each. */
function of(risks: Risk[], subject: string): { finding: string; via: string[] }[] {
  return risks.filter((r) => r.subject === subject).map((r) => ({ finding: `${r.severity}: ${r.risk}`, via: r.via }));
}

test('impersonate on users, groups or service accounts is critical; impersonating one named user is not reported', () => {
  const risks = findRisks(data({
    clusterRoles: [
      role('impersonator', [{ verbs: ['impersonate'], apiGroups: [''], resources: ['users', 'groups'] }]),
      role('sa-impersonator', [{ verbs: ['impersonate'], apiGroups: [''], resources: ['serviceaccounts'] }]),
      role('be-bob', [{ verbs: ['impersonate'], apiGroups: [''], resources: ['users'], resourceNames: ['bob'] }]),
    ],
    clusterRoleBindings: [
      binding('mallory-impersonates', { kind: 'ClusterRole', name: 'impersonator' }, [user('mallory')]),
      binding('ci-impersonates', { kind: 'ClusterRole', name: 'sa-impersonator' }, [sa('ci', 'runner')]),
      binding('alice-as-bob', { kind: 'ClusterRole', name: 'be-bob' }, [user('alice')]),
    ],
  }));
  assert.deepEqual(of(risks, 'User mallory'), [{ finding: 'critical: can impersonate any user, group or service account', via: ['ClusterRoleBinding "mallory-impersonates" of ClusterRole "impersonator"'] }]);
  assert.deepEqual(of(risks, 'ServiceAccount ci/runner'), [{ finding: 'critical: can impersonate any user, group or service account', via: ['ClusterRoleBinding "ci-impersonates" of ClusterRole "sa-impersonator"'] }]);
  assert.deepEqual(of(risks, 'User alice'), []);
});

test('impersonation granted to everyone is reported as everyone\'s', () => {
  const risks = findRisks(data({
    clusterRoles: [role('impersonator', [{ verbs: ['impersonate'], apiGroups: [''], resources: ['users'] }])],
    clusterRoleBindings: [binding('open-door', { kind: 'ClusterRole', name: 'impersonator' }, [group('system:authenticated')])],
  }));
  assert.deepEqual(of(risks, 'Group system:authenticated'), [{ finding: 'critical: everyone (system:authenticated) can impersonate any user, group or service account', via: ['ClusterRoleBinding "open-door" of ClusterRole "impersonator"'] }]);
});

test('escalate or bind with the request that uses it: on ClusterRoles critical, on Roles in a namespace high; other verbs on roles are not reported', () => {
  const risks = findRisks(data({
    clusterRoles: [
      role('admin-binder', [{ verbs: ['bind'], apiGroups: [rbacGroup], resources: ['clusterroles'] }, { verbs: ['create'], apiGroups: [rbacGroup], resources: ['clusterrolebindings'] }]),
      role('role-rewriter', [{ verbs: ['escalate', 'patch'], apiGroups: [rbacGroup], resources: ['clusterroles'] }]),
      role('ns-escalator', [{ verbs: ['escalate', 'update'], apiGroups: [rbacGroup], resources: ['roles'] }]),
      role('role-reader', [{ verbs: ['get', 'list', 'watch', 'create', 'update'], apiGroups: [rbacGroup], resources: ['roles', 'clusterroles', 'rolebindings'] }]),
    ],
    roles: [role('ns-binder', [{ verbs: ['bind'], apiGroups: [rbacGroup], resources: ['roles'] }, { verbs: ['create'], apiGroups: [rbacGroup], resources: ['rolebindings'] }], 'team-a')],
    clusterRoleBindings: [
      binding('platform-binds', { kind: 'ClusterRole', name: 'admin-binder' }, [group('platform')]),
      binding('ops-rewrites', { kind: 'ClusterRole', name: 'role-rewriter' }, [user('ops')]),
      binding('carol-reads-rbac', { kind: 'ClusterRole', name: 'role-reader' }, [user('carol')]),
    ],
    roleBindings: [
      binding('lead-binds', { kind: 'Role', name: 'ns-binder' }, [user('lead')], 'team-a'),
      binding('dave-escalates', { kind: 'ClusterRole', name: 'ns-escalator' }, [user('dave')], 'team-b'),
    ],
  }));
  const everything = 'can grant itself any permission (escalate and update on ClusterRoles, or bind on ClusterRoles and create on ClusterRoleBindings)';
  assert.deepEqual(of(risks, 'Group platform'), [{ finding: `critical: ${everything}`, via: ['ClusterRoleBinding "platform-binds" of ClusterRole "admin-binder"'] }]);
  assert.deepEqual(of(risks, 'User ops'), [{ finding: `critical: ${everything}`, via: ['ClusterRoleBinding "ops-rewrites" of ClusterRole "role-rewriter"'] }]);
  const inNamespace = (ns: string) => `high: can grant itself any permission in namespace ${ns} (escalate and update on Roles, or bind on Roles and create on RoleBindings)`;
  assert.deepEqual(of(risks, 'User lead'), [{ finding: inNamespace('team-a'), via: ['RoleBinding "lead-binds/team-a" of Role "ns-binder"'] }]);
  // a ClusterRole bound in one namespace counts only there
  assert.deepEqual(of(risks, 'User dave'), [{ finding: inNamespace('team-b'), via: ['RoleBinding "dave-escalates/team-b" of ClusterRole "ns-escalator"'] }]);
  assert.deepEqual(of(risks, 'User carol'), []);
});

test('escalate or bind alone (without update on the roles or create on bindings) is one grant short: medium, and no chain to those who run pods as it', () => {
  const risks = findRisks(data({
    clusterRoles: [
      role('role-binder', [{ verbs: ['bind'], apiGroups: [rbacGroup], resources: ['clusterroles'] }]),
      role('any-rbac', [{ verbs: ['escalate'], apiGroups: [rbacGroup], resources: ['*'] }]),
      role('pod-maker', [{ verbs: ['create'], apiGroups: [''], resources: ['pods'] }]),
    ],
    roles: [role('ns-binder', [{ verbs: ['bind'], apiGroups: [rbacGroup], resources: ['roles'] }], 'team-a')],
    clusterRoleBindings: [
      binding('half-binder', { kind: 'ClusterRole', name: 'role-binder' }, [sa('tools', 'binder')]),
      binding('yan-escalates', { kind: 'ClusterRole', name: 'any-rbac' }, [user('yan')]),
    ],
    roleBindings: [
      binding('lead-binds', { kind: 'Role', name: 'ns-binder' }, [user('lead')], 'team-a'),
      binding('devs-make-pods', { kind: 'ClusterRole', name: 'pod-maker' }, [group('devs')], 'tools'),
    ],
  }));
  const short = 'medium: holds escalate or bind on ClusterRoles, one grant short of any permission (update on ClusterRoles, or create on ClusterRoleBindings)';
  assert.deepEqual(of(risks, 'ServiceAccount tools/binder'), [{ finding: short, via: ['ClusterRoleBinding "half-binder" of ClusterRole "role-binder"'] }]);
  // escalate on every RBAC resource: said once, for ClusterRoles (the Roles' finding says no more)
  assert.deepEqual(of(risks, 'User yan'), [{ finding: short, via: ['ClusterRoleBinding "yan-escalates" of ClusterRole "any-rbac"'] }]);
  assert.deepEqual(of(risks, 'User lead'), [{ finding: 'medium: holds escalate or bind on the Roles of namespace team-a, one grant short of any permission there (update on Roles, or create on RoleBindings)', via: ['RoleBinding "lead-binds/team-a" of Role "ns-binder"'] }]);
  assert.deepEqual(of(risks, 'Group devs'), [], 'running pods as tools/binder is no chain');
});

test('escalate and update on Roles granted cluster-wide: every namespace\'s Roles, critical; said once when ClusterRoles are granted too', () => {
  const risks = findRisks(data({
    clusterRoles: [
      role('roles-escalator', [{ verbs: ['escalate', 'update'], apiGroups: [rbacGroup], resources: ['roles'] }]),
      role('any-rbac', [{ verbs: ['escalate', 'update'], apiGroups: [rbacGroup], resources: ['*'] }]),
    ],
    clusterRoleBindings: [
      binding('zed-escalates', { kind: 'ClusterRole', name: 'roles-escalator' }, [user('zed')]),
      binding('yan-escalates', { kind: 'ClusterRole', name: 'any-rbac' }, [user('yan')]),
    ],
  }));
  assert.deepEqual(of(risks, 'User zed'), [{ finding: 'critical: can grant itself any permission in every namespace (escalate and update on Roles, or bind on Roles and create on RoleBindings)', via: ['ClusterRoleBinding "zed-escalates" of ClusterRole "roles-escalator"'] }]);
  assert.deepEqual(of(risks, 'User yan'), [{ finding: 'critical: can grant itself any permission (escalate and update on ClusterRoles, or bind on ClusterRoles and create on ClusterRoleBindings)', via: ['ClusterRoleBinding "yan-escalates" of ClusterRole "any-rbac"'] }]);
});

test('nodes/proxy (get or create, or */proxy) is high; plain access to nodes is not, nor nodes/* (RBAC has no such wildcard)', () => {
  const risks = findRisks(data({
    clusterRoles: [
      role('kubelet-api', [{ verbs: ['get'], apiGroups: [''], resources: ['nodes/proxy'] }]),
      role('node-subresources', [{ verbs: ['create'], apiGroups: [''], resources: ['*/proxy'] }]),
      role('not-a-wildcard', [{ verbs: ['get'], apiGroups: [''], resources: ['nodes/*'] }]),
      role('node-viewer', [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['nodes', 'nodes/status'] }]),
    ],
    clusterRoleBindings: [
      binding('monitoring-kubelet', { kind: 'ClusterRole', name: 'kubelet-api' }, [sa('monitoring', 'scraper')]),
      binding('erin-nodes', { kind: 'ClusterRole', name: 'node-subresources' }, [user('erin')]),
      binding('frank-views-nodes', { kind: 'ClusterRole', name: 'node-viewer' }, [user('frank')]),
      binding('ivan-nodes', { kind: 'ClusterRole', name: 'not-a-wildcard' }, [user('ivan')]),
    ],
  }));
  const finding = 'high: can run commands on nodes through the kubelet (nodes/proxy)';
  assert.deepEqual(of(risks, 'ServiceAccount monitoring/scraper'), [{ finding, via: ['ClusterRoleBinding "monitoring-kubelet" of ClusterRole "kubelet-api"'] }]);
  assert.deepEqual(of(risks, 'User erin'), [{ finding, via: ['ClusterRoleBinding "erin-nodes" of ClusterRole "node-subresources"'] }]);
  assert.deepEqual(of(risks, 'User frank'), []);
  assert.deepEqual(of(risks, 'User ivan'), []);
});

test('serviceaccounts/token: create cluster-wide is high, in a namespace medium; reading service accounts is not reported', () => {
  const risks = findRisks(data({
    clusterRoles: [
      role('token-minter', [{ verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/token'] }]),
      role('sa-reader', [{ verbs: ['get', 'list', 'create'], apiGroups: [''], resources: ['serviceaccounts'] }]),
    ],
    clusterRoleBindings: [
      binding('issuer-mints', { kind: 'ClusterRole', name: 'token-minter' }, [user('issuer')]),
      binding('gina-reads', { kind: 'ClusterRole', name: 'sa-reader' }, [user('gina')]),
    ],
    roleBindings: [binding('helper-mints', { kind: 'ClusterRole', name: 'token-minter' }, [user('helper')], 'team-a')],
  }));
  assert.deepEqual(of(risks, 'User issuer'), [{ finding: 'high: can mint tokens for any service account', via: ['ClusterRoleBinding "issuer-mints" of ClusterRole "token-minter"'] }]);
  assert.deepEqual(of(risks, 'User helper'), [{ finding: 'medium: can mint tokens for the service accounts of namespace team-a', via: ['RoleBinding "helper-mints/team-a" of ClusterRole "token-minter"'] }]);
  assert.deepEqual(of(risks, 'User gina'), []);
});

test('a service account with one of these powers makes creating pods in its namespace a critical chain; a medium one does not', () => {
  const risks = findRisks(data({
    clusterRoles: [
      role('kubelet-api', [{ verbs: ['get'], apiGroups: [''], resources: ['nodes/proxy'] }]),
      role('token-minter', [{ verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/token'] }]),
      role('pod-maker', [{ verbs: ['create'], apiGroups: [''], resources: ['pods'] }]),
    ],
    clusterRoleBindings: [binding('agent-kubelet', { kind: 'ClusterRole', name: 'kubelet-api' }, [sa('ops', 'agent')])],
    roleBindings: [
      binding('minter-local', { kind: 'ClusterRole', name: 'token-minter' }, [sa('apps', 'minter')], 'apps'),
      binding('ops-pods', { kind: 'ClusterRole', name: 'pod-maker' }, [user('henry')], 'ops'),
      binding('apps-pods', { kind: 'ClusterRole', name: 'pod-maker' }, [user('henry')], 'apps'),
    ],
  }));
  assert.deepEqual(of(risks, 'User henry'), [{
    finding: 'critical: can create pods in namespace ops that run as ServiceAccount ops/agent, which can run commands on nodes through the kubelet (nodes/proxy)',
    via: ['RoleBinding "ops-pods/ops" of ClusterRole "pod-maker"', 'ClusterRoleBinding "agent-kubelet" of ClusterRole "kubelet-api"'],
  }]);
});

test('findings are ordered most severe first; a binding to a missing role finds nothing', () => {
  const risks = findRisks(data({
    clusterRoles: [
      role('token-minter', [{ verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/token'] }]),
      role('impersonator', [{ verbs: ['impersonate'], apiGroups: [''], resources: ['groups'] }]),
    ],
    clusterRoleBindings: [
      binding('a-mints', { kind: 'ClusterRole', name: 'token-minter' }, [user('a')]),
      binding('z-impersonates', { kind: 'ClusterRole', name: 'impersonator' }, [user('z')]),
      binding('dangling', { kind: 'ClusterRole', name: 'no-such-role' }, [user('y')]),
    ],
  }));
  assert.deepEqual(risks.map((r) => `${r.severity} ${r.subject}`), ['critical User z', 'high User a']);
});

// auth who-can's second table: subjects that can allow themselves a request in one step, and only those.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { toBinding, toRole } from '../../../src/auth/authz/rbac-types.js';
import { resourceAttributes, type RbacData } from '../../../src/auth/analysis/rbac-data.js';
import { whoCanIndirectly } from '../../../src/auth/analysis/who-can-indirect.js';

const rbac = 'rbac.authorization.k8s.io';
type Rule = { verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] };
const role = (name: string, namespace: string, rules: Rule[], extra: Record<string, unknown> = {}) => toRole({ apiVersion: `${rbac}/v1`, kind: namespace ? 'Role' : 'ClusterRole', metadata: { name, ...(namespace ? { namespace } : {}) }, rules, ...extra } as unknown as KubeObject);
const user = (name: string) => ({ kind: 'User', apiGroup: rbac, name });
const sa = (name: string, namespace: string) => ({ kind: 'ServiceAccount', name, namespace });
const binding = (name: string, namespace: string, roleRef: [string, string], subjects: object[], annotations?: Record<string, string>) =>
  toBinding({ apiVersion: `${rbac}/v1`, kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding', metadata: { name, ...(namespace ? { namespace } : {}), ...(annotations ? { annotations } : {}) }, roleRef: { apiGroup: rbac, kind: roleRef[0], name: roleRef[1] }, subjects } as unknown as KubeObject);

const core = (verbs: string[], resources: string[], resourceNames?: string[]): Rule => ({ verbs, apiGroups: [''], resources, ...(resourceNames ? { resourceNames } : {}) });
const rbacRule = (verbs: string[], resources: string[], resourceNames?: string[]): Rule => ({ verbs, apiGroups: [rbac], resources, ...(resourceNames ? { resourceNames } : {}) });

const data: RbacData = {
  clusterRoles: [
    role('secret-reader', '', [core(['get', 'list'], ['secrets'])]),
    role('aggregated', '', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] } }),
    role('impersonate-alice', '', [core(['impersonate'], ['users'], ['alice'])]),
    role('impersonate-nobody-useful', '', [core(['impersonate'], ['users'], ['zed'])]),
    role('impersonate-groups-only', '', [core(['impersonate'], ['groups'])]),
    role('impersonate-all', '', [core(['impersonate'], ['users', 'groups'])]),
    role('binder', '', [rbacRule(['create'], ['rolebindings']), rbacRule(['bind'], ['clusterroles'], ['secret-reader'])]),
    role('binder-wrong-role', '', [rbacRule(['create'], ['rolebindings']), rbacRule(['bind'], ['clusterroles'], ['view'])]),
    role('bind-only', '', [rbacRule(['bind'], ['clusterroles'])]),
    role('escalator-aggregated', '', [rbacRule(['escalate', 'update'], ['clusterroles'], ['aggregated'])]),
    role('system-thing', '', [core(['impersonate'], ['users'])]),
    role('role-maker', '', [rbacRule(['create', 'escalate', 'bind'], ['roles']), rbacRule(['create'], ['rolebindings'])]),
    role('role-maker-no-bind', '', [rbacRule(['create', 'escalate'], ['roles']), rbacRule(['create'], ['rolebindings'])]),
    role('clusterrole-maker', '', [rbacRule(['create', 'escalate', 'bind'], ['clusterroles']), rbacRule(['create'], ['clusterrolebindings'])]),
  ],
  clusterRoleBindings: [
    binding('alice-reads', '', ['ClusterRole', 'secret-reader'], [user('alice')]),
    binding('imp-alice', '', ['ClusterRole', 'impersonate-alice'], [user('ivan')]),
    binding('imp-zed', '', ['ClusterRole', 'impersonate-nobody-useful'], [user('zoe')]),
    binding('imp-groups', '', ['ClusterRole', 'impersonate-groups-only'], [user('gina')]),
    binding('imp-all', '', ['ClusterRole', 'impersonate-all'], [user('mallory')]),
    binding('aggr', '', ['ClusterRole', 'aggregated'], [user('agatha')]),
    binding('aggr-esc', '', ['ClusterRole', 'escalator-aggregated'], [user('agatha')]),
    binding('bootstrap-thing', '', ['ClusterRole', 'system-thing'], [user('system:some-component')], { 'rbac.authorization.kubernetes.io/autoupdate': 'true' }),
    binding('carl-makes', '', ['ClusterRole', 'clusterrole-maker'], [user('carl')]),
  ],
  roles: [
    role('mine', 'ns-1', [core(['get'], ['configmaps'])]),
    role('escalate-mine', 'ns-1', [rbacRule(['escalate', 'update'], ['roles'], ['mine'])]),
    role('escalate-no-update', 'ns-1', [rbacRule(['escalate'], ['roles'], ['mine'])]),
    role('deployer', 'ns-1', [{ verbs: ['create'], apiGroups: ['apps'], resources: ['deployments'] }]),
    role('tokens', 'ns-1', [core(['create'], ['serviceaccounts/token'], ['reader'])]),
    role('reads-secrets', 'ns-1', [core(['get'], ['secrets'])]),
  ],
  roleBindings: [
    binding('reader', 'ns-1', ['Role', 'reads-secrets'], [sa('reader', 'ns-1')]),
    binding('ben-binds', 'ns-1', ['ClusterRole', 'binder'], [user('ben')]),
    binding('wendy-binds', 'ns-1', ['ClusterRole', 'binder-wrong-role'], [user('wendy')]),
    binding('otto-binds', 'ns-1', ['ClusterRole', 'bind-only'], [user('otto')]),
    binding('eve-mine', 'ns-1', ['Role', 'mine'], [user('eve'), user('nora')]),
    binding('eve-esc', 'ns-1', ['Role', 'escalate-mine'], [user('eve')]),
    binding('nora-esc', 'ns-1', ['Role', 'escalate-no-update'], [user('nora')]),
    binding('dora-deploys', 'ns-1', ['Role', 'deployer'], [user('dora')]),
    binding('tom-tokens', 'ns-1', ['Role', 'tokens'], [user('tom')]),
    binding('rhea-makes', 'ns-1', ['ClusterRole', 'role-maker'], [user('rhea')]),
    binding('rob-makes', 'ns-1', ['ClusterRole', 'role-maker-no-bind'], [user('rob')]),
  ],
};

test('each one-step route is found, with the bindings it goes through', () => {
  const rows = whoCanIndirectly(resourceAttributes({ verb: 'get', group: '', resource: 'secrets', subresource: '', name: '', namespace: 'ns-1' }), data);
  const bySubject = Object.fromEntries(rows.map((r) => [r.subject, `${r.how} | ${r.via.join('; ')}`]));
  assert.deepEqual(Object.keys(bySubject).sort(), ['ben', 'carl', 'dora', 'eve', 'ivan', 'mallory', 'rhea', 'tom']);
  // a role that already grants it is bound rather than a new one made
  assert.equal(bySubject['rhea'], 'binds Role "reads-secrets" to itself in namespace ns-1 (create rolebindings, bind) | RoleBinding "rhea-makes/ns-1" of ClusterRole "role-maker"');
  assert.equal(bySubject['carl'], 'binds ClusterRole "secret-reader" to itself cluster-wide (create clusterrolebindings, bind) | ClusterRoleBinding "carl-makes" of ClusterRole "clusterrole-maker"');
  assert.equal(bySubject['ivan'], 'impersonates User "alice" | ClusterRoleBinding "imp-alice" of ClusterRole "impersonate-alice"');
  assert.equal(bySubject['mallory'], 'impersonates Group "system:masters" | ClusterRoleBinding "imp-all" of ClusterRole "impersonate-all"');
  assert.equal(bySubject['ben'], 'binds ClusterRole "secret-reader" to itself in namespace ns-1 (create rolebindings, bind) | RoleBinding "ben-binds/ns-1" of ClusterRole "binder"');
  assert.equal(bySubject['eve'], 'adds the rule to Role "mine" it is bound to (escalate, update) | RoleBinding "eve-esc/ns-1" of Role "escalate-mine"; RoleBinding "eve-mine/ns-1" of Role "mine"');
  assert.equal(bySubject['dora'], 'creates deployments in namespace ns-1 that run as ServiceAccount "ns-1/reader" | RoleBinding "dora-deploys/ns-1" of Role "deployer"');
  assert.equal(bySubject['tom'], 'mints a token for ServiceAccount "ns-1/reader" | RoleBinding "tom-tokens/ns-1" of Role "tokens"');
});

test('no role grants it: making one (create, escalate and bind on roles, create on bindings) and binding it is a route', () => {
  const ask = (namespace: string) => whoCanIndirectly(resourceAttributes({ verb: 'delete', group: '', resource: 'secrets', subresource: '', name: '', namespace }), data);
  const bySubject = Object.fromEntries(ask('ns-1').map((r) => [r.subject, `${r.how} | ${r.via.join('; ')}`]));
  assert.equal(bySubject['rhea'], 'creates a Role with the rule in namespace ns-1 and binds it to itself (create, escalate and bind roles; create rolebindings) | RoleBinding "rhea-makes/ns-1" of ClusterRole "role-maker"');
  assert.equal(bySubject['carl'], 'creates a ClusterRole with the rule and binds it to itself cluster-wide (create, escalate and bind clusterroles; create clusterrolebindings) | ClusterRoleBinding "carl-makes" of ClusterRole "clusterrole-maker"');
  // rob may make such a role but not bind it; ben may bind only secret-reader, which does not delete
  for (const s of ['rob', 'ben']) assert.ok(!(s in bySubject), s);
  // rhea's grants apply in ns-1 only
  assert.ok(!ask('ns-2').some((r) => r.subject === 'rhea'));
  assert.ok(ask('ns-2').some((r) => r.subject === 'carl'));
});

test('half a route is no route: the guards against false positives', () => {
  const rows = whoCanIndirectly(resourceAttributes({ verb: 'get', group: '', resource: 'secrets', subresource: '', name: '', namespace: 'ns-1' }), data);
  const listed = new Set(rows.map((r) => r.subject));
  // zoe may impersonate only someone without the right; gina groups without any user; wendy may bind only another
  // role; otto may bind but not create bindings; nora may escalate but not update; agatha's role is aggregated
  // (its rules are rewritten); the bootstrap subject is the cluster's own; alice and the reader hold it directly.
  // rob may make a role with any rule but not bind it
  for (const s of ['zoe', 'gina', 'wendy', 'otto', 'nora', 'agatha', 'rob', 'system:some-component', 'alice', 'ns-1/reader']) assert.ok(!listed.has(s), s);
});

test('another namespace: only cluster-wide routes remain', () => {
  const rows = whoCanIndirectly(resourceAttributes({ verb: 'get', group: '', resource: 'secrets', subresource: '', name: '', namespace: 'ns-2' }), data);
  assert.deepEqual(rows.map((r) => r.subject).sort(), ['carl', 'ivan', 'mallory']);
  assert.deepEqual(whoCanIndirectly(resourceAttributes({ verb: 'get', group: '', resource: 'secrets', subresource: '', name: '', namespace: '*' }), data), []);
});

test('two steps: becoming someone with a one-step route, every step checked, impersonation never chained', () => {
  const two: RbacData = {
    clusterRoles: [
      ...data.clusterRoles,
      role('impersonate-ben', '', [core(['impersonate'], ['users'], ['ben'])]),
      role('impersonate-ivan', '', [core(['impersonate'], ['users'], ['ivan'])]),
      role('impersonate-tokener', '', [core(['impersonate'], ['serviceaccounts'], ['tokener'])]),
    ],
    clusterRoleBindings: [
      ...data.clusterRoleBindings,
      binding('tina-ben', '', ['ClusterRole', 'impersonate-ben'], [user('tina')]),
      binding('ivy-ivan', '', ['ClusterRole', 'impersonate-ivan'], [user('ivy')]),
    ],
    roles: [
      ...data.roles,
      role('pod-maker', 'ns-2', [core(['create'], ['pods'])]),
      role('pod-maker', 'ns-3', [core(['create'], ['pods'])]),
      role('tokens', 'ns-2', [core(['create'], ['serviceaccounts/token'], ['reader'])]),
    ],
    roleBindings: [
      ...data.roleBindings,
      // tokener, a service account of ns-2, may mint tokens for ns-1/reader: its one-step route
      binding('tokener-tokens', 'ns-1', ['Role', 'tokens'], [sa('tokener', 'ns-2')]),
      binding('paul-pods', 'ns-2', ['Role', 'pod-maker'], [user('paul')]),
      binding('carl-pods', 'ns-3', ['Role', 'pod-maker'], [user('carl')]),
      binding('sam-imp', 'ns-2', ['ClusterRole', 'impersonate-tokener'], [user('sam')]),
    ],
  };
  const attrs = resourceAttributes({ verb: 'get', group: '', resource: 'secrets', subresource: '', name: '', namespace: 'ns-1' });
  const oneStep = new Set(whoCanIndirectly(attrs, two).map((r) => r.subject));
  const rows = whoCanIndirectly(attrs, two, { twoSteps: true });
  const twoStep = Object.fromEntries(rows.filter((r) => !oneStep.has(r.subject)).map((r) => [r.subject, `${r.how} | ${r.via.join('; ')}`]));
  assert.ok(oneStep.has('ns-2/tokener'), 'the intermediate has a one-step route');
  assert.deepEqual(Object.keys(twoStep).sort(), ['paul', 'sam', 'tina']);
  assert.equal(twoStep['tina'], 'impersonates User "ben"; as User "ben": binds ClusterRole "secret-reader" to itself in namespace ns-1 (create rolebindings, bind) | ClusterRoleBinding "tina-ben" of ClusterRole "impersonate-ben"; RoleBinding "ben-binds/ns-1" of ClusterRole "binder"');
  assert.equal(twoStep['paul'], 'creates pods in namespace ns-2 that run as ServiceAccount "ns-2/tokener"; as ServiceAccount "ns-2/tokener": mints a token for ServiceAccount "ns-1/reader" | RoleBinding "paul-pods/ns-2" of Role "pod-maker"; RoleBinding "tokener-tokens/ns-1" of Role "tokens"');
  // impersonating a service account is asked in its namespace, so a RoleBinding there is enough
  assert.equal(twoStep['sam'], 'impersonates ServiceAccount "ns-2/tokener"; as ServiceAccount "ns-2/tokener": mints a token for ServiceAccount "ns-1/reader" | RoleBinding "sam-imp/ns-2" of ClusterRole "impersonate-tokener"; RoleBinding "tokener-tokens/ns-1" of Role "tokens"');
  // ivy may impersonate ivan, whose own route is impersonation: one request cannot carry two impersonations.
  // carl creates pods only in ns-3, where no intermediate lives.
  for (const s of ['ivy', 'carl']) assert.ok(!(s in twoStep), s);
  // the one-step rows are the same with or without the second pass
  assert.deepEqual(rows.filter((r) => oneStep.has(r.subject)), whoCanIndirectly(attrs, two));
});

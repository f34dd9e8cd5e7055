// `a-kubectl auth can-i --offline -f DIR` against a live `a-kube up`: a directory of RBAC objects (aggregated
// ClusterRoles, a CRD, subresources, resourceNames, wildcards, non-resource URLs, groups and service accounts) is
// applied with the real kubectl 1.32, and each request of the table is asked three ways — kubectl online, a-kubectl
// offline (no kubeconfig, no server), and the answer written in the table. All three must agree.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { akubectl, entry, hasKubectl, kubectl, kubectlBinary, repoRoot, startCluster, type Cluster } from './harness.js';

const skip = hasKubectl ? false : 'kubectl is needed';
const kubectl132 = kubectlBinary('1.32');

let cluster: Cluster;
let dir: string;
let home: string;

const rbac = 'rbac.authorization.k8s.io/v1';
const ref = (kind: string, name: string) => `roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ${kind}, name: ${name}}`;
const user = (name: string) => `{kind: User, name: ${name}, apiGroup: rbac.authorization.k8s.io}`;
const group = (name: string) => `{kind: Group, name: "${name}", apiGroup: rbac.authorization.k8s.io}`;

const files: Record<string, string> = {
  '00-namespaces.yaml': ['team-a', 'team-b'].map((n) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${n}}\n`).join('---\n'),
  'crd/widgets.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`,
  'team-a/accounts.yaml': `apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ServiceAccount, metadata: {name: builder, namespace: team-a}}
- {apiVersion: v1, kind: ServiceAccount, metadata: {name: runner, namespace: team-a}}
- {apiVersion: v1, kind: ServiceAccount, metadata: {name: reader, namespace: team-b}}
`,
  'cluster/roles.yaml': `apiVersion: ${rbac}
kind: ClusterRole
metadata: {name: widget-viewer, labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}}
rules: [{apiGroups: [example.com], resources: [widgets], verbs: [get, list, watch]}]
---
apiVersion: ${rbac}
kind: ClusterRole
metadata: {name: widget-editor, labels: {rbac.authorization.k8s.io/aggregate-to-edit: "true"}}
rules: [{apiGroups: [example.com], resources: [widgets], verbs: [create, update, patch, delete]}]
---
apiVersion: ${rbac}
kind: ClusterRole
metadata: {name: monitoring}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {example.com/monitoring: "true"}}]
rules: []
---
apiVersion: ${rbac}
kind: ClusterRole
metadata: {name: monitoring-pods, labels: {example.com/monitoring: "true"}}
rules: [{apiGroups: [""], resources: [pods, pods/log], verbs: [get, list]}]
---
apiVersion: ${rbac}
kind: ClusterRole
metadata: {name: monitoring-urls, labels: {example.com/monitoring: "true"}}
rules: [{nonResourceURLs: [/metrics, "/custom/*"], verbs: [get]}]
---
apiVersion: ${rbac}
kind: ClusterRole
metadata: {name: secret-one}
rules: [{apiGroups: [""], resources: [secrets], resourceNames: [db-password], verbs: [get]}]
---
apiVersion: ${rbac}
kind: ClusterRole
metadata: {name: everything-apps}
rules: [{apiGroups: [apps], resources: ["*"], verbs: ["*"]}]
---
apiVersion: ${rbac}
kind: ClusterRole
metadata: {name: scale-only}
rules: [{apiGroups: [apps], resources: [deployments/scale], verbs: [get, update, patch]}]
---
apiVersion: ${rbac}
kind: ClusterRole
metadata: {name: any-status}
rules: [{apiGroups: ["*"], resources: ["*/status"], verbs: [get]}]
`,
  'cluster/bindings.json': JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      ['monitoring', 'monitoring', { kind: 'Group', name: 'ops' }],
      ['secret-one', 'secret-one', { kind: 'User', name: 'carol' }],
      ['team-b-apps', 'everything-apps', { kind: 'Group', name: 'system:serviceaccounts:team-b' }],
      ['scale', 'scale-only', { kind: 'User', name: 'dave' }],
      ['status', 'any-status', { kind: 'Group', name: 'system:serviceaccounts' }],
    ].map(([name, role, subject]) => ({ apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ ...(subject as object), apiGroup: 'rbac.authorization.k8s.io' }] })),
  }),
  'team-a/rbac.yaml': `apiVersion: ${rbac}
kind: Role
metadata: {name: pod-reader, namespace: team-a}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get, list, watch]}
- {apiGroups: [""], resources: [pods/log], verbs: [get]}
---
apiVersion: ${rbac}
kind: Role
metadata: {name: cm-named, namespace: team-a}
rules: [{apiGroups: [""], resources: [configmaps], resourceNames: [app-config], verbs: [get, update]}]
---
apiVersion: ${rbac}
kind: RoleBinding
metadata: {name: alice-pod-reader, namespace: team-a}
${ref('Role', 'pod-reader')}
subjects: [${user('alice')}]
---
apiVersion: ${rbac}
kind: RoleBinding
metadata: {name: builder-edit, namespace: team-a}
${ref('ClusterRole', 'edit')}
subjects: [{kind: ServiceAccount, name: builder}]
---
apiVersion: ${rbac}
kind: RoleBinding
metadata: {name: devs-config, namespace: team-a}
${ref('Role', 'cm-named')}
subjects: [${group('devs')}]
`,
  'team-b/rbac.yaml': `apiVersion: ${rbac}
kind: Role
metadata: {name: exec, namespace: team-b}
rules: [{apiGroups: [""], resources: [pods/exec], verbs: [create]}]
---
apiVersion: ${rbac}
kind: RoleBinding
metadata: {name: runner-exec, namespace: team-b}
${ref('Role', 'exec')}
subjects: [{kind: ServiceAccount, name: runner, namespace: team-a}]
---
apiVersion: ${rbac}
kind: RoleBinding
metadata: {name: alice-view, namespace: team-b}
${ref('ClusterRole', 'view')}
subjects: [${user('alice')}]
---
apiVersion: ${rbac}
kind: RoleBinding
metadata: {name: everyone-widgets, namespace: team-b}
${ref('ClusterRole', 'widget-viewer')}
subjects: [${group('system:authenticated')}]
`,
};

const sa = (ns: string, name: string) => `system:serviceaccount:${ns}:${name}`;

/** [expected, --as, extra arguments (verb, resource, flags)]; --as-group and -n go in the arguments. */
const table: [boolean, string, string[]][] = [
  [true, 'alice', ['get', 'pods', '-n', 'team-a']],
  [true, 'alice', ['list', 'pods', '-n', 'team-a']],
  [false, 'alice', ['delete', 'pods', '-n', 'team-a']],
  [true, 'alice', ['get', 'pods', '--subresource=log', '-n', 'team-a']],
  [false, 'alice', ['create', 'pods', '--subresource=exec', '-n', 'team-a']],
  [true, 'alice', ['list', 'pods', '-n', 'team-b']],
  [true, 'alice', ['list', 'widgets', '-n', 'team-b']],
  [false, 'alice', ['create', 'widgets', '-n', 'team-b']],
  [false, 'alice', ['get', 'secrets', '-n', 'team-b']],
  [false, 'alice', ['list', 'pods', '-A']],
  [false, 'alice', ['list', 'widgets', '-n', 'team-a']],
  [false, 'alice', ['*', '*', '-n', 'team-a']],
  [false, 'alice', ['impersonate', 'users']],
  [true, 'bob', ['list', 'widgets.example.com', '-n', 'team-b']],
  [false, 'bob', ['list', 'widgets', '-n', 'team-a']],
  [true, 'bob', ['create', 'selfsubjectaccessreviews.authorization.k8s.io']],
  [false, 'bob', ['get', 'nodes', '--subresource=status']],
  [true, sa('team-a', 'builder'), ['create', 'deployments.apps', '-n', 'team-a']],
  [true, sa('team-a', 'builder'), ['create', 'widgets', '-n', 'team-a']],
  [true, sa('team-a', 'builder'), ['delete', 'wd', '-n', 'team-a']],
  [true, sa('team-a', 'builder'), ['list', 'widgets.example.com', '-n', 'team-a']],
  [true, sa('team-a', 'builder'), ['get', 'secrets', '-n', 'team-a']],
  [false, sa('team-a', 'builder'), ['create', 'rolebindings.rbac.authorization.k8s.io', '-n', 'team-a']],
  [false, sa('team-a', 'builder'), ['create', 'pods', '-n', 'team-b']],
  [true, sa('team-a', 'builder'), ['get', 'pods', '--subresource=status', '-n', 'team-b']],
  [true, sa('team-a', 'builder'), ['get', 'nodes', '--subresource=status']],
  [false, sa('team-a', 'builder'), ['update', 'nodes', '--subresource=status']],
  [true, sa('team-a', 'runner'), ['create', 'pods', '--subresource=exec', '-n', 'team-b']],
  [false, sa('team-a', 'runner'), ['get', 'pods', '--subresource=exec', '-n', 'team-b']],
  [false, sa('team-a', 'runner'), ['create', 'pods', '--subresource=exec', '-n', 'team-a']],
  [true, sa('team-b', 'reader'), ['create', 'deployments.apps', '-n', 'team-b']],
  [true, sa('team-b', 'reader'), ['delete', 'statefulsets.apps', '-n', 'team-a']],
  [true, sa('team-b', 'reader'), ['get', 'deployments.apps', '--subresource=scale', '-n', 'team-a']],
  [false, sa('team-b', 'reader'), ['create', 'pods', '-n', 'team-b']],
  [false, sa('team-b', 'reader'), ['create', 'deployments.apps', '-n', 'team-b', '--as-group=system:authenticated']],
  [true, 'carol', ['get', 'secrets/db-password', '-n', 'team-a']],
  [false, 'carol', ['get', 'secrets/other', '-n', 'team-a']],
  [false, 'carol', ['list', 'secrets', '-n', 'team-a']],
  [false, 'carol', ['update', 'secrets/db-password', '-n', 'team-a']],
  [true, 'carol', ['get', 'secrets/db-password', '-A']],
  [true, 'dave', ['get', 'deployments.apps', '--subresource=scale', '-n', 'team-a']],
  [true, 'dave', ['update', 'deployments.apps', '--subresource=scale', '-n', 'team-b']],
  [false, 'dave', ['get', 'deployments.apps', '-n', 'team-a']],
  [false, 'dave', ['get', 'statefulsets.apps', '--subresource=scale', '-n', 'team-a']],
  [true, 'eve', ['list', 'pods', '-n', 'team-a', '--as-group=ops']],
  [true, 'eve', ['get', 'pods', '--subresource=log', '-n', 'team-b', '--as-group=ops']],
  [false, 'eve', ['delete', 'pods', '-n', 'team-a', '--as-group=ops']],
  [true, 'eve', ['get', '/metrics', '--as-group=ops']],
  [true, 'eve', ['get', '/custom/a/b', '--as-group=ops']],
  [false, 'eve', ['get', '/custom', '--as-group=ops']],
  [false, 'eve', ['post', '/metrics', '--as-group=ops']],
  [false, 'bob', ['get', '/metrics']],
  [true, 'bob', ['get', '/healthz']],
  [true, 'bob', ['get', '/apis']],
  // (system:anonymous may not ask the server — it cannot create SelfSubjectAccessReviews — so it is in the unit tests)
  [true, 'bob', ['get', '/version']],
  [false, 'bob', ['get', '/logs/']],
  [false, 'bob', ['list', 'namespaces']],
  [true, 'frank', ['get', 'configmaps/app-config', '-n', 'team-a', '--as-group=devs']],
  [true, 'frank', ['update', 'configmaps/app-config', '-n', 'team-a', '--as-group=devs']],
  [false, 'frank', ['get', 'configmaps/other', '-n', 'team-a', '--as-group=devs']],
  [false, 'frank', ['list', 'configmaps', '-n', 'team-a', '--as-group=devs']],
  [true, 'root', ['delete', 'nodes', '--as-group=system:masters']],
  [true, 'system:kube-scheduler', ['create', 'pods', '--subresource=binding', '-n', 'team-a']],
  [true, sa('kube-system', 'replicaset-controller'), ['create', 'pods', '-n', 'team-a']],
  [false, sa('kube-system', 'replicaset-controller'), ['create', 'deployments.apps', '-n', 'team-a']],
  [true, 'system:a-kube:network-policy-agent', ['list', 'networkpolicies.networking.k8s.io', '-A']],
  [true, 'system:kube-controller-manager', ['get', 'secrets', '-n', 'kube-system']],
  // The start-up Roles of kube-system and kube-public.
  [true, sa('kube-system', 'bootstrap-signer'), ['update', 'configmaps/cluster-info', '-n', 'kube-public']],
  [false, sa('kube-system', 'bootstrap-signer'), ['update', 'configmaps/other', '-n', 'kube-public']],
  [true, sa('kube-system', 'token-cleaner'), ['delete', 'secrets', '-n', 'kube-system']],
  [false, sa('kube-system', 'token-cleaner'), ['delete', 'secrets', '-n', 'default']],
];

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'akube-offline-objects-'));
  home = mkdtempSync(join(tmpdir(), 'akube-offline-home-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  cluster = await startCluster({ args: ['--storage', 'memory', '--runtime', 'fake'], timeoutMs: 120_000 });
  const r = kubectl(cluster, ['apply', '-R', '-f', dir], kubectl132 ? { binary: kubectl132 } : {});
  assert.equal(r.status, 0, r.stderr);
  // the aggregation controller fills monitoring, view, edit and admin (admin ← edit ← view: several passes); the CRD is served before kubectl can name widgets
  for (let i = 0; ; i++) {
    const mon = kubectl(cluster, ['get', 'clusterrole', 'monitoring', '-o', 'jsonpath={.rules[*].resources}']);
    const view = kubectl(cluster, ['get', 'clusterroles', 'view', 'edit', 'admin', '-o', 'jsonpath={range .items[*]}{.rules[*].resources}{"\\n"}{end}']);
    const crd = kubectl(cluster, ['get', 'crd', 'widgets.example.com', '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}']);
    if (mon.stdout.includes('pods/log') && view.stdout.trim().split('\n').filter((l) => l.includes('widgets')).length === 3 && crd.stdout === 'True') break;
    assert.ok(i < 100, `not settled: ${mon.stdout} / ${crd.stdout}`);
    await delay(200);
  }
});

after(async () => {
  await cluster?.cleanup();
  for (const d of [dir, home]) if (d) rmSync(d, { recursive: true, force: true });
});

/** a-kubectl with no kubeconfig at all: nothing to connect to. */
function offline(args: string[]) {
  const r = spawnSync(process.execPath, [...entry('a-kubectl'), ...args, '--offline', '-f', dir], { encoding: 'utf8', cwd: repoRoot, timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: home } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test(`can-i: ${table.length} requests, answered alike by kubectl 1.32 online and a-kubectl offline`, { skip }, () => {
  assert.ok(table.length >= 50);
  assert.ok(table.filter(([want]) => want).length >= 20 && table.filter(([want]) => !want).length >= 20, 'both answers are well represented');
  const disagreements: string[] = [];
  for (const [want, as, args] of table) {
    const argv = ['auth', 'can-i', ...args, `--as=${as}`];
    const on = kubectl(cluster, argv, kubectl132 ? { binary: kubectl132 } : {});
    const off = offline(argv);
    const onAnswer = on.status === 0 ? true : on.status === 1 && /^no\b/.test(on.stdout) ? false : `error: ${on.stderr}`;
    const offAnswer = off.status === 0 ? true : off.status === 1 && /^no\b/.test(off.stdout) ? false : `error: ${off.stderr}`;
    if (onAnswer !== want || offAnswer !== want) disagreements.push(`${argv.join(' ')}: table ${want}, online ${onAnswer}, offline ${offAnswer}`);
  }
  assert.deepEqual(disagreements, []);
});

test('--explain reasons match the server\'s, and who-can lists the same subjects online and offline', { skip }, () => {
  const args = ['auth', 'can-i', 'list', 'widgets', '-n', 'team-b', '--as=alice', '--explain'];
  const on = akubectl(cluster, args);
  const off = offline(args);
  assert.equal(on.status, 0, on.stderr);
  assert.equal(off.stdout, on.stdout);
  for (const q of [['list', 'widgets', '-n', 'team-b'], ['get', 'secrets', '-n', 'team-a'], ['get', '/metrics'], ['create', 'pods', '--subresource=exec', '-n', 'team-b']]) {
    const w = ['auth', 'who-can', ...q];
    const a = akubectl(cluster, w);
    const b = offline(w);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.stdout, a.stdout, w.join(' '));
  }
});

// `auth audit2rbac --user NAME`: the least RBAC for what one user did, read from an audit log this test writes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runA } from './fake-cluster.js';
import { objectNameFor } from '../../../src/cli/commands/auth-audit2rbac.js';
import { isValidPathSegmentName } from '../../../src/api/validation/names.js';

let dir: string;
let log: string;

interface Line {
  stage?: string;
  verb: string;
  uri: string;
  user: string;
  as?: string;
  /** The user's groups as the event records them (default: system:authenticated). */
  groups?: string[];
  ref?: { resource: string; subresource?: string; namespace?: string; apiGroup?: string; name?: string };
}

function event(l: Line, n: number): string {
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `id-${n}`,
    stage: l.stage ?? 'ResponseComplete',
    requestURI: l.uri,
    verb: l.verb,
    user: { username: l.user, groups: l.as ? ['system:masters', 'system:authenticated'] : (l.groups ?? ['system:authenticated']) },
    ...(l.as ? { impersonatedUser: { username: l.as, groups: l.groups ?? ['system:authenticated'] } } : {}),
    ...(l.ref ? { objectRef: { apiVersion: 'v1', ...l.ref } } : {}),
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z',
    stageTimestamp: '2026-01-01T00:00:00.000000Z',
  });
}

const lines: Line[] = [
  // alice, directly
  { verb: 'list', uri: '/api/v1/namespaces/web/pods', user: 'alice', ref: { resource: 'pods', namespace: 'web' } },
  { verb: 'get', uri: '/api/v1/namespaces/web/pods/p1/log', user: 'alice', ref: { resource: 'pods', subresource: 'log', namespace: 'web', name: 'p1' } },
  { verb: 'patch', uri: '/apis/apps/v1/namespaces/web/deployments/front', user: 'alice', ref: { resource: 'deployments', apiGroup: 'apps', namespace: 'web', name: 'front' } },
  { verb: 'get', uri: '/apis/apps/v1/namespaces/web/deployments/front', user: 'alice', ref: { resource: 'deployments', apiGroup: 'apps', namespace: 'web', name: 'front' } },
  { verb: 'list', uri: '/api/v1/namespaces', user: 'alice', ref: { resource: 'namespaces' } },
  { verb: 'get', uri: '/metrics?x=1', user: 'alice' },
  // a watch still open when the log is read has only its ResponseStarted event
  { stage: 'ResponseStarted', verb: 'watch', uri: '/api/v1/namespaces/web/pods?watch=1', user: 'alice', ref: { resource: 'pods', namespace: 'web' } },
  // what every signed-in user may do already (discovery, reviews of one's own access) needs no rule
  { verb: 'get', uri: '/apis', user: 'alice' },
  { verb: 'get', uri: '/healthz', user: 'alice' },
  { verb: 'create', uri: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', user: 'alice', ref: { resource: 'selfsubjectaccessreviews', apiGroup: 'authorization.k8s.io' } },
  // ... unless the log says the user is not in the group the grant names
  { verb: 'get', uri: '/apis', user: 'dave', groups: ['system:unauthenticated'] },
  // the same request's earlier stage is not a second request
  { stage: 'RequestReceived', verb: 'delete', uri: '/api/v1/namespaces/web/secrets/s', user: 'alice', ref: { resource: 'secrets', namespace: 'web', name: 's' } },
  // an administrator acting as alice counts for alice
  { verb: 'create', uri: '/api/v1/namespaces/jobs/configmaps', user: 'admin', as: 'alice', ref: { resource: 'configmaps', namespace: 'jobs' } },
  // alice acting as bob, and bob himself, do not
  { verb: 'delete', uri: '/api/v1/namespaces/web/pods/p1', user: 'alice', as: 'bob', ref: { resource: 'pods', namespace: 'web', name: 'p1' } },
  { verb: 'list', uri: '/api/v1/nodes', user: 'bob', ref: { resource: 'nodes' } },
  // an OIDC user: '/' may not be part of an object name
  { verb: 'list', uri: '/api/v1/namespaces/web/pods', user: 'https://issuer.example/realms/a#alice', ref: { resource: 'pods', namespace: 'web' } },
  // a user whose name only starts like alice's
  { verb: 'list', uri: '/api/v1/namespaces/web/secrets', user: 'alice2', ref: { resource: 'secrets', namespace: 'web' } },
];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'akube-audit2rbac-'));
  log = join(dir, 'audit.log');
  writeFileSync(log, [...lines.map(event), 'not json: skipped', ''].join('\n'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('--user NAME: a ClusterRole for cluster-scoped resources and URLs, a Role per namespace, each bound to the User', async () => {
  const r = await runA(undefined, ['auth', 'audit2rbac', '--user', 'alice', '--audit-log', log]);
  assert.equal(r.code, 0, r.stderr);
  const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, any>);
  const subjects = [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }];
  const labels = { 'a-kube.io/generated-by': 'audit2rbac' };
  assert.deepEqual(objects, [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'audit2rbac:alice', labels },
      rules: [
        { apiGroups: [''], resources: ['namespaces'], verbs: ['list'] },
        { nonResourceURLs: ['/metrics'], verbs: ['get'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'audit2rbac:alice', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'audit2rbac:alice' },
      subjects,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'audit2rbac:alice', namespace: 'jobs', labels },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['create'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'audit2rbac:alice', namespace: 'jobs', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'audit2rbac:alice' },
      subjects,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'audit2rbac:alice', namespace: 'web', labels },
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'audit2rbac:alice', namespace: 'web', labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'audit2rbac:alice' },
      subjects,
    },
  ]);
});

test('discovery is left out only where the recorded groups get it from the bootstrap policy; nothing else is, an error', async () => {
  const dave = await runA(undefined, ['auth', 'audit2rbac', '--user', 'dave', '--audit-log', log]);
  assert.equal(dave.code, 0, dave.stderr);
  const objects = parseAllDocuments(dave.stdout).map((d) => d.toJS() as Record<string, any>);
  assert.deepEqual(objects[0]?.rules, [{ nonResourceURLs: ['/apis'], verbs: ['get'] }]);
  const only = join(dir, 'only-discovery.log');
  writeFileSync(only, `${event({ verb: 'get', uri: '/api', user: 'erin' }, 1)}\n`);
  const erin = await runA(undefined, ['auth', 'audit2rbac', '--user', 'erin', '--audit-log', only]);
  assert.equal(erin.code, 1);
  assert.equal(erin.stderr, `error: nothing to grant: every request by erin in ${only} is one its groups may already make (discovery, reviews of its own access)\n`);
});

test('without --audit-log: the audit.log beside the kubeconfig in use, as a-kube up writes them', async () => {
  const kubeconfig = join(dir, 'admin.kubeconfig');
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
  const r = await runA(undefined, ['--kubeconfig', kubeconfig, 'auth', 'audit2rbac', '--user', 'bob']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /name: audit2rbac:bob/);
  const elsewhere = mkdtempSync(join(tmpdir(), 'akube-audit2rbac-kubeconfig-'));
  try {
    writeFileSync(join(elsewhere, 'config'), 'apiVersion: v1\nkind: Config\n');
    const none = await runA(undefined, ['--kubeconfig', join(elsewhere, 'config'), 'auth', 'audit2rbac', '--user', 'bob']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^error: no audit log at \/.*\/\.a-kube\/audit\.log: name one with --audit-log FILE/);
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

test('--user: another user\'s requests are their own; nothing recorded for a user is an error', async () => {
  const r = await runA(undefined, ['auth', 'audit2rbac', '--user', 'bob', '--audit-log', log]);
  assert.equal(r.code, 0, r.stderr);
  const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, any>);
  assert.deepEqual(objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`), ['ClusterRole /audit2rbac:bob', 'ClusterRoleBinding /audit2rbac:bob', 'Role web/audit2rbac:bob', 'RoleBinding web/audit2rbac:bob']);
  assert.deepEqual(objects[0]?.rules, [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }]);
  assert.deepEqual(objects[2]?.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['delete'] }]);
  const none = await runA(undefined, ['auth', 'audit2rbac', '--user', 'carol', '--audit-log', log]);
  assert.equal(none.code, 1);
  assert.equal(none.stdout, '');
  assert.equal(none.stderr, `error: no requests by carol in ${log}\n`);
});

test('--user and --serviceaccount together, or neither, are refused', async () => {
  for (const args of [['--user', 'alice', '--serviceaccount', 'web:builder'], []]) {
    const r = await runA(undefined, ['auth', 'audit2rbac', ...args, '--audit-log', log]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: name exactly one subject: --serviceaccount NAMESPACE:NAME or --user NAME\n');
  }
});

test('--user with \'/\' in the name (OIDC): valid object names, the same on every run, different for users differing only there', async () => {
  const user = 'https://issuer.example/realms/a#alice';
  const r = await runA(undefined, ['auth', 'audit2rbac', '--user', user, '--audit-log', log]);
  assert.equal(r.code, 0, r.stderr);
  const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, any>);
  assert.deepEqual(objects.map((o) => o.kind), ['Role', 'RoleBinding']);
  const name = objects[0]!.metadata.name as string;
  assert.match(name, /^audit2rbac:https:--issuer\.example-realms-a#alice-[0-9a-f]{8}$/);
  assert.deepEqual(isValidPathSegmentName(name), []);
  assert.equal(objects[1]!.roleRef.name, name);
  assert.deepEqual(objects[1]!.subjects, [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }]);
  const again = await runA(undefined, ['auth', 'audit2rbac', '--user', user, '--audit-log', log]);
  assert.equal(again.stdout, r.stdout);
  const user2 = (n: string) => objectNameFor({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: n });
  assert.notEqual(user2('a/b'), user2('a-b'));
  assert.notEqual(user2('a/b'), user2('a%b'));
  assert.equal(user2('a-b'), 'audit2rbac:a-b');
  for (const n of ['.', '..', '%', '/', 'a/../b']) assert.deepEqual(isValidPathSegmentName(user2(n)), [], n);
});

test('--serviceaccount: the namespace is part of the objects\' name (two namespaces\' "worker" do not share a ClusterRole)', () => {
  assert.equal(objectNameFor({ kind: 'ServiceAccount', namespace: 'ns-1', name: 'worker' }), 'audit2rbac:ns-1:worker');
  assert.notEqual(objectNameFor({ kind: 'ServiceAccount', namespace: 'ns-1', name: 'worker' }), objectNameFor({ kind: 'ServiceAccount', namespace: 'ns-2', name: 'worker' }));
});

// `create role|clusterrole|rolebinding|clusterrolebinding|token` against a fake API server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration, formatGoDuration } from '../../../src/cli/commands/go-duration.js';
import { runA, startFakeCluster, status, type FakeCluster } from './fake-cluster.js';

let cluster: FakeCluster;
before(async () => {
  cluster = await startFakeCluster();
  cluster.on('POST', /\/(roles|clusterroles|rolebindings|clusterrolebindings)$/, (req) => ({ status: 201, body: req.json() }));
});
after(() => cluster.close());

function lastCall() {
  const calls = cluster.calls();
  const c = calls[calls.length - 1];
  assert.ok(c, 'no request was sent');
  return c;
}

test('create role: the seed step sends kubectl-create query and the Role body', async () => {
  const r = await runA(cluster, ['create', 'role', 'pod-lister', '--verb=list', '--resource=pods', '--namespace=ns-1']);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'role.rbac.authorization.k8s.io/pod-lister created\n');
  const c = lastCall();
  assert.equal(c.path, '/apis/rbac.authorization.k8s.io/v1/namespaces/ns-1/roles');
  assert.equal(c.query.get('fieldManager'), 'kubectl-create');
  assert.equal(c.query.get('fieldValidation'), 'Strict');
  assert.deepEqual(c.json(), {
    kind: 'Role',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    metadata: { name: 'pod-lister', namespace: 'ns-1', creationTimestamp: null },
    rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }],
  });
});

test('create role: rules grouped per API group, subresources, names, short names', async () => {
  const r = await runA(cluster, ['create', 'role', 'r2', '--verb=get,list', '--verb=watch,get', '--resource=po,deployments.apps,pods/log', '--resource=rs', '--resource-name=a', '--resource-name=a', '--resource-name=b', '--dry-run=client', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const obj = JSON.parse(r.stdout) as { rules: unknown };
  assert.deepEqual(obj.rules, [
    { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'], resourceNames: ['a', 'b'] },
    { verbs: ['get', 'list', 'watch'], apiGroups: ['apps'], resources: ['deployments', 'replicasets'], resourceNames: ['a', 'b'] },
  ]);
});

const failures: { name: string; argv: string[]; stderr: string }[] = [
  { name: 'no verb', argv: ['create', 'role', 'x', '--resource=pods'], stderr: 'error: at least one verb must be specified\n' },
  { name: 'no resource', argv: ['create', 'role', 'x', '--verb=get'], stderr: 'error: at least one resource must be specified\n' },
  { name: 'bind on pods', argv: ['create', 'role', 'x', '--verb=bind', '--resource=pods'], stderr: "error: can not perform 'bind' on 'pods' in group ''\n" },
  { name: 'unknown resource', argv: ['create', 'role', 'x', '--verb=get', '--resource=foos'], stderr: 'the server doesn\'t have a resource type "foos"\n' },
  { name: 'group without resource', argv: ['create', 'role', 'x', '--verb=get', '--resource=.apps'], stderr: 'error: resource must be specified if apiGroup/subresource specified\n' },
  { name: 'two names', argv: ['create', 'role', 'a', 'b', '--verb=get', '--resource=pods'], stderr: "error: exactly one NAME is required, got 2\nSee 'a-kubectl create role -h' for help and examples\n" },
  { name: 'clusterrole aggregation with verbs', argv: ['create', 'clusterrole', 'x', '--aggregation-rule=a=b', '--verb=get'], stderr: 'error: aggregation rule must be specified without nonResourceURLs, verbs, resources or resourceNames\n' },
  { name: 'clusterrole neither', argv: ['create', 'clusterrole', 'x', '--verb=get'], stderr: 'error: one of resource or nonResourceURL must be specified\n' },
  { name: 'clusterrole url verb', argv: ['create', 'clusterrole', 'x', '--verb=list', '--non-resource-url=/logs'], stderr: "error: invalid verb: 'list' for nonResourceURL\n" },
  { name: 'clusterrole url slash', argv: ['create', 'clusterrole', 'x', '--verb=get', '--non-resource-url=logs'], stderr: 'error: nonResourceURL should start with /\n' },
  { name: 'clusterrole url star', argv: ['create', 'clusterrole', 'x', '--verb=get', '--non-resource-url=/lo*gs'], stderr: "error: nonResourceURL only supports wildcard matches when '*' is at the end\n" },
  { name: 'rolebinding both refs', argv: ['create', 'rolebinding', 'b', '--role=r', '--clusterrole=c'], stderr: 'error: exactly one of clusterrole or role must be specified\n' },
  { name: 'rolebinding no ref', argv: ['create', 'rolebinding', 'b'], stderr: 'error: exactly one of clusterrole or role must be specified\n' },
  { name: 'rolebinding bad sa', argv: ['create', 'rolebinding', 'b', '--role=r', '--serviceaccount=sa'], stderr: 'error: serviceaccount must be <namespace>:<name>\n' },
  { name: 'clusterrolebinding no role', argv: ['create', 'clusterrolebinding', 'b', '--user=u'], stderr: 'error: required flag(s) "clusterrole" not set\n' },
  { name: 'token sub-second', argv: ['create', 'token', 'sa', '--duration=1.5s'], stderr: 'error: --duration cannot be expressed in units less than seconds\n' },
  { name: 'token negative', argv: ['create', 'token', 'sa', '--duration=-1s'], stderr: 'error: --duration must be greater than or equal to 0\n' },
  { name: 'token kind', argv: ['create', 'token', 'sa', '--bound-object-kind=Foo', '--bound-object-name=x'], stderr: 'error: supported --bound-object-kind values are Node, Pod, Secret\n' },
  { name: 'token name without kind', argv: ['create', 'token', 'sa', '--bound-object-name=x'], stderr: 'error: --bound-object-name can only be set if --bound-object-kind is provided\n' },
  { name: 'token kind without name', argv: ['create', 'token', 'sa', '--bound-object-kind=Pod'], stderr: 'error: --bound-object-name is required if --bound-object-kind is provided\n' },
];
for (const c of failures) {
  test(`refused: ${c.name}`, async () => {
    const r = await runA(cluster, c.argv);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, c.stderr);
    assert.equal(r.stdout, '');
  });
}

test('create role warns on a non-standard verb and still creates', async () => {
  const r = await runA(cluster, ['create', 'role', 'x', '--verb=foo', '--resource=pods']);
  assert.equal(r.stderr, "Warning: 'foo' is not a standard resource verb\n");
  assert.equal(r.stdout, 'role.rbac.authorization.k8s.io/x created\n');
});

test('create clusterrole: resources and non-resource URLs; aggregation rule', async () => {
  let r = await runA(cluster, ['create', 'clusterrole', 'cr', '--verb=get', '--resource=pods', '--non-resource-url=/logs/*,/logs/*']);
  assert.equal(r.stdout, 'clusterrole.rbac.authorization.k8s.io/cr created\n');
  assert.deepEqual((lastCall().json() as { rules: unknown }).rules, [
    { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
    { verbs: ['get'], nonResourceURLs: ['/logs/*'] },
  ]);
  r = await runA(cluster, ['create', 'clusterrole', 'agg', '--aggregation-rule=a=b,c=d']);
  assert.equal(r.code, 0, r.stderr);
  const body = lastCall().json() as Record<string, unknown>;
  assert.equal(body.rules, null);
  assert.deepEqual(body.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { a: 'b', c: 'd' } }] });
});

test('create rolebinding: the seed step, and subjects in kubectl order', async () => {
  let r = await runA(cluster, ['create', 'rolebinding', 'pod-lister-binding', '--role=pod-lister', '--serviceaccount=ns-1:k-sa-1', '--namespace=ns-1']);
  assert.equal(r.stdout, 'rolebinding.rbac.authorization.k8s.io/pod-lister-binding created\n');
  assert.deepEqual(lastCall().json(), {
    kind: 'RoleBinding',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    metadata: { name: 'pod-lister-binding', namespace: 'ns-1', creationTimestamp: null },
    subjects: [{ kind: 'ServiceAccount', name: 'k-sa-1', namespace: 'ns-1' }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-lister' },
  });
  r = await runA(cluster, ['create', 'clusterrolebinding', 'crb', '--clusterrole=view', '--serviceaccount=a:s', '--group=g', '--user=zed', '--user=amy']);
  assert.equal(r.stdout, 'clusterrolebinding.rbac.authorization.k8s.io/crb created\n');
  const subjects = (lastCall().json() as { subjects: { name: string }[] }).subjects.map((s) => s.name);
  assert.deepEqual(subjects, ['zed', 'amy', 'g', 's']);
});

test('create token: request body, bare token on a pipe, newline on a terminal, errors wrapped', async () => {
  cluster.on('POST', '/api/v1/namespaces/ns-1/serviceaccounts/k-sa-1/token', (req) => ({ status: 201, body: { ...(req.json() as object), status: { token: 'jwt.jwt.jwt', expirationTimestamp: '2030-01-01T00:00:00Z' } } }));
  let r = await runA(cluster, ['create', 'token', 'k-sa-1', '-n', 'ns-1', '--duration=10m', '--audience=foo', '--bound-object-kind=Pod', '--bound-object-name=p']);
  assert.equal(r.stdout, 'jwt.jwt.jwt');
  assert.deepEqual((lastCall().json() as { spec: unknown }).spec, { audiences: ['foo'], expirationSeconds: 600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } });
  r = await runA(cluster, ['create', 'token', 'k-sa-1', '-n', 'ns-1'], { tty: true });
  assert.equal(r.stdout, 'jwt.jwt.jwt\n');
  assert.deepEqual((lastCall().json() as { spec: unknown }).spec, { audiences: null, expirationSeconds: null, boundObjectRef: null });
  cluster.on('POST', '/api/v1/namespaces/ns-1/serviceaccounts/nope/token', status(404, 'NotFound', 'serviceaccounts "nope" not found'));
  r = await runA(cluster, ['create', 'token', 'nope', '-n', 'ns-1']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'error: failed to create token: serviceaccounts "nope" not found\n');
});

test('Go durations', () => {
  const cases: [string, number][] = [['0', 0], ['10m', 600_000], ['1h10m', 4_200_000], ['1.5s', 1500], ['-1s', -1000], ['300ms', 300], ['2h', 7_200_000]];
  for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, text);
  for (const bad of ['', '10', 'abc', '1x', '.s']) assert.throws(() => parseGoDuration(bad), /time: /, bad);
  assert.equal(formatGoDuration(60_000), '1m0s');
  assert.equal(formatGoDuration(30_000), '30s');
  assert.equal(formatGoDuration(3_600_000), '1h0m0s');
});

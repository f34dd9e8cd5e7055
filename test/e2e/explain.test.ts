// `a-kubectl auth can-i --explain` against a real `a-kube up`: for the seed's 403s it ranks the closest grants,
// prints the commands that would allow exactly the request, and running them turns the answer to yes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { akubectl, startCluster, type Cluster } from './harness.js';

let cluster: Cluster;
const asSA = '--as=system:serviceaccount:ns-1:k-sa-1';

before(async () => {
  cluster = await startCluster({ args: ['--storage', 'memory', '--runtime', 'fake'], timeoutMs: 60_000 });
  for (const args of [['create', 'namespace', 'ns-1'], ['create', 'serviceaccount', 'k-sa-1', '--namespace=ns-1']]) {
    const r = akubectl(cluster, args);
    assert.equal(r.status, 0, r.stderr);
  }
});

after(async () => {
  await cluster?.cleanup();
});

/** The commands under "To allow exactly this request:", run one by one. */
function runFix(stdout: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.indexOf('To allow exactly this request:');
  assert.ok(start >= 0, stdout);
  const commands: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('  a-kubectl ')) break;
    commands.push(line.trim());
    const r = akubectl(cluster, line.trim().split(' ').slice(1));
    assert.equal(r.status, 0, `${line}: ${r.stderr}`);
  }
  return commands;
}

test('the seed\'s first denial: the fix printed is the seed\'s own create role / create rolebinding pair, and it works', () => {
  const r = akubectl(cluster, ['auth', 'can-i', 'list', 'pods', '--namespace=ns-1', asSA, '--explain']);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^no\n/);
  const commands = runFix(r.stdout);
  assert.deepEqual(commands, [
    'a-kubectl create role pod-lister --verb=list --resource=pods --namespace=ns-1',
    'a-kubectl create rolebinding pod-lister-binding --role=pod-lister --serviceaccount=ns-1:k-sa-1 --namespace=ns-1',
  ]);
  assert.match(r.stdout, /Or bind a ClusterRole that already allows it, and more \((view|edit|admin)(, (view|edit|admin))*\):\n  a-kubectl create rolebinding k-sa-1-\w+ --clusterrole=\w+ --serviceaccount=ns-1:k-sa-1 --namespace=ns-1\n$/);
  const yes = akubectl(cluster, ['auth', 'can-i', 'list', 'pods', '--namespace=ns-1', asSA, '--explain']);
  assert.equal(yes.stdout, 'yes\nRBAC: allowed by RoleBinding "pod-lister-binding/ns-1" of Role "pod-lister" to ServiceAccount "k-sa-1/ns-1"\n');
});

test('another namespace: the same grant in ns-1 is the closest miss; its fix works there too', () => {
  const r = akubectl(cluster, ['auth', 'can-i', 'list', 'pods', '--namespace=default', asSA, '--explain']);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /Closest rules for User "system:serviceaccount:ns-1:k-sa-1" \(groups=\[[^\]]*\]\):\n  RoleBinding "pod-lister-binding\/ns-1" of Role "pod-lister" to ServiceAccount "k-sa-1\/ns-1":\n    \{APIGroups:\[""\], Resources:\["pods"\], Verbs:\["list"\]\}\n    missing: namespace "default" \(the RoleBinding grants in "ns-1" only\)\n/);
  assert.deepEqual(runFix(r.stdout), [
    'a-kubectl create role pod-lister --verb=list --resource=pods --namespace=default',
    'a-kubectl create rolebinding pod-lister-binding --role=pod-lister --serviceaccount=ns-1:k-sa-1 --namespace=default',
  ]);
  assert.equal(akubectl(cluster, ['auth', 'can-i', 'list', 'pods', '--namespace=default', asSA]).stdout, 'yes\n');
});

test('a verb the Role lacks: ranked first, and the fix adds a role of its own rather than widening a shared one', () => {
  const r = akubectl(cluster, ['auth', 'can-i', 'delete', 'pods', '--namespace=ns-1', asSA, '--explain']);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /  RoleBinding "pod-lister-binding\/ns-1" of Role "pod-lister" to ServiceAccount "k-sa-1\/ns-1":\n    \{APIGroups:\[""\], Resources:\["pods"\], Verbs:\["list"\]\}\n    missing: verb "delete"\n/);
  assert.deepEqual(runFix(r.stdout), [
    'a-kubectl create role pod-deleter --verb=delete --resource=pods --namespace=ns-1',
    'a-kubectl create rolebinding pod-deleter-binding --role=pod-deleter --serviceaccount=ns-1:k-sa-1 --namespace=ns-1',
  ]);
  assert.equal(akubectl(cluster, ['auth', 'can-i', 'delete', 'pods', '--namespace=ns-1', asSA]).stdout, 'yes\n');
});

test('cluster-scoped resources and grouped kinds get a ClusterRole; an existing role of that name is not overwritten', () => {
  let r = akubectl(cluster, ['auth', 'can-i', 'get', 'nodes', asSA, '--explain']);
  assert.equal(r.status, 1);
  assert.deepEqual(runFix(r.stdout), [
    'a-kubectl create clusterrole node-getter --verb=get --resource=nodes',
    'a-kubectl create clusterrolebinding node-getter-binding --clusterrole=node-getter --serviceaccount=ns-1:k-sa-1',
  ]);
  assert.equal(akubectl(cluster, ['auth', 'can-i', 'get', 'nodes', asSA]).stdout, 'yes\n');
  const other = akubectl(cluster, ['create', 'role', 'deployment-scale-updater', '--verb=get', '--resource=pods', '--namespace=ns-1']);
  assert.equal(other.status, 0, other.stderr);
  r = akubectl(cluster, ['auth', 'can-i', 'update', 'deployments.apps', '--subresource=scale', '--namespace=ns-1', asSA, '--explain']);
  assert.equal(r.status, 1);
  assert.deepEqual(runFix(r.stdout), [
    'a-kubectl create role deployment-scale-updater-2 --verb=update --resource=deployments.apps/scale --namespace=ns-1',
    'a-kubectl create rolebinding deployment-scale-updater-2-binding --role=deployment-scale-updater-2 --serviceaccount=ns-1:k-sa-1 --namespace=ns-1',
  ]);
  assert.equal(akubectl(cluster, ['auth', 'can-i', 'update', 'deployments.apps', '--subresource=scale', '--namespace=ns-1', asSA]).stdout, 'yes\n');
});

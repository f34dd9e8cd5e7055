// `a-kubectl auth can-i --explain` against a real `a-kube up`: for the seed's 403s it ranks the closest grants,
// prints the commands that would allow exactly the request, and running them turns the answer to yes; and
// `auth audit2rbac` turns what a service account did (from the audit log) into the least RBAC that allows it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { akubectl, kubectl, startCluster, type Cluster } from './harness.js';

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

test('system:anonymous, who may not read the API groups nor ask for itself: --explain answers through the caller', () => {
  // kubectl's answer: the discovery made as the anonymous user is refused
  let r = akubectl(cluster, ['auth', 'can-i', 'list', 'pods', '--as=system:anonymous']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /User "system:anonymous" cannot get path "\/api"/);
  r = akubectl(cluster, ['auth', 'can-i', 'watch', 'services', '-n', 'ns-1', '--as=system:anonymous', '--explain']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^no\nNo rule granted to User "system:anonymous" \(groups=\["system:unauthenticated"\]\) is for the verb "watch" or the resource "services"\.\nTo allow exactly this request:\n  a-kubectl create role service-watcher --verb=watch --resource=services --namespace=ns-1\n  a-kubectl create rolebinding service-watcher-binding --role=service-watcher --user=system:anonymous --namespace=ns-1\n/);
  assert.match(r.stdout, /\nCareful: system:anonymous is every request without credentials; .*`a-kubectl auth risks` lists such bindings\)\.\n$/);
  r = akubectl(cluster, ['auth', 'can-i', 'get', '/version', '--as=system:anonymous', '--explain']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'yes\nRBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated"\n');
});

test('audit2rbac: the least RBAC for what a service account did; applied, the same requests are all allowed, and nothing more', async () => {
  for (const args of [['create', 'serviceaccount', 'worker', '--namespace=ns-1'], ['create', 'configmap', 'settings', '--from-literal=a=b', '--namespace=ns-1']]) {
    const r = akubectl(cluster, args);
    assert.equal(r.status, 0, r.stderr);
  }
  const token = akubectl(cluster, ['create', 'token', 'worker', '--namespace=ns-1']).stdout.trim();
  // The token alone: no kubeconfig, so no admin certificate goes with it.
  const asWorker = ['--kubeconfig=/dev/null', `--server=${cluster.url}`, `--certificate-authority=${join(cluster.dataDir, 'pki', 'ca.crt')}`, `--token=${token}`];
  const requests: string[][] = [
    ['get', 'pods', '--namespace=ns-1'],
    ['get', 'configmap', 'settings', '--namespace=ns-1'],
    ['create', 'configmap', 'made-by-worker', '--from-literal=x=y', '--namespace=ns-1'],
    ['get', 'namespaces'],
    ['get', 'deployments.apps', '--namespace=default'],
  ];
  const replay = (): number[] => requests.map((args) => {
    const r = spawnSync('kubectl', [...asWorker, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, HOME: cluster.dataDir } });
    return /forbidden/i.test(r.stderr) ? 403 : r.status ?? -1;
  });
  assert.deepEqual(replay(), [403, 403, 403, 403, 403]);
  const log = join(cluster.dataDir, 'audit.log');
  let yaml = '';
  for (let i = 0; i < 100; i++) {
    const r = akubectl(cluster, ['auth', 'audit2rbac', '--serviceaccount', 'ns-1:worker', '--audit-log', log]);
    if (r.status === 0 && r.stdout.includes('namespace: default') && r.stdout.includes('kind: ClusterRole')) {
      yaml = r.stdout;
      break;
    }
    await delay(100);
  }
  assert.ok(yaml, 'audit2rbac found the requests');
  // kubectl's discovery and access reviews are every signed-in user's already: no rule repeats them
  assert.doesNotMatch(yaml, /nonResourceURLs|selfsubject/, yaml);
  const applied = akubectl(cluster, ['apply', '-f', '-'], { input: yaml });
  assert.equal(applied.status, 0, applied.stderr);
  assert.deepEqual(replay().map((code) => code === 403), [false, false, false, false, false], 'no request is refused any more');
  // Exactly what was used: the namespaced rules as `can-i --list` shows them in ns-1.
  const list = akubectl(cluster, ['auth', 'can-i', '--list', '--namespace=ns-1', '--as=system:serviceaccount:ns-1:worker']).stdout;
  assert.match(list, /^configmaps +\[\] +\[\] +\[get create\]$/m);
  assert.match(list, /^pods +\[\] +\[\] +\[list\]$/m);
  assert.match(list, /^namespaces +\[\] +\[\] +\[list\]$/m);
  assert.doesNotMatch(list, /deployments/, 'the default namespace\'s grant stays there');
  assert.equal(akubectl(cluster, ['auth', 'can-i', 'delete', 'configmaps', '--namespace=ns-1', '--as=system:serviceaccount:ns-1:worker']).stdout, 'no\n');
  assert.equal(akubectl(cluster, ['auth', 'can-i', 'list', 'deployments.apps', '--namespace=default', '--as=system:serviceaccount:ns-1:worker']).stdout, 'yes\n');
});

test('audit2rbac for an OIDC-style user (\'/\' in the name): the objects\' names are valid, the server takes them, and they allow what the user did', async () => {
  const user = 'https://issuer.example/realms/main#alice';
  const as = [`--as=${user}`];
  const requests: string[][] = [['get', 'pods', '--namespace=ns-1'], ['get', 'nodes']];
  const replay = (): boolean[] => requests.map((args) => /forbidden/i.test(akubectl(cluster, [...as, ...args]).stderr));
  assert.deepEqual(replay(), [true, true]);
  const log = join(cluster.dataDir, 'audit.log');
  let yaml = '';
  for (let i = 0; i < 100; i++) {
    const r = akubectl(cluster, ['auth', 'audit2rbac', '--user', user, '--audit-log', log]);
    if (r.status === 0 && r.stdout.includes('kind: ClusterRole') && r.stdout.includes('namespace: ns-1')) {
      yaml = r.stdout;
      break;
    }
    await delay(100);
  }
  assert.ok(yaml, 'audit2rbac found the requests');
  const applied = akubectl(cluster, ['apply', '-f', '-'], { input: yaml });
  assert.equal(applied.status, 0, applied.stderr);
  const names = akubectl(cluster, ['get', 'clusterrole,clusterrolebinding', '-l', 'a-kube.io/generated-by=audit2rbac', '-o', 'name']).stdout.split('\n').filter((l) => l.includes('https'));
  assert.equal(names.length, 2, names.join(', '));
  for (const n of names) assert.match(n, /\/audit2rbac:https:--issuer\.example-realms-main#alice-[0-9a-f]{8}$/);
  assert.deepEqual(replay(), [false, false], 'no request is refused any more');
  // the same log gives the same names: applying it again changes nothing
  const again = akubectl(cluster, ['apply', '-f', '-'], { input: akubectl(cluster, ['auth', 'audit2rbac', '--user', user, '--audit-log', log]).stdout });
  assert.equal(again.status, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /created/);
});

test('auth risks: nothing for ordinary grants; a planted chain (create pods where a cluster-admin service account lives) is found, with its bindings', () => {
  // The grants made above (pod-lister, the audit2rbac roles, …) are no risk.
  let r = akubectl(cluster, ['auth', 'risks', '--fail-on=none']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /ns-1|team-a/);
  const setup = [
    ['create', 'namespace', 'team-a'],
    ['create', 'serviceaccount', 'creator', '--namespace=team-a'],
    ['create', 'serviceaccount', 'deployer', '--namespace=team-a'],
    ['create', 'role', 'pod-creator', '--verb=create', '--resource=pods', '--namespace=team-a'],
    ['create', 'rolebinding', 'creator-pods', '--role=pod-creator', '--serviceaccount=team-a:creator', '--namespace=team-a'],
    ['create', 'clusterrolebinding', 'deployer-admin', '--clusterrole=cluster-admin', '--serviceaccount=team-a:deployer'],
  ];
  for (const args of setup) {
    const s = akubectl(cluster, args);
    assert.equal(s.status, 0, s.stderr);
  }
  r = akubectl(cluster, ['auth', 'risks', '--no-headers']);
  assert.equal(r.status, 1, 'a CI job fails on it');
  assert.match(r.stdout, /^CRITICAL +ServiceAccount team-a\/creator +can create pods in namespace team-a that run as ServiceAccount team-a\/deployer, which can do anything anywhere \(cluster-admin\) +RoleBinding "creator-pods\/team-a" of Role "pod-creator"; ClusterRoleBinding "deployer-admin" of ClusterRole "cluster-admin"$/m);
  assert.match(r.stdout, /^CRITICAL +ServiceAccount team-a\/deployer +can do anything anywhere \(cluster-admin\) +ClusterRoleBinding "deployer-admin" of ClusterRole "cluster-admin"$/m);
  assert.equal(akubectl(cluster, ['auth', 'risks', '--fail-on=none']).status, 0);
  // who-can names the same route for a permission the creator lacks, as kubectl 1.32's own check confirms it lacks.
  const lacks = kubectl(cluster, ['auth', 'can-i', 'list', 'secrets', '-n', 'kube-system', '--as=system:serviceaccount:team-a:creator']);
  assert.equal(lacks.stdout.trim(), 'no');
  r = akubectl(cluster, ['auth', 'who-can', 'list', 'secrets', '-n', 'kube-system']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ServiceAccount +team-a\/deployer +ClusterRoleBinding\/deployer-admin +ClusterRole\/cluster-admin$/m);
  assert.match(r.stdout, /^KIND +SUBJECT +CAN ALLOW ITSELF BY +VIA$/m);
  assert.match(r.stdout, /^ServiceAccount +team-a\/creator +creates pods in namespace team-a that run as ServiceAccount "team-a\/deployer" +RoleBinding "creator-pods\/team-a" of Role "pod-creator"$/m);
  const anon = akubectl(cluster, ['create', 'rolebinding', 'anon-secrets', '--clusterrole=view', '--group=system:unauthenticated', '--namespace=team-a']);
  assert.equal(anon.status, 0, anon.stderr);
  const secrets = akubectl(cluster, ['create', 'role', 'secret-reader', '--verb=get', '--resource=secrets', '--namespace=team-a']);
  assert.equal(secrets.status, 0, secrets.stderr);
  assert.equal(akubectl(cluster, ['create', 'rolebinding', 'anon-secret-reader', '--role=secret-reader', '--group=system:unauthenticated', '--namespace=team-a']).status, 0);
  r = akubectl(cluster, ['auth', 'risks', '--no-headers']);
  assert.match(r.stdout, /^CRITICAL +Group system:unauthenticated +everyone \(system:unauthenticated\) can read the Secrets of namespace team-a +RoleBinding "anon-secret-reader\/team-a" of Role "secret-reader"$/m);
});

// The `__proto__` escalation of issue 7 against an API server whose objects keep the inherited `__proto__`
// accessor. The executables delete it (Node's --disable-proto=delete and src/cmd/disable-proto.ts), so every other
// end-to-end test runs with that defence in depth; this one starts the same API server from a fixture without it
// (test/fixtures/proto-intact/server.ts), so only the own-key handling of client data stands between the patch and
// Object.prototype. A service account allowed only get/patch on one namespace's ConfigMaps sends the patches with
// the real kubectl; afterwards nobody has become system:masters.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { join } from 'node:path';
import { hasKubectl, kubectl, ok, repoRoot, startCluster, type Cluster, type RunResult } from './harness.js';

const skip = hasKubectl ? false : 'kubectl is not installed';
let cluster: Cluster;
let as: (args: string[]) => RunResult;

/** A GET without credentials (kubectl would ask for a user name). */
function anonymousGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(new URL(path, cluster.url), { ca: readFileSync(join(cluster.dataDir, 'pki', 'ca.crt')), agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

before(async () => {
  if (skip) return;
  cluster = await startCluster({ launcher: ['--import', 'tsx', join(repoRoot, 'test/fixtures/proto-intact/server.ts')] });
  assert.match(cluster.log(), /__proto__ accessor present/);
  ok(kubectl(cluster, ['create', 'namespace', 'team']), 'namespace');
  ok(kubectl(cluster, ['create', 'serviceaccount', 'patcher', '-n', 'team']), 'serviceaccount');
  ok(kubectl(cluster, ['create', 'role', 'cm-patch', '-n', 'team', '--verb=get,patch', '--resource=configmaps']), 'role');
  ok(kubectl(cluster, ['create', 'rolebinding', 'cm-patch', '-n', 'team', '--role=cm-patch', '--serviceaccount=team:patcher']), 'rolebinding');
  ok(kubectl(cluster, ['create', 'configmap', 'c', '-n', 'team', '--from-literal=k=v']), 'configmap');
  const token = ok(kubectl(cluster, ['create', 'token', 'patcher', '-n', 'team']), 'token').trim();
  const ca = join(cluster.dataDir, 'pki', 'ca.crt');
  const file = join(cluster.dataDir, 'patcher.kubeconfig');
  const lines = ['apiVersion: v1', 'kind: Config', 'current-context: t', 'clusters:', '- name: c', '  cluster:', `    server: ${cluster.url}`, `    certificate-authority: ${ca}`];
  writeFileSync(file, [...lines, 'users:', '- name: u', `  user: {token: ${token}}`, 'contexts:', '- name: t', '  context: {cluster: c, user: u, namespace: team}', ''].join('\n'), { mode: 0o600 });
  as = (args) => {
    const r = spawnSync('kubectl', ['--kubeconfig', file, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: cluster.dataDir } });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
});

after(async () => {
  await cluster?.cleanup();
});

const escalation = '{"user":{"name":"x","groups":["system:masters"]},"namespace":"kube-system"}';

test('__proto__ patches by a patch-only service account leave anonymous, garbage tokens and the account itself as they were', { skip }, async () => {
  for (const [type, patch] of [
    ['merge', `{"__proto__":${escalation}}`],
    ['merge', `{"constructor":{"prototype":${escalation}}}`],
    ['strategic', `{"__proto__":${escalation},"metadata":{"__proto__":${escalation}}}`],
  ] as const) {
    ok(as(['patch', 'cm', 'c', `--type=${type}`, '-p', patch]), `kubectl patch --type=${type} ${patch}`);
  }
  const rejected = as(['patch', 'cm', 'c', '--type=json', '-p', `[{"op":"add","path":"/__proto__/user","value":${escalation}}]`]);
  assert.notEqual(rejected.status, 0, 'a JSON patch into /__proto__ has no such path');

  const garbage = as(['--token=garbage', 'auth', 'whoami']);
  assert.notEqual(garbage.status, 0);
  assert.match(garbage.stderr, /Unauthorized/);
  const anonymous = await anonymousGet('/api/v1/namespaces/team/configmaps');
  assert.equal(anonymous.status, 403, anonymous.body);
  assert.match(String((JSON.parse(anonymous.body) as { message: string }).message), /User "system:anonymous" cannot list resource "configmaps" in API group "" in the namespace "team"/);
  const me = JSON.parse(ok(as(['auth', 'whoami', '-o', 'json']), 'whoami')) as { status: { userInfo: { username: string; groups: string[] } } };
  assert.equal(me.status.userInfo.username, 'system:serviceaccount:team:patcher');
  assert.ok(!me.status.userInfo.groups.includes('system:masters'), me.status.userInfo.groups.join(','));
  const secrets = as(['get', 'secrets', '-n', 'kube-system']);
  assert.notEqual(secrets.status, 0);
  assert.match(secrets.stderr, /forbidden/);
  // The patched object kept its own namespace and data; the prototype keys stayed out of the stored object.
  const stored = JSON.parse(ok(kubectl(cluster, ['get', 'cm', 'c', '-n', 'team', '-o', 'json']), 'get cm')) as { metadata: { namespace: string }; data: Record<string, string> };
  assert.equal(stored.metadata.namespace, 'team');
  assert.deepEqual(stored.data, { k: 'v' });
});

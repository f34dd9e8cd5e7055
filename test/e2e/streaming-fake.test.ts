// pods/log, exec, attach and port-forward through the API server to a simulated node's agent (`a-kube up
// --runtime fake`): logs return the simulated container's lines; exec and the like say plainly that nothing runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, kubectl, akubectl, hasKubectl, kubectlBinary, type Cluster } from './harness.js';

let cluster: Cluster;

before(async () => {
  cluster = await startCluster({ args: ['--runtime', 'fake'] });
});
after(async () => {
  await cluster?.cleanup();
});

const opts = { skip: hasKubectl ? false : 'kubectl is not on the PATH', timeout: 120_000 };
const refused = (what: string) => new RegExp(`${what} is not supported by the container runtime "fake" of node "[^"]+": its containers run no processes`);

async function runningPod(name: string, extra: string[] = []): Promise<void> {
  const r = kubectl(cluster, ['run', name, '--image=nginx', ...extra]);
  assert.equal(r.status, 0, r.stderr);
  for (let i = 0; i < 150; i++) {
    if (kubectl(cluster, ['get', 'pod', name, '-o', 'jsonpath={.status.phase}']).stdout === 'Running') return;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`pod ${name} never ran:\n${cluster.log().slice(-2000)}`);
}

test('logs of a simulated container through the node agent, with kubectl and a-kubectl', opts, async () => {
  await runningPod('logged');
  const line = /^\d{4}-\d\d-\d\dT[\d:.]+Z a-kube fake runtime: started logged \(docker\.io\/library\/nginx:latest\)\n$/;
  const k = kubectl(cluster, ['logs', 'logged']);
  assert.equal(k.status, 0, k.stderr);
  assert.match(k.stdout, line);
  const a = akubectl(cluster, ['logs', 'logged', '--tail=1']);
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, line);
  const old = kubectlBinary('1.27');
  if (old) assert.match(kubectl(cluster, ['logs', 'logged'], { binary: old }).stdout, line);

  // the API server's own checks, worded as kube-apiserver words them
  assert.match(kubectl(cluster, ['logs', 'logged', '-c', 'nope']).stderr, /container nope is not valid for pod logged/);
  const raw = kubectl(cluster, ['get', '--raw', '/api/v1/namespaces/default/pods/logged/log?tailLines=-1']);
  assert.notEqual(raw.status, 0);
  assert.match(raw.stderr, /PodLogOptions "logged" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0/);
  assert.match(kubectl(cluster, ['logs', 'missing']).stderr, /pods "missing" not found/);
});

test('exec, attach and port-forward on a simulated node: a clear refusal, from every client', opts, async () => {
  await runningPod('quiet');
  const current = kubectl(cluster, ['exec', 'quiet', '--', 'true']);
  assert.notEqual(current.status, 0);
  assert.match(current.stderr, refused('exec'));
  const old = kubectlBinary('1.27');
  if (old) assert.match(kubectl(cluster, ['exec', 'quiet', '--', 'true'], { binary: old }).stderr, refused('exec'));
  const a = akubectl(cluster, ['exec', 'quiet', '--', 'true']);
  assert.notEqual(a.status, 0);
  assert.match(a.stderr, refused('exec'));
  assert.match(kubectl(cluster, ['attach', 'quiet']).stderr, refused('attach'));
  assert.match(kubectl(cluster, ['port-forward', 'pod/quiet', '18080:80']).stderr, refused('port-forward'));
  assert.match(kubectl(cluster, ['exec', 'quiet', '-c', 'other', '--', 'true']).stderr, /container other is not valid for pod quiet/);
});

test('exec needs create on pods/exec, also for WebSocket clients that send GET', opts, async () => {
  await runningPod('guarded');
  const ok = (args: string[]) => {
    const r = kubectl(cluster, args);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  ok(['create', 'serviceaccount', 'getter']);
  ok(['create', 'role', 'exec-get', '--verb=get', '--resource=pods,pods/exec']);
  ok(['create', 'rolebinding', 'exec-get', '--role=exec-get', '--serviceaccount=default:getter']);
  const token = ok(['create', 'token', 'getter']).trim();
  // a kubeconfig with the token alone (the admin one would also present its client certificate)
  const admin = readFileSync(cluster.kubeconfig, 'utf8');
  const ca = /certificate-authority-data: (\S+)/.exec(admin)?.[1] ?? '';
  const tokenConfig = join(cluster.dataDir, 'getter.kubeconfig');
  writeFileSync(tokenConfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${cluster.url}\n    certificate-authority-data: ${ca}\nusers:\n- name: getter\n  user:\n    token: ${token}\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: getter\n    namespace: default\ncurrent-context: c\n`);
  const asGetter = (args: string[]) => kubectl(cluster, ['--kubeconfig', tokenConfig, ...args]);
  const akubectlAsGetter = (args: string[]) => akubectl(cluster, ['--kubeconfig', tokenConfig, ...args]);
  const denied = akubectlAsGetter(['exec', 'guarded', '--', 'true']);
  assert.notEqual(denied.status, 0);
  assert.match(denied.stderr, /pods "guarded" is forbidden: User "system:serviceaccount:default:getter" cannot create resource "pods\/exec" in API group "" in the namespace "default"/);
  assert.match(asGetter(['exec', 'guarded', '--', 'true']).stderr, /cannot create resource "pods\/exec"/);
  ok(['create', 'role', 'exec-create', '--verb=create', '--resource=pods/exec']);
  ok(['create', 'rolebinding', 'exec-create', '--role=exec-create', '--serviceaccount=default:getter']);
  // now the request reaches the node, which says what it can do
  for (let i = 0; i < 50; i++) {
    const r = akubectlAsGetter(['exec', 'guarded', '--', 'true']);
    if (refused('exec').test(r.stderr)) return;
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.fail('exec with create on pods/exec never reached the node agent');
});

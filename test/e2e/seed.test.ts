// The seed walkthrough as a user types it, with a-kubectl against `a-kube up` (simulated node): every step outside
// the pod, and the pod's API calls made with curl from the host with the service account's token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startCluster, akubectl, entry, repoRoot, type Cluster } from './harness.js';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster({ args: ['--runtime', 'fake'] });
});
after(async () => {
  await cluster?.cleanup();
});

function run(args: string[]): string {
  const r = akubectl(cluster, args);
  assert.equal(r.status, 0, `a-kubectl ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function eventually(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What the pod's curl sees: status code and Status message. */
function curl(path: string, token?: string): { code: number; message: string } {
  const args = ['-sk', '-w', '\n%{http_code}', ...(token ? ['-H', `Authorization: Bearer ${token}`] : []), `${cluster.url}${path}`];
  const r = spawnSync('curl', args, { encoding: 'utf8' });
  const lines = r.stdout.trimEnd().split('\n');
  const code = Number(lines.pop());
  const body = lines.join('\n');
  return { code, message: code === 200 ? body : (JSON.parse(body) as { message: string }).message };
}

test('the seed walkthrough', async () => {
  assert.equal(run(['create', 'namespace', 'ns-1']), 'namespace/ns-1 created\n');
  assert.equal(run(['create', 'serviceaccount', 'k-sa-1', '--namespace=ns-1']), 'serviceaccount/k-sa-1 created\n');
  const overrides = '{\n"spec": {\n"template": {\n"spec": {\n"serviceAccountName": "k-sa-1"\n}\n}\n}\n}';
  assert.equal(run(['run', 'nginx-1', '--image=nginx:latest', '--namespace=ns-1', `--overrides=${overrides}`]), 'deployment.apps/nginx-1 created\n');

  await eventually(() => /\s1\/1\s+Running\s+0\s/.test(run(['get', 'pods', '--namespace=ns-1'])), 'the pod is Running');
  await eventually(() => /^nginx-1\s+1\s+1\s+1\s+1\s+\d+s$/m.test(run(['get', 'deployments', '--namespace=ns-1'])), 'the deployment is available');

  const deployments = run(['get', 'deployments', '--namespace=ns-1']);
  assert.match(deployments, /^NAME      DESIRED   CURRENT   UP-TO-DATE   AVAILABLE   AGE\nnginx-1   1         1         1            1           \d+s\n$/);
  const replicasets = run(['get', 'replicasets', '--namespace=ns-1']);
  assert.match(replicasets, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\nnginx-1-[456789bcdf]{1,10}\s+1\s+1\s+1\s+\d+s\n$/);
  const rsName = /^(nginx-1-\S+)/m.exec(replicasets)?.[1] ?? '';
  const pods = run(['get', 'pods', '--namespace=ns-1']);
  assert.match(pods, new RegExp(`^NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE\\n${rsName}-[bcdfghjklmnpqrstvwxz2456789]{5}\\s+1/1\\s+Running\\s+0\\s+\\d+s\\n$`));
  const podName = /^(\S+)/m.exec(pods.split('\n')[1] ?? '')?.[1] ?? '';

  const columns = run(['get', 'pods', '--namespace=ns-1', '-o', 'custom-columns=NAME:metadata.name,SERVICEACCOUNT:spec.serviceAccountName']);
  assert.match(columns, new RegExp(`^NAME\\s+SERVICEACCOUNT\\n${podName}\\s+k-sa-1\\n$`));
  const shell = spawnSync('sh', ['-c', `"$0" "$@" | tail -1`, process.execPath, ...akubectlArgs(['get', 'pods', '--namespace=ns-1', '-l', 'run=nginx-1', '-o', 'custom-columns=:metadata.name'])], { encoding: 'utf8', cwd: repoRoot });
  assert.equal(shell.stdout, `${podName}\n`);

  // The pod got the projected token volume at the path the seed reads.
  const pod = JSON.parse(run(['get', 'pod', podName, '-n', 'ns-1', '-o', 'json'])) as { spec: { containers: { volumeMounts?: { mountPath: string }[] }[] } };
  assert.ok(pod.spec.containers[0]?.volumeMounts?.some((m) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount'));

  // The pod's curl calls, from the host: anonymous, then with the service account's token.
  assert.equal(curl('/version').code, 200);
  const anonymous = curl('/api/v1/namespaces/ns-1/pods');
  assert.equal(anonymous.code, 403);
  assert.equal(anonymous.message, 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "ns-1"');
  const token = run(['create', 'token', 'k-sa-1', '-n', 'ns-1']).trim();
  const denied = curl('/api/v1/namespaces/ns-1/pods', token);
  assert.equal(denied.code, 403);
  assert.equal(denied.message, 'pods is forbidden: User "system:serviceaccount:ns-1:k-sa-1" cannot list resource "pods" in API group "" in the namespace "ns-1"');

  assert.equal(run(['create', 'role', 'pod-lister', '--verb=list', '--resource=pods', '--namespace=ns-1']), 'role.rbac.authorization.k8s.io/pod-lister created\n');
  assert.equal(run(['create', 'rolebinding', 'pod-lister-binding', '--role=pod-lister', '--serviceaccount=ns-1:k-sa-1', '--namespace=ns-1']), 'rolebinding.rbac.authorization.k8s.io/pod-lister-binding created\n');
  await eventually(() => curl('/api/v1/namespaces/ns-1/pods', token).code === 200, 'the rolebinding takes effect');
  const list = JSON.parse(curl('/api/v1/namespaces/ns-1/pods', token).message) as { kind: string; items: { metadata: { name: string } }[] };
  assert.equal(list.kind, 'PodList');
  assert.deepEqual(list.items.map((p) => p.metadata.name), [podName]);
  const other = curl('/api/v1/namespaces/default/pods', token);
  assert.equal(other.code, 403);
  assert.equal(other.message, 'pods is forbidden: User "system:serviceaccount:ns-1:k-sa-1" cannot list resource "pods" in API group "" in the namespace "default"');
});

/** The command line akubectl() runs, for use inside a shell pipeline. */
function akubectlArgs(args: string[]): string[] {
  return [...entry('a-kubectl'), '--kubeconfig', cluster.kubeconfig, ...args];
}

// A node on "another machine" (a second process with its own data dir) joins with a bootstrap token: discovery
// through kube-public/cluster-info, a client certificate through the CSR flow, Node Ready, pods running there,
// its serving certificate through a kubelet-serving CSR so that kubectl logs/exec reach it through the API server,
// its CSINode (its own only, gone with its Node);
// its certificate is a node's (the Node authorizer refuses it a secret only a pod elsewhere uses); SIGKILL makes
// it NotReady and its Deployment pods move to the other node. Simulated runtime; real kubectl 1.32.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { entry, hasKubectl, kubectl, ok, repoRoot, startCluster, type Cluster } from './harness.js';

const skip = hasKubectl ? false : 'kubectl is not installed';

function aKube(args: string[], env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...entry('a-kube'), ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function eventually<T>(what: string | (() => string), fn: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${typeof what === 'string' ? what : what()}: not within ${timeoutMs} ms${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const ok2 = (r: { status: number; stdout: string; stderr: string }) => ok(r, 'command');

test('a node joins with a bootstrap token, runs pods, is held to its own objects, and its pods move when it dies', { skip, timeout: 900_000 }, async (t) => {
  const cluster: Cluster = await startCluster({ args: ['--runtime', 'fake', '--node-monitor-grace-period', '10s'], timeoutMs: 240_000 });
  const work = mkdtempSync(join(tmpdir(), 'akube-e2e-join-'));
  let joined: ChildProcess | undefined;
  t.after(async () => {
    joined?.kill('SIGKILL');
    await cluster.cleanup();
    rmSync(work, { recursive: true, force: true });
  });
  const local = hostname().toLowerCase();
  const k = (args: string[], input?: string) => kubectl(cluster, args, input === undefined ? {} : { input });

  // Tokens: create (with the join command), list in kubeadm's columns, delete.
  const spare = ok2(aKube(['token', 'create', '--data-dir', cluster.dataDir, '--ttl', '0', '--description', 'spare'])).trim();
  assert.match(spare, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  const joinLine = ok2(aKube(['token', 'create', '--data-dir', cluster.dataDir, '--ttl', '1h', '--print-join-command'])).trim();
  const m = /^a-kube node join --server (\S+) --token ([a-z0-9]{6}\.[a-z0-9]{16}) --discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})$/.exec(joinLine);
  assert.ok(m, joinLine);
  const [, server, token, hash] = m;
  assert.equal(server, cluster.url);
  const list = ok2(aKube(['token', 'list', '--data-dir', cluster.dataDir]));
  assert.match(list.split('\n')[0]!, /^TOKEN\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION\s+EXTRA GROUPS$/);
  assert.match(list, new RegExp(`${spare.replace('.', '\\.')}\\s+<forever>\\s+<never>\\s+authentication,signing\\s+spare\\s+system:bootstrappers:kubeadm:default-node-token`));
  assert.match(list, new RegExp(`${token!.replace('.', '\\.')}\\s+(59m|1h)\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\s+authentication,signing\\s+<none>`));
  assert.equal(ok2(aKube(['token', 'delete', spare.slice(0, 6), '--data-dir', cluster.dataDir])), `bootstrap token "${spare.slice(0, 6)}" deleted\n`);

  // A wrong hash is refused before anything is sent with the token.
  const wrong = aKube(['node', 'join', '--server', server!, '--token', token!, '--discovery-token-ca-cert-hash', `sha256:${'0'.repeat(64)}`, '--data-dir', join(work, 'wrong'), '--discovery-timeout', '60s']);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "sha256:[0-9a-f]{64}" are pinned/);

  // Join.
  const nodeDir = join(work, 'node');
  let nodeLog = '';
  joined = spawn(process.execPath, [...entry('a-kube'), 'node', 'join', '--server', server!, '--token', token!, '--discovery-token-ca-cert-hash', hash!, '--name', 'worker-1', '--data-dir', nodeDir, '--kubelet-port', '0', '--runtime', 'fake'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  joined.stdout?.on('data', (c: Buffer) => (nodeLog += c.toString()));
  joined.stderr?.on('data', (c: Buffer) => (nodeLog += c.toString()));
  let exited: string | undefined;
  joined.on('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
  const state = await eventually(() => `worker-1 Ready (node log:\n${nodeLog}\nkubectl get csr,nodes:\n${k(['get', 'csr,nodes', '-o', 'wide']).stdout})`, () => {
    if (exited) return exited;
    return /^worker-1\s+Ready\s/m.test(k(['get', 'nodes', '--no-headers']).stdout) ? 'Ready' : undefined;
  }, 240_000);
  assert.equal(state, 'Ready', `a-kube node join ${state}:\n${nodeLog}`);
  const csrs = ok2(k(['get', 'csr']));
  assert.match(csrs, new RegExp(`node-csr-\\S+\\s+\\S+\\s+kubernetes\\.io/kube-apiserver-client-kubelet\\s+system:bootstrap:${token!.slice(0, 6)}\\s+<none>\\s+Approved,Issued`));
  const csrName = /(node-csr-\S+)/.exec(csrs)![1]!;
  const approved = JSON.parse(ok2(k(['get', 'csr', csrName, '-o', 'json']))) as { status: { conditions: { type: string; reason: string; message: string }[] } };
  assert.deepEqual(approved.status.conditions.map((c) => [c.type, c.reason, c.message]), [['Approved', 'AutoApproved', 'Auto approving kubelet client certificate after SubjectAccessReview.']]);

  // The node's own kubeconfig: it is system:node:worker-1.
  const nodeKubeconfig = join(nodeDir, 'kubelet.kubeconfig');
  assert.match(readFileSync(nodeKubeconfig, 'utf8'), /client-certificate: .*kubelet-client-current\.pem/);
  const asNode = (args: string[]) => spawnSync('kubectl', ['--kubeconfig', nodeKubeconfig, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: work } });
  assert.match(asNode(['auth', 'whoami']).stdout, /Username\s+system:node:worker-1\n\s*Groups\s+\[system:nodes system:authenticated\]/);

  // Pods: a Deployment placed on worker-1 (the local node cordoned for the moment) runs there.
  ok2(k(['create', 'secret', 'generic', 'local-only', '--from-literal=k=v']));
  ok2(k(['create', 'secret', 'generic', 'for-worker', '--from-literal=k=v']));
  ok2(k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: local-user}
spec:
  nodeName: ${local}
  containers:
  - {name: c, image: busybox, env: [{name: S, valueFrom: {secretKeyRef: {name: local-only, key: k}}}]}
`));
  ok2(k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: worker-pod}
spec:
  nodeName: worker-1
  containers:
  - {name: c, image: busybox}
`));
  ok2(k(['cordon', local]));
  ok2(k(['apply', '-f', '-'], `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      containers:
      - {name: c, image: busybox, env: [{name: S, valueFrom: {secretKeyRef: {name: for-worker, key: k}}}]}
`));
  const onWorker = await eventually('web pods Running on worker-1', () => {
    const rows = k(['get', 'pods', '-l', 'app=web', '-o', 'wide', '--no-headers']).stdout.trim().split('\n').filter(Boolean);
    return rows.length === 2 && rows.every((r) => /\sRunning\s.*\sworker-1\s/.test(r)) ? rows : undefined;
  });
  assert.equal(onWorker.length, 2);
  ok2(k(['uncordon', local]));

  // The node's serving certificate: its own kubelet-serving request, approved because it names the Node's own
  // addresses, issued by the cluster CA; the API server reaches the node's port through it (TLS verified against
  // the cluster CA), so kubectl logs and exec work for pods there.
  await eventually('kubelet-serving CSR of worker-1 issued', () => (/^csr-\S+\s+\S+\s+kubernetes\.io\/kubelet-serving\s+system:node:worker-1\s+<none>\s+Approved,Issued$/m.test(k(['get', 'csr']).stdout) ? true : undefined));
  const servingCsr = /^(csr-\S+)\s+\S+\s+kubernetes\.io\/kubelet-serving/m.exec(k(['get', 'csr']).stdout)![1]!;
  const servingApproved = JSON.parse(ok2(k(['get', 'csr', servingCsr, '-o', 'json']))) as { spec: { usages: string[] }; status: { conditions: { type: string; reason: string; message: string }[] } };
  assert.deepEqual(servingApproved.spec.usages, ['digital signature', 'server auth']);
  assert.deepEqual(servingApproved.status.conditions.map((c) => [c.type, c.reason, c.message]), [['Approved', 'AutoApproved', "Auto approving kubelet serving certificate: its names are the node's own addresses."]]);
  const endpoint = JSON.parse(ok2(k(['get', 'node', 'worker-1', '-o', 'jsonpath={.status}']))) as { addresses: { type: string; address: string }[]; daemonEndpoints: { kubeletEndpoint: { Port: number } } };
  const nodeIP = endpoint.addresses.find((a) => a.type === 'InternalIP')!.address;
  const port = endpoint.daemonEndpoints.kubeletEndpoint.Port;
  assert.ok(port > 0, `worker-1 advertises port ${port}`);
  const servedCert = join(nodeDir, 'pki', 'kubelet-server-current.pem');
  const san = spawnSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-issuer', '-in', servedCert], { encoding: 'utf8' }).stdout;
  assert.match(san, new RegExp(`DNS:worker-1, IP Address:${nodeIP.replace(/\./g, '\\.')}`));
  assert.match(san, /issuer=CN ?= ?a-kube-ca/);
  // curl trusts only the cluster CA: the handshake succeeds for the node's IP, and the node asks for credentials.
  const curl = spawnSync('curl', ['-sS', '--cacert', join(cluster.dataDir, 'pki', 'ca.crt'), `https://${nodeIP}:${port}/healthz`], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(curl.status, 0, curl.stderr);
  assert.equal(curl.stdout, 'Unauthorized\n');
  await eventually('worker-pod Running', () => (k(['get', 'pod', 'worker-pod', '-o', 'jsonpath={.status.phase}']).stdout === 'Running' ? true : undefined));
  const logs = k(['logs', 'worker-pod']);
  assert.equal(logs.status, 0, logs.stderr);
  assert.match(logs.stdout, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z a-kube fake runtime: started c \\(docker\\.io/library/busybox:latest\\)\n$`));
  const exec = k(['exec', 'worker-pod', '--', 'true']);
  assert.notEqual(exec.status, 0);
  assert.match(exec.stderr, /exec is not supported by the container runtime "fake" of node "worker-1": its containers run no processes/);

  // The Node authorizer: worker-1 reads the secret its pods use, not the one only a pod on the other node uses.
  assert.equal(asNode(['get', 'secret', 'for-worker', '-o', 'name']).stdout, 'secret/for-worker\n');
  const denied = asNode(['get', 'secret', 'local-only']);
  assert.notEqual(denied.status, 0);
  assert.match(denied.stderr, /Error from server \(Forbidden\): secrets "local-only" is forbidden: User "system:node:worker-1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'worker-1' and this object/);
  const otherNode = asNode(['label', 'node', local, 'x=y']);
  assert.notEqual(otherNode.status, 0);

  // CSINode: every node agent keeps its own, owned by its Node, with no drivers; a node reaches only its own.
  await eventually('CSINodes of both nodes', () => {
    const rows = k(['get', 'csinode', '--no-headers']).stdout;
    return new RegExp(`^worker-1\\s+0\\s`, 'm').test(rows) && new RegExp(`^${local.replace(/\./g, '\\.')}\\s+0\\s`, 'm').test(rows) ? rows : undefined;
  });
  const workerUid = ok2(k(['get', 'node', 'worker-1', '-o', 'jsonpath={.metadata.uid}']));
  const csiNode = JSON.parse(ok2(k(['get', 'csinode', 'worker-1', '-o', 'json']))) as { metadata: { ownerReferences: unknown[] }; spec: { drivers: unknown[] } };
  assert.deepEqual(csiNode.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'worker-1', uid: workerUid }]);
  assert.deepEqual(csiNode.spec.drivers, []);
  assert.equal(asNode(['get', 'csinode', 'worker-1', '-o', 'name']).stdout, 'csinode.storage.k8s.io/worker-1\n');
  const otherCsi = asNode(['get', 'csinode', local]);
  assert.notEqual(otherCsi.status, 0);
  assert.match(otherCsi.stderr, new RegExp(`csinodes.storage.k8s.io "${local.replace(/\./g, '\\.')}" is forbidden: User "system:node:worker-1" cannot get resource "csinodes" in API group "storage.k8s.io" at the cluster scope: can only access CSINode with the same name as the requesting node`));

  // SIGKILL: NotReady after the grace period, and the Deployment's pods come back on the other node.
  joined.kill('SIGKILL');
  await eventually('worker-1 NotReady', () => (/^worker-1\s+NotReady\s/m.test(k(['get', 'nodes', '--no-headers']).stdout) ? true : undefined), 120_000);
  const taints = ok2(k(['get', 'node', 'worker-1', '-o', 'jsonpath={.spec.taints[*].key}']));
  assert.match(taints, /node\.kubernetes\.io\/unreachable/);
  // The evicted pods stay Terminating on the dead node (nothing there confirms their end), as in Kubernetes;
  // their replacements run on the other node.
  const moved = await eventually('two web pods Running on the other node', () => {
    const rows = k(['get', 'pods', '-l', 'app=web', '-o', 'wide', '--no-headers']).stdout.trim().split('\n').filter(Boolean);
    return rows.filter((r) => new RegExp(`\\sRunning\\s.*\\s${local}\\s`).test(r)).length === 2 ? rows : undefined;
  }, 180_000);
  for (const r of moved.filter((row) => /\sworker-1\s/.test(row))) assert.match(r, /\sTerminating\s/);

  // The CSINode goes with its Node (garbage collection through the owner reference).
  ok2(k(['delete', 'node', 'worker-1']));
  await eventually('CSINode worker-1 deleted with its Node', () => (k(['get', 'csinode', 'worker-1']).stderr.includes('csinodes.storage.k8s.io "worker-1" not found') ? true : undefined));
});

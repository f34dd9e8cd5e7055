// The pod network end to end on real containers (`a-kube up` with its containerd node): the seed's last steps
// from inside a pod through a-kubectl exec (curl to https://kubernetes.default.svc.cluster.local as anonymous,
// with the service-account token, after a Role and RoleBinding, for another namespace, and --cacert), a Service
// in another namespace by name, a headless Service by getent, a NodePort from the host, egress to Debian's
// archive (apt-get update), a deleted Service's rules gone, and nothing left on the host after a-kube stops.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { akubectl, entry, repoRoot, startCluster, type Cluster } from './harness.js';
import { realPodsUnavailable, waitUntil } from './real-pods.js';

const image = 'localhost/a-kube/nginx-curl:latest';


const skip = realPodsUnavailable({ tools: ['iptables-restore', 'debootstrap'], busybox: false, kubectl: false });
const opts = { skip: skip ?? false, timeout: 600_000 };
let cluster: Cluster | undefined;
let work = '';

function ok(args: string[], input?: string): string {
  const r = akubectl(cluster!, args, input === undefined ? {} : { input });
  assert.equal(r.status, 0, `a-kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Runs a command in a pod's container through the API server (a-kubectl exec). */
function exec(ns: string, pod: string, cmd: string[]): { status: number; stdout: string; stderr: string } {
  return akubectl(cluster!, ['exec', '-n', ns, pod, '--', ...cmd]);
}

function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs?: number): T {
  return waitUntil(what, probe, timeoutMs, () => cluster?.log().slice(-3000) ?? '');
}

function waitRunning(ns: string, pod: string): void {
  waitFor(`${ns}/${pod} to run`, () => (akubectl(cluster!, ['get', 'pod', '-n', ns, pod, '-o', 'jsonpath={.status.phase}']).stdout === 'Running' ? true : undefined));
}

const hostRules = () => spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout;

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'a-kube-net-e2e-'));
  const archive = join(work, 'curl.tar');
  const built = spawnSync('bash', [join(repoRoot, 'scripts/build-walkthrough-image.sh'), '--with-curl', archive], { encoding: 'utf8', timeout: 900_000 });
  assert.equal(built.status, 0, `building the test image: ${built.stderr}`);
  cluster = await startCluster({ timeoutMs: 180_000 });
  const imported = spawnSync(process.execPath, [...entry('a-kube'), 'image', 'import', '--data-dir', cluster.dataDir, archive], { encoding: 'utf8', cwd: repoRoot });
  assert.equal(imported.status, 0, imported.stderr);
  const pod = (ns: string, name: string, labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: { containers: [{ name: 'main', image, imagePullPolicy: 'Never', ports: [{ name: 'http', containerPort: 80 }] }], ...extra },
  });
  ok(['create', 'namespace', 'ns-1']);
  ok(['create', 'namespace', 'ns-2']);
  ok(['create', 'serviceaccount', 'k-sa-1', '-n', 'ns-1']);
  const objects = [
    pod('ns-1', 'client', { app: 'client' }, { serviceAccountName: 'k-sa-1' }),
    pod('ns-2', 'web-0', { app: 'web' }, { hostname: 'web-0', subdomain: 'web-headless' }),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ns-2' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 8080, targetPort: 'http' }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-headless', namespace: 'ns-2' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } },
  ];
  ok(['apply', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n---\n'));
  waitRunning('ns-1', 'client');
  waitRunning('ns-2', 'web-0');
});

after(async () => {
  await cluster?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

const api = 'https://kubernetes.default.svc.cluster.local';
const token = 'Authorization: Bearer $(cat /var/run/secrets/kubernetes.io/serviceaccount/token)';

test('the seed from inside the pod: anonymous, the service account, a Role and RoleBinding, another namespace, a verified certificate', opts, () => {
  const anonymous = exec('ns-1', 'client', ['curl', '-sik', `${api}/api/v1/namespaces/ns-1/pods`]);
  assert.equal(anonymous.status, 0, anonymous.stderr);
  assert.match(anonymous.stdout, /^HTTP\/2 403/);
  assert.match(anonymous.stdout, /pods is forbidden: User \\"system:anonymous\\" cannot list resource \\"pods\\" in API group \\"\\" in the namespace \\"ns-1\\"/);

  const asSa = exec('ns-1', 'client', ['sh', '-c', `curl -sik -H "${token}" ${api}/api/v1/namespaces/ns-1/pods`]);
  assert.match(asSa.stdout, /^HTTP\/2 403/);
  assert.match(asSa.stdout, /User \\"system:serviceaccount:ns-1:k-sa-1\\" cannot list resource \\"pods\\"/);

  ok(['create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods', '-n', 'ns-1']);
  ok(['create', 'rolebinding', 'k-sa-1-reads-pods', '--role=pod-reader', '--serviceaccount=ns-1:k-sa-1', '-n', 'ns-1']);
  const allowed = waitFor('the RoleBinding to take effect', () => {
    const r = exec('ns-1', 'client', ['sh', '-c', `curl -sik -H "${token}" ${api}/api/v1/namespaces/ns-1/pods`]);
    return /^HTTP\/2 200/.test(r.stdout) ? r.stdout : undefined;
  }, 30_000);
  assert.match(allowed, /"kind":"PodList"/);
  assert.match(allowed, /"name":"client"/);

  const otherNs = exec('ns-1', 'client', ['sh', '-c', `curl -sik -H "${token}" ${api}/api/v1/namespaces/default/pods`]);
  assert.match(otherNs.stdout, /^HTTP\/2 403/);
  assert.match(otherNs.stdout, /User \\"system:serviceaccount:ns-1:k-sa-1\\" cannot list resource \\"pods\\" in API group \\"\\" in the namespace \\"default\\"/);

  const verified = exec('ns-1', 'client', ['curl', '-sS', '--cacert', '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', `${api}/version`]);
  assert.equal(verified.status, 0, verified.stderr);
  assert.match(verified.stdout, /"gitVersion"/);
});

test('the seed as typed: a-kubectl run nginx:latest (the stand-in without curl), exec -i … bash, apt-get install -y curl, then the API from inside', opts, () => {
  // The walkthrough image (no curl) comes from the same cache as node.test.ts's; built once from Debian's archive.
  const archive = join(work, 'walkthrough.tar');
  const built = spawnSync('bash', [join(repoRoot, 'scripts/build-walkthrough-image.sh'), archive], { encoding: 'utf8', timeout: 900_000 });
  assert.equal(built.status, 0, `building the walkthrough image: ${built.stderr}`);
  const imported = spawnSync(process.execPath, [...entry('a-kube'), 'image', 'import', '--data-dir', cluster!.dataDir, archive], { encoding: 'utf8', cwd: repoRoot });
  assert.equal(imported.status, 0, imported.stderr);
  ok(['run', 'nginx-1', '--image=nginx:latest', '--namespace=ns-1', `--overrides=${JSON.stringify({ spec: { template: { spec: { serviceAccountName: 'k-sa-1' } } } })}`]);
  const name = waitFor('the nginx-1 pod to run', () => {
    const r = akubectl(cluster!, ['get', 'pods', '--namespace=ns-1', '-l', 'run=nginx-1', '-o', 'jsonpath={.items[0].metadata.name} {.items[0].status.phase}']);
    const [pod, phase] = r.stdout.trim().split(' ');
    return pod && phase === 'Running' ? pod : undefined;
  });
  assert.equal(akubectl(cluster!, ['get', 'pod', name, '--namespace=ns-1', '-o', 'jsonpath={.spec.serviceAccountName}']).stdout, 'k-sa-1');
  // The seed's form: `exec -it POD --namespace=ns-1 bash` (no `--`); -i alone here, the test has no terminal.
  const script = [
    'command -v curl || echo "no curl yet"',
    'timeout 400 sh -c "apt-get update >/dev/null 2>&1 && apt-get install -y curl >/dev/null 2>&1" && echo "curl installed"',
    `curl -sik ${api}/api/v1/namespaces/ns-1/pods`,
    'echo',
    `curl -sik -H "${token}" ${api}/api/v1/namespaces/ns-1/pods`,
    'exit',
  ].join('\n') + '\n';
  const r = akubectl(cluster!, ['exec', '-i', name, '--namespace=ns-1', 'bash'], { input: script });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /no curl yet/);
  assert.match(r.stdout, /curl installed/, r.stdout);
  assert.match(r.stdout, /User \\"system:anonymous\\" cannot list resource \\"pods\\" in API group \\"\\" in the namespace \\"ns-1\\"/);
  // the Role and RoleBinding of the test before are in place: the token lists the pods, this one among them
  assert.match(r.stdout, /^HTTP\/2 200/m);
  assert.match(r.stdout, new RegExp(`"name":"${name}"`));
});

test('the pod\'s resolver and cluster DNS: a Service in another namespace by name, a headless Service\'s records', opts, () => {
  const resolv = exec('ns-1', 'client', ['cat', '/etc/resolv.conf']).stdout;
  assert.match(resolv, /^nameserver 10\.96\.0\.10$/m);
  assert.match(resolv, /^search ns-1\.svc\.cluster\.local svc\.cluster\.local cluster\.local/m);
  assert.match(resolv, /^options ndots:5$/m);
  const page = exec('ns-1', 'client', ['curl', '-sS', '-m', '10', 'http://web.ns-2:8080/']);
  assert.equal(page.status, 0, page.stderr);
  assert.match(page.stdout, /nginx/i);
  const webIP = akubectl(cluster!, ['get', 'pod', '-n', 'ns-2', 'web-0', '-o', 'jsonpath={.status.podIP}']).stdout;
  assert.match(webIP, /^10\.244\.0\.\d+$/);
  const headless = waitFor('the headless records', () => {
    const r = exec('ns-1', 'client', ['getent', 'hosts', 'web-headless.ns-2.svc.cluster.local']);
    return r.stdout.includes(webIP) ? r.stdout : undefined;
  }, 30_000);
  assert.match(headless, new RegExp(`^${webIP.replace(/\./g, '\\.')}\\s+web-headless\\.ns-2\\.svc\\.cluster\\.local`));
  assert.match(exec('ns-1', 'client', ['getent', 'hosts', 'web-0.web-headless.ns-2.svc.cluster.local']).stdout, new RegExp(webIP.replace(/\./g, '\\.')));
  assert.notEqual(exec('ns-1', 'client', ['getent', 'hosts', 'nothing.ns-2.svc.cluster.local']).status, 0);
});

test('hairpin: a pod reaches itself through its own Service\'s ClusterIP, masqueraded to the bridge address', opts, () => {
  // The Service's one endpoint is web-0 itself: out through its bridge port and straight back in (hairpin_mode).
  const page = exec('ns-2', 'web-0', ['curl', '-sS', '-m', '10', 'http://web:8080/']);
  assert.equal(page.status, 0, page.stderr);
  assert.match(page.stdout, /nginx/i);
  const clusterIP = akubectl(cluster!, ['get', 'service', '-n', 'ns-2', 'web', '-o', 'jsonpath={.spec.clusterIP}']).stdout;
  assert.equal(exec('ns-2', 'web-0', ['curl', '-sS', '-m', '10', '-o', '/dev/null', '-w', '%{http_code}', `http://${clusterIP}:8080/`]).stdout, '200');
  // kube-proxy's hairpin rule: the server saw the bridge's address, not its own, so its answer went back the same way.
  // (The image's nginx writes its access log to stdout: the container's log.)
  const seen = akubectl(cluster!, ['logs', '-n', 'ns-2', 'web-0', '--tail=2']).stdout.trim().split('\n');
  assert.equal(seen.length, 2, seen.join('\n'));
  for (const line of seen) assert.match(line, /^10\.244\.0\.1 /, line);
  const ports = spawnSync('sh', ['-c', 'cat /sys/class/net/akube0/brif/*/hairpin_mode'], { encoding: 'utf8' }).stdout.trim().split('\n');
  assert.ok(ports.length > 0 && ports.every((m) => m === '1'), `every pod's bridge port has hairpin_mode on: ${ports.join(',')}`);
});

test('a NodePort from the host on the node address; egress to Debian\'s archive; a deleted Service\'s rules go', opts, () => {
  const nodePort = akubectl(cluster!, ['get', 'service', '-n', 'ns-2', 'web', '-o', 'jsonpath={.spec.ports[0].nodePort}']).stdout;
  assert.match(nodePort, /^\d+$/);
  const fromHost = spawnSync('curl', ['-sS', '-m', '10', `http://10.244.0.1:${nodePort}/`], { encoding: 'utf8' });
  assert.equal(fromHost.status, 0, fromHost.stderr);
  assert.match(fromHost.stdout, /nginx/i);

  const apt = exec('ns-1', 'client', ['sh', '-c', 'timeout 240 apt-get update 2>&1 | tail -3']);
  assert.match(apt.stdout, /Reading package lists/, apt.stdout);

  assert.match(hostRules(), /ns-2\/web:http/);
  ok(['delete', 'service', 'web', '-n', 'ns-2']);
  waitFor('the Service\'s rules to go', () => (/ns-2\/web:http/.test(hostRules()) ? undefined : true), 30_000);
  assert.notEqual(spawnSync('curl', ['-sS', '-m', '3', `http://10.244.0.1:${nodePort}/`]).status, 0);
});

test('after a-kube stops, the host has no rule, bridge or lock of it left', opts, async () => {
  await cluster!.stop();
  const rules = hostRules();
  assert.doesNotMatch(rules, /\bKUBE-|AKUBE-POD/);
  assert.notEqual(spawnSync('ip', ['link', 'show', 'akube0']).status, 0);
  assert.ok(!existsSync('/run/a-kube/pod-network.lock'));
});

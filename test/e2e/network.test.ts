// The pod network end to end on real containers (`a-kube up` with its containerd node): the seed's last steps
// from inside a pod through a-kubectl exec (curl to https://kubernetes.default.svc.cluster.local as anonymous,
// with the service-account token, after a Role and RoleBinding, for another namespace, and --cacert), a Service
// in another namespace by name, a headless Service by getent, a NodePort from the host, egress from a pod to an
// address beyond the bridge (a server on the host's own address), a deleted Service's rules gone, and nothing left
// on the host after a-kube stops. A busybox pod behind a readiness probe adds: endpoints following the probe
// (EndpointSlice condition, kubectl get endpoints, the Service's reachability), SRV lookups by busybox's resolver, a
// hostPort on the node address, busybox wget to the API server, and `kubectl proxy` to Services. One test reaches
// Debian's archive from a pod (the seed's apt-get install -y curl): the only one here that needs the network beyond
// this machine; AKUBE_TEST_OFFLINE=1 skips it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { akubectl, entry, kubectl, repoRoot, startCluster, type Cluster } from './harness.js';
import { realPodsUnavailable, waitUntil } from './real-pods.js';
import { busyboxImage, writeBusyboxArchive } from './test-images.js';
import { hostAddress } from '../../src/kubelet/containerd-node.js';

const image = 'localhost/a-kube/nginx-curl:latest';

const skip = realPodsUnavailable({ tools: ['iptables-restore', 'debootstrap'] });
const flipHostPort = 30880;
const opts = { skip: skip ?? false, timeout: 600_000 };
/** The test that needs Debian's archive (apt-get in a pod): slow, and only where the archive is reachable. */
const archiveOpts = { ...opts, skip: skip ?? (process.env['AKUBE_TEST_OFFLINE'] === '1' ? 'AKUBE_TEST_OFFLINE=1: this test reaches Debian\'s archive' : false) };
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

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const hostRules = () => spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout;

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'a-kube-net-e2e-'));
  const archive = join(work, 'curl.tar');
  const built = spawnSync('bash', [join(repoRoot, 'scripts/build-walkthrough-image.sh'), '--with-curl', archive], { encoding: 'utf8', timeout: 900_000 });
  assert.equal(built.status, 0, `building the test image: ${built.stderr}`);
  cluster = await startCluster({ timeoutMs: 180_000 });
  const dataDir = cluster.dataDir;
  for (const file of [archive, writeBusyboxArchive(work)]) {
    const imported = spawnSync(process.execPath, [...entry('a-kube'), 'image', 'import', '--data-dir', dataDir, file], { encoding: 'utf8', cwd: repoRoot });
    assert.equal(imported.status, 0, imported.stderr);
  }
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
    // busybox httpd on 8080 (also a hostPort), ready while /www/ready exists.
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'flip', namespace: 'ns-2', labels: { app: 'flip' } },
      spec: {
        // httpd runs as the container's process 1, which SIGTERM does not stop: a short grace period.
        terminationGracePeriodSeconds: 2,
        containers: [
          {
            name: 'main',
            image: busyboxImage,
            imagePullPolicy: 'Never',
            command: ['sh', '-c', 'mkdir -p /www && echo flip-page > /www/index.html && exec httpd -f -p 8080 -h /www'],
            ports: [{ name: 'http', containerPort: 8080, hostPort: flipHostPort }],
            readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'flip', namespace: 'ns-2' }, spec: { selector: { app: 'flip' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
  ];
  ok(['apply', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n---\n'));
  waitRunning('ns-1', 'client');
  waitRunning('ns-2', 'web-0');
  waitRunning('ns-2', 'flip');
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

test('[network, slow] the seed as typed: a-kubectl run nginx:latest (the stand-in without curl), exec -i … bash, apt-get install -y curl from Debian\'s archive, then the API from inside', archiveOpts, () => {
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

/** The EndpointSlice condition of flip's one endpoint, and what `kubectl get endpoints` shows for it. */
function flipEndpoints(): { ready: string; table: string } {
  const ready = kubectl(cluster!, ['get', 'endpointslices', '-n', 'ns-2', '-l', 'kubernetes.io/service-name=flip', '-o', 'jsonpath={.items[*].endpoints[*].conditions.ready}']).stdout;
  const table = kubectl(cluster!, ['get', 'endpoints', 'flip', '-n', 'ns-2']).stdout;
  return { ready, table };
}

test('endpoints follow a readiness probe: the EndpointSlice condition, kubectl get endpoints and the Service\'s traffic', opts, () => {
  const flipIP = akubectl(cluster!, ['get', 'pod', '-n', 'ns-2', 'flip', '-o', 'jsonpath={.status.podIP}']).stdout;
  assert.match(flipIP, /^10\.244\.0\.\d+$/);
  const row = new RegExp(`^flip\\s+${flipIP.replace(/\./g, '\\.')}:8080\\s`, 'm');
  // /www/ready does not exist yet: the probe answers 404, the pod runs but is not ready.
  const unready = waitFor('flip\'s endpoint as not ready', () => {
    const e = flipEndpoints();
    return e.ready === 'false' ? e : undefined;
  });
  assert.match(unready.table, /^NAME\s+ENDPOINTS\s+AGE$/m);
  assert.match(unready.table, /^flip\s+<none>\s/m);
  assert.equal(kubectl(cluster!, ['get', 'pod', '-n', 'ns-2', 'flip', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']).stdout, 'False');
  assert.notEqual(exec('ns-1', 'client', ['curl', '-sS', '-m', '5', 'http://flip.ns-2/']).status, 0);

  assert.equal(exec('ns-2', 'flip', ['touch', '/www/ready']).status, 0);
  const ready = waitFor('flip\'s endpoint to be ready', () => {
    const e = flipEndpoints();
    return e.ready === 'true' && row.test(e.table) ? e : undefined;
  });
  assert.match(ready.table, row);
  const page = waitFor('the Service to pass traffic to flip', () => {
    const r = exec('ns-1', 'client', ['curl', '-sS', '-m', '5', 'http://flip.ns-2/']);
    return r.status === 0 ? r.stdout : undefined;
  }, 30_000);
  assert.equal(page, 'flip-page\n');

  // The probe fails again: the endpoint turns not ready, the Service rejects new connections.
  assert.equal(exec('ns-2', 'flip', ['rm', '/www/ready']).status, 0);
  waitFor('flip\'s endpoint to turn not ready', () => (flipEndpoints().ready === 'false' ? true : undefined));
  assert.match(flipEndpoints().table, /^flip\s+<none>\s/m);
  const refused = waitFor('the Service to stop passing traffic to flip', () => {
    const r = exec('ns-1', 'client', ['curl', '-sS', '-m', '5', 'http://flip.ns-2/']);
    return r.status !== 0 ? r : undefined;
  }, 30_000);
  assert.match(refused.stderr, /Connection refused|Couldn't connect/);
  // The pod itself still answers on its address: only the Service's endpoints changed.
  assert.equal(exec('ns-1', 'client', ['curl', '-sS', '-m', '5', `http://${flipIP}:8080/`]).stdout, 'flip-page\n');
});

test('SRV records from inside a pod (busybox nslookup): a named port of a ClusterIP Service, a headless Service\'s endpoints', opts, () => {
  const srv = exec('ns-2', 'flip', ['nslookup', '-type=srv', '_http._tcp.web.ns-2.svc.cluster.local']);
  assert.equal(srv.status, 0, `${srv.stdout}\n${srv.stderr}`);
  assert.match(srv.stdout, /^_http\._tcp\.web\.ns-2\.svc\.cluster\.local\s+service = 0 100 8080 web\.ns-2\.svc\.cluster\.local$/m);
  const headless = exec('ns-2', 'flip', ['nslookup', '-type=srv', '_http._tcp.web-headless.ns-2.svc.cluster.local']);
  assert.equal(headless.status, 0, `${headless.stdout}\n${headless.stderr}`);
  assert.match(headless.stdout, /^_http\._tcp\.web-headless\.ns-2\.svc\.cluster\.local\s+service = 0 100 80 web-0\.web-headless\.ns-2\.svc\.cluster\.local$/m);
  // A port name the Service does not have: no such name.
  const none = exec('ns-2', 'flip', ['nslookup', '-type=srv', '_metrics._tcp.web.ns-2.svc.cluster.local']);
  assert.match(`${none.stdout}${none.stderr}`, /NXDOMAIN/);
});

test('hostPort: the pod\'s port on the node address, from the host and from another pod (portmap)', opts, () => {
  const fromHost = spawnSync('curl', ['-sS', '-m', '10', `http://10.244.0.1:${flipHostPort}/`], { encoding: 'utf8' });
  assert.equal(fromHost.status, 0, fromHost.stderr);
  assert.equal(fromHost.stdout, 'flip-page\n');
  const fromPod = exec('ns-1', 'client', ['curl', '-sS', '-m', '10', `http://10.244.0.1:${flipHostPort}/`]);
  assert.equal(fromPod.status, 0, fromPod.stderr);
  assert.equal(fromPod.stdout, 'flip-page\n');
});

test('busybox wget from a pod to the API server by its Service name', opts, () => {
  const r = exec('ns-2', 'flip', ['wget', '-q', '-O', '-', '--no-check-certificate', 'https://kubernetes.default.svc/version']);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /"gitVersion"/);
});

/** Starts the real `kubectl proxy` on a free port of 127.0.0.1; returns its address and how to stop it. */
async function kubectlProxy(): Promise<{ base: string; stop: () => void }> {
  const child = spawn('kubectl', ['--kubeconfig', cluster!.kubeconfig, 'proxy', '--port=0'], { env: { ...process.env, HOME: cluster!.dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`kubectl proxy did not start: ${out}`)), 30_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /Starting to serve on (127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(`http://${m[1]}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`kubectl proxy exited (${code}): ${out}`)));
  });
  return { base, stop: () => child.kill() };
}

test('kubectl proxy to a Service: …/services/NAME:PORT/proxy/PATH reaches a pod serving HTTP', opts, async () => {
  const proxy = await kubectlProxy();
  try {
    const curl = (path: string) => spawnSync('curl', ['-sS', '-m', '10', '-w', '\n%{http_code}', `${proxy.base}${path}`], { encoding: 'utf8' });
    for (const id of ['web:http', 'web:8080', 'http:web:http']) {
      const r = curl(`/api/v1/namespaces/ns-2/services/${id}/proxy/`);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /nginx/i, id);
      assert.match(r.stdout, /\n200$/, id);
    }
    // The answer's own status passed through.
    assert.match(curl('/api/v1/namespaces/ns-2/services/web:http/proxy/no-such-page').stdout, /404 Not Found[\s\S]*\n404$/);
    // flip is not ready (the test before took its readiness away): no endpoint to proxy to.
    const unready = curl('/api/v1/namespaces/ns-2/services/flip:http/proxy/');
    assert.match(unready.stdout, /"reason":"ServiceUnavailable"/);
    assert.match(unready.stdout, /no endpoints available for service \\"flip:http\\"/);
    assert.match(unready.stdout, /\n503$/);
    assert.equal(exec('ns-2', 'flip', ['touch', '/www/ready']).status, 0);
    const page = waitFor('flip to be proxied to', () => {
      const r = curl('/api/v1/namespaces/ns-2/services/flip:http/proxy/');
      return r.stdout.endsWith('\n200') ? r.stdout : undefined;
    });
    assert.equal(page, 'flip-page\n\n200');
    // A path below the proxy.
    assert.equal(curl('/api/v1/namespaces/ns-2/services/flip:http/proxy/index.html').stdout, 'flip-page\n\n200');
    // The pod itself, by its named port.
    assert.equal(curl('/api/v1/namespaces/ns-2/pods/flip:http/proxy/').stdout, 'flip-page\n\n200');
  } finally {
    proxy.stop();
  }
});

test('a NodePort from the host on the node address; egress to the host\'s own address; a deleted Service\'s rules go', opts, async (t) => {
  const nodePort = akubectl(cluster!, ['get', 'service', '-n', 'ns-2', 'web', '-o', 'jsonpath={.spec.ports[0].nodePort}']).stdout;
  assert.match(nodePort, /^\d+$/);
  const fromHost = spawnSync('curl', ['-sS', '-m', '10', `http://10.244.0.1:${nodePort}/`], { encoding: 'utf8' });
  assert.equal(fromHost.status, 0, fromHost.stderr);
  assert.match(fromHost.stdout, /nginx/i);

  // Egress without the internet: a pod reaches a server on the machine's own (non-bridge) address.
  const hostIP = hostAddress();
  if (hostIP !== '127.0.0.1') {
    const served = join(work, 'served');
    mkdirSync(served, { recursive: true });
    writeFileSync(join(served, 'marker'), 'reached the host\n');
    const port = await freePort(hostIP);
    const server = spawn('python3', ['-m', 'http.server', '--bind', hostIP, String(port), '--directory', served], { stdio: 'ignore' });
    t.after(() => server.kill());
    const got = waitFor('the pod to reach the host\'s server', () => {
      const r = exec('ns-1', 'client', ['curl', '-sS', '-m', '5', `http://${hostIP}:${port}/marker`]);
      return r.status === 0 ? r.stdout : undefined;
    }, 30_000);
    assert.equal(got, 'reached the host\n');
  }

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

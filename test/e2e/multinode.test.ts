// Two nodes with real containers, the second on "another machine": a network namespace of the test's own
// (akt-node2-<random>) joined to the host by a veth pair in 10.254.N.0/30, where `a-kube node join --runtime
// containerd` runs under `nsenter --net` with its own data dir, containerd, bridge, rules and routes. (`ip netns
// exec` is not used: it remounts /sys, which hides /sys/fs/cgroup, and runc then cannot create containers.)
// A busybox pod on each node: each fetches the other's page by pod IP (the server sees the client's pod IP, so
// nothing masquerades between pod CIDRs), by a Service whose only endpoint is on the other node, by name through
// cluster DNS; a joined pod resolves kubernetes.default.svc.cluster.local and reaches the API server through the
// kubernetes Service (curl, verifying the certificate with the mounted CA); kubectl logs and exec reach the joined
// node's pod; a NetworkPolicy for the joined pod is enforced on its node. After each process stops: no routes, rules,
// bridges, mounts, sandbox namespaces or processes of its own remain, and the test's namespace and veth go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes, randomInt } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { akubectl, entry, kubectl, repoRoot, startCluster, type Cluster } from './harness.js';
import { busyboxImage, writeBusyboxArchive } from './test-images.js';
import { realPodsUnavailable } from './real-pods.js';


const skip = realPodsUnavailable({ tools: ['iptables-restore', 'nsenter', 'debootstrap'] });
const curlImage = 'localhost/a-kube/nginx-curl:latest';

function sh(file: string, args: string[]): string {
  const r = spawnSync(file, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${file} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Output of a command in the netns (nsenter keeps the host's mounts), or in the host's when ns is undefined. */
function inNs(ns: string | undefined, file: string, args: string[]): string {
  const r = ns ? spawnSync('nsenter', [`--net=/run/netns/${ns}`, file, ...args], { encoding: 'utf8' }) : spawnSync(file, args, { encoding: 'utf8' });
  return r.stdout ?? '';
}

async function eventually<T>(what: () => string, fn: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what()}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** What a node agent leaves in a network namespace: pod routes, the bridge, a-kube's chains. */
function networkLeftovers(ns: string | undefined): string[] {
  const out: string[] = [];
  const routes = inNs(ns, 'ip', ['-4', 'route', 'show', 'proto', '212']).trim();
  if (routes) out.push(`routes: ${routes}`);
  if (inNs(ns, 'ip', ['-br', 'link', 'show']).split('\n').some((l) => l.startsWith('akube0'))) out.push('bridge akube0');
  const chains = inNs(ns, 'iptables-save', []).split('\n').filter((l) => /^:(KUBE-|AKUBE-)/.test(l) || /-j (KUBE-|AKUBE-)/.test(l));
  if (chains.length) out.push(`iptables: ${chains.join(' | ')}`);
  return out;
}

const mountsUnder = (dir: string) => readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.split(' ')[1]?.startsWith(dir));
const processesWith = (text: string) =>
  sh('ps', ['-eo', 'pid=,args='])
    .split('\n')
    .filter((l) => l.includes(text) && !l.includes('ps -eo'));
const sandboxNamespaces = () => new Set(sh('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith('cni-')));

test('a node joined from another network namespace runs real pods that reach the first node\'s pods, Services, DNS and the API server', { skip: skip ?? false, timeout: 900_000 }, async (t) => {
  const tag = randomBytes(3).toString('hex');
  const ns = `akt-node2-${tag}`;
  const hostVeth = `akh${tag}`;
  const nodeVeth = `akn${tag}`;
  let octet = randomInt(0, 256);
  while (sh('ip', ['-4', '-o', 'addr']).includes(` 10.254.${octet}.`)) octet = (octet + 1) % 256;
  const hostAddr = `10.254.${octet}.1`;
  const nodeAddr = `10.254.${octet}.2`;
  const work = mkdtempSync(join(tmpdir(), 'akube-e2e-multinode-'));
  const nodeDir = join(work, 'node2');
  const sandboxesBefore = sandboxNamespaces();
  let cluster: Cluster | undefined;
  let joined: ChildProcess | undefined;
  let nodeLog = '';
  const stopJoined = async () => {
    if (!joined || joined.exitCode !== null || joined.signalCode !== null) return;
    const exited = new Promise((r) => joined!.once('exit', r));
    joined.kill('SIGTERM');
    await exited;
  };
  t.after(async () => {
    await stopJoined();
    await cluster?.cleanup();
    spawnSync('ip', ['netns', 'del', ns]);
    spawnSync('ip', ['link', 'del', hostVeth]);
    rmSync(work, { recursive: true, force: true });
  });

  // "Another machine": its own network namespace, linked to the host by a veth pair in a private /30.
  sh('ip', ['netns', 'add', ns]);
  sh('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', nodeVeth, 'netns', ns]);
  sh('ip', ['addr', 'add', `${hostAddr}/30`, 'dev', hostVeth]);
  sh('ip', ['link', 'set', hostVeth, 'up']);
  sh('ip', ['-n', ns, 'addr', 'add', `${nodeAddr}/30`, 'dev', nodeVeth]);
  sh('ip', ['-n', ns, 'link', 'set', nodeVeth, 'up']);
  sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);

  cluster = await startCluster({ args: ['--node-ip', hostAddr, '--advertise-address', hostAddr], timeoutMs: 240_000 });
  const c = cluster;
  const archive = writeBusyboxArchive(work);
  // Debian with curl (cached after its first build), for the joined pod's request to the API server.
  const curlArchive = join(work, 'curl.tar');
  const built = spawnSync('bash', [join(repoRoot, 'scripts/build-walkthrough-image.sh'), '--with-curl', curlArchive], { encoding: 'utf8', timeout: 900_000 });
  assert.equal(built.status, 0, `building the curl image: ${built.stderr}`);
  const imported = spawnSync(process.execPath, [...entry('a-kube'), 'image', 'import', '--data-dir', c.dataDir, archive], { encoding: 'utf8', cwd: repoRoot });
  assert.equal(imported.status, 0, imported.stderr);
  const joinLine = spawnSync(process.execPath, [...entry('a-kube'), 'token', 'create', '--data-dir', c.dataDir, '--ttl', '1h', '--print-join-command'], { encoding: 'utf8', cwd: repoRoot }).stdout.trim();
  const m = /^a-kube node join --server (\S+) --token (\S+) --discovery-token-ca-cert-hash (\S+)$/.exec(joinLine);
  assert.ok(m, joinLine);
  assert.equal(m[1], `https://${hostAddr}:${new URL(c.url).port}`);

  joined = spawn('nsenter', [`--net=/run/netns/${ns}`, process.execPath, ...entry('a-kube'), 'node', 'join', '--server', m[1]!, '--token', m[2]!, '--discovery-token-ca-cert-hash', m[3]!, '--name', 'akt-node2', '--data-dir', nodeDir, '--node-ip', nodeAddr, '--kubelet-port', '0', '--runtime', 'containerd'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  joined.stdout?.on('data', (b: Buffer) => (nodeLog += b.toString()));
  joined.stderr?.on('data', (b: Buffer) => (nodeLog += b.toString()));
  const k = (args: string[]) => kubectl(c, args);
  const a = (args: string[]) => akubectl(c, args);
  await eventually(() => `akt-node2 Ready (node log:\n${nodeLog})`, () => (/^akt-node2\s+Ready\s/m.test(k(['get', 'nodes', '--no-headers']).stdout) ? true : undefined), 180_000);
  for (const file of [archive, curlArchive]) {
    const nodeImport = spawnSync(process.execPath, [...entry('a-kube'), 'image', 'import', '--data-dir', nodeDir, file], { encoding: 'utf8', cwd: repoRoot });
    assert.equal(nodeImport.status, 0, nodeImport.stderr);
  }

  // The joined node holds the pod-network lock of its own namespace, beside the host's.
  assert.ok(existsSync(`/run/a-kube/pod-network-netns-${ns}.lock`), `the lock of ${ns}: ${readdirSync('/run/a-kube').join(', ')}`);
  assert.ok(existsSync('/run/a-kube/pod-network.lock'));
  // The bridge of the joined node lives in its namespace, with its own block; the routes go both ways.
  const node2Cidr = k(['get', 'node', 'akt-node2', '-o', 'jsonpath={.spec.podCIDR}']).stdout;
  const node1Cidr = k(['get', 'node', hostname().toLowerCase(), '-o', 'jsonpath={.spec.podCIDR}']).stdout;
  assert.match(node2Cidr, /^10\.244\.\d+\.0\/24$/);
  assert.notEqual(node2Cidr, node1Cidr);
  assert.match(inNs(ns, 'ip', ['-4', '-br', 'addr', 'show', 'akube0']), new RegExp(`akube0\\s+\\S+\\s+${node2Cidr.replace(/0\/24$/, '1/24').replace(/\./g, '\\.')}`));
  await eventually(() => `routes (host: ${inNs(undefined, 'ip', ['route'])}; node2: ${inNs(ns, 'ip', ['route'])})`, () => {
    const host = inNs(undefined, 'ip', ['-4', 'route', 'show', 'proto', '212']);
    const node2 = inNs(ns, 'ip', ['-4', 'route', 'show', 'proto', '212']);
    return host.includes(`${node2Cidr} via ${nodeAddr}`) && node2.includes(`${node1Cidr} via ${hostAddr}`) ? true : undefined;
  });

  const web = (name: string, node: string, app: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 2,
      containers: [{ name: 'web', image: busyboxImage, imagePullPolicy: 'Never', command: ['sh', '-c', `mkdir -p /www && echo ${name} > /www/index.html && exec httpd -f -vv -p 8080 -h /www`], ports: [{ containerPort: 8080 }] }],
    },
  });
  const curlPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'curl-b', namespace: 'default' }, spec: { nodeName: 'akt-node2', terminationGracePeriodSeconds: 2, containers: [{ name: 'curl', image: curlImage, imagePullPolicy: 'Never', command: ['sleep', '3600'] }] } };
  const curlVersion = ['curl', '-sS', '--max-time', '5', '--cacert', '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', 'https://kubernetes.default.svc.cluster.local/version'];
  const svc = (name: string, app: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] } });
  const r = akubectl(c, ['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [web('pod-a', hostname().toLowerCase(), 'a'), web('pod-b', 'akt-node2', 'b'), svc('svc-a', 'a'), svc('svc-b', 'b'), curlPod] }) });
  assert.equal(r.status, 0, r.stderr);
  const ipOf = (pod: string) =>
    eventually(() => `${pod} Running (${a(['get', 'pod', pod, '-o', 'wide']).stdout}${a(['describe', 'pod', pod]).stdout}\nnode log:\n${nodeLog.slice(-3000)})`, () => {
      const out = a(['get', 'pod', pod, '-o', 'jsonpath={.status.phase} {.status.podIP}']).stdout.split(' ');
      return out[0] === 'Running' && out[1] ? out[1] : undefined;
    });
  const ipA = await ipOf('pod-a');
  const ipB = await ipOf('pod-b');
  assert.ok(ipB.startsWith(node2Cidr.replace(/0\/24$/, '')), `${ipB} in ${node2Cidr}`);
  const exec = (pod: string, cmd: string[]) => a(['exec', pod, '--', ...cmd]);
  // busybox's wget -T crashes; timeout(1) bounds it instead.
  const get = (pod: string, url: string) => exec(pod, ['timeout', '5', 'wget', '-qO-', url]);
  const fetch = (pod: string, url: string) => eventually(() => `${pod} fetching ${url}: ${JSON.stringify(get(pod, url))}`, () => {
    const out = get(pod, url);
    return out.status === 0 ? out.stdout.trim() : undefined;
  }, 60_000);

  // Pod to pod across the nodes, both ways (exec into pod-b goes through the joined node's server).
  assert.equal(await fetch('pod-a', `http://${ipB}:8080/`), 'pod-b');
  assert.equal(await fetch('pod-b', `http://${ipA}:8080/`), 'pod-a');
  // pod-b saw pod-a's own address: nothing masqueraded between the pod CIDRs (kubectl logs from the joined node).
  const logsB = k(['logs', 'pod-b']);
  assert.equal(logsB.status, 0, logsB.stderr);
  assert.ok(logsB.stdout.includes(ipA), `pod-b's log names ${ipA}:\n${logsB.stdout}`);
  const execB = k(['exec', 'pod-b', '--', 'cat', '/www/index.html']);
  assert.equal(execB.stdout, 'pod-b\n', execB.stderr);

  // A Service whose only endpoint is on the other node, by ClusterIP and by name (cluster DNS), from both sides.
  const clusterIP = (name: string) => a(['get', 'service', name, '-o', 'jsonpath={.spec.clusterIP}']).stdout;
  assert.equal(await fetch('pod-a', `http://${clusterIP('svc-b')}/`), 'pod-b');
  assert.equal(await fetch('pod-b', `http://${clusterIP('svc-a')}/`), 'pod-a');
  assert.equal(await fetch('pod-b', 'http://svc-a/'), 'pod-a');
  assert.equal(await fetch('pod-a', 'http://svc-b.default.svc.cluster.local/'), 'pod-b');

  // The joined pod resolves the kubernetes Service and reaches the API server through it.
  const lookup = exec('pod-b', ['nslookup', 'kubernetes.default.svc.cluster.local']);
  assert.equal(lookup.status, 0, lookup.stderr);
  assert.match(lookup.stdout, /Address:?\s+10\.96\.0\.1\b/);
  // busybox's TLS does not get through the API server's handshake (from a pod on either node), so curl does this
  // one: it verifies the server's certificate with the mounted CA.
  const version = await eventually(() => `curl-b reaching the API server: ${JSON.stringify(exec('curl-b', curlVersion))}`, () => {
    const out = exec('curl-b', curlVersion);
    return out.status === 0 ? (JSON.parse(out.stdout) as { gitVersion?: string }) : undefined;
  }, 60_000);
  assert.match(version.gitVersion ?? '', /^v1\./);

  // A NetworkPolicy is enforced on the joined node for its pod: ingress to pod-b only from app=friend pods.
  const deny = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'b-friends-only', namespace: 'default' }, spec: { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'friend' } } }] }] } };
  const applied = akubectl(c, ['apply', '-f', '-'], { input: JSON.stringify(deny) });
  assert.equal(applied.status, 0, applied.stderr);
  await eventually(() => `pod-a cut off from pod-b: ${JSON.stringify(get('pod-a', `http://${ipB}:8080/`))}`, () => (get('pod-a', `http://${ipB}:8080/`).status !== 0 ? true : undefined), 60_000);
  assert.notEqual(get('pod-a', `http://${ipB}:8080/`).status, 0, 'pod-a reached pod-b again under the policy');
  assert.equal(await fetch('pod-b', `http://${ipA}:8080/`), 'pod-a');
  assert.equal(a(['delete', 'networkpolicy', 'b-friends-only']).status, 0);
  assert.equal(await fetch('pod-a', `http://${ipB}:8080/`), 'pod-b');

  // The joined node stops: its pods, containerd, rules, routes and bridge go; the host's route to its pods too.
  await stopJoined();
  assert.equal(joined.exitCode, 0, nodeLog.slice(-3000));
  assert.deepEqual(networkLeftovers(ns), []);
  assert.deepEqual(mountsUnder(nodeDir), []);
  assert.deepEqual(processesWith(nodeDir), []);
  assert.deepEqual(processesWith('akt-node2'), []);
  // Its pod-network lock (one per network namespace) went with it.
  assert.deepEqual(readdirSync('/run/a-kube').filter((f) => f.includes(ns)), []);
  assert.equal(k(['delete', 'node', 'akt-node2']).status, 0);
  await eventually(() => `the host's route to ${node2Cidr} gone: ${inNs(undefined, 'ip', ['route'])}`, () => (inNs(undefined, 'ip', ['-4', 'route', 'show', 'proto', '212']).includes(node2Cidr) ? undefined : true));

  await c.stop();
  assert.deepEqual(networkLeftovers(undefined), []);
  assert.deepEqual(mountsUnder(c.dataDir), []);
  assert.deepEqual(processesWith(c.dataDir), []);
  assert.deepEqual([...sandboxNamespaces()].filter((n) => !sandboxesBefore.has(n)), []);
  sh('ip', ['netns', 'del', ns]);
  assert.ok(!sh('ip', ['netns', 'list']).includes(ns));
  assert.ok(!sh('ip', ['-br', 'link']).includes(hostVeth));
});

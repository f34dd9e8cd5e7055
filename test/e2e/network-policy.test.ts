// NetworkPolicy enforced on real pods (`a-kube up` with its containerd node and pod network), driven by the real
// kubectl: a server pod and a client in namespace np-a, a client with the same labels in np-b. Before any policy
// both reach the server; a default-deny ingress policy stops both, while the server still reaches itself through
// its own Service (a pod cannot block access to itself); an allow by podSelector lets np-a's client in
// but not np-b's, until a namespaceSelector rule admits np-b; an egress deny on the client blocks its connections
// and DNS, and the usual DNS carve-out (egress to kube-dns pods on port 53) brings DNS back — a-kube's DNS on the
// bridge gateway stands for those pods — while other egress stays blocked; deleting the policies restores access;
// after a-kube stops no policy rule or IP set is left on the host. Connects time out after 2 s (denied packets are dropped).
// Needs root, containerd, runc, iptables, ipset, the CNI plugins and busybox-static; run under flock /tmp/akube-realpods.lock.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entry, kubectl, repoRoot, startCluster, type Cluster } from './harness.js';
import { busyboxImage, writeBusyboxArchive } from './test-images.js';
import { realPodsUnavailable, waitUntil } from './real-pods.js';


const skip = realPodsUnavailable({ tools: ['ipset'] }) ?? false;
const opts = { skip, timeout: 300_000 };
let cluster: Cluster;
let work = '';
let serverIP = '';
let serviceIP = '';

function ok(args: string[], input?: string): string {
  const r = kubectl(cluster, args, input === undefined ? {} : { input });
  assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs?: number): T {
  return waitUntil(what, probe, timeoutMs, () => cluster.log().slice(-3000));
}

const pod = (ns: string, name: string, labels: Record<string, string>, command: string[]) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: busyboxImage, imagePullPolicy: 'Never', command, ports: [{ name: 'http', containerPort: 8080 }] }] },
});

const policy = (ns: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec });
const apply = (...objects: object[]) => ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));

/**
 * One HTTP GET from a pod to the server (busybox nc, 2 s connect limit; busybox's wget -T crashes): the body, or
 * undefined when it did not connect.
 */
function fetchFrom(ns: string, client: string, target = serverIP): string | undefined {
  const r = kubectl(cluster, ['exec', '-n', ns, client, '--', 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${target} 8080`]);
  lastFetch = `exit ${r.status}, stdout ${JSON.stringify(r.stdout.slice(0, 200))}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}`;
  const body = /\r\n\r\n([\s\S]*)$/.exec(r.stdout)?.[1];
  return r.status === 0 && /^HTTP\/1\.[01] 200/.test(r.stdout) ? body : undefined;
}

/** What the last fetch saw, for a failure's message. */
let lastFetch = '';

/** A DNS lookup of the server's Service from a pod (the pod's resolver, 2 s, one retry): the address, or undefined. */
function resolveFrom(ns: string, client: string): string | undefined {
  const r = kubectl(cluster, ['exec', '-n', ns, client, '--', 'nslookup', '-timeout=2', '-retry=1', 'web.np-a.svc.cluster.local.']);
  return new RegExp(`^Address:\\s*${serviceIP.replace(/\./g, '\\.')}$`, 'm').test(r.stdout) ? serviceIP : undefined;
}

/** Waits until a pod's access to the server is `reachable` (policies take effect within a sync, about a second). */
function expectAccess(ns: string, client: string, reachable: boolean): void {
  // Seen twice in a row: one failed exec is not a pod cut off.
  let seen = 0;
  waitFor(`${ns}/${client} ${reachable ? 'to reach' : 'to be cut off from'} the server`, () => {
    seen = (fetchFrom(ns, client) !== undefined) === reachable ? seen + 1 : 0;
    return seen >= 2 ? true : undefined;
  }, 30_000);
  const before = lastFetch;
  // And it stays so (not a moment between two syncs).
  assert.equal(fetchFrom(ns, client) !== undefined, reachable, `${ns}/${client} access changed again (before: ${before}; now: ${lastFetch})`);
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'akube-netpol-e2e-'));
  cluster = await startCluster({ timeoutMs: 180_000 });
  const imported = spawnSync(process.execPath, [...entry('a-kube'), 'image', 'import', '--data-dir', cluster.dataDir, writeBusyboxArchive(work)], { encoding: 'utf8', cwd: repoRoot });
  assert.equal(imported.status, 0, imported.stderr);
  ok(['create', 'namespace', 'np-a']);
  ok(['create', 'namespace', 'np-b']);
  apply(
    pod('np-a', 'server', { app: 'server' }, ['sh', '-c', 'mkdir -p /www && echo hello-from-server > /www/index.html && exec httpd -f -p 8080 -h /www']),
    pod('np-a', 'client', { app: 'client' }, ['sleep', '3600']),
    pod('np-b', 'client', { app: 'client' }, ['sleep', '3600']),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'np-a' }, spec: { selector: { app: 'server' }, ports: [{ port: 8080, targetPort: 'http' }] } },
  );
  for (const [ns, name] of [['np-a', 'server'], ['np-a', 'client'], ['np-b', 'client']] as const) {
    waitFor(`${ns}/${name} to run`, () => (kubectl(cluster, ['get', 'pod', '-n', ns, name, '-o', 'jsonpath={.status.phase}']).stdout === 'Running' ? true : undefined));
  }
  serverIP = ok(['get', 'pod', '-n', 'np-a', 'server', '-o', 'jsonpath={.status.podIP}']);
  serviceIP = ok(['get', 'service', '-n', 'np-a', 'web', '-o', 'jsonpath={.spec.clusterIP}']);
  assert.match(serverIP, /^10\.244\.\d+\.\d+$/);
});

after(async () => {
  if (work) rmSync(work, { recursive: true, force: true });
  if (skip || !cluster) return;
  await cluster.cleanup();
});

test('without a policy both clients reach the server; a-kube says the policies are enforced', opts, () => {
  assert.match(cluster.log(), /network policies: iptables rules in sync/);
  assert.equal(waitFor('np-a/client to reach the server', () => fetchFrom('np-a', 'client'), 30_000), 'hello-from-server\n');
  assert.equal(fetchFrom('np-b', 'client'), 'hello-from-server\n');
  assert.equal(resolveFrom('np-a', 'client'), serviceIP);
  // No warning that bridged traffic escapes the rules.
  assert.doesNotMatch(ok(['get', 'events', '-A', '--field-selector', 'reason=NetworkPolicyNotEnforced', '-o', 'name']), /event/);
});

test('default-deny ingress cuts both clients off; an allow by podSelector lets np-a\'s client in; a namespaceSelector rule admits np-b\'s', opts, () => {
  apply(policy('np-a', 'default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }));
  expectAccess('np-a', 'client', false);
  expectAccess('np-b', 'client', false);
  // Hairpin: the server's own Service leads back to it, which its namespace's default deny does not block.
  assert.equal(fetchFrom('np-a', 'server', serviceIP), 'hello-from-server\n');
  // The policy's selected pods are an IP set the rules match on.
  assert.match(spawnSync('ipset', ['list', 'AKUBE-INGRESS-ISOLATED'], { encoding: 'utf8' }).stdout, new RegExp(`^${serverIP.replace(/\./g, '\\.')}$`, 'm'));

  apply(policy('np-a', 'allow-clients', { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ protocol: 'TCP', port: 'http' }] }] }));
  expectAccess('np-a', 'client', true);
  // The same labels in another namespace: a podSelector alone only selects pods of the policy's namespace.
  expectAccess('np-b', 'client', false);
  // Through the Service the same holds: policies see the backend's address after the DNAT.
  assert.equal(fetchFrom('np-a', 'client', serviceIP), 'hello-from-server\n');
  assert.equal(fetchFrom('np-b', 'client', serviceIP), undefined);

  apply(policy('np-a', 'allow-np-b', { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'np-b' } }, podSelector: { matchLabels: { app: 'client' } } }] }] }));
  expectAccess('np-b', 'client', true);
  const described = ok(['describe', 'networkpolicy', '-n', 'np-a', 'allow-np-b']);
  assert.match(described, /NamespaceSelector: kubernetes\.io\/metadata\.name=np-b/);
});

test('egress deny on the client blocks its connections and DNS; the kube-dns carve-out brings DNS back and nothing else', opts, () => {
  apply(policy('np-a', 'client-egress', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'] }));
  expectAccess('np-a', 'client', false);
  waitFor('DNS to be blocked for np-a/client', () => (resolveFrom('np-a', 'client') === undefined ? true : undefined), 30_000);
  // np-b's client has no egress policy.
  assert.equal(fetchFrom('np-b', 'client'), 'hello-from-server\n');

  // The carve-out users write for kube-dns pods; a-kube's DNS on the node answers in their place.
  apply(policy('np-a', 'client-egress-dns', {
    podSelector: { matchLabels: { app: 'client' } },
    policyTypes: ['Egress'],
    egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
  }));
  assert.equal(waitFor('DNS through the carve-out', () => resolveFrom('np-a', 'client'), 30_000), serviceIP);
  assert.equal(fetchFrom('np-a', 'client'), undefined);
  assert.equal(fetchFrom('np-a', 'client', serviceIP), undefined);
});

test('deleting the policies restores access for both clients', opts, () => {
  ok(['delete', 'networkpolicy', '-n', 'np-a', '--all']);
  expectAccess('np-a', 'client', true);
  expectAccess('np-b', 'client', true);
  assert.equal(resolveFrom('np-a', 'client'), serviceIP);
  const rules = spawnSync('iptables-save', ['-t', 'filter'], { encoding: 'utf8' }).stdout;
  assert.doesNotMatch(rules, /AKUBE-P[IE]-/);
  assert.doesNotMatch(spawnSync('ipset', ['list', '-n'], { encoding: 'utf8' }).stdout, /^AKUBE-(SEL|PEER|NPORT)-/m);
});

test('after a-kube stops no network-policy rule or jump is left on the host', opts, async () => {
  assert.match(spawnSync('iptables-save', ['-t', 'filter'], { encoding: 'utf8' }).stdout, /-A FORWARD .*-j AKUBE-POLICY/);
  await cluster.stop();
  assert.doesNotMatch(spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout, /AKUBE-(POLICY|PI-|PE-|IPB-)/);
  assert.doesNotMatch(spawnSync('ipset', ['list', '-n'], { encoding: 'utf8' }).stdout, /^AKUBE-/m);
});

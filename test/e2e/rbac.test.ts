// The seed's authentication and RBAC steps against a real `a-kube up`: curl, the real kubectl (token
// kubeconfig), Debian's python3-kubernetes, `kubectl auth can-i` against a table, escalation, refused tokens.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { hasKubectl, kubectl, startCluster, type Cluster, type RunResult } from './harness.js';

const skip = hasKubectl ? false : 'kubectl is not installed';
const hasCurl = spawnSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' }).status === 0;
const hasPythonClient = spawnSync('/usr/bin/python3', ['-c', 'import kubernetes'], { encoding: 'utf8' }).status === 0;

let cluster: Cluster;
let caFile: string;
let tokenDir: string | undefined;

before(async () => {
  if (skip) return;
  tokenDir = mkdtempSync(join(tmpdir(), 'akube-rbac-'));
  const tokenFile = join(tokenDir, 'tokens.csv');
  writeFileSync(tokenFile, 'carol-token,carol,uid-carol,"qa,testers"\n');
  cluster = await startCluster({ args: ['--token-auth-file', tokenFile, '--storage', 'memory', '--runtime', 'fake'], timeoutMs: 60_000 });
  caFile = join(cluster.dataDir, 'pki', 'ca.crt');
});

after(async () => {
  await cluster?.cleanup();
  if (tokenDir) rmSync(tokenDir, { recursive: true, force: true });
});

function admin(args: string[], input?: string): RunResult {
  const r = kubectl(cluster, args, input === undefined ? {} : { input });
  assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** A kubeconfig holding only the bearer token (no client certificate). */
function tokenKubeconfig(name: string, token: string): string {
  const path = join(cluster.dataDir, `${name}.kubeconfig`);
  writeFileSync(path, [
    'apiVersion: v1', 'kind: Config', 'current-context: t',
    'clusters:', '- name: c', '  cluster:', `    server: ${cluster.url}`, `    certificate-authority: ${caFile}`,
    'users:', '- name: u', '  user:', `    token: ${token}`,
    'contexts:', '- name: t', '  context: {cluster: c, user: u}', '',
  ].join('\n'));
  return path;
}

function kubectlAs(kubeconfig: string, args: string[]): RunResult {
  const r = spawnSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: cluster.dataDir } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface CurlResult {
  code: number;
  body: string;
  json: Record<string, unknown>;
}

function curl(path: string, token?: string): CurlResult {
  const args = ['-sik', ...(token ? ['-H', `Authorization: Bearer ${token}`] : []), `${cluster.url}${path}`];
  const r = spawnSync('curl', args, { encoding: 'utf8', timeout: 30_000 });
  const text = r.stdout.replace(/\r\n/g, '\n');
  const statusLines = [...text.matchAll(/^HTTP\/[\d.]+ (\d{3})/gm)];
  const code = Number(statusLines[statusLines.length - 1]?.[1] ?? 0);
  const body = text.slice(text.indexOf('\n\n') + 2);
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    // not JSON (e.g. /version is, /healthz is not)
  }
  return { code, body, json };
}

/** RBAC follows the watch of the four RBAC resources, so a grant takes effect a moment after the write. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (check()) return;
    await delay(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

let saToken = '';

test('seed: anonymous, service-account token, role + rolebinding, default namespace, /version (curl)', { skip: skip || (!hasCurl && 'curl is not installed') }, async () => {
  admin(['create', 'namespace', 'ns-1']);
  admin(['create', 'serviceaccount', 'k-sa-1', '-n', 'ns-1']);

  const anon = curl('/api/v1/namespaces/ns-1/pods');
  assert.equal(anon.code, 403);
  assert.equal(anon.json['message'], 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "ns-1"');

  saToken = admin(['create', 'token', 'k-sa-1', '-n', 'ns-1']).stdout.trim();
  assert.match(saToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const denied = curl('/api/v1/namespaces/ns-1/pods', saToken);
  assert.equal(denied.code, 403);
  assert.equal(denied.json['message'], 'pods is forbidden: User "system:serviceaccount:ns-1:k-sa-1" cannot list resource "pods" in API group "" in the namespace "ns-1"');

  assert.equal(admin(['create', 'role', 'pod-lister', '--verb=list', '--resource=pods', '-n', 'ns-1']).stdout.trim(), 'role.rbac.authorization.k8s.io/pod-lister created');
  assert.equal(admin(['create', 'rolebinding', 'pod-lister-binding', '--role=pod-lister', '--serviceaccount=ns-1:k-sa-1', '-n', 'ns-1']).stdout.trim(), 'rolebinding.rbac.authorization.k8s.io/pod-lister-binding created');
  await eventually(() => curl('/api/v1/namespaces/ns-1/pods', saToken).code === 200, 'the rolebinding to take effect');
  const allowed = curl('/api/v1/namespaces/ns-1/pods', saToken);
  assert.equal(allowed.json['kind'], 'PodList');

  const other = curl('/api/v1/namespaces/default/pods', saToken);
  assert.equal(other.code, 403);
  assert.equal(other.json['message'], 'pods is forbidden: User "system:serviceaccount:ns-1:k-sa-1" cannot list resource "pods" in API group "" in the namespace "default"');

  const version = curl('/version');
  assert.equal(version.code, 200);
  assert.equal(version.json['major'], '1');
  assert.equal(curl('/api').code, 403, 'anonymous may not read discovery');
  assert.equal(curl('/version', 'not-a-token').code, 401, 'a bad credential is never anonymous');
  const discovery = curl('/.well-known/openid-configuration', saToken);
  assert.equal(discovery.code, 200);
  assert.equal(discovery.json['issuer'], 'https://kubernetes.default.svc.cluster.local');
  assert.equal(curl('/openid/v1/jwks', saToken).code, 200);
  assert.equal(curl('/openid/v1/jwks').code, 403, 'issuer discovery is for service accounts (bootstrap binding)');
});

test('seed: the same through the real kubectl --token', { skip }, () => {
  assert.ok(saToken, 'needs the token from the curl test');
  const kc = tokenKubeconfig('sa', saToken);
  const ok = kubectlAs(kc, ['get', 'pods', '-n', 'ns-1']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /No resources found in ns-1 namespace\./);
  const no = kubectlAs(kc, ['get', 'pods', '-n', 'default']);
  assert.equal(no.status, 1);
  assert.equal(no.stderr.trim(), 'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:ns-1:k-sa-1" cannot list resource "pods" in API group "" in the namespace "default"');
  const whoami = kubectlAs(kc, ['auth', 'whoami']);
  assert.equal(whoami.status, 0, whoami.stderr);
  assert.match(whoami.stdout, /Username\s+system:serviceaccount:ns-1:k-sa-1/);
  assert.match(whoami.stdout, /Groups\s+\[system:serviceaccounts system:serviceaccounts:ns-1 system:authenticated\]/);
  const bad = kubectlAs(tokenKubeconfig('bad', 'nonsense'), ['get', 'pods', '-n', 'ns-1']);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim(), 'error: You must be logged in to the server (Unauthorized)');
});

test('seed: the same through python3-kubernetes', { skip: skip || (!hasPythonClient && 'python3-kubernetes is not installed (scripts/install-deps.sh --for-tests)') }, () => {
  const script = [
    'import sys, json',
    'from kubernetes import client',
    'from kubernetes.client.rest import ApiException',
    'url, ca, token, ns = sys.argv[1:5]',
    'cfg = client.Configuration()',
    'cfg.host = url',
    'cfg.ssl_ca_cert = ca',
    'cfg.api_key = {"authorization": token}',
    'cfg.api_key_prefix = {"authorization": "Bearer"}',
    'api = client.CoreV1Api(client.ApiClient(cfg))',
    'try:',
    '    print("ok", len(api.list_namespaced_pod(ns).items))',
    'except ApiException as e:',
    '    print("error", e.status, json.loads(e.body).get("message", ""))',
  ].join('\n');
  const run = (token: string, ns: string) => spawnSync('/usr/bin/python3', ['-c', script, cluster.url, caFile, token, ns], { encoding: 'utf8', timeout: 60_000 }).stdout.trim();
  assert.equal(run(saToken, 'ns-1'), 'ok 0');
  assert.equal(run(saToken, 'default'), 'error 403 pods is forbidden: User "system:serviceaccount:ns-1:k-sa-1" cannot list resource "pods" in API group "" in the namespace "default"');
  assert.match(run('nonsense', 'ns-1'), /^error 401 Unauthorized$/);
});

const rbacPolicy = `
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: ns-2}}
- {apiVersion: v1, kind: Namespace, metadata: {name: ns-3}}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: pod-reader}
  rules: [{apiGroups: [""], resources: [pods, pods/log], verbs: [get, list]}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: carol-pod-reader, namespace: ns-2}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
  subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: carol}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: Role
  metadata: {name: one-configmap, namespace: ns-2}
  rules: [{apiGroups: [""], resources: [configmaps], resourceNames: [app-config], verbs: [get, update]}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: carol-one-configmap, namespace: ns-2}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: one-configmap}
  subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: testers}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: Role
  metadata: {name: all-apps, namespace: ns-2}
  rules: [{apiGroups: [apps], resources: ["*"], verbs: ["*"]}, {apiGroups: [""], resources: ["*/status"], verbs: [get]}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: carol-all-apps, namespace: ns-2}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: all-apps}
  subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: carol}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: metrics-reader}
  rules: [{nonResourceURLs: [/metrics, /logs/*], verbs: [get]}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: qa-metrics}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: metrics-reader}
  subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: qa}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: lease-viewer, labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}}
  rules: [{apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get, list]}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: carol-view, namespace: ns-3}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
  subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: carol}]
`;

const canI: { args: string[]; yes: boolean }[] = [
  { args: ['get', 'pods', '-n', 'ns-2'], yes: true },
  { args: ['list', 'pods', '-n', 'ns-2'], yes: true },
  { args: ['delete', 'pods', '-n', 'ns-2'], yes: false },
  { args: ['get', 'pods', '-n', 'ns-1'], yes: false }, // a ClusterRole through a RoleBinding grants in that namespace only
  { args: ['list', 'pods', '-A'], yes: false },
  { args: ['get', 'pods/log', '-n', 'ns-2'], yes: true },
  { args: ['get', 'pods', '--subresource=log', '-n', 'ns-2'], yes: true },
  { args: ['create', 'pods', '--subresource=exec', '-n', 'ns-2'], yes: false },
  { args: ['get', 'configmaps/app-config', '-n', 'ns-2'], yes: true }, // resourceNames, via a group
  { args: ['get', 'configmaps/other', '-n', 'ns-2'], yes: false },
  { args: ['list', 'configmaps', '-n', 'ns-2'], yes: false }, // resourceNames never allow a list
  { args: ['delete', 'deployments.apps', '-n', 'ns-2'], yes: true }, // wildcards
  { args: ['patch', 'deployments.apps', '--subresource=scale', '-n', 'ns-2'], yes: true }, // "*" covers subresources
  { args: ['get', 'pods', '--subresource=status', '-n', 'ns-2'], yes: true }, // "*/status"
  { args: ['update', 'pods', '--subresource=status', '-n', 'ns-2'], yes: false },
  { args: ['get', '/metrics'], yes: true }, // non-resource URLs
  { args: ['get', '/logs/kubelet'], yes: true },
  { args: ['get', '/logs'], yes: false },
  { args: ['get', '/version'], yes: true },
  { args: ['list', 'deployments.apps', '-n', 'ns-3'], yes: true }, // aggregated view
  { args: ['list', 'leases.coordination.k8s.io', '-n', 'ns-3'], yes: true }, // aggregated from a user ClusterRole
  { args: ['list', 'secrets', '-n', 'ns-3'], yes: false },
  { args: ['create', 'deployments.apps', '-n', 'ns-3'], yes: false },
  { args: ['create', 'selfsubjectaccessreviews.authorization.k8s.io'], yes: true },
];

test('kubectl auth can-i answers as Kubernetes would (static-token user carol)', { skip }, async () => {
  admin(['apply', '-f', '-'], rbacPolicy);
  const kc = tokenKubeconfig('carol', 'carol-token');
  const ask = (args: string[]) => kubectlAs(kc, ['auth', 'can-i', ...args]);
  await eventually(() => ask(['list', 'leases.coordination.k8s.io', '-n', 'ns-3']).status === 0, 'the aggregation controller and the bindings');
  for (const c of canI) {
    const r = ask(c.args);
    assert.equal(r.stdout.trim().split(' ')[0], c.yes ? 'yes' : 'no', `can-i ${c.args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.equal(r.status, c.yes ? 0 : 1);
  }
  const list = kubectlAs(kc, ['auth', 'can-i', '--list', '-n', 'ns-2']);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /^pods\s+\[\]\s+\[\]\s+\[get list\]$/m);
  assert.match(list.stdout, /^configmaps\s+\[\]\s+\[app-config\]\s+\[get update\]$/m);
  assert.match(list.stdout, /^\s+\[\/metrics\]\s+\[\]\s+\[get\]$/m);
  // the admin (system:masters) can do anything; the reason of an RBAC "yes" names the binding
  assert.equal(kubectl(cluster, ['auth', 'can-i', 'delete', 'nodes']).stdout.trim(), 'yes');
  const review = JSON.parse(admin(['create', '--validate=false', '-o', 'json', '-f', '-'], JSON.stringify({
    apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
    spec: { user: 'system:serviceaccount:ns-1:k-sa-1', groups: ['system:serviceaccounts'], resourceAttributes: { namespace: 'ns-1', verb: 'list', resource: 'pods' } },
  })).stdout) as { status: { allowed: boolean; reason: string } };
  assert.deepEqual(review.status, { allowed: true, reason: 'RBAC: allowed by RoleBinding "pod-lister-binding/ns-1" of Role "pod-lister" to ServiceAccount "k-sa-1/ns-1"' });
});

test('escalation: a role or binding granting more than the user holds is refused; escalate and bind allow it', { skip }, async () => {
  admin(['create', 'role', 'rbac-editor', '--verb=create,update,get', '--resource=roles,rolebindings', '-n', 'ns-2']);
  admin(['create', 'rolebinding', 'carol-rbac-editor', '--role=rbac-editor', '--user=carol', '-n', 'ns-2']);
  const kc = tokenKubeconfig('carol', 'carol-token');
  await eventually(() => kubectlAs(kc, ['auth', 'can-i', 'create', 'roles.rbac.authorization.k8s.io', '-n', 'ns-2']).status === 0, 'carol may create roles');

  const held = kubectlAs(kc, ['create', 'role', 'log-reader', '--verb=get', '--resource=pods/log', '-n', 'ns-2']);
  assert.equal(held.status, 0, held.stderr);
  const more = kubectlAs(kc, ['create', 'role', 'secret-reader', '--verb=get', '--resource=secrets', '-n', 'ns-2']);
  assert.equal(more.status, 1);
  assert.equal(more.stderr.trim(), 'Error from server (Forbidden): roles.rbac.authorization.k8s.io "secret-reader" is forbidden: user "carol" (groups=["qa" "testers" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}');

  admin(['create', 'role', 'secret-reader', '--verb=get', '--resource=secrets', '-n', 'ns-2']);
  const bindMore = kubectlAs(kc, ['create', 'rolebinding', 'x', '--role=secret-reader', '--user=dave', '-n', 'ns-2']);
  assert.equal(bindMore.status, 1);
  assert.match(bindMore.stderr, /rolebindings\.rbac\.authorization\.k8s\.io "x" is forbidden: user "carol" .* is attempting to grant RBAC permissions not currently held/);

  admin(['create', 'role', 'powers', '--verb=escalate,bind', '--resource=roles', '-n', 'ns-2']);
  admin(['create', 'rolebinding', 'carol-powers', '--role=powers', '--user=carol', '-n', 'ns-2']);
  await eventually(() => kubectlAs(kc, ['auth', 'can-i', 'bind', 'roles.rbac.authorization.k8s.io', '-n', 'ns-2']).status === 0, 'carol may bind');
  const escalated = kubectlAs(kc, ['create', 'role', 'secret-writer', '--verb=update', '--resource=secrets', '-n', 'ns-2']);
  assert.equal(escalated.status, 0, escalated.stderr);
  const bound = kubectlAs(kc, ['create', 'rolebinding', 'x', '--role=secret-reader', '--user=dave', '-n', 'ns-2']);
  assert.equal(bound.status, 0, bound.stderr);
});

test('tokens are refused (401) once their service account or bound pod is gone', { skip: skip || (!hasCurl && 'curl is not installed') }, async () => {
  admin(['create', 'namespace', 'ns-4']);
  admin(['create', 'serviceaccount', 'app', '-n', 'ns-4']);
  admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'ns-4' }, spec: { serviceAccountName: 'app', containers: [{ name: 'c', image: 'nginx' }] } }));
  const pod = JSON.parse(admin(['get', 'pod', 'web', '-n', 'ns-4', '-o', 'json']).stdout) as { spec: { volumes?: { name: string; projected?: unknown }[]; containers: { volumeMounts?: { mountPath: string }[] }[] } };
  assert.match(pod.spec.volumes?.[0]?.name ?? '', /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/, 'the ServiceAccount admission added the token volume');
  assert.equal(pod.spec.containers[0]?.volumeMounts?.[0]?.mountPath, '/var/run/secrets/kubernetes.io/serviceaccount');

  const podToken = admin(['create', 'token', 'app', '-n', 'ns-4', '--bound-object-kind=Pod', '--bound-object-name=web']).stdout.trim();
  const plain = admin(['create', 'token', 'app', '-n', 'ns-4']).stdout.trim();
  const shortLived = kubectl(cluster, ['create', 'token', 'app', '-n', 'ns-4', '--duration=5m']);
  assert.equal(shortLived.stderr.trim(), 'error: failed to create token: TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes');
  assert.equal(curl('/version', podToken).code, 200);
  admin(['delete', 'pod', 'web', '-n', 'ns-4']);
  assert.equal(curl('/version', podToken).code, 401, 'bound pod deleted');
  assert.equal(curl('/version', plain).code, 200);
  admin(['delete', 'serviceaccount', 'app', '-n', 'ns-4']);
  assert.equal(curl('/version', plain).code, 401, 'service account deleted');
  admin(['create', 'serviceaccount', 'app', '-n', 'ns-4']);
  assert.equal(curl('/version', plain).code, 401, 'service account recreated with a new UID');

  const missing = kubectl(cluster, ['run', 'x', '--image=nginx', '-n', 'ns-4', '--overrides={"spec":{"serviceAccountName":"nope"}}']);
  assert.equal(missing.stderr.trim(), 'Error from server (Forbidden): pods "x" is forbidden: error looking up service account ns-4/nope: serviceaccount "nope" not found');
});

test('--anonymous-auth=false: no credential is 401', { skip: skip || (!hasCurl && 'curl is not installed') }, async () => {
  const strict = await startCluster({ args: ['--anonymous-auth=false', '--storage', 'memory', '--runtime', 'fake'], timeoutMs: 60_000 });
  try {
    const r = spawnSync('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', `${strict.url}/version`], { encoding: 'utf8' });
    assert.equal(r.stdout, '401');
    assert.equal(kubectl(strict, ['get', 'ns', 'default', '-o', 'name']).stdout.trim(), 'namespace/default');
  } finally {
    await strict.cleanup();
  }
});

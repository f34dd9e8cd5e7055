// API aggregation against a real `a-kube up --runtime fake`, driven by the real kubectl 1.32: the test process runs
// a small extension API server over HTTPS (discovery, list/get/watch of flunders.wardle.example.com) that trusts
// only the front-proxy client certificate published in kube-system/extension-apiserver-authentication and reads
// the user from X-Remote-User. kubectl runs asynchronously: the backend lives in this process and must answer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { hasKubectl, kubectlBinary, startCluster, type Cluster, type RunResult } from './harness.js';
import { startTestBackend, type TestBackend } from '../unit/apiserver/aggregator/test-backend.js';
import { createCertificateAuthority, issueCertificate, type KeyPairPem } from '../../src/pki/certs.js';

const skip = hasKubectl ? false : 'kubectl is not installed';
let cluster: Cluster;
let dir = '';
let backend: TestBackend;
let servingCa: KeyPairPem;
let serving: KeyPairPem;
let frontProxyCa = '';

function run(args: string[], env: Record<string, string> = {}, binary = 'kubectl'): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env: { ...process.env, HOME: cluster.dataDir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
  });
}

const admin = (args: string[]) => run(['--kubeconfig', cluster.kubeconfig, ...args]);
const alice = (args: string[]) => run(['--kubeconfig', '/dev/null', '--server', cluster.url, '--certificate-authority', join(cluster.dataDir, 'pki', 'ca.crt'), '--token', 'alice-token', ...args]);

async function ok(p: Promise<RunResult>, what: string): Promise<string> {
  const r = await p;
  assert.equal(r.status, 0, `${what}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function until(what: string, f: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(250);
  }
}

const manifests = (port: number, caBundle: string) => `apiVersion: v1
kind: Service
metadata:
  name: wardle-api
  namespace: default
spec:
  type: ExternalName
  externalName: 127.0.0.1
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1alpha1.wardle.example.com
spec:
  group: wardle.example.com
  version: v1alpha1
  groupPriorityMinimum: 1000
  versionPriority: 15
  service:
    namespace: default
    name: wardle-api
    port: ${port}
  caBundle: ${caBundle}
`;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'akube-aggregation-'));
  writeFileSync(join(dir, 'tokens.csv'), 'alice-token,alice,uid-alice,"qa"\n');
  cluster = await startCluster({ args: ['--token-auth-file', join(dir, 'tokens.csv'), '--storage', 'memory', '--runtime', 'fake'], timeoutMs: 60_000 });
  // what an extension API server reads at start: whom to trust as its front proxy
  const cm = JSON.parse(await ok(admin(['get', 'configmap', 'extension-apiserver-authentication', '-n', 'kube-system', '-o', 'json']), 'configmap')) as { data: Record<string, string> };
  frontProxyCa = cm.data['requestheader-client-ca-file'] ?? '';
  const allowed = JSON.parse(cm.data['requestheader-allowed-names'] ?? '[]') as string[];
  servingCa = await createCertificateAuthority('wardle-ca');
  serving = await issueCertificate(servingCa, { commonName: 'wardle-api.default.svc', dnsNames: ['wardle-api.default.svc'], usage: 'server', validDays: 1 });
  backend = await startTestBackend({ ca: servingCa, serving, frontProxyCa: { cert: frontProxyCa } }, 0, allowed);
});

after(async () => {
  await backend?.close();
  await cluster?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('extension-apiserver-authentication names the front proxy as kube-apiserver does', { skip }, async () => {
  const cm = JSON.parse(await ok(admin(['get', 'configmap', 'extension-apiserver-authentication', '-n', 'kube-system', '-o', 'json']), 'configmap')) as { data: Record<string, string> };
  assert.match(frontProxyCa, /BEGIN CERTIFICATE/);
  assert.match(cm.data['client-ca-file'] ?? '', /BEGIN CERTIFICATE/);
  assert.equal(cm.data['requestheader-allowed-names'], '["front-proxy-client"]');
  assert.equal(cm.data['requestheader-username-headers'], '["X-Remote-User"]');
  assert.equal(cm.data['requestheader-group-headers'], '["X-Remote-Group"]');
  assert.equal(cm.data['requestheader-extra-headers-prefix'], '["X-Remote-Extra-"]');
});

/** POST a SelfSubjectReview with curl, presenting a client certificate and extra headers. */
function selfSubjectReview(c: Cluster, certFile: string, keyFile: string, headers: string[]): Promise<RunResult> {
  return new Promise<RunResult>((resolve, reject) => {
    const args = ['-sS', '--cacert', join(c.dataDir, 'pki', 'ca.crt'), '--cert', certFile, '--key', keyFile, '-X', 'POST', '-H', 'Content-Type: application/json',
      ...headers.flatMap((h) => ['-H', h]), '--data', '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}', `${c.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`];
    const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

test('a-kube believes a front proxy as kube-apiserver does: the front-proxy client certificate and X-Remote-* headers', { skip }, async () => {
  const pki = join(cluster.dataDir, 'pki');
  const curl = (cert: string, headers: string[]) => selfSubjectReview(cluster, join(pki, `${cert}.crt`), join(pki, `${cert}.key`), headers);
  const r = await curl('front-proxy-client', ['X-Remote-User: bob', 'X-Remote-Group: team-a', 'X-Remote-Group: team-b', 'X-Remote-Extra-Example.com%2fScopes: read']);
  assert.equal(r.status, 0, r.stderr);
  const review = JSON.parse(r.stdout) as { status?: { userInfo?: Record<string, unknown> } };
  assert.deepEqual(review.status?.userInfo, { username: 'bob', groups: ['team-a', 'team-b', 'system:authenticated'], extra: { 'example.com/scopes': ['read'] } });
  // the proxy's certificate without the username header is no user: 401
  const none = await curl('front-proxy-client', []);
  assert.match(none.stdout, /"reason":"Unauthorized"/);
  // a user's own certificate is that user, whatever headers it sends
  const own = await curl('apiserver-kubelet-client', ['X-Remote-User: bob']);
  const ownReview = JSON.parse(own.stdout) as { status?: { userInfo?: { username?: string } } };
  assert.equal(ownReview.status?.userInfo?.username, 'kube-apiserver-kubelet-client');
});

test('--requestheader-client-ca-file, --requestheader-allowed-names and --requestheader-uid-headers choose whom to believe, and are published', { skip }, async () => {
  const proxyCa = await createCertificateAuthority('my-proxy-ca');
  const proxy = await issueCertificate(proxyCa, { commonName: 'my-proxy', usage: 'client', validDays: 1 });
  const files = mkdtempSync(join(tmpdir(), 'akube-requestheader-'));
  writeFileSync(join(files, 'ca.crt'), proxyCa.cert);
  writeFileSync(join(files, 'proxy.crt'), proxy.cert);
  writeFileSync(join(files, 'proxy.key'), proxy.key);
  const own = await startCluster({ args: ['--storage', 'memory', '--runtime', 'none', '--requestheader-client-ca-file', join(files, 'ca.crt'), '--requestheader-allowed-names', 'my-proxy', '--requestheader-uid-headers', 'X-Remote-Uid'], timeoutMs: 60_000 });
  try {
    const r = await selfSubjectReview(own, join(files, 'proxy.crt'), join(files, 'proxy.key'), ['X-Remote-User: carol', 'X-Remote-Uid: 1234', 'X-Remote-Group: g']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { status?: { userInfo?: unknown } }).status?.userInfo, { username: 'carol', uid: '1234', groups: ['g', 'system:authenticated'] });
    // the front-proxy CA of the data dir is not believed any more
    const pki = join(own.dataDir, 'pki');
    const old = await selfSubjectReview(own, join(pki, 'front-proxy-client.crt'), join(pki, 'front-proxy-client.key'), ['X-Remote-User: carol']);
    assert.match(old.stdout, /"reason":"Unauthorized"/);
    const cm = JSON.parse(await ok(run(['--kubeconfig', own.kubeconfig, 'get', 'configmap', 'extension-apiserver-authentication', '-n', 'kube-system', '-o', 'json']), 'configmap')) as { data: Record<string, string> };
    assert.equal(cm.data['requestheader-client-ca-file'], proxyCa.cert);
    assert.equal(cm.data['requestheader-allowed-names'], '["my-proxy"]');
    assert.equal(cm.data['requestheader-uid-headers'], '["X-Remote-Uid"]');
  } finally {
    await own.cleanup();
    rmSync(files, { recursive: true, force: true });
  }
});

test('kubectl get apiservice lists the local ones', { skip }, async () => {
  await until('v1.apps Local True', async () => /^v1\.apps\s+Local\s+True\s+\S+$/m.test((await admin(['get', 'apiservice'])).stdout));
  const out = await ok(admin(['get', 'apiservice']), 'get apiservice');
  assert.match(out.split('\n')[0] ?? '', /^NAME\s+SERVICE\s+AVAILABLE\s+AGE$/);
  assert.match(out, /^v1\.\s+Local\s+True/m);
  assert.match(out, /^v1beta1\.metrics\.k8s\.io\s+Local\s+True/m);
});

test('a remote APIService: discovery, kubectl get through it, RBAC first, 503 when the backend is gone', { skip }, async () => {
  const file = join(dir, 'wardle.yaml');
  writeFileSync(file, manifests(backend.port, backend.caBundle));
  await ok(admin(['apply', '-f', file]), 'apply');
  await until('Available', async () => /^v1alpha1\.wardle\.example\.com\s+default\/wardle-api\s+True\s+\S+$/m.test((await admin(['get', 'apiservice', 'v1alpha1.wardle.example.com'])).stdout));

  const resources = await ok(admin(['api-resources', '--api-group=wardle.example.com']), 'api-resources');
  assert.match(resources, /^flunders\s+fl\s+wardle\.example\.com\/v1alpha1\s+true\s+Flunder$/m);

  backend.seen.length = 0;
  const list = await ok(admin(['get', 'flunders', '-o', 'name']), 'get flunders');
  assert.equal(list.trim(), 'flunder.wardle.example.com/first');
  const one = JSON.parse(await ok(admin(['get', 'fl', 'second', '-o', 'json']), 'get flunder')) as { metadata: { name: string } };
  assert.equal(one.metadata.name, 'second');
  const seen = backend.seen.filter((s) => s.url.includes('/flunders'));
  assert.ok(seen.length >= 2);
  for (const s of seen) {
    assert.equal(s.user, 'kubernetes-admin');
    assert.ok(s.groups.includes('system:masters'), s.groups.join(','));
    assert.equal(s.clientCN, 'front-proxy-client');
    assert.equal(s.authorization, undefined);
  }

  // a user without RBAC is refused by a-kube; the backend never hears of it
  backend.seen.length = 0;
  const denied = await alice(['get', 'flunders']);
  assert.notEqual(denied.status, 0);
  assert.match(denied.stderr, /flunders\.wardle\.example\.com is forbidden: User "alice" cannot list resource "flunders" in API group "wardle\.example\.com" in the namespace "default"/);
  assert.equal(backend.seen.filter((s) => s.user === 'alice').length, 0);

  // kubectl explain of the aggregated kind: from /openapi/v2 (the backend's document merged into a-kube's) and
  // from v3 (the backend's document of its group/version, through a-kube)
  const explainV2 = await ok(admin(['explain', 'flunders.spec', '--output=plaintext-openapiv2']), 'explain (openapi v2)');
  assert.match(explainV2, /^KIND:\s+Flunder\nVERSION:\s+wardle\.example\.com\/v1alpha1\n/);
  assert.match(explainV2, /reference\s+<string>\n\s+The name of the fischer this flunder refers to\./);
  const explainV3 = await ok(admin(['explain', 'flunders']), 'explain (openapi v3)');
  assert.match(explainV3, /Flunder is a test kind served by the extension server\./);
  const old = kubectlBinary('1.27');
  if (old) assert.match(await ok(run(['--kubeconfig', cluster.kubeconfig, 'explain', 'flunders', '--output=plaintext-openapiv2'], {}, old), 'explain (kubectl 1.27, openapi v2)'), /^KIND:\s+Flunder\n/);

  // the backend stops: requests get 503, the APIService turns False (FailedDiscoveryCheck)
  await backend.close();
  const gone = await admin(['get', 'flunders']);
  assert.notEqual(gone.status, 0);
  assert.match(gone.stderr, /the server is currently unable to handle the request/);
  await until('Available False', async () => /^v1alpha1\.wardle\.example\.com\s+default\/wardle-api\s+False \(FailedDiscoveryCheck\)\s+\S+$/m.test((await admin(['get', 'apiservice', 'v1alpha1.wardle.example.com'])).stdout));
  const status = JSON.parse(await ok(admin(['get', 'apiservice', 'v1alpha1.wardle.example.com', '-o', 'json']), 'get -o json')) as { status: { conditions: { type: string; status: string; reason: string; message: string }[] } };
  const c = status.status.conditions.find((x) => x.type === 'Available');
  assert.match(c?.message ?? '', /^failing or missing response from https:\/\/127\.0\.0\.1:\d+\/apis\/wardle\.example\.com\/v1alpha1: .*connection refused$/);
});

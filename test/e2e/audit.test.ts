// The audit log of a real `a-kube up`: on by default under the data dir, the seed's 403s and 200 with
// authorization's decision and reason, Audit-Id on replies, Secrets never above Metadata; a policy file's levels
// and stages; rotation by size; standard output as the log; a bad policy stops the start with the reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { entry, hasKubectl, kubectl, startCluster, type Cluster } from './harness.js';
import type { AuditEvent } from '../../src/audit/types.js';

const hasCurl = spawnSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' }).status === 0;
const skip = !hasKubectl || !hasCurl ? 'kubectl and curl are needed' : false;

let cluster: Cluster;
let work: string;

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'akube-audit-'));
  cluster = await startCluster({ args: ['--storage', 'memory', '--runtime', 'fake'], timeoutMs: 60_000 });
});

after(async () => {
  await cluster?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

function ok(c: Cluster, args: string[]): string {
  const r = kubectl(c, args);
  assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function curl(c: Cluster, path: string, token?: string): { code: number; auditId: string } {
  const args = ['-sk', '-o', '/dev/null', '-D', '-', '-w', '%{http_code}', ...(token ? ['-H', `Authorization: Bearer ${token}`] : []), `${c.url}${path}`];
  const out = spawnSync('curl', args, { encoding: 'utf8' }).stdout;
  return { code: Number(out.slice(-3)), auditId: /^audit-id: (\S+)/im.exec(out)?.[1] ?? '' };
}

function events(path: string): AuditEvent[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as AuditEvent);
}

/** Waits until an event for this audit ID and stage is in the log (the backend writes in the background). */
async function eventFor(path: string, auditID: string, stage = 'ResponseComplete'): Promise<AuditEvent> {
  for (let i = 0; i < 100; i++) {
    const e = events(path).find((x) => x.auditID === auditID && x.stage === stage);
    if (e) return e;
    await delay(50);
  }
  assert.fail(`no ${stage} event for audit ID ${auditID} in ${path}`);
}

test('the seed\'s requests are in the default audit log with the decision and the RBAC reason', { skip }, async () => {
  const log = join(cluster.dataDir, 'audit.log');
  ok(cluster, ['create', 'namespace', 'ns-1']);
  ok(cluster, ['create', 'serviceaccount', 'k-sa-1', '-n', 'ns-1']);
  const token = ok(cluster, ['create', 'token', 'k-sa-1', '-n', 'ns-1']).trim();

  const anonymous = curl(cluster, '/api/v1/namespaces/ns-1/pods');
  assert.equal(anonymous.code, 403);
  const denied = curl(cluster, '/api/v1/namespaces/ns-1/pods', token);
  assert.equal(denied.code, 403);
  ok(cluster, ['create', 'role', 'pod-lister', '--verb=list', '--resource=pods', '-n', 'ns-1']);
  ok(cluster, ['create', 'rolebinding', 'pod-lister-binding', '--role=pod-lister', '--serviceaccount=ns-1:k-sa-1', '-n', 'ns-1']);
  const allowed = curl(cluster, '/api/v1/namespaces/ns-1/pods', token);
  assert.equal(allowed.code, 200);
  const otherNs = curl(cluster, '/api/v1/namespaces/default/pods', token);
  assert.equal(otherNs.code, 403);

  const a = await eventFor(log, anonymous.auditId);
  assert.equal(a.user.username, 'system:anonymous');
  assert.equal(a.verb, 'list');
  assert.equal(a.level, 'Metadata');
  assert.deepEqual(a.objectRef, { resource: 'pods', namespace: 'ns-1', apiVersion: 'v1' });
  assert.equal(a.responseStatus?.code, 403);
  assert.equal(a.responseStatus?.message, 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "ns-1"');
  assert.deepEqual(a.annotations, { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' });
  assert.match(a.userAgent ?? '', /^curl\//);
  assert.deepEqual(a.sourceIPs, ['127.0.0.1']);

  const d = await eventFor(log, denied.auditId);
  assert.equal(d.user.username, 'system:serviceaccount:ns-1:k-sa-1');
  assert.equal(d.annotations?.['authorization.k8s.io/decision'], 'forbid');

  const y = await eventFor(log, allowed.auditId);
  assert.equal(y.responseStatus?.code, 200);
  assert.deepEqual(y.annotations, {
    'authorization.k8s.io/decision': 'allow',
    'authorization.k8s.io/reason': 'RBAC: allowed by RoleBinding "pod-lister-binding/ns-1" of Role "pod-lister" to ServiceAccount "k-sa-1/ns-1"',
  });
  assert.equal((await eventFor(log, otherNs.auditId)).annotations?.['authorization.k8s.io/decision'], 'forbid');

  // RBAC writes are recorded in full (request and response objects).
  const binding = events(log).find((e) => e.verb === 'create' && e.objectRef?.resource === 'rolebindings' && e.objectRef.name === 'pod-lister-binding');
  assert.ok(binding, 'the rolebinding create is in the log');
  assert.equal(binding.level, 'RequestResponse');
  assert.equal((binding.requestObject as { roleRef?: { name?: string } }).roleRef?.name, 'pod-lister');
  assert.equal((binding.responseObject as { metadata?: { uid?: string } }).metadata?.uid !== undefined, true);
  assert.equal(binding.user.username, 'kubernetes-admin');
  // A token request is recorded without the token.
  const tokenEvent = events(log).find((e) => e.objectRef?.subresource === 'token' && e.stage === 'ResponseComplete');
  assert.equal(tokenEvent?.level, 'Request');
  assert.equal(JSON.stringify(events(log)).includes(token), false, 'an issued token never appears');
});

test('a-kube\'s own start-up work is audited as system:apiserver, its reads not at all; nothing runs as kubernetes-admin', { skip }, async () => {
  const log = join(cluster.dataDir, 'audit.log');
  ok(cluster, ['get', 'namespaces']);
  await delay(500);
  const all = events(log);
  const own = all.filter((e) => e.user.username === 'system:apiserver');
  assert.ok(own.some((e) => e.verb === 'create' && e.objectRef?.resource === 'clusterroles'), 'the bootstrap policy\'s creates are recorded');
  assert.deepEqual(own.filter((e) => ['get', 'list', 'watch'].includes(e.verb)).map((e) => `${e.verb} ${e.requestURI}`), [], 'the default policy leaves its reads out');
  assert.ok(own.every((e) => e.user.groups?.includes('system:masters')));
  const admin = all.filter((e) => e.user.username === 'kubernetes-admin');
  assert.ok(admin.length > 0);
  assert.deepEqual(admin.filter((e) => !/^kubectl/.test(e.userAgent ?? '')).map((e) => `${e.verb} ${e.requestURI} ${e.userAgent}`), [], 'only the test\'s kubectl acts as kubernetes-admin');
});

test('a Secret\'s data never appears in the default audit log; a watch has ResponseStarted and ResponseComplete', { skip }, async () => {
  const log = join(cluster.dataDir, 'audit.log');
  const marker = 'hunter2-the-secret-value';
  ok(cluster, ['create', 'secret', 'generic', 'db', '--from-literal', `password=${marker}`, '-n', 'default']);
  ok(cluster, ['get', 'secret', 'db', '-n', 'default', '-o', 'yaml']);
  ok(cluster, ['patch', 'secret', 'db', '-n', 'default', '-p', JSON.stringify({ stringData: { other: marker } })]);
  spawnSync('kubectl', ['--kubeconfig', cluster.kubeconfig, 'get', 'secrets', '-n', 'default', '-w', '--request-timeout=1s'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, HOME: cluster.dataDir } });
  let seen: AuditEvent[] = [];
  for (let i = 0; i < 100 && !seen.some((e) => e.verb === 'watch' && e.stage === 'ResponseComplete' && e.objectRef?.resource === 'secrets'); i++) {
    await delay(50);
    seen = events(log);
  }
  const text = readFileSync(log, 'utf8');
  assert.equal(text.includes(marker), false);
  assert.equal(text.includes(Buffer.from(marker).toString('base64')), false);
  const secretEvents = seen.filter((e) => e.objectRef?.resource === 'secrets');
  assert.ok(secretEvents.some((e) => e.verb === 'create' && e.objectRef?.name === 'db'), 'the create is recorded, by name');
  assert.ok(secretEvents.every((e) => e.level === 'Metadata'));
  const watchStages = secretEvents.filter((e) => e.verb === 'watch').map((e) => e.stage);
  assert.ok(watchStages.includes('ResponseStarted') && watchStages.includes('ResponseComplete'), watchStages.join(','));
});

test('PodSecurity records the enforced policy and the audit level\'s violations on the pod\'s audit event', { skip }, async () => {
  const log = join(cluster.dataDir, 'audit.log');
  ok(cluster, ['create', 'namespace', 'psa-audit']);
  ok(cluster, ['label', 'namespace', 'psa-audit', 'pod-security.kubernetes.io/enforce=baseline', 'pod-security.kubernetes.io/audit=restricted']);
  ok(cluster, ['run', 'loose', '--image=nginx', '-n', 'psa-audit']);
  let created: AuditEvent | undefined;
  for (let i = 0; i < 100 && !created; i++) {
    created = events(log).find((e) => e.verb === 'create' && e.stage === 'ResponseComplete' && e.objectRef?.resource === 'pods' && e.objectRef?.namespace === 'psa-audit' && e.objectRef?.name === 'loose');
    if (!created) await delay(50);
  }
  assert.ok(created, 'the pod create is in the audit log');
  assert.equal(created.annotations?.['pod-security.kubernetes.io/enforce-policy'], 'baseline:latest');
  assert.match(created.annotations?.['pod-security.kubernetes.io/audit-violations'] ?? '', /^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
});

test('a policy file decides levels and stages; the log rotates by size', { skip }, async () => {
  const policy = join(work, 'policy.yaml');
  writeFileSync(policy, [
    'apiVersion: audit.k8s.io/v1',
    'kind: Policy',
    'rules:',
    '- level: RequestResponse',
    '  resources: [{group: "", resources: [configmaps]}]',
    '  verbs: [create]',
    '- level: None',
    '',
  ].join('\n'));
  const logPath = join(work, 'logs', 'api-audit.log');
  spawnSync('mkdir', ['-p', join(work, 'logs')]);
  const c = await startCluster({ args: ['--storage', 'memory', '--runtime', 'none', '--audit-policy-file', policy, '--audit-log-path', logPath, '--audit-log-maxsize', '1', '--audit-log-maxbackup', '2'], timeoutMs: 60_000 });
  try {
    const big = "x".repeat(300 * 1024);
    for (let i = 0; i < 8; i++) {
      const file = join(work, `cm-${i}.json`);
      writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `big-${i}`, namespace: 'default' }, data: { k: big } }));
      const pki = join(c.dataDir, 'pki');
      const r = spawnSync('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', '--cert', join(pki, 'admin.crt'), '--key', join(pki, 'admin.key'), '-H', 'Content-Type: application/json', '--data-binary', `@${file}`, `${c.url}/api/v1/namespaces/default/configmaps`], { encoding: 'utf8' });
      assert.equal(r.stdout, '201');
    }
    ok(c, ['get', 'configmaps', '-n', 'default']);
    await delay(300);
    const dir = join(work, 'logs');
    let files: string[] = [];
    for (let i = 0; i < 50; i++) {
      files = readdirSync(dir).sort();
      if (files.length === 3) break;
      await delay(100);
    }
    assert.equal(files.length, 3, `the current file and two rotated ones: ${files.join(' ')}`);
    for (const f of files) assert.ok(readFileSync(join(dir, f)).length <= 1024 * 1024, `${f} stays under 1 MiB`);
    const all = files.flatMap((f) => events(join(dir, f)));
    assert.ok(all.length > 0);
    assert.ok(all.every((e) => e.objectRef?.resource === 'configmaps' && e.verb === 'create' && e.level === 'RequestResponse'), 'only what the policy names is recorded');
    const stagesOf = new Set(all.map((e) => e.stage));
    assert.ok(stagesOf.has('RequestReceived') && stagesOf.has('ResponseComplete'), 'no stage is omitted by this policy');
    const last = all.find((e) => e.objectRef?.name === 'big-7' && e.stage === 'ResponseComplete');
    assert.equal((last?.requestObject as { data?: { k?: string } }).data?.k?.length, big.length);
    assert.equal(existsSync(join(c.dataDir, 'audit.log')), false, '--audit-log-path replaces the default file');
  } finally {
    await c.cleanup();
  }
});

test('--audit-log-path -: standard output holds the audit events alone (the start-up lines go to stderr)', { skip }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'akube-audit-stdout-'));
  const child = spawn(process.execPath, [...entry('a-kube'), 'up', '--storage', 'memory', '--runtime', 'none', '--port', '0', '--data-dir', dataDir, '--audit-log-path', '-'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dataDir } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    for (let i = 0; i < 600 && !/a-kube is up at \S+/.test(stderr) && child.exitCode === null; i++) await delay(100);
    const url = /a-kube is up at (\S+)/.exec(stderr)?.[1];
    assert.ok(url, `not up: ${stderr}`);
    // a request of the admin's, then the events reach standard output
    const pki = join(dataDir, 'pki');
    spawnSync('curl', ['-sk', '-o', '/dev/null', '--cert', join(pki, 'admin.crt'), '--key', join(pki, 'admin.key'), `${url}/api/v1/namespaces/default/configmaps?marker=stdout`]);
    for (let i = 0; i < 100 && !stdout.includes('marker=stdout'); i++) await delay(100);
    const lines = stdout.split('\n').filter((l) => l !== '');
    assert.ok(lines.some((l) => l.includes('marker=stdout')), 'the request\'s event is on standard output');
    for (const l of lines) assert.equal((JSON.parse(l) as AuditEvent).kind, 'Event', l);
    assert.equal(existsSync(join(dataDir, 'audit.log')), false);
  } finally {
    if (child.exitCode === null) await new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); });
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a bad policy file stops the start with what is wrong', { skip }, () => {
  const policy = join(work, 'bad.yaml');
  writeFileSync(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n');
  const dataDir = mkdtempSync(join(tmpdir(), 'akube-audit-bad-'));
  try {
    const r = spawnSync(process.execPath, [...entry('a-kube'), 'up', '--storage', 'memory', '--runtime', 'none', '--port', '0', '--data-dir', dataDir, '--audit-policy-file', policy], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.yaml: rules\[0\]\.level: unknown level "Loud" \(use None, Metadata, Request, RequestResponse\)/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

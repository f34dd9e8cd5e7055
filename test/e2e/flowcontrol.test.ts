// API Priority and Fairness end to end: a real `a-kube up` driven by the real kubectl 1.32 and curl. The shipped
// FlowSchemas and PriorityLevelConfigurations as kubectl prints them, the response headers naming the schema and
// level, a Reject level of a few seats held by one user's slow requests refusing that user 429 while the admin and
// other users go on, and a deleted mandatory object coming back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import { hasKubectl, kubectl, ok, startCluster, type Cluster } from './harness.js';

const hasCurl = spawnSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' }).status === 0;
const skip = hasKubectl && hasCurl ? false : 'kubectl or curl is not installed';

let cluster: Cluster;
let tokenDir: string | undefined;

before(async () => {
  if (skip) return;
  tokenDir = mkdtempSync(join(tmpdir(), 'akube-apf-'));
  const tokenFile = join(tokenDir, 'tokens.csv');
  writeFileSync(tokenFile, 'carol-token,carol,uid-carol\ndave-token,dave,uid-dave\n');
  cluster = await startCluster({ args: ['--token-auth-file', tokenFile, '--storage', 'memory', '--runtime', 'none'], timeoutMs: 60_000 });
});

after(async () => {
  await cluster?.cleanup();
  if (tokenDir) rmSync(tokenDir, { recursive: true, force: true });
});

async function eventually<T>(what: string, f: () => T | undefined, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await delay(200);
  }
}

/** curl with a bearer token: status, response headers (lower-cased names) and body. */
function curl(path: string, token: string): { status: number; headers: Record<string, string>; body: string } {
  const r = spawnSync('curl', ['-sk', '-D', '-', '-H', `Authorization: Bearer ${token}`, `${cluster.url}${path}`], { encoding: 'utf8' });
  const [head = '', ...rest] = r.stdout.split('\r\n\r\n');
  const lines = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(lines[0]?.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

const uidOf = (kind: string, name: string) => ok(kubectl(cluster, ['get', kind, name, '-o', 'jsonpath={.metadata.uid}']), `uid of ${kind}/${name}`);

test('kubectl get flowschemas / prioritylevelconfigurations print the shipped configuration as kube-apiserver does', { skip }, async () => {
  const fs = await eventually('13 flow schemas with their Dangling condition', () => {
    const out = ok(kubectl(cluster, ['get', 'flowschemas']), 'get flowschemas');
    return out.trim().split('\n').length === 14 && !/\?\s*$/m.test(out) ? out : undefined;
  });
  assert.match(fs, /^NAME\s+PRIORITYLEVEL\s+MATCHINGPRECEDENCE\s+DISTINGUISHERMETHOD\s+AGE\s+MISSINGPL\n/);
  assert.match(fs, /^exempt\s+exempt\s+1\s+<none>\s+\S+\s+False$/m);
  assert.match(fs, /^probes\s+exempt\s+2\s+<none>\s+\S+\s+False$/m);
  assert.match(fs, /^system-leader-election\s+leader-election\s+100\s+ByUser\s+\S+\s+False$/m);
  assert.match(fs, /^kube-controller-manager\s+workload-high\s+800\s+ByNamespace\s+\S+\s+False$/m);
  assert.match(fs, /^global-default\s+global-default\s+9900\s+ByUser\s+\S+\s+False$/m);
  assert.match(fs, /^catch-all\s+catch-all\s+10000\s+ByUser\s+\S+\s+False$/m);
  // kubectl sorts nothing: the server lists by name
  const names = fs.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]);
  assert.deepEqual(names, [...names].sort());

  const pl = ok(kubectl(cluster, ['get', 'prioritylevelconfigurations']), 'get prioritylevelconfigurations');
  assert.match(pl, /^NAME\s+TYPE\s+NOMINALCONCURRENCYSHARES\s+QUEUES\s+HANDSIZE\s+QUEUELENGTHLIMIT\s+AGE\n/);
  assert.match(pl, /^catch-all\s+Limited\s+5\s+<none>\s+<none>\s+<none>\s+\S+$/m);
  assert.match(pl, /^exempt\s+Exempt\s+<none>\s+<none>\s+<none>\s+<none>\s+\S+$/m);
  assert.match(pl, /^global-default\s+Limited\s+20\s+128\s+6\s+50\s+\S+$/m);
  assert.match(pl, /^leader-election\s+Limited\s+10\s+16\s+4\s+50\s+\S+$/m);
  assert.match(pl, /^workload-low\s+Limited\s+100\s+128\s+6\s+50\s+\S+$/m);
  assert.equal(pl.trim().split('\n').length, 9);
  assert.match(ok(kubectl(cluster, ['api-resources', '--api-group=flowcontrol.apiserver.k8s.io']), 'api-resources'), /flowschemas\s+flowcontrol\.apiserver\.k8s\.io\/v1\s+false\s+FlowSchema/);
  assert.match(ok(kubectl(cluster, ['explain', 'prioritylevelconfiguration.spec.limited.limitResponse']), 'explain'), /queuing/);
});

test('responses name their FlowSchema and priority level (kubectl -v=8, curl)', { skip }, () => {
  const verbose = kubectl(cluster, ['get', '--raw', '/version', '-v=8']);
  assert.equal(verbose.status, 0, verbose.stderr);
  assert.match(verbose.stderr, new RegExp(`X-Kubernetes-Pf-Flowschema-Uid: ${uidOf('flowschema', 'exempt')}`));
  assert.match(verbose.stderr, new RegExp(`X-Kubernetes-Pf-Prioritylevel-Uid: ${uidOf('prioritylevelconfiguration', 'exempt')}`));
  const dave = curl('/version', 'dave-token');
  assert.equal(dave.status, 200);
  assert.equal(dave.headers['x-kubernetes-pf-flowschema-uid'], uidOf('flowschema', 'global-default'));
  assert.equal(dave.headers['x-kubernetes-pf-prioritylevel-uid'], uidOf('prioritylevelconfiguration', 'global-default'));
});

/** Starts a POST as carol and never finishes its body: the request holds its seat while the server waits. */
function heldRequest(): Promise<TLSSocket> {
  const url = new URL(cluster.url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      s.write(`POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer carol-token\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiVersion":"v1",`);
      resolve(s);
    });
    s.on('error', reject);
  });
}

test('a user routed to a Reject level whose seats are taken gets 429; the admin and other users do not', { skip }, async () => {
  ok(kubectl(cluster, ['apply', '-f', '-'], {
    input: `
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: PriorityLevelConfiguration
metadata: {name: one-share}
spec:
  type: Limited
  limited:
    nominalConcurrencyShares: 1
    limitResponse: {type: Reject}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata: {name: carol}
spec:
  priorityLevelConfiguration: {name: one-share}
  matchingPrecedence: 500
  rules:
  - subjects: [{kind: User, user: {name: carol}}]
    resourceRules: [{verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"], clusterScope: true}]
    nonResourceRules: [{verbs: ["*"], nonResourceURLs: ["*"]}]
`,
  }), 'apply the level and schema');
  // carol may create ConfigMaps, so her slow POSTs get past authorization and wait for their bodies
  ok(kubectl(cluster, ['create', 'clusterrole', 'cm-writer', '--verb=create', '--resource=configmaps']), 'role');
  ok(kubectl(cluster, ['create', 'clusterrolebinding', 'carol-cm-writer', '--clusterrole=cm-writer', '--user=carol']), 'binding');
  const carolUid = uidOf('flowschema', 'carol');
  await eventually('carol routed to her schema', () => (curl('/version', 'carol-token').headers['x-kubernetes-pf-flowschema-uid'] === carolUid ? true : undefined));
  // 600 seats shared by Σ shares 246: ceil(600 × 1 / 246) = 3 seats for carol's level
  const held = await Promise.all([heldRequest(), heldRequest(), heldRequest()]);
  try {
    const refused = await eventually('a refusal', () => {
      const r = curl('/version', 'carol-token');
      return r.status === 429 ? r : undefined;
    }, 5000);
    assert.equal(refused.body, 'Too many requests, please try again later.\n');
    assert.equal(refused.headers['retry-after'], '1');
    assert.equal(refused.headers['x-kubernetes-pf-flowschema-uid'], carolUid);
    assert.equal(refused.headers['x-kubernetes-pf-prioritylevel-uid'], uidOf('prioritylevelconfiguration', 'one-share'));
    // kubectl retries the 429 as told, then gives up with client-go's text
    const carolConfig = join(cluster.dataDir, 'carol.kubeconfig');
    writeFileSync(carolConfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: t',
      'clusters:', '- name: c', '  cluster:', `    server: ${cluster.url}`, `    certificate-authority: ${join(cluster.dataDir, 'pki', 'ca.crt')}`,
      'users:', '- name: u', '  user:', '    token: carol-token',
      'contexts:', '- name: t', '  context: {cluster: c, user: u}', '',
    ].join('\n'));
    const asCarol = spawnSync('kubectl', ['--kubeconfig', carolConfig, 'get', '--raw', '/version'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: cluster.dataDir } });
    assert.notEqual(asCarol.status, 0);
    assert.match(asCarol.stderr, /TooManyRequests|too many requests/i);
    ok(kubectl(cluster, ['get', '--raw', '/version']), 'the admin');
    assert.equal(curl('/version', 'dave-token').status, 200);
    const metrics = ok(kubectl(cluster, ['get', '--raw', '/metrics']), 'metrics');
    assert.match(metrics, /^apiserver_flowcontrol_rejected_requests_total\{flow_schema="carol",priority_level="one-share",reason="concurrency-limit"\} [1-9]\d*$/m);
    assert.match(metrics, /^apiserver_flowcontrol_current_executing_requests\{flow_schema="carol",priority_level="one-share"\} 3$/m);
    assert.match(metrics, /^apiserver_flowcontrol_nominal_limit_seats\{priority_level="one-share"\} 3$/m);
  } finally {
    for (const s of held) s.destroy();
  }
  await eventually('carol served again', () => (curl('/version', 'carol-token').status === 200 ? true : undefined), 10_000);
});

test('a deleted mandatory object comes back; an edited one is refused', { skip }, async () => {
  const before = uidOf('flowschema', 'catch-all');
  ok(kubectl(cluster, ['delete', 'flowschema', 'catch-all']), 'delete catch-all');
  await eventually('catch-all recreated', () => {
    const r = kubectl(cluster, ['get', 'flowschema', 'catch-all', '-o', 'jsonpath={.metadata.uid}']);
    return r.status === 0 && r.stdout !== '' && r.stdout !== before ? r.stdout : undefined;
  });
  ok(kubectl(cluster, ['delete', 'prioritylevelconfiguration', 'exempt']), 'delete exempt');
  await eventually('exempt recreated', () => (kubectl(cluster, ['get', 'prioritylevelconfiguration', 'exempt']).status === 0 ? true : undefined));
  const edit = kubectl(cluster, ['patch', 'prioritylevelconfiguration', 'catch-all', '--type=merge', '-p', '{"spec":{"limited":{"nominalConcurrencyShares":50}}}']);
  assert.equal(edit.status, 1);
  assert.match(edit.stderr, /The PriorityLevelConfiguration "catch-all" is invalid: spec: Invalid value: .*spec of 'catch-all' must equal the fixed value/);
  // a suggested object keeps a user's change once the user turns autoupdate off
  ok(kubectl(cluster, ['annotate', '--overwrite', 'prioritylevelconfiguration', 'workload-low', 'apf.kubernetes.io/autoupdate-spec=false']), 'annotate');
  ok(kubectl(cluster, ['patch', 'prioritylevelconfiguration', 'workload-low', '--type=merge', '-p', '{"spec":{"limited":{"nominalConcurrencyShares":7}}}']), 'patch workload-low');
  ok(kubectl(cluster, ['delete', 'flowschema', 'global-default']), 'delete global-default'); // a change that makes the controller look
  await eventually('global-default recreated', () => (kubectl(cluster, ['get', 'flowschema', 'global-default']).status === 0 ? true : undefined));
  assert.equal(ok(kubectl(cluster, ['get', 'prioritylevelconfiguration', 'workload-low', '-o', 'jsonpath={.spec.limited.nominalConcurrencyShares}']), 'get'), '7');
});

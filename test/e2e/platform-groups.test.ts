// Issue 10's autoscaling, certificates, node and flowcontrol groups against a real `a-kube up --runtime fake`,
// driven by the real kubectl 1.32 and 1.27 and by a-kubectl.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { akubectl, hasKubectl, kubectl, kubectlBinary, startCluster, type Cluster, ok } from './harness.js';

const skip = hasKubectl ? false : 'kubectl is not installed';
const kubectl127 = kubectlBinary('1.27');

let cluster: Cluster;

before(async () => {
  if (skip) return;
  cluster = await startCluster({ args: ['--storage', 'memory', '--runtime', 'fake'], timeoutMs: 180_000 });
});

after(async () => {
  await cluster?.cleanup();
});


async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${cluster.log().slice(-3000)}`);
    await delay(250);
  }
}

const deployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - {name: c, image: nginx, resources: {requests: {cpu: 100m}}}
`;

test('kubectl autoscale creates an HPA; on the simulated node the metric is the pods\' pretend usage (half the request)', { skip }, async () => {
  ok(kubectl(cluster, ['apply', '-f', '-'], { input: deployment('web') }), 'apply deployment');
  const out = ok(kubectl(cluster, ['autoscale', 'deployment', 'web', '--min=1', '--max=3', '--cpu-percent=50']), 'kubectl autoscale');
  assert.equal(out, 'horizontalpodautoscaler.autoscaling/web autoscaled\n');

  const table = ok(kubectl(cluster, ['get', 'hpa']), 'get hpa');
  assert.match(table, /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\n/);
  assert.match(table, /\nweb\s+Deployment\/web\s+cpu: (<unknown>|\d+%)\/50%\s+1\s+3\s+\d+\s+\S+\n/);

  // The simulated runtime's containers use half their request: 50m of 100m, exactly the target (no rescale).
  const top = await eventually('kubectl top pod', () => {
    const r = kubectl(cluster, ['top', 'pod', '-l', 'app=web', '--no-headers']);
    return r.status === 0 && r.stdout.trim() !== '' ? r.stdout : undefined;
  }, 60_000);
  assert.match(top, /^web-\S+\s+50m\s+8Mi\s*$/m, top);
  const conditions = await eventually('ScalingActive with a valid metric', () => {
    const r = kubectl(cluster, ['get', 'horizontalpodautoscalers.v2.autoscaling', 'web', '-o', 'jsonpath={range .status.conditions[*]}{.type}={.status}/{.reason};{end}']);
    return r.status === 0 && r.stdout.includes('ScalingActive=True/ValidMetricFound') ? r.stdout : undefined;
  }, 60_000);
  assert.match(conditions, /AbleToScale=True\/(SucceededGetScale|ReadyForNewScale)/);
  await eventually('TARGETS at 50%/50%', () => {
    const r = kubectl(cluster, ['get', 'hpa', 'web', '--no-headers']);
    return /cpu: 50%\/50%\s+1\s+3\s+1\s/.test(r.stdout) ? r.stdout : undefined;
  }, 30_000);
  const nodeTop = ok(kubectl(cluster, ['top', 'node', '--no-headers']), 'top node');
  assert.match(nodeTop, /^\S+\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\s*$/m, nodeTop);

  // The same object through autoscaling/v1.
  const v1 = JSON.parse(ok(kubectl(cluster, ['get', 'horizontalpodautoscalers.v1.autoscaling', 'web', '-o', 'json']), 'get v1')) as { apiVersion: string; spec: { targetCPUUtilizationPercentage: number } };
  assert.equal(v1.apiVersion, 'autoscaling/v1');
  assert.equal(v1.spec.targetCPUUtilizationPercentage, 50);
});

test('the HPA scales a Deployment on the simulated node whose pods use more than the target (a-kube.io/fake-cpu-usage)', { skip }, async () => {
  ok(kubectl(cluster, ['apply', '-f', '-'], { input: deployment('hot').replace('metadata: {labels: {app: hot}}', "metadata: {labels: {app: hot}, annotations: {a-kube.io/fake-cpu-usage: 200m}}") }), 'apply deployment');
  ok(kubectl(cluster, ['autoscale', 'deployment', 'hot', '--min=1', '--max=3', '--cpu-percent=50']), 'kubectl autoscale');
  await eventually('the deployment scaled to maxReplicas', () => {
    const r = kubectl(cluster, ['get', 'deployment', 'hot', '-o', 'jsonpath={.spec.replicas}']);
    return r.stdout === '3' ? r.stdout : undefined;
  }, 90_000);
  const events = await eventually('the SuccessfulRescale event', () => {
    const r = kubectl(cluster, ['get', 'events', '--field-selector', 'involvedObject.name=hot,reason=SuccessfulRescale', '-o', 'jsonpath={.items[*].message}']);
    return r.status === 0 && r.stdout !== '' ? r.stdout : undefined;
  });
  assert.equal(events, 'New size: 3; reason: cpu resource utilization (percentage of request) above target');
  const top = ok(kubectl(cluster, ['top', 'pod', '-l', 'app=hot', '--no-headers']), 'top pod');
  assert.match(top, /^hot-\S+\s+200m\s+/m);
});

test('the min/max bounds are enforced on the target by the controller', { skip }, async () => {
  ok(kubectl(cluster, ['apply', '-f', '-'], { input: deployment('floor') }), 'apply deployment');
  ok(kubectl(cluster, ['apply', '-f', '-'], { input: `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: floor}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: floor}
  minReplicas: 2
  maxReplicas: 4
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
` }), 'apply hpa v2');
  await eventually('the deployment scaled to minReplicas', () => {
    const r = kubectl(cluster, ['get', 'deployment', 'floor', '-o', 'jsonpath={.spec.replicas}']);
    return r.stdout === '2' ? r.stdout : undefined;
  });
  const events = await eventually('the SuccessfulRescale event', () => {
    const r = kubectl(cluster, ['get', 'events', '--field-selector', 'involvedObject.name=floor,reason=SuccessfulRescale', '-o', 'jsonpath={.items[*].message}']);
    return r.status === 0 && r.stdout !== '' ? r.stdout : undefined;
  });
  assert.equal(events, 'New size: 2; reason: Current number of replicas below Spec.MinReplicas');
});

test('a-kubectl autoscale, and validation refusals', { skip }, async () => {
  ok(kubectl(cluster, ['apply', '-f', '-'], { input: deployment('api') }), 'apply deployment');
  const out = ok(akubectl(cluster, ['autoscale', 'deploy/api', '--max=5', '--cpu-percent=70']), 'a-kubectl autoscale');
  assert.equal(out, 'horizontalpodautoscaler.autoscaling/api autoscaled\n');
  const hpa = JSON.parse(ok(kubectl(cluster, ['get', 'hpa', 'api', '-o', 'json']), 'get')) as { spec: { minReplicas: number; maxReplicas: number; metrics: unknown[] } };
  assert.equal(hpa.spec.minReplicas, 1);
  assert.equal(hpa.spec.maxReplicas, 5);
  assert.deepEqual(hpa.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
  const refused = akubectl(cluster, ['autoscale', 'deploy/api', '--min=4', '--max=2']);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /--max=MAXPODS must be larger or equal to --min=MINPODS, max: 2, min: 4/);
  const invalid = kubectl(cluster, ['create', '-f', '-'], { input: 'apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: bad}\nspec: {scaleTargetRef: {kind: Deployment, name: x}, maxReplicas: 0}\n' });
  assert.notEqual(invalid.status, 0);
  assert.match(invalid.stderr, /spec.maxReplicas: Invalid value: 0: must be greater than 0/);
});

test('kubectl 1.27 autoscales and lists HPAs', { skip: skip || (kubectl127 ? false : 'kubectl.1.27 is not installed') }, async () => {
  ok(kubectl(cluster, ['apply', '-f', '-'], { input: deployment('old') }), 'apply deployment');
  const out = ok(kubectl(cluster, ['autoscale', 'deployment', 'old', '--max=2'], { binary: kubectl127 ?? 'kubectl' }), 'kubectl 1.27 autoscale');
  assert.equal(out, 'horizontalpodautoscaler.autoscaling/old autoscaled\n');
  const table = ok(kubectl(cluster, ['get', 'hpa', 'old'], { binary: kubectl127 ?? 'kubectl' }), 'get hpa 1.27');
  assert.match(table, /old\s+Deployment\/old\s+cpu: (<unknown>|\d+%)\/80%\s+1\s+2/);
});

/** A key and a PEM certificate request made by openssl. */
function openssl(dir: string, name: string, subject: string): { key: string; csr: string } {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const r = spawnSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', subject, '-out', csr], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { key, csr: readFileSync(csr, 'utf8') };
}

const csrManifest = (name: string, pem: string, signer = 'kubernetes.io/kube-apiserver-client') => `apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {name: ${name}}
spec:
  request: ${Buffer.from(pem).toString('base64')}
  signerName: ${signer}
  expirationSeconds: 3600
  usages: [client auth]
`;

test('a CSR approved with kubectl certificate approve is signed, and its certificate authenticates', { skip }, async () => {
  const dave = openssl(cluster.dataDir, 'dave', '/CN=dave/O=devs');
  ok(kubectl(cluster, ['create', '-f', '-'], { input: csrManifest('dave', dave.csr) }), 'create csr');
  const pending = ok(kubectl(cluster, ['get', 'csr', 'dave']), 'get csr');
  assert.match(pending, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION\n/);
  assert.match(pending, /\ndave\s+\S+\s+kubernetes.io\/kube-apiserver-client\s+\S+\s+60m\s+Pending\n/);

  assert.equal(ok(kubectl(cluster, ['certificate', 'approve', 'dave']), 'approve'), 'certificatesigningrequest.certificates.k8s.io/dave approved\n');
  const cert = await eventually('the issued certificate', () => {
    const r = kubectl(cluster, ['get', 'csr', 'dave', '-o', 'jsonpath={.status.certificate}']);
    return r.status === 0 && r.stdout !== '' ? Buffer.from(r.stdout, 'base64').toString() : undefined;
  });
  assert.match(ok(kubectl(cluster, ['get', 'csr', 'dave']), 'get csr'), /\ndave\s+.*Approved,Issued\n/);

  const kubeconfig = join(cluster.dataDir, 'dave.kubeconfig');
  const certFile = join(cluster.dataDir, 'dave.crt');
  writeFileSync(certFile, cert);
  writeFileSync(kubeconfig, [
    'apiVersion: v1', 'kind: Config', 'current-context: d',
    'clusters:', '- name: c', '  cluster:', `    server: ${cluster.url}`, `    certificate-authority: ${join(cluster.dataDir, 'pki', 'ca.crt')}`,
    'users:', '- name: u', '  user:', `    client-certificate: ${certFile}`, `    client-key: ${dave.key}`,
    'contexts:', '- name: d', '  context: {cluster: c, user: u}', '',
  ].join('\n'));
  const who = JSON.parse(ok(kubectl(cluster, ['--kubeconfig', kubeconfig, 'auth', 'whoami', '-o', 'json']), 'whoami as dave')) as { status: { userInfo: { username: string; groups: string[] } } };
  assert.equal(who.status.userInfo.username, 'dave');
  assert.deepEqual(who.status.userInfo.groups, ['devs', 'system:authenticated']);
});

test('CSR admission: system:masters refused for kube-apiserver-client; approval needs approve on the signer', { skip }, async () => {
  const root = openssl(cluster.dataDir, 'root', '/CN=root/O=system:masters');
  const refused = kubectl(cluster, ['create', '-f', '-'], { input: csrManifest('root', root.csr) });
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /certificatesigningrequests.certificates.k8s.io "root" is forbidden: use of kubernetes.io\/kube-apiserver-client signer with system:masters group is not allowed/);

  const eve = openssl(cluster.dataDir, 'eve', '/CN=eve');
  ok(kubectl(cluster, ['create', '-f', '-'], { input: csrManifest('eve', eve.csr) }), 'create csr');
  const asNobody = kubectl(cluster, ['certificate', 'approve', 'eve', '--as', 'nobody', '--as-group', 'system:authenticated']);
  assert.notEqual(asNobody.status, 0);
  assert.match(asNobody.stderr, /forbidden/);
  assert.equal(ok(akubectl(cluster, ['certificate', 'deny', 'eve']), 'a-kubectl deny'), 'certificatesigningrequest.certificates.k8s.io/eve denied\n');
  assert.match(ok(kubectl(cluster, ['get', 'csr', 'eve']), 'get'), /\neve\s+.*Denied\n/);
  const invalid = kubectl(cluster, ['create', '-f', '-'], { input: csrManifest('bad', 'not a request').replace('expirationSeconds: 3600', 'expirationSeconds: 60') });
  assert.notEqual(invalid.status, 0);
  assert.match(invalid.stderr, /spec.request: Invalid value: \[\]byte\{.*\}: PEM block type must be CERTIFICATE REQUEST/);
  assert.match(invalid.stderr, /spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds \(10 minutes\)/);
});

test('kubectl 1.27 approves a kubelet client CSR and reads the table', { skip: skip || (kubectl127 ? false : 'kubectl.1.27 is not installed') }, async () => {
  const node = openssl(cluster.dataDir, 'node-x', '/CN=system:node:x/O=system:nodes');
  ok(kubectl(cluster, ['create', '-f', '-'], { input: csrManifest('node-x', node.csr, 'kubernetes.io/kube-apiserver-client-kubelet') }), 'create csr');
  assert.equal(ok(kubectl(cluster, ['certificate', 'approve', 'node-x'], { binary: kubectl127 ?? 'kubectl' }), 'approve 1.27'), 'certificatesigningrequest.certificates.k8s.io/node-x approved\n');
  await eventually('Issued', () => {
    const r = kubectl(cluster, ['get', 'csr', 'node-x'], { binary: kubectl127 ?? 'kubectl' });
    return /Approved,Issued/.test(r.stdout) ? r.stdout : undefined;
  });
  // The signer's rules: a kubelet client request must name a node.
  const wrong = openssl(cluster.dataDir, 'wrong', '/CN=alice/O=system:nodes');
  ok(kubectl(cluster, ['create', '-f', '-'], { input: csrManifest('wrong', wrong.csr, 'kubernetes.io/kube-apiserver-client-kubelet') }), 'create csr');
  ok(kubectl(cluster, ['certificate', 'approve', 'wrong']), 'approve');
  const failed = await eventually('the Failed condition', () => {
    const r = kubectl(cluster, ['get', 'csr', 'wrong', '-o', 'jsonpath={range .status.conditions[*]}{.type}/{.reason}/{.message};{end}']);
    return r.stdout.includes('Failed/') ? r.stdout : undefined;
  });
  assert.match(failed, /Failed\/SignerValidationFailure\/subject common name does not begin with system:node:/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePod } from '../../../src/admission/pod-security/checks.js';
import { podSecurityAdmission, policyFromLabels } from '../../../src/admission/pod-security/admission.js';
import { staticReader } from '../../../src/admission/reader.js';
import type { AdmissionRequest } from '../../../src/admission/types.js';
import type { KubeObject } from '../../../src/api/object.js';
import { StatusError } from '../../../src/api/status.js';

const like = (spec: Record<string, unknown>, annotations: Record<string, string> = {}) => ({ metadata: { annotations }, spec });

test('restricted: a bare container breaks the four restricted rules, in Kubernetes\' order and words', () => {
  const r = evaluatePod('restricted', like({ containers: [{ name: 'nginx', image: 'nginx' }] }));
  assert.equal(
    r?.detail,
    'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  );
  assert.equal(evaluatePod('baseline', like({ containers: [{ name: 'nginx', image: 'nginx' }] })), undefined);
  const compliant = like({
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'app', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }],
    volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }],
  });
  assert.equal(evaluatePod('restricted', compliant), undefined);
});

test('baseline findings come first; restricted replaces the baseline checks it overrides', () => {
  const spec = {
    hostNetwork: true,
    hostPID: true,
    securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }, { name: 'net.ipv4.tcp_syncookies', value: '1' }], seccompProfile: { type: 'Unconfined' } },
    containers: [
      { name: 'a', securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN', 'CHOWN'] }, procMount: 'Unmasked', runAsUser: 0 }, ports: [{ containerPort: 80, hostPort: 8080 }] },
      { name: 'b', ports: [{ containerPort: 443, hostPort: 8443 }], securityContext: { seLinuxOptions: { type: 'spc_t', user: 'root' } } },
    ],
    volumes: [{ name: 'host', hostPath: { path: '/' } }],
  };
  assert.equal(
    evaluatePod('baseline', like(spec))?.detail,
    'non-default capabilities (container "a" must not include "SYS_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true, hostPID=true), hostPath volumes (volume "host"), hostPort (containers "a", "b" use hostPorts 8080, 8443), privileged (container "a" must not set securityContext.privileged=true), procMount (container "a" must not set securityContext.procMount to "Unmasked"), seLinuxOptions (container "b" set forbidden securityContext.seLinuxOptions: type "spc_t"; user "root"), seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined"), forbidden sysctls (kernel.msgmax)',
  );
  assert.equal(
    evaluatePod('restricted', like(spec))?.reasons.join(', '),
    'host namespaces, hostPort, privileged, procMount, seLinuxOptions, forbidden sysctls, allowPrivilegeEscalation != false, unrestricted capabilities, restricted volume types, runAsNonRoot != true, runAsUser=0, seccompProfile',
  );
  const restricted = evaluatePod('restricted', like(spec))!.detail;
  assert.match(restricted, /restricted volume types \(volume "host" uses restricted volume type "hostPath"\)/);
  assert.match(restricted, /unrestricted capabilities \(containers "a", "b" must set securityContext.capabilities.drop=\["ALL"\]; container "a" must not include "CHOWN", "SYS_ADMIN" in securityContext.capabilities.add\)/);
  assert.match(restricted, /runAsUser=0 \(container "a" must not set runAsUser=0\)/);
  assert.match(restricted, /seccompProfile \(pod must not set securityContext.seccompProfile.type to "Unconfined"\)$/);
});

test('namespace labels: levels, versions, warn following a stricter enforce, and the invalid-label texts', () => {
  assert.deepEqual(policyFromLabels({ 'pod-security.kubernetes.io/enforce': 'baseline' }).policy, {
    enforce: { level: 'baseline', version: 'latest' },
    audit: { level: 'privileged', version: 'latest' },
    warn: { level: 'baseline', version: 'latest' },
  });
  const bad = policyFromLabels({ 'pod-security.kubernetes.io/enforce': 'strict', 'pod-security.kubernetes.io/warn-version': '1.30' });
  assert.equal(bad.policy.enforce.level, 'restricted');
  assert.deepEqual(bad.errors, [
    'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
    'metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "1.30": must be "latest" or "v1.x"',
  ]);
});

function ns(name: string, labels: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

function request(resource: string, group: string, namespace: string, object: KubeObject, extra: Partial<AdmissionRequest> = {}): AdmissionRequest & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    operation: 'CREATE', resource: { group, version: 'v1', resource, kind: object.kind ?? '' }, subresource: '', namespace, name: object.metadata.name ?? '', object,
    user: { name: 'alice', groups: [] }, dryRun: false, warnings, warn: (m) => void warnings.push(m), ...extra,
  };
}

const privilegedPod = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx', securityContext: { privileged: true } }] } });

test('enforce refuses with Kubernetes\' text; warn only warns; workloads only warn; exemptions skip', async () => {
  const reader = staticReader({
    namespaces: [ns('locked', { 'pod-security.kubernetes.io/enforce': 'baseline' }), ns('loose', { 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/warn-version': 'v1.30' })],
  });
  const plugin = podSecurityAdmission({ reader, exemptions: { usernames: ['system:admin'] } });
  const refused = request('pods', '', 'locked', privilegedPod('x'));
  await assert.rejects(plugin.validate!(refused), (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 403);
    assert.equal(e.status.message, 'pods "x" is forbidden: violates PodSecurity "baseline:latest": privileged (container "app" must not set securityContext.privileged=true)');
    return true;
  });
  assert.deepEqual(refused.warnings, []);
  const warned = request('pods', '', 'loose', privilegedPod('y'));
  await plugin.validate!(warned);
  assert.equal(warned.warnings.length, 1);
  assert.match(warned.warnings[0]!, /^would violate PodSecurity "restricted:v1.30": privileged \(container "app" must not set securityContext.privileged=true\), allowPrivilegeEscalation != false/);
  const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { metadata: {}, spec: privilegedPod('t')['spec'] } } };
  const dep = request('deployments', 'apps', 'locked', deployment);
  await plugin.validate!(dep);
  assert.deepEqual(dep.warnings, ['would violate PodSecurity "baseline:latest": privileged (container "app" must not set securityContext.privileged=true)']);
  await plugin.validate!(request('pods', '', 'locked', privilegedPod('z'), { user: { name: 'system:admin', groups: [] } }));
  assert.equal(plugin.handles(request('pods', '', 'locked', privilegedPod('s'), { subresource: 'status', operation: 'UPDATE' })), false);
});

test('invalid labels are refused on create (422); tightening enforce warns about existing pods', async () => {
  const pods = [privilegedPod('b-pod'), privilegedPod('a-pod'), { ...privilegedPod('host'), spec: { hostNetwork: true, containers: [{ name: 'c' }] } }].map((p) => ({ ...p, metadata: { ...p.metadata, namespace: 'apps' } }));
  const plugin = podSecurityAdmission({ reader: staticReader({ pods }) });
  const create = request('namespaces', '', '', ns('typo', { 'pod-security.kubernetes.io/enforce': 'strict' }));
  await assert.rejects(plugin.validate!(create), (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 422);
    assert.equal(e.reason, 'Invalid');
    assert.equal(e.status.message, 'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted');
    return true;
  });
  const update = request('namespaces', '', '', ns('apps', { 'pod-security.kubernetes.io/enforce': 'baseline' }), { operation: 'UPDATE', oldObject: ns('apps', {}) });
  await plugin.validate!(update);
  assert.deepEqual(update.warnings, [
    'existing pods in namespace "apps" violate the new PodSecurity enforce level "baseline:latest"',
    'a-pod (and 1 other pod): privileged',
    'host: host namespaces',
  ]);
  // Relaxing does not look at pods.
  const relax = request('namespaces', '', '', ns('apps', { 'pod-security.kubernetes.io/enforce': 'baseline' }), { operation: 'UPDATE', oldObject: ns('apps', { 'pod-security.kubernetes.io/enforce': 'restricted' }) });
  await plugin.validate!(relax);
  assert.deepEqual(relax.warnings, []);
});

test('the audit level and the enforced policy are recorded as audit annotations, as kube-apiserver records them', async () => {
  const reader = staticReader({
    namespaces: [ns('watched', { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/audit': 'restricted' }), ns('open', {})],
  });
  const plugin = podSecurityAdmission({ reader, exemptions: { usernames: ['system:admin'] } });
  const annotated = (r: AdmissionRequest & { warnings: string[] }) => {
    const annotations: Record<string, string> = {};
    r.annotate = (k, v) => void (annotations[k] = v);
    return { r, annotations };
  };
  const plain = annotated(request('pods', '', 'watched', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } }));
  await plugin.validate!(plain.r);
  assert.equal(plain.annotations['pod-security.kubernetes.io/enforce-policy'], 'baseline:latest');
  assert.match(plain.annotations['pod-security.kubernetes.io/audit-violations'] ?? '', /^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
  const refused = annotated(request('pods', '', 'watched', privilegedPod('x')));
  await assert.rejects(plugin.validate!(refused.r));
  assert.equal(refused.annotations['pod-security.kubernetes.io/enforce-policy'], 'baseline:latest', 'a refused pod is annotated too');
  const open = annotated(request('pods', '', 'open', privilegedPod('o')));
  await plugin.validate!(open.r);
  assert.deepEqual(open.annotations, { 'pod-security.kubernetes.io/enforce-policy': 'privileged:latest' });
  const admin = annotated(request('pods', '', 'watched', privilegedPod('a'), { user: { name: 'system:admin', groups: [] } }));
  await plugin.validate!(admin.r);
  assert.deepEqual(admin.annotations, { 'pod-security.kubernetes.io/exempt': 'user' });
  const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { metadata: {}, spec: privilegedPod('t')['spec'] } } };
  const dep = annotated(request('deployments', 'apps', 'watched', deployment));
  await plugin.validate!(dep.r);
  assert.match(dep.annotations['pod-security.kubernetes.io/audit-violations'] ?? '', /^would violate PodSecurity "restricted:latest": privileged/);
});

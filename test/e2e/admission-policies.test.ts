// ValidatingAdmissionPolicy against a real `a-kube up --runtime fake`, driven by the real kubectl 1.32 (and 1.27
// for the denial): a CEL policy with a ConfigMap parameter denies with its message; Warn prints a warning; the
// tables; validation texts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasKubectl, kubectlAsync, kubectlBinary, startCluster, type Cluster, ok } from './harness.js';

const skip = hasKubectl ? false : 'kubectl is not installed';
let cluster: Cluster;

before(async () => {
  if (skip) return;
  cluster = await startCluster({ args: ['--storage', 'memory', '--runtime', 'fake'], timeoutMs: 60_000 });
});

after(async () => {
  await cluster?.cleanup();
});


const run = (args: string[], input?: string, binary?: string) => kubectlAsync(cluster, args, { ...(input !== undefined ? { input } : {}), ...(binary ? { binary } : {}) });

const policyYaml = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replica-limit
spec:
  failurePolicy: Fail
  paramKind:
    apiVersion: v1
    kind: ConfigMap
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.spec.replicas <= int(params.data.maxReplicas)"
    messageExpression: "'replicas must be at most ' + params.data.maxReplicas"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: replica-limit-params
  namespace: default
data:
  maxReplicas: "3"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replica-limit-binding
spec:
  policyName: replica-limit
  validationActions: [Deny]
  paramRef:
    name: replica-limit-params
    parameterNotFoundAction: Deny
`;

const deployment = (name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: default
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: c
        image: busybox
`;

test('kubectl 1.32 and 1.27: a ValidatingAdmissionPolicy with a ConfigMap parameter denies with its message', { skip }, async () => {
  ok(await run(['apply', '-f', '-'], policyYaml), 'apply policy');
  const policies = ok(await run(['get', 'validatingadmissionpolicies']), 'get policies');
  assert.match(policies, /^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE\n/);
  assert.match(policies, /\nreplica-limit\s+1\s+v1\/ConfigMap\s+\d+s\n/);
  const bindings = ok(await run(['get', 'validatingadmissionpolicybindings']), 'get bindings');
  assert.match(bindings, /^NAME\s+POLICYNAME\s+PARAMREF\s+AGE\n/);
  assert.match(bindings, /\nreplica-limit-binding\s+replica-limit\s+\*\/replica-limit-params\s+\d+s\n/);
  for (const [label, binary] of [['1.32', undefined], ['1.27', kubectlBinary('1.27')]] as const) {
    const r = await run(['apply', '-f', '-'], deployment(`too-big-${label.replace('.', '-')}`, 5), binary);
    assert.notEqual(r.status, 0, label);
    assert.equal(
      r.stderr.trim(),
      `The deployments "too-big-${label.replace('.', '-')}" is invalid: : ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit-binding' denied request: replicas must be at most 3`,
      label,
    );
  }
  ok(await run(['apply', '-f', '-'], deployment('small', 2)), 'small deployment admitted');
  // The rule names deployments, not deployments/scale: scaling is not checked (as with kube-apiserver).
  ok(await run(['scale', 'deployment', 'small', '--replicas=4']), 'scale subresource not matched');
  ok(await run(['delete', 'validatingadmissionpolicybinding', 'replica-limit-binding']), 'delete binding');
  ok(await run(['apply', '-f', '-'], deployment('too-big-unbound', 5)), 'admitted once unbound');
});

test('kubectl: Warn prints the failure as a warning; invalid policies are refused with kube-apiserver texts', { skip }, async () => {
  ok(
    await run(['apply', '-f', '-'], `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: label-warn
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["configmaps"]
  validations:
  - expression: "has(object.metadata.labels) && 'owner' in object.metadata.labels"
    message: configmaps should carry an owner label
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: label-warn-binding
spec:
  policyName: label-warn
  validationActions: [Warn]
`),
    'apply warn policy',
  );
  const created = await run(['create', 'configmap', 'unowned', '-n', 'default']);
  ok(created, 'create admitted');
  assert.match(created.stderr, /Warning: Validation failed for ValidatingAdmissionPolicy 'label-warn' with binding 'label-warn-binding': configmaps should carry an owner label/);
  const bad = await run(['apply', '-f', '-'], `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: bad-binding
spec:
  policyName: label-warn
  validationActions: [Deny, Warn]
`);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /The ValidatingAdmissionPolicyBinding "bad-binding" is invalid: spec.validationActions: Invalid value: \[\]string\{"Deny", "Warn"\}: must not contain both Deny and Warn/);
});

test('kubectl: Audit records the failure and auditAnnotations in the audit log; status.typeChecking names a missing field', { skip }, async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  ok(await run(['apply', '-f', '-'], `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: audited-configmaps
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["configmaps"]
  validations:
  - expression: "has(object.data) && 'owner' in object.data"
    message: configmaps need an owner key
  - expression: "object.dta == null"
  auditAnnotations:
  - key: keys
    valueExpression: "string(size(object.data))"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: audited-configmaps-binding
spec:
  policyName: audited-configmaps
  validationActions: [Audit]
  matchResources:
    namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: default
`), 'apply audit policy');
  // the policy's status is written by the API server
  const deadline = Date.now() + 20_000;
  let warnings = '';
  while (Date.now() < deadline) {
    warnings = ok(await run(['get', 'validatingadmissionpolicy', 'audited-configmaps', '-o', 'jsonpath={.status.typeChecking.expressionWarnings[*].warning}']), 'get status');
    if (warnings !== '') break;
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.equal(warnings, "/v1, Kind=ConfigMap: ERROR: <input>:1:7: undefined field 'dta'\n | object.dta == null\n | ......^");
  // bindings take effect once the API server's caches have them: retry until the annotation shows up. The audit log
  // is written in batches a few milliseconds after the response, so every create made so far is looked for.
  let event: Record<string, any> | undefined;
  const created = new Set<string>();
  for (let i = 0; i < 20 && !event; i++) {
    const name = `audited-${i}`;
    ok(await run(['create', 'configmap', name, '-n', 'default', '--from-literal=a=1']), 'create configmap (Audit admits)');
    created.add(name);
    await new Promise((res) => setTimeout(res, 300));
    const log = readFileSync(join(cluster.dataDir, 'audit.log'), 'utf8').split('\n').filter((l) => l.includes('"audited-'));
    event = log.map((l) => JSON.parse(l) as Record<string, any>).find((e) => e.verb === 'create' && e.stage === 'ResponseComplete' && created.has(e.objectRef?.name) && e.annotations?.['validation.policy.admission.k8s.io/validation_failure']);
  }
  assert.ok(event, 'the create carries the validation_failure annotation');
  assert.equal(event.annotations['validation.policy.admission.k8s.io/validation_failure'], '[{"message":"configmaps need an owner key","policy":"audited-configmaps","binding":"audited-configmaps-binding","expressionIndex":0,"validationActions":["Audit"]}]');
  assert.equal(event.annotations['audited-configmaps/keys'], '1');
  ok(await run(['delete', 'validatingadmissionpolicybinding', 'audited-configmaps-binding']), 'delete binding');
  ok(await run(['delete', 'validatingadmissionpolicy', 'audited-configmaps']), 'delete policy');
});

test('kubectl 1.32: a policy refuses unless the user may do what its authorizer check asks (RBAC of the request user)', { skip }, async () => {
  ok(await run(['apply', '-f', '-'], `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: configmap-editor
  namespace: default
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "create", "patch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: configmap-editors
  namespace: default
subjects:
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
- {kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: Role, name: configmap-editor, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: critical-config-writer
rules:
- apiGroups: ["example.com"]
  resources: ["criticalconfigs"]
  verbs: ["write"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: critical-config-writers
  namespace: default
subjects:
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
roleRef: {kind: ClusterRole, name: critical-config-writer, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: critical-configs
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["configmaps"]
  matchConditions:
  - name: critical
    expression: "has(object.metadata.labels) && object.metadata.labels[?'tier'].orValue('') == 'critical'"
  validations:
  - expression: "authorizer.group('example.com').resource('criticalconfigs').namespace(request.namespace).check('write').allowed()"
    messageExpression: "'user ' + request.userInfo.username + ' may not write critical configs'"
    reason: Forbidden
  - expression: "authorizer.requestResource.check('patch').allowed()"
    message: the request user must be able to patch what it writes
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: critical-configs-binding
spec:
  policyName: critical-configs
  validationActions: [Deny]
`), 'apply RBAC and policy');
  const configMap = (name: string, tier: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: default
  labels: {tier: ${tier}}
data: {a: "1"}
`;
  // bindings take effect once the API server's caches have them: retry until bob is refused
  let refused: Awaited<ReturnType<typeof run>> | undefined;
  for (let i = 0; i < 40 && !refused; i++) {
    const r = await run(['apply', '--as=bob', '-f', '-'], configMap(`bob-critical-${i}`, 'critical'));
    if (r.status !== 0) refused = r;
    else await new Promise((res) => setTimeout(res, 250));
  }
  assert.ok(refused, 'bob is refused once the policy is in effect');
  // (other tests' Warn bindings may add warning lines before it)
  assert.match(refused.stderr.trim(), /(?:^|\n)Error from server \(Forbidden\): error when creating "STDIN": configmaps "bob-critical-\d+" is forbidden: ValidatingAdmissionPolicy 'critical-configs' with binding 'critical-configs-binding' denied request: user bob may not write critical configs$/);
  ok(await run(['apply', '--as=alice', '-f', '-'], configMap('alice-critical', 'critical')), 'alice may write critical configs');
  ok(await run(['apply', '--as=bob', '-f', '-'], configMap('bob-plain', 'plain')), 'the policy does not match other configmaps');
  // the request resource check is for the request's own resource: without patch on configmaps, alice is refused
  ok(await run(['patch', 'role', 'configmap-editor', '-n', 'default', '--type=json', '-p', '[{"op":"replace","path":"/rules/0/verbs","value":["get","create"]}]']), 'drop patch');
  let second: Awaited<ReturnType<typeof run>> | undefined;
  for (let i = 0; i < 40 && !second; i++) {
    const r = await run(['apply', '--as=alice', '-f', '-'], configMap(`alice-critical-${i}`, 'critical'));
    if (r.status !== 0) second = r;
    else await new Promise((res) => setTimeout(res, 250));
  }
  assert.ok(second, 'alice is refused once she may no longer patch configmaps');
  assert.match(second.stderr, /configmaps "alice-critical-\d+" is invalid: : ValidatingAdmissionPolicy 'critical-configs' with binding 'critical-configs-binding' denied request: the request user must be able to patch what it writes/);
  ok(await run(['delete', 'validatingadmissionpolicybinding', 'critical-configs-binding']), 'delete binding');
});

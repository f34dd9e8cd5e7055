// Dynamic admission against a real `a-kube up --runtime fake`, driven by the real kubectl (1.32, one row with
// 1.27): webhooks served by an HTTPS (HTTP/2) server in this process, registered by `url` with a CA made here.
// A validating webhook refuses with its message, a mutating webhook adds a label, failurePolicy Ignore and Fail
// against a stopped server, warnings printed by kubectl, and a webhook that refuses everything cannot stop
// its own configuration's deletion.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasKubectl, kubectlAsync, kubectlBinary, startCluster, type Cluster, type RunResult } from './harness.js';
import { allow, deny, jsonPatch, startWebhookServer, type WebhookServer } from '../unit/admission/webhook/fixture.js';

const skip = hasKubectl ? false : 'kubectl is not installed';
let cluster: Cluster;
let server: WebhookServer;

before(async () => {
  if (skip) return;
  server = await startWebhookServer();
  cluster = await startCluster({ args: ['--storage', 'memory', '--runtime', 'fake'], timeoutMs: 60_000 });
});

after(async () => {
  await cluster?.cleanup();
  await server?.close();
});

function ok(r: RunResult, what: string): string {
  assert.equal(r.status, 0, `${what}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const run = (args: string[], input?: string, binary?: string) => kubectlAsync(cluster, args, { ...(input !== undefined ? { input } : {}), ...(binary ? { binary } : {}) });

function configYaml(kind: 'Validating' | 'Mutating', name: string, hookName: string, path: string, extra = ''): string {
  return `apiVersion: admissionregistration.k8s.io/v1
kind: ${kind}WebhookConfiguration
metadata:
  name: ${name}
webhooks:
- name: ${hookName}
  admissionReviewVersions: ["v1"]
  sideEffects: None
  timeoutSeconds: 3
  clientConfig:
    url: ${server.url(path)}
    caBundle: ${server.caBundle}
  rules:
  - operations: ["CREATE", "UPDATE", "DELETE"]
    apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["configmaps"]
  objectSelector:
    matchLabels:
      webhook-test: "yes"
${extra}`;
}

const cm = (name: string, labels = 'webhook-test: "yes"') => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: default
  labels:
    ${labels}
data:
  a: "1"
`;

test('kubectl: webhook configurations are served with their table and validated as kube-apiserver validates them', { skip }, async () => {
  ok(await run(['create', '-f', '-'], configYaml('Validating', 'table-check', 'table.example.com', '/allow')), 'create');
  const table = ok(await run(['get', 'validatingwebhookconfigurations']), 'get');
  assert.match(table, /^NAME\s+WEBHOOKS\s+AGE\n/);
  assert.match(table, /\ntable-check\s+1\s+\d+s\n/);
  const stored = JSON.parse(ok(await run(['get', 'validatingwebhookconfiguration', 'table-check', '-o', 'json']), 'get json'));
  const hook = stored.webhooks[0];
  assert.equal(hook.failurePolicy, 'Fail');
  assert.equal(hook.matchPolicy, 'Equivalent');
  assert.deepEqual(hook.namespaceSelector, {});
  assert.equal(hook.rules[0].scope, '*');
  ok(await run(['delete', 'validatingwebhookconfiguration', 'table-check']), 'delete');
  const bad = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: bad
webhooks:
- name: short
  sideEffects: Some
  timeoutSeconds: 40
  clientConfig:
    url: http://example.com/x
  rules:
  - operations: ["CREATE", "*"]
    apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["pods"]
`;
  const r = await run(['create', '-f', '-'], bad);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /The ValidatingWebhookConfiguration "bad" is invalid: \n/);
  for (const line of [
    'webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by dots',
    `webhooks[0].rules[0].operations: Invalid value: []string{"CREATE", "*"}: if '*' is present, must not specify other operations`,
    'webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"',
    'webhooks[0].timeoutSeconds: Invalid value: 40: the timeout value must be between 1 and 30 seconds',
    `webhooks[0].clientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path]`,
    'webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1',
  ]) {
    assert.ok(r.stderr.includes(line), `missing ${line} in:\n${r.stderr}`);
  }
});

test('kubectl 1.32 and 1.27: a validating webhook refuses with its message; a mutating webhook adds a label', { skip }, async () => {
  server.answer = (review, path) => {
    const name: string = review.request.object?.metadata?.name ?? review.request.oldObject?.metadata?.name ?? '';
    if (path === '/validate' && name.startsWith('refused')) return { body: deny(review, { code: 403, reason: 'Forbidden', message: 'configmaps named refused-* are not welcome' }) };
    if (path === '/mutate' && name.startsWith('mutated')) return { body: jsonPatch(review, [{ op: 'add', path: '/metadata/labels/added-by', value: 'mutating-webhook' }], { warnings: ['the mutating webhook added a label'] }) };
    return { body: allow(review) };
  };
  ok(await run(['create', '-f', '-'], configYaml('Validating', 'deny-refused', 'deny.webhooks.example.com', '/validate')), 'create validating');
  ok(await run(['create', '-f', '-'], configYaml('Mutating', 'add-label', 'label.webhooks.example.com', '/mutate')), 'create mutating');
  for (const [label, binary] of [['1.32', undefined], ['1.27', kubectlBinary('1.27')]] as const) {
    const r = await run(['create', '-f', '-'], cm(`refused-${label.replace('.', '-')}`), binary);
    assert.notEqual(r.status, 0, label);
    assert.equal(r.stderr.trim(), `Error from server (Forbidden): error when creating "STDIN": admission webhook "deny.webhooks.example.com" denied the request: configmaps named refused-* are not welcome`, label);
  }
  const created = await run(['create', '-f', '-'], cm('mutated-one'));
  ok(created, 'create mutated');
  assert.match(created.stderr, /Warning: the mutating webhook added a label/);
  const yaml = ok(await run(['get', 'configmap', 'mutated-one', '-o', 'yaml']), 'get yaml');
  assert.match(yaml, /\n    added-by: mutating-webhook\n/);
  // An object the selectors leave out is never sent.
  const before = server.received.length;
  ok(await run(['create', '-f', '-'], cm('refused-but-unlabelled', 'other: "x"')), 'create unlabelled');
  assert.equal(server.received.length, before);
  // kube-apiserver sends no dry-run request to webhooks with side effects; None is sent with dryRun true.
  const dry = await run(['create', '-f', '-', '--dry-run=server'], cm('refused-dry'));
  assert.notEqual(dry.status, 0);
  assert.equal(server.received.at(-1)?.request.dryRun, true);
  ok(await run(['delete', 'validatingwebhookconfiguration', 'deny-refused']), 'delete validating');
  ok(await run(['delete', 'mutatingwebhookconfiguration', 'add-label']), 'delete mutating');
});

test('kubectl: failurePolicy Ignore admits and Fail refuses when the webhook server is down', { skip }, async () => {
  const dead = (name: string, policy: string) =>
    configYaml('Validating', name, `${name}.webhooks.example.com`, '/x', '').replace(server.url('/x'), 'https://127.0.0.1:1/x').replace('  sideEffects: None', `  sideEffects: None\n  failurePolicy: ${policy}`);
  ok(await run(['create', '-f', '-'], dead('ignore-dead', 'Ignore')), 'create ignore');
  ok(await run(['create', '-f', '-'], cm('admitted-while-down')), 'Ignore admits');
  ok(await run(['create', '-f', '-'], dead('fail-dead', 'Fail')), 'create fail');
  const r = await run(['create', '-f', '-'], cm('refused-while-down'));
  assert.notEqual(r.status, 0);
  assert.equal(
    r.stderr.trim(),
    'Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "fail-dead.webhooks.example.com": failed to call webhook: Post "https://127.0.0.1:1/x?timeout=3s": dial tcp 127.0.0.1:1: connect: connection refused',
  );
  ok(await run(['delete', 'validatingwebhookconfiguration', 'ignore-dead', 'fail-dead']), 'delete');
});

test('kubectl: a webhook refusing everything cannot stop the deletion of its own configuration', { skip }, async () => {
  server.answer = (review) => ({ body: deny(review, { code: 403, message: 'nothing passes' }) });
  const everything = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: lockout
webhooks:
- name: lockout.webhooks.example.com
  admissionReviewVersions: ["v1"]
  sideEffects: None
  clientConfig:
    url: ${server.url('/lockout')}
    caBundle: ${server.caBundle}
  rules:
  - operations: ["*"]
    apiGroups: ["*"]
    apiVersions: ["*"]
    resources: ["*/*"]
`;
  ok(await run(['create', '-f', '-'], everything), 'create lockout');
  const refused = await run(['create', 'configmap', 'locked-out', '-n', 'default']);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /admission webhook "lockout.webhooks.example.com" denied the request: nothing passes/);
  ok(await run(['label', 'validatingwebhookconfiguration', 'lockout', 'touched=yes']), 'update own configuration');
  ok(await run(['delete', 'validatingwebhookconfiguration', 'lockout']), 'delete own configuration');
  const configurationReviews = server.received.filter((r) => r.request.resource.group === 'admissionregistration.k8s.io');
  assert.deepEqual(configurationReviews, [], 'configuration objects are never sent to webhooks');
  ok(await run(['create', 'configmap', 'after-lockout', '-n', 'default']), 'writes pass again');
});

test('kubectl exec (1.32 over WebSocket, 1.27 over SPDY): a webhook on CONNECT pods/exec sees PodExecOptions and refuses', { skip }, async () => {
  server.answer = (r, path) => {
    if (path !== '/exec') return { body: allow(r) };
    const cmd = (r.request.object?.command ?? []) as string[];
    return { body: cmd.includes('rm') ? deny(r, { code: 403, reason: 'Forbidden', message: 'no rm in pods' }) : allow(r) };
  };
  ok(await run(['create', '-f', '-'], `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: exec-guard
webhooks:
- name: exec.example.com
  admissionReviewVersions: ["v1"]
  sideEffects: None
  timeoutSeconds: 3
  clientConfig:
    url: ${server.url('/exec')}
    caBundle: ${server.caBundle}
  rules:
  - operations: ["CONNECT"]
    apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["pods/exec"]
`), 'create exec webhook');
  ok(await run(['run', 'shell', '--image=nginx']), 'run pod');
  for (let i = 0; i < 150; i++) {
    if ((await run(['get', 'pod', 'shell', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running') break;
    await new Promise((res) => setTimeout(res, 200));
  }
  const k127 = kubectlBinary('1.27');
  for (const binary of [undefined, ...(k127 ? [k127] : [])]) {
    server.received.length = 0;
    const denied = await run(['exec', 'shell', '--', 'rm', '-rf', '/tmp/x'], undefined, binary);
    assert.notEqual(denied.status, 0);
    assert.match(denied.stderr, /admission webhook "exec\.example\.com" denied the request: no rm in pods/);
    const review = server.received.find((r) => r.request?.operation === 'CONNECT');
    assert.ok(review, 'the webhook saw the CONNECT');
    assert.deepEqual(review.request.kind, { group: '', version: 'v1', kind: 'PodExecOptions' });
    assert.equal(review.request.subResource, 'exec');
    assert.deepEqual(review.request.object.command, ['rm', '-rf', '/tmp/x']);
    // allowed by the webhook: the exec reaches the (simulated) node, which says it runs nothing
    const allowed = await run(['exec', 'shell', '--', 'true'], undefined, binary);
    assert.doesNotMatch(allowed.stderr, /denied the request/);
  }
  ok(await run(['delete', 'validatingwebhookconfiguration', 'exec-guard']), 'delete webhook');
});

// Issue 10 end to end (node.k8s.io RuntimeClass with its admission plugin, DefaultIngressClass, ComponentStatus):
// a real `a-kube up` with the fake runtime, driven by the real kubectl 1.32 and 1.27.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, kubectlBinary, hasKubectl, type Cluster, ok } from './harness.js';

let cluster: Cluster;
const skip = hasKubectl ? false : 'kubectl is not installed';

before(async () => {
  if (hasKubectl) cluster = await startCluster({ args: ['--runtime', 'fake'] });
});
after(async () => {
  await cluster?.cleanup();
});


const manifest = `
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: sandboxed
handler: runsc
overhead:
  podFixed: {cpu: 250m, memory: 64Mi}
scheduling:
  nodeSelector: {sandbox: "yes"}
  tolerations:
  - {key: sandbox, operator: Exists, effect: NoSchedule}
---
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: plain
handler: runc
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: house
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec:
  controller: example.com/house
`;

test('RuntimeClass: served, printed, immutable handler; pods get its overhead and scheduling, or are refused', { skip }, async () => {
  ok(kubectl(cluster, ['apply', '-f', '-'], { input: manifest }), 'apply');
  assert.match(ok(kubectl(cluster, ['get', 'runtimeclass']), 'get'), /^NAME\s+HANDLER\s+AGE\nplain\s+runc\s+\S+\nsandboxed\s+runsc\s+\S+\n$/);
  const old = kubectlBinary('1.27');
  if (old) assert.match(ok(kubectl(cluster, ['get', 'runtimeclasses.node.k8s.io', 'sandboxed'], { binary: old }), 'get 1.27'), /sandboxed\s+runsc/);
  const patched = kubectl(cluster, ['patch', 'runtimeclass', 'sandboxed', '--type=merge', '-p', '{"handler":"other"}']);
  assert.equal(patched.status, 1);
  assert.match(patched.stderr, /The RuntimeClass "sandboxed" is invalid: handler: Invalid value: "other": field is immutable/);
  assert.match(ok(kubectl(cluster, ['explain', 'runtimeclass.handler']), 'explain'), /FIELD: handler <string>/);

  ok(kubectl(cluster, ['run', 'boxed', '--image=nginx', '--overrides={"spec":{"runtimeClassName":"sandboxed"}}']), 'run boxed');
  const spec = JSON.parse(ok(kubectl(cluster, ['get', 'pod', 'boxed', '-o', 'jsonpath={.spec}']), 'get boxed')) as Record<string, unknown>;
  assert.deepEqual(spec['overhead'], { cpu: '250m', memory: '64Mi' });
  assert.deepEqual(spec['nodeSelector'], { sandbox: 'yes' });
  assert.ok((spec['tolerations'] as Record<string, unknown>[]).some((t) => t['key'] === 'sandbox' && t['operator'] === 'Exists'));

  const missing = kubectl(cluster, ['run', 'lost', '--image=nginx', '--overrides={"spec":{"runtimeClassName":"kata"}}']);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim(), 'Error from server (Forbidden): pods "lost" is forbidden: pod rejected: RuntimeClass "kata" not found');

  // The simulated node has the default runc handler only: a pod of class "plain" runs there.
  ok(kubectl(cluster, ['run', 'plain', '--image=nginx', '--overrides={"spec":{"runtimeClassName":"plain"}}']), 'run plain');
  ok(kubectl(cluster, ['wait', '--for=condition=Ready', 'pod/plain', '--timeout=60s']), 'wait plain');
});

test('DefaultIngressClass: an Ingress without a class gets the default one', { skip }, () => {
  ok(kubectl(cluster, ['create', 'ingress', 'web', '--rule=web.example.com/=web:80']), 'create ingress');
  assert.equal(ok(kubectl(cluster, ['get', 'ingress', 'web', '-o', 'jsonpath={.spec.ingressClassName}']), 'get ingress'), 'house');
  ok(kubectl(cluster, ['create', 'ingress', 'named', '--class=other', '--rule=named.example.com/=web:80']), 'create named');
  assert.equal(ok(kubectl(cluster, ['get', 'ingress', 'named', '-o', 'jsonpath={.spec.ingressClassName}']), 'get named'), 'other');
});

test('ComponentStatus: the scheduler, controller manager and storage, with the deprecation warning', { skip }, () => {
  const r = kubectl(cluster, ['get', 'componentstatuses']);
  ok(r, 'get cs');
  assert.match(r.stdout, /^NAME\s+STATUS\s+MESSAGE\s+ERROR\n/);
  for (const name of ['scheduler', 'controller-manager', 'etcd-0']) assert.match(r.stdout, new RegExp(`^${name}\\s+Healthy\\s+ok`, 'm'));
  assert.match(r.stderr, /Warning: v1 ComponentStatus is deprecated in v1\.19\+/);
  const one = JSON.parse(ok(kubectl(cluster, ['get', 'cs', 'etcd-0', '-o', 'json']), 'get etcd-0')) as Record<string, unknown>;
  assert.deepEqual(one['conditions'], [{ type: 'Healthy', status: 'True', message: 'ok' }]);
  const none = kubectl(cluster, ['get', 'cs', 'nothing']);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /Error from server \(NotFound\): componentstatus "nothing" not found/);
});

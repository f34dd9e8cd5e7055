// Issue 10 end to end (networking.k8s.io, policy, scheduling.k8s.io): a real `a-kube up` with the fake runtime,
// driven by the real kubectl 1.32 and 1.27.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, akubectl, kubectlBinary, hasKubectl, type Cluster, ok } from './harness.js';

let cluster: Cluster;
const skip = hasKubectl ? false : 'kubectl is not installed';

before(async () => {
  if (hasKubectl) cluster = await startCluster({ args: ['--runtime', 'fake'] });
});
after(async () => {
  await cluster?.cleanup();
});


const networkingManifest = `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
spec:
  controller: k8s.io/ingress-nginx
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: net
spec:
  ingressClassName: nginx
  tls:
  - hosts: [web.example.com]
    secretName: web-tls
  rules:
  - host: web.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db-only-from-web
  namespace: net
spec:
  podSelector:
    matchLabels:
      app: db
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app: web
    ports:
    - port: 5432
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: db
  namespace: net
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app: db
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: batch-low
value: 100
preemptionPolicy: Never
description: Work that may wait.
`;

test('one manifest of Ingress, IngressClass, NetworkPolicy, PodDisruptionBudget and PriorityClass applies with kubectl 1.32 and 1.27; get prints their columns', { skip }, () => {
  ok(kubectl(cluster, ['create', 'namespace', 'net']), 'create ns');
  const applied = ok(kubectl(cluster, ['apply', '-f', '-'], { input: networkingManifest }), 'apply 1.32');
  assert.match(applied, /ingressclass.networking.k8s.io\/nginx created/);
  assert.match(applied, /ingress.networking.k8s.io\/web created/);
  assert.match(applied, /networkpolicy.networking.k8s.io\/db-only-from-web created/);
  assert.match(applied, /poddisruptionbudget.policy\/db created/);
  assert.match(applied, /priorityclass.scheduling.k8s.io\/batch-low created/);
  const old = kubectlBinary('1.27');
  if (old) assert.match(ok(kubectl(cluster, ['apply', '-f', '-'], { input: networkingManifest, binary: old }), 'apply 1.27'), /ingress.networking.k8s.io\/web unchanged/);

  const ing = ok(kubectl(cluster, ['get', 'ing', '-n', 'net']), 'get ing');
  assert.match(ing, /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\n/);
  assert.match(ing, /^web\s+nginx\s+web\.example\.com\s+80, 443\s+\d+s$/m);
  assert.match(ok(kubectl(cluster, ['get', 'netpol', '-n', 'net']), 'get netpol'), /^NAME\s+POD-SELECTOR\s+AGE\ndb-only-from-web\s+app=db\s+\d+s\n$/);
  assert.match(ok(kubectl(cluster, ['get', 'ingressclass']), 'get ingressclass'), /^NAME\s+CONTROLLER\s+PARAMETERS\s+AGE\nnginx\s+k8s\.io\/ingress-nginx\s+<none>\s+\d+s\n$/);

  // Defaults and the initial status, as kube-apiserver stores them.
  const np = JSON.parse(ok(kubectl(cluster, ['get', 'netpol', 'db-only-from-web', '-n', 'net', '-o', 'json']), 'get netpol json'));
  assert.deepEqual(np.spec.policyTypes, ['Ingress']);
  assert.equal(np.spec.ingress[0].ports[0].protocol, 'TCP');
  const web = JSON.parse(ok(kubectl(cluster, ['get', 'ing', 'web', '-n', 'net', '-o', 'json']), 'get ing json'));
  assert.deepEqual(web.status, { loadBalancer: {} });

  // The status subresource carries the load balancer's address into the table.
  ok(kubectl(cluster, ['patch', 'ing', 'web', '-n', 'net', '--subresource=status', '--type=merge', '-p', '{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.10"}]}}}']), 'patch status');
  assert.match(ok(kubectl(cluster, ['get', 'ing', 'web', '-n', 'net']), 'get ing'), /^web\s+nginx\s+web\.example\.com\s+192\.0\.2\.10\s+80, 443\s+\d+s$/m);

  // A typed (protobuf) create through kubectl create ingress, and a refusal with Kubernetes' text.
  ok(kubectl(cluster, ['create', 'ingress', 'simple', '-n', 'net', '--class=nginx', '--rule=foo.com/bar*=svc1:8080']), 'create ingress');
  const bad = kubectl(cluster, ['create', 'ingress', 'bad', '-n', 'net', '--rule=1.2.3.4/=svc:80']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /spec\.rules\[0\]\.host: Invalid value: "1\.2\.3\.4": must be a DNS name, not an IP address/);

  assert.match(ok(kubectl(cluster, ['explain', 'networkpolicy.spec.ingress']), 'explain'), /FIELD: ingress <\[\]NetworkPolicyIngressRule>/);
  assert.match(ok(kubectl(cluster, ['explain', 'pdb.spec.maxUnavailable']), 'explain pdb'), /FIELD: maxUnavailable <IntOrString>/);
  assert.match(ok(kubectl(cluster, ['get', 'pdb', '-n', 'net']), 'get pdb'), /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\ndb\s+N\/A\s+1\s+0\s+\d+s\n$/);
});

function waitFor(what: string, check: () => boolean, timeoutMs = 30_000, describe?: () => string): void {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
  }
  assert.fail(`timed out waiting for ${what}${describe ? `:\n${describe()}` : ''}`);
}

test('policy/v1: a PodDisruptionBudget blocks kubectl drain until the budget permits', { skip }, () => {
  ok(kubectl(cluster, ['create', 'namespace', 'drain']), 'create ns');
  ok(kubectl(cluster, ['create', 'deployment', 'web', '-n', 'drain', '--image=nginx', '--replicas=2']), 'create deployment');
  // kubectl create pdb sends a protobuf body; 1.27 applies the same kind from YAML.
  ok(kubectl(cluster, ['create', 'pdb', 'web', '-n', 'drain', '--selector=app=web', '--min-available=2']), 'create pdb');
  waitFor('the budget to count two healthy pods', () => {
    const r = kubectl(cluster, ['get', 'pdb', 'web', '-n', 'drain', '-o', 'jsonpath={.status.currentHealthy}/{.status.desiredHealthy}/{.status.disruptionsAllowed}']);
    return r.stdout === '2/2/0';
  });
  assert.match(ok(kubectl(cluster, ['get', 'pdb', '-n', 'drain']), 'get pdb'), /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\nweb\s+2\s+N\/A\s+0\s+\d+s\n$/);
  const pdb = JSON.parse(ok(kubectl(cluster, ['get', 'pdb', 'web', '-n', 'drain', '-o', 'json']), 'get pdb json'));
  assert.deepEqual(
    pdb.status.conditions.map((c: Record<string, unknown>) => [c.type, c.status, c.reason]),
    [['DisruptionAllowed', 'False', 'InsufficientPods']],
  );

  const node = ok(kubectl(cluster, ['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}']), 'node name');
  const blocked = kubectl(cluster, ['drain', node, '--ignore-daemonsets', '--pod-selector=app=web', '--timeout=8s']);
  assert.notEqual(blocked.status, 0, `drain should be blocked:\n${blocked.stdout}\n${blocked.stderr}`);
  assert.match(blocked.stdout + blocked.stderr, /Cannot evict pod as it would violate the pod's disruption budget\./);
  assert.match(ok(kubectl(cluster, ['get', 'node', node]), 'get node'), /Ready,SchedulingDisabled/);
  assert.equal(ok(kubectl(cluster, ['get', 'pods', '-n', 'drain', '--field-selector=status.phase=Running', '-o', 'name']), 'pods').trim().split('\n').length, 2);

  // The budget is relaxed (the only node is cordoned, so replacements cannot become healthy: both pods must be
  // allowed to go): the controller recomputes, and the same drain now goes through.
  ok(kubectl(cluster, ['patch', 'pdb', 'web', '-n', 'drain', '--type=merge', '-p', '{"spec":{"minAvailable":0}}']), 'relax pdb');
  waitFor('two allowed disruptions', () => kubectl(cluster, ['get', 'pdb', 'web', '-n', 'drain', '-o', 'jsonpath={.status.disruptionsAllowed}']).stdout === '2');
  const old = kubectlBinary('1.27');
  // kubectl 1.27 evicts through the same subresource (JSON body).
  const drained = kubectl(cluster, ['drain', node, '--ignore-daemonsets', '--pod-selector=app=web', '--timeout=40s'], old ? { binary: old } : {});
  assert.equal(drained.status, 0, `drain failed:\n${drained.stdout}\n${drained.stderr}`);
  assert.match(drained.stdout, /evicted/);
  ok(kubectl(cluster, ['uncordon', node]), 'uncordon');
});

test('a-kubectl cordon, uncordon and drain: the drain is held by a budget until it permits', { skip }, () => {
  ok(kubectl(cluster, ['create', 'namespace', 'adrain']), 'create ns');
  ok(kubectl(cluster, ['create', 'deployment', 'api', '-n', 'adrain', '--image=nginx', '--replicas=1']), 'create deployment');
  ok(kubectl(cluster, ['create', 'pdb', 'api', '-n', 'adrain', '--selector=app=api', '--min-available=1']), 'create pdb');
  waitFor('the budget to see its pod', () => kubectl(cluster, ['get', 'pdb', 'api', '-n', 'adrain', '-o', 'jsonpath={.status.currentHealthy}']).stdout === '1');
  const node = ok(kubectl(cluster, ['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}']), 'node name');

  assert.equal(ok(akubectl(cluster, ['cordon', node]), 'cordon'), `node/${node} cordoned\n`);
  assert.equal(ok(akubectl(cluster, ['cordon', node]), 'cordon again'), `node/${node} already cordoned\n`);
  assert.match(ok(kubectl(cluster, ['get', 'node', node]), 'get node'), /Ready,SchedulingDisabled/);
  assert.equal(ok(akubectl(cluster, ['uncordon', node]), 'uncordon'), `node/${node} uncordoned\n`);

  const blocked = akubectl(cluster, ['drain', node, '--pod-selector=app=api', '--ignore-daemonsets', '--timeout=7s']);
  // (whatever happens, the node must not stay cordoned for the tests after this one)
  akubectl(cluster, ['uncordon', node]);
  assert.equal(blocked.status, 1, blocked.stdout + blocked.stderr);
  assert.match(blocked.stdout, new RegExp(`^node/${node} cordoned\nevicting pod adrain/api-`));
  assert.match(blocked.stderr, /error when evicting pods\/"api-[^"]+" -n "adrain" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
  assert.match(blocked.stderr, /global timeout reached: 7s/);

  ok(kubectl(cluster, ['patch', 'pdb', 'api', '-n', 'adrain', '--type=merge', '-p', '{"spec":{"minAvailable":0}}']), 'relax pdb');
  waitFor('one allowed disruption', () => kubectl(cluster, ['get', 'pdb', 'api', '-n', 'adrain', '-o', 'jsonpath={.status.disruptionsAllowed}']).stdout === '1');
  const drained = ok(akubectl(cluster, ['drain', node, '--pod-selector=app=api', '--ignore-daemonsets', '--timeout=40s']), 'drain');
  assert.match(drained, /pod\/api-\S+ evicted\n/);
  assert.match(drained, new RegExp(`node/${node} drained\n$`));
  ok(akubectl(cluster, ['uncordon', node]), 'uncordon');
});

test('scheduling.k8s.io: system classes exist, pods get their class priority, a higher-priority pod preempts', { skip }, () => {
  const pcs = ok(kubectl(cluster, ['get', 'pc']), 'get pc');
  assert.match(pcs, /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY\n/);
  assert.match(pcs, /^system-cluster-critical\s+2000000000\s+false\s+\S+\s+PreemptLowerPriority$/m);
  assert.match(pcs, /^system-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority$/m);
  // kubectl create priorityclass sends protobuf.
  ok(kubectl(cluster, ['create', 'priorityclass', 'urgent', '--value=1000', '--description=jumps the queue']), 'create pc');
  const reserved = kubectl(cluster, ['create', 'priorityclass', 'system-mine', '--value=5']);
  assert.equal(reserved.status, 1);
  assert.match(reserved.stderr, /metadata\.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only\. error: system-mine is not a known system priority class/);
  const second = kubectl(cluster, ['create', 'priorityclass', 'd2', '--value=1', '--global-default=true']);
  assert.equal(second.status, 0, second.stderr);
  const third = kubectl(cluster, ['create', 'priorityclass', 'd3', '--value=2', '--global-default=true']);
  assert.match(third.stderr, /priorityclasses.scheduling.k8s.io "d3" is forbidden: PriorityClass d2 is already marked as default\. Only one default can exist/);
  ok(kubectl(cluster, ['delete', 'priorityclass', 'd2']), 'delete default class');

  ok(kubectl(cluster, ['create', 'namespace', 'prio']), 'create ns');
  const node = ok(kubectl(cluster, ['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}']), 'node name');
  const cpu = ok(kubectl(cluster, ['get', 'node', node, '-o', 'jsonpath={.status.allocatable.cpu}']), 'allocatable cpu');
  const podYaml = (name: string, cls: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: prio
spec:
  ${cls ? `priorityClassName: ${cls}` : ''}
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: nginx
    resources:
      requests:
        cpu: "${cpu}"
`;
  ok(kubectl(cluster, ['apply', '-f', '-'], { input: podYaml('filler', '') }), 'create filler');
  const filler = JSON.parse(ok(kubectl(cluster, ['get', 'pod', 'filler', '-n', 'prio', '-o', 'json']), 'get filler'));
  assert.deepEqual([filler.spec.priority, filler.spec.preemptionPolicy], [0, 'PreemptLowerPriority']);
  waitFor('the filler to run', () => kubectl(cluster, ['get', 'pod', 'filler', '-n', 'prio', '-o', 'jsonpath={.status.phase}']).stdout === 'Running');

  ok(kubectl(cluster, ['apply', '-f', '-'], { input: podYaml('vip', 'urgent') }), 'create vip');
  assert.equal(ok(kubectl(cluster, ['get', 'pod', 'vip', '-n', 'prio', '-o', 'jsonpath={.spec.priority}']), 'vip priority'), '1000');
  waitFor('the vip pod to run on the node in place of the filler', () => {
    // (status.nominatedNodeName, set while the pod waits, is checked by the scheduler's unit test: the node agent's
    // status writes may replace it once the pod runs.)
    const r = kubectl(cluster, ['get', 'pod', 'vip', '-n', 'prio', '-o', 'jsonpath={.status.phase}/{.spec.nodeName}']);
    return r.stdout === `Running/${node}`;
  }, 60_000, () => ok(kubectl(cluster, ['get', 'pods,events', '-n', 'prio', '-o', 'wide']), 'describe') + kubectl(cluster, ['get', 'pods', '-A', '-o', 'wide']).stdout);
  assert.equal(kubectl(cluster, ['get', 'pod', 'filler', '-n', 'prio']).status, 1, 'the filler was preempted');
  const events = ok(kubectl(cluster, ['get', 'events', '-n', 'prio', '--field-selector=reason=Preempted', '-o', 'jsonpath={.items[*].message}']), 'events');
  assert.match(events, new RegExp(`Preempted by pod \\S+ on node ${node}`));
});

// Issue 10 end to end (networking.k8s.io, policy, scheduling.k8s.io): a real `a-kube up` with the fake runtime,
// driven by the real kubectl 1.32 and 1.27.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, kubectlBinary, hasKubectl, type Cluster } from './harness.js';

let cluster: Cluster;
const skip = hasKubectl ? false : 'kubectl is not installed';

before(async () => {
  if (hasKubectl) cluster = await startCluster({ args: ['--runtime', 'fake'] });
});
after(async () => {
  await cluster?.cleanup();
});

function ok(r: { status: number; stdout: string; stderr: string }, what: string): string {
  assert.equal(r.status, 0, `${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

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
`;

test('networking.k8s.io: kubectl 1.32 and 1.27 apply Ingress, IngressClass and NetworkPolicy; get prints their columns', { skip }, () => {
  ok(kubectl(cluster, ['create', 'namespace', 'net']), 'create ns');
  const applied = ok(kubectl(cluster, ['apply', '-f', '-'], { input: networkingManifest }), 'apply 1.32');
  assert.match(applied, /ingressclass.networking.k8s.io\/nginx created/);
  assert.match(applied, /ingress.networking.k8s.io\/web created/);
  assert.match(applied, /networkpolicy.networking.k8s.io\/db-only-from-web created/);
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
});

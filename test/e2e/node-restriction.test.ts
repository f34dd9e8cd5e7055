// A node's credential, used by the real kubectl, may touch only what is its own: NodeRestriction admission and the
// Node authorizer against a real `a-kube up` with two simulated nodes (their client certificates are in pki/).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { kubectl, hasKubectl, startCluster, type Cluster, type RunResult } from './harness.js';

let cluster: Cluster;
let asNode: (args: string[], input?: string) => RunResult;
let nodes: string[] = [];

function admin(args: string[], input?: string): RunResult {
  const r = kubectl(cluster, args, input === undefined ? {} : { input });
  assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r;
}

before(async () => {
  if (!hasKubectl) return;
  cluster = await startCluster({ args: ['--runtime', 'fake', '--nodes', '2'] });
  for (let i = 0; i < 60 && nodes.length < 2; i++) {
    nodes = kubectl(cluster, ['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}']).stdout.split(' ').filter(Boolean).sort();
    if (nodes.length < 2) await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(nodes.length, 2);
  // A kubeconfig for the first node's own client certificate (the one its agent uses).
  const adminConfig = parse(readFileSync(cluster.kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
  const c = adminConfig.clusters[0]!.cluster;
  const pki = join(cluster.dataDir, 'pki');
  const nodeConfig = join(cluster.dataDir, 'node.kubeconfig');
  writeFileSync(
    nodeConfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: c['server'], 'certificate-authority-data': c['certificate-authority-data'] } }],
      users: [{ name: 'node', user: { 'client-certificate': join(pki, `node-${nodes[0]}.crt`), 'client-key': join(pki, `node-${nodes[0]}.key`) } }],
      contexts: [{ name: 'node', context: { cluster: 'c', user: 'node', namespace: 'default' } }],
      'current-context': 'node',
    }),
    { mode: 0o600 },
  );
  asNode = (args, input) => kubectl(cluster, ['--kubeconfig', nodeConfig, ...args], input === undefined ? {} : { input });
  const who = asNode(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
  assert.equal(who.stdout, `system:node:${nodes[0]}`, who.stderr);
});

after(async () => {
  await cluster?.cleanup();
});

const opts = { skip: hasKubectl ? false : 'kubectl is not on the PATH' };

function pod(name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}, ownerReferences: unknown[] = []): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', annotations, ownerReferences }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } });
}

/** A mirror pod's owner reference: the node's own Node object, as the controller. */
function ownedBy(node: string, o: { uid?: string; controller?: boolean } = {}): unknown[] {
  const uid = o.uid ?? admin(['get', 'node', node, '-o', 'jsonpath={.metadata.uid}']).stdout;
  return [{ apiVersion: 'v1', kind: 'Node', name: node, uid, controller: o.controller ?? true }];
}

test('a node cannot create a pod with a service account on itself, nor mint tokens that are not bound to its pods', opts, () => {
  const own = asNode(['create', '-f', '-'], pod('escalate', { nodeName: nodes[0], serviceAccountName: 'default' }));
  assert.notEqual(own.status, 0);
  assert.match(own.stderr, new RegExp(`pods "escalate" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "${nodes[0]}" can only create mirror pods`));

  const mirrored = { 'kubernetes.io/config.mirror': 'x' };
  const self = nodes[0]!;
  const mirrorWithSecret = asNode(['create', '-f', '-'], pod('mirror-secret', { nodeName: self, volumes: [{ name: 's', secret: { secretName: 'anything' } }] }, mirrored, ownedBy(self)));
  assert.match(mirrorWithSecret.stderr, new RegExp(`node "${self}" can not create pods that reference secrets`));
  const mirrorElsewhere = asNode(['create', '-f', '-'], pod('mirror-elsewhere', { nodeName: nodes[1] }, mirrored, ownedBy(self)));
  assert.match(mirrorElsewhere.stderr, new RegExp(`node "${self}" can only create pods with spec.nodeName set to itself`));
  // a mirror pod must be controlled by the node's own Node object, with its current UID
  const unowned = asNode(['create', '-f', '-'], pod('mirror-unowned', { nodeName: self }, mirrored));
  assert.match(unowned.stderr, new RegExp(`pods "mirror-unowned" is forbidden: node "${self}" can only create pods with an owner reference set to itself`));
  const notController = asNode(['create', '-f', '-'], pod('mirror-nc', { nodeName: self }, mirrored, ownedBy(self, { controller: false })));
  assert.match(notController.stderr, new RegExp(`node "${self}" can only create pods with a controller owner reference set to itself`));
  const staleUid = asNode(['create', '-f', '-'], pod('mirror-uid', { nodeName: self }, mirrored, ownedBy(self, { uid: '00000000-0000-0000-0000-000000000000' })));
  assert.match(staleUid.stderr, new RegExp(`node ${self} UID mismatch: expected 00000000-0000-0000-0000-000000000000 got `));
  // a mirror pod of its own that references nothing is what a node may create
  const mirror = asNode(['create', '-f', '-'], pod('mirror-ok', { nodeName: self }, mirrored, ownedBy(self)));
  assert.equal(mirror.status, 0, mirror.stderr);

  const unbound = asNode(['create', 'token', 'default', '-n', 'default']);
  assert.notEqual(unbound.status, 0);
  assert.match(unbound.stderr, /forbidden/i);

  // a pod on the other node, with the default service account: its token is not this node's to ask for
  admin(['create', '-f', '-'], pod('elsewhere', { nodeName: nodes[1] }));
  const uid = admin(['get', 'pod', 'elsewhere', '-o', 'jsonpath={.metadata.uid}']).stdout;
  const bound = asNode(['create', 'token', 'default', '-n', 'default', '--bound-object-kind=Pod', '--bound-object-name=elsewhere', `--bound-object-uid=${uid}`]);
  assert.notEqual(bound.status, 0);
  assert.match(bound.stderr, /forbidden/i);

  const secrets = asNode(['get', 'secrets', '-A']);
  assert.notEqual(secrets.status, 0);
  assert.match(secrets.stderr, /secrets is forbidden: User "system:node:[^"]+" cannot list resource "secrets"/);
});

test('a node changes only its own Node and the status of pods bound to it; its agent still runs its pods', opts, () => {
  const other = asNode(['label', 'node', nodes[1]!, 'stolen=yes']);
  assert.notEqual(other.status, 0);
  assert.match(other.stderr, /forbidden/i);

  // Its own Node: any label of its own domain, but not its taints nor the labels that steer workloads.
  const self = nodes[0]!;
  assert.equal(asNode(['label', 'node', self, 'example.com/rack=r1']).status, 0);
  admin(['taint', 'node', self, 'dedicated=db:NoSchedule']);
  const untaint = asNode(['taint', 'node', self, 'dedicated=db:NoSchedule-']);
  assert.match(untaint.stderr, new RegExp(`nodes "${self}" is forbidden: node "${self}" is not allowed to modify taints`));
  const restricted = asNode(['label', 'node', self, 'node-restriction.kubernetes.io/pci=yes', 'node-role.kubernetes.io/control-plane=']);
  assert.match(restricted.stderr, new RegExp(`nodes "${self}" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pci, node-role.kubernetes.io/control-plane`));
  assert.equal(asNode(['label', 'node', self, 'node.kubernetes.io/instance-type=big', 'topology.kubernetes.io/zone=z1']).status, 0);
  admin(['taint', 'node', self, 'dedicated=db:NoSchedule-']);

  admin(['create', '-f', '-'], pod('theirs', { nodeName: nodes[1] }));
  const theirs = JSON.parse(admin(['get', 'pod', 'theirs', '-o', 'json']).stdout) as Record<string, unknown>;
  const status = asNode(['replace', '--raw', '/api/v1/namespaces/default/pods/theirs/status', '-f', '-'], JSON.stringify({ ...theirs, status: { phase: 'Failed' } }));
  assert.notEqual(status.status, 0);
  assert.match(status.stderr, new RegExp(`node "${nodes[0]}" can only update pod status for pods with spec.nodeName set to itself`));

  const relabel = asNode(['label', 'pod', 'theirs', 'moved=yes']);
  assert.notEqual(relabel.status, 0);
  assert.match(relabel.stderr, /forbidden/i);

  // The nodes' own agents keep working under these rules: a pod bound to each reaches Running.
  admin(['create', '-f', '-'], pod('mine', { nodeName: nodes[0] }));
  let phases = '';
  for (let i = 0; i < 60; i++) {
    phases = admin(['get', 'pods', 'mine', 'theirs', '-o', 'jsonpath={.items[*].status.phase}']).stdout;
    if (phases === 'Running Running') break;
    spawnWait(500);
  }
  assert.equal(phases, 'Running Running');
});

test('a node deletes only pods bound to itself, and not other nodes', opts, () => {
  admin(['create', '-f', '-'], pod('victim', { nodeName: nodes[1] }));
  const theirs = asNode(['delete', 'pod', 'victim', '--wait=false']);
  assert.notEqual(theirs.status, 0);
  assert.match(theirs.stderr, new RegExp(`pods "victim" is forbidden: node "${nodes[0]}" can only delete pods with spec.nodeName set to itself`));
  admin(['get', 'pod', 'victim']);
  const all = asNode(['delete', 'pods', '--all', '--wait=false']);
  assert.notEqual(all.status, 0);
  assert.match(all.stderr, /forbidden/);
  admin(['get', 'pod', 'victim']);

  admin(['create', '-f', '-'], pod('own-victim', { nodeName: nodes[0] }));
  const own = asNode(['delete', 'pod', 'own-victim', '--wait=false']);
  assert.equal(own.status, 0, own.stderr);
  assert.match(own.stdout, /pod "own-victim" deleted/);

  const otherNode = asNode(['delete', 'node', nodes[1]!, '--wait=false']);
  assert.notEqual(otherNode.status, 0);
  assert.match(otherNode.stderr, /forbidden/);
  admin(['get', 'node', nodes[1]!]);
});

test('a node reads and writes only its own Lease in kube-node-lease', opts, () => {
  const ns = ['-n', 'kube-node-lease'];
  const own = asNode([...ns, 'get', 'lease', nodes[0]!, '-o', 'jsonpath={.spec.holderIdentity}']);
  assert.equal(own.status, 0, own.stderr);
  assert.equal(own.stdout, nodes[0]);
  const renew = asNode([...ns, 'annotate', 'lease', nodes[0]!, '--overwrite', 'checked=yes']);
  assert.equal(renew.status, 0, renew.stderr);

  const other = asNode([...ns, 'get', 'lease', nodes[1]!]);
  assert.notEqual(other.status, 0);
  assert.match(other.stderr, new RegExp(`leases.coordination.k8s.io "${nodes[1]}" is forbidden: User "system:node:${nodes[0]}" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease"`));
  const list = asNode([...ns, 'get', 'leases']);
  assert.notEqual(list.status, 0);
  assert.match(list.stderr, /cannot list resource "leases"/);
  const del = asNode([...ns, 'delete', 'lease', nodes[1]!, '--wait=false']);
  assert.notEqual(del.status, 0);
  assert.match(del.stderr, /forbidden/);

  const lease = (name: string, namespace: string) => JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: { holderIdentity: name } });
  const forged = asNode(['create', '-f', '-'], lease(nodes[1]!, 'kube-node-lease'));
  assert.notEqual(forged.status, 0);
  assert.match(forged.stderr, new RegExp(`leases.coordination.k8s.io "${nodes[1]}" is forbidden: can only access node lease with the same name as the requesting node`));
  const elsewhere = asNode(['create', '-f', '-'], lease(nodes[0]!, 'kube-system'));
  assert.notEqual(elsewhere.status, 0);
  assert.match(elsewhere.stderr, /forbidden/);
  admin([...ns, 'get', 'lease', nodes[1]!]);
});

function spawnWait(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

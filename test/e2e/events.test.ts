// core/v1 and events.k8s.io/v1 Events as one set of objects, against a real `a-kube up --runtime fake` driven by
// the real kubectl: an Event created through one group is read (YAML, tables) and deleted through the other, a
// watch through one group sees a write through the other, and `kubectl events` shows what a-kube's own
// controllers record as core Events.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { hasKubectl, kubectl, startCluster, type Cluster, ok } from './harness.js';

const skip = hasKubectl ? false : 'kubectl is not installed';

let cluster: Cluster;

before(async () => {
  if (skip) return;
  cluster = await startCluster({ args: ['--storage', 'memory', '--runtime', 'fake'], timeoutMs: 180_000 });
  ok(kubectl(cluster, ['create', 'namespace', 'ev']), 'create namespace');
});

after(async () => {
  await cluster?.cleanup();
});

const coreEvent = `apiVersion: v1
kind: Event
metadata: {name: web.1, namespace: ev}
involvedObject: {kind: Pod, name: web, namespace: ev, fieldPath: 'spec.containers{c}'}
reason: Pulled
message: pulled the image
source: {component: kubelet, host: node-1}
count: 2
type: Normal
firstTimestamp: '2026-01-01T00:00:00Z'
lastTimestamp: '2026-01-01T00:01:00Z'
`;

const eventsV1Event = `apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: d.1, namespace: ev}
eventTime: '2026-01-01T00:00:00.000000Z'
regarding: {kind: Deployment, name: d, namespace: ev}
reason: ScalingReplicaSet
note: Scaled up replica set d-1 to 1
type: Normal
action: Scale
reportingController: deployment-controller
reportingInstance: cm-1
`;

/** The top-level keys and a few values of a YAML document kubectl printed (flat enough for these objects). */
function topLevel(yaml: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of yaml.split('\n')) {
    const m = /^([A-Za-z]+):\s?(.*)$/.exec(line);
    if (m) out.set(m[1] ?? '', m[2] ?? '');
  }
  return out;
}

test('a core Event created with kubectl create -f is an events.k8s.io/v1 Event, and the reverse', { skip }, () => {
  ok(kubectl(cluster, ['create', '-f', '-'], { input: coreEvent }), 'create core event');
  const asV1 = ok(kubectl(cluster, ['get', 'events.v1.events.k8s.io', 'web.1', '-n', 'ev', '-o', 'yaml']), 'get as events.k8s.io');
  const v1 = topLevel(asV1);
  assert.equal(v1.get('apiVersion'), 'events.k8s.io/v1');
  assert.equal(v1.get('note'), 'pulled the image');
  assert.equal(v1.get('deprecatedCount'), '2');
  assert.equal(v1.get('deprecatedFirstTimestamp'), '"2026-01-01T00:00:00Z"');
  assert.equal(v1.has('message'), false);
  assert.match(asV1, /\nregarding:\n {2}fieldPath: spec\.containers\{c\}\n {2}kind: Pod\n {2}name: web\n {2}namespace: ev\n/);
  assert.match(asV1, /\ndeprecatedSource:\n {2}component: kubelet\n {2}host: node-1\n/);

  ok(kubectl(cluster, ['create', '-f', '-'], { input: eventsV1Event }), 'create events.k8s.io event');
  const asCore = topLevel(ok(kubectl(cluster, ['get', 'events', 'd.1', '-n', 'ev', '-o', 'yaml']), 'get as core'));
  assert.equal(asCore.get('apiVersion'), 'v1');
  assert.equal(asCore.get('message'), 'Scaled up replica set d-1 to 1');
  assert.equal(asCore.get('reportingComponent'), 'deployment-controller');
  assert.equal(asCore.has('note'), false);

  // Both groups list both, through the same columns.
  for (const resource of ['events', 'events.v1.events.k8s.io']) {
    const table = ok(kubectl(cluster, ['get', resource, '-n', 'ev']), `get ${resource}`);
    assert.match(table, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n/, table);
    assert.match(table, /\n\S+\s+Normal\s+Pulled\s+pod\/web\s+pulled the image\n/, table);
    assert.match(table, /\n\S+\s+Normal\s+ScalingReplicaSet\s+deployment\/d\s+Scaled up replica set d-1 to 1\n/, table);
  }

  // events.k8s.io/v1 is strict about new events; the field selectors are each group's own.
  const strict = kubectl(cluster, ['create', '-f', '-'], { input: eventsV1Event.replace('d.1', 'd.2').replace(/eventTime: .*\n/, '') });
  assert.notEqual(strict.status, 0);
  assert.match(strict.stderr, /The Event "d\.2" is invalid: eventTime: Required value/);
  assert.equal(ok(kubectl(cluster, ['get', 'events.v1.events.k8s.io', '-n', 'ev', '--field-selector', 'regarding.kind=Deployment', '-o', 'name']), 'select'), 'event.events.k8s.io/d.1\n');
  assert.equal(ok(kubectl(cluster, ['get', 'events', '-n', 'ev', '--field-selector', 'involvedObject.kind=Pod', '-o', 'name']), 'select core'), 'event/web.1\n');

  ok(kubectl(cluster, ['delete', 'events.v1.events.k8s.io', 'web.1', '-n', 'ev']), 'delete through events.k8s.io');
  assert.match(kubectl(cluster, ['get', 'events', 'web.1', '-n', 'ev']).stderr, /Error from server \(NotFound\): events "web\.1" not found/);
  ok(kubectl(cluster, ['delete', 'events', 'd.1', '-n', 'ev']), 'delete through core');
});

test('a watch through events.k8s.io sees an Event written through the core group', { skip }, async () => {
  const w = spawn('kubectl', ['--kubeconfig', cluster.kubeconfig, 'get', 'events.v1.events.k8s.io', '-n', 'ev', '--watch-only', '--output-watch-events', '-o', 'jsonpath={.type} {.object.apiVersion} {.object.metadata.name} {.object.note}{"\\n"}'], {
    env: { ...process.env, HOME: cluster.dataDir },
  });
  let out = '';
  w.stdout.on('data', (c: Buffer) => (out += c.toString()));
  try {
    // the watch is open once kubectl has listed; then the write goes through the other group
    await delay(1500);
    ok(kubectl(cluster, ['create', '-f', '-'], { input: coreEvent.replace('web.1', 'web.w') }), 'create core event');
    const until = Date.now() + 15_000;
    while (!out.includes('"web.w"') && Date.now() < until) await delay(200);
    assert.equal(out, 'ADDED events.k8s.io/v1 web.w pulled the image\n');
  } finally {
    w.kill();
  }
});

test('kubectl events shows the Events a-kube\'s controllers write', { skip }, async () => {
  ok(kubectl(cluster, ['create', 'deployment', 'web', '-n', 'ev', '--image', 'nginx']), 'create deployment');
  const until = Date.now() + 30_000;
  let r = kubectl(cluster, ['events', '-n', 'ev', '--for', 'deployment/web', '-v=6']);
  while (!/ScalingReplicaSet/.test(r.stdout) && Date.now() < until) {
    await delay(500);
    r = kubectl(cluster, ['events', '-n', 'ev', '--for', 'deployment/web', '-v=6']);
  }
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n/);
  assert.match(r.stdout, /\n\S+\s+Normal\s+ScalingReplicaSet\s+Deployment\/web\s+Scaled up replica set web-\w+ from 0 to 1\n/, r.stdout);
  // kubectl 1.32 reads them through the core group, selecting by involvedObject
  assert.match(r.stderr, /GET https:\/\/[^ ]+\/api\/v1\/namespaces\/ev\/events\?fieldSelector=[^ ]*involvedObject\.name%3Dweb/, r.stderr);
});

test('server-side apply through either group keeps one set of managed fields per group version', { skip }, () => {
  const applied = eventsV1Event.replace('d.1', 'ssa.1');
  ok(kubectl(cluster, ['apply', '--server-side', '-f', '-'], { input: applied }), 'apply through events.k8s.io');
  ok(kubectl(cluster, ['apply', '--server-side', '-f', '-'], { input: applied }), 'apply again: no change, no conflict');
  const core = JSON.parse(ok(kubectl(cluster, ['get', 'events', 'ssa.1', '-n', 'ev', '-o', 'json', '--show-managed-fields']), 'get core'));
  const entries = core.metadata.managedFields as { manager: string; operation: string; apiVersion: string; fieldsV1: Record<string, unknown> }[];
  assert.deepEqual(entries.map((e) => `${e.manager} ${e.operation} ${e.apiVersion}`), ['kubectl Apply events.k8s.io/v1']);
  // recorded in the fields of the group it was applied through
  assert.ok(Object.hasOwn(entries[0]?.fieldsV1 ?? {}, 'f:note'), JSON.stringify(entries));
  assert.ok(Object.hasOwn(entries[0]?.fieldsV1 ?? {}, 'f:regarding'), JSON.stringify(entries));
  // a change of a mutable field through the core group by another manager
  ok(kubectl(cluster, ['label', 'events', 'ssa.1', '-n', 'ev', 'seen=yes']), 'label through core');
  const after = JSON.parse(ok(kubectl(cluster, ['get', 'events.v1.events.k8s.io', 'ssa.1', '-n', 'ev', '-o', 'json', '--show-managed-fields']), 'get events.k8s.io'));
  assert.equal(after.metadata.labels.seen, 'yes');
  assert.equal(after.note, 'Scaled up replica set d-1 to 1');
  assert.deepEqual(after.metadata.managedFields.map((e: { manager: string; apiVersion: string }) => `${e.manager} ${e.apiVersion}`), ['kubectl events.k8s.io/v1', 'kubectl-label v1']);
  ok(kubectl(cluster, ['delete', 'events', 'ssa.1', '-n', 'ev']), 'delete');
});

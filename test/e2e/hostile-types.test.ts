// Issue 7, defect 2 end to end: wrongly typed replica counts are refused by a real `a-kube up`, which stays ready;
// an object stored with such a value before the check existed does not wedge the controllers after a restart; and
// SIGTERM ends the process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startCluster, kubectl, hasKubectl, type Cluster } from './harness.js';
import { openSqliteStorage } from '../../src/storage/sqlite.js';
import { encode, resourcePrefix } from '../../src/registry/storage-codec.js';
import type { KubeObject } from '../../src/api/object.js';

let cluster: Cluster;

before(async () => {
  cluster = await startCluster({ args: ['--runtime', 'fake'], timeoutMs: 90_000 });
});
after(async () => {
  await cluster?.cleanup();
});

const opts = { skip: hasKubectl ? false : 'kubectl is not on the PATH', timeout: 180_000 };

function ok(args: string[], input?: string): string {
  const r = kubectl(cluster, args, input === undefined ? {} : { input });
  assert.equal(r.status, 0, `kubectl ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}\n--- server log ---\n${cluster.log().slice(-3000)}`);
  return r.stdout;
}

function assertReady(): void {
  assert.equal(ok(['get', '--raw', '/readyz']), 'ok');
}

async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- server log ---\n${cluster.log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const replicaSetYaml = (name: string, replicas: number) => `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: nginx}]}
`;

test('kubectl patch deployment replicas 1.5 is refused (422) and a-kube stays ready', opts, async () => {
  ok(['create', 'deployment', 'web', '--image=nginx']);
  const r = kubectl(cluster, ['patch', 'deployment', 'web', '-p', '{"spec":{"replicas":1.5}}']);
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stderr, /patch: Invalid value: "map\[spec:map\[replicas:1\.5\]\]": cannot convert float64 to int32/);
  assertReady();
  const merge = kubectl(cluster, ['patch', 'deployment', 'web', '--type=merge', '-p', '{"spec":{"replicas":"3"}}']);
  assert.notEqual(merge.status, 0);
  assert.match(merge.stderr, /json: cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32/);
  assert.equal(ok(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}']), '1');
  // and the deployment still works
  ok(['scale', 'deployment', 'web', '--replicas=2']);
  await eventually('two ready pods', () => (ok(['get', 'deployment', 'web', '-o', 'jsonpath={.status.readyReplicas}']) === '2' ? true : undefined));
  assertReady();
});

test('a ReplicaSet patched to 0.5 replicas is refused and a-kube stays ready', opts, async () => {
  ok(['apply', '-f', '-'], replicaSetYaml('half', 1));
  const r = kubectl(cluster, ['patch', 'replicaset', 'half', '--type=merge', '-p', '{"spec":{"replicas":0.5}}']);
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stderr, /json: cannot unmarshal number 0\.5 into Go struct field ReplicaSetSpec\.spec\.replicas of type int32/);
  const scale = kubectl(cluster, ['scale', 'replicaset', 'half', '--replicas=1']);
  assert.equal(scale.status, 0, scale.stderr);
  const create = kubectl(cluster, ['create', '-f', '-'], { input: replicaSetYaml('other', 0).replace('replicas: 0', 'replicas: 0.5') });
  assert.notEqual(create.status, 0);
  assert.match(create.stderr, /ReplicaSet in version "v1" cannot be handled as a ReplicaSet: json: cannot unmarshal number 0\.5 into Go struct field ReplicaSetSpec\.spec\.replicas of type int32/);
  assertReady();
});

test('a wrongly typed ReplicaSet already in storage is skipped with an event after a restart; SIGTERM ends the process', opts, async () => {
  await cluster.stop();
  // Write straight into the database, as a version without the type check could have stored it.
  const storage = openSqliteStorage(`${cluster.dataDir}/state.db`);
  const bad: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'stored-half', namespace: 'default', uid: randomUUID(), creationTimestamp: '2024-05-01T10:00:00Z', generation: 1 },
    spec: { replicas: 0.5, selector: { matchLabels: { app: 'stored-half' } }, template: { metadata: { labels: { app: 'stored-half' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
  await storage.create(`${resourcePrefix({ group: 'apps', resource: 'replicasets' })}default/stored-half`, encode(bad));
  await storage.close();

  await cluster.restart();
  assertReady();
  await eventually('the InvalidObject event', () => {
    const out = ok(['get', 'events', '--field-selector', 'reason=InvalidObject,involvedObject.name=stored-half', '-o', 'jsonpath={.items[*].message}']);
    return out.includes('cannot unmarshal number 0.5 into Go struct field ReplicaSetSpec.spec.replicas of type int32') ? out : undefined;
  });
  // the other controllers go on: the deployment scales
  ok(['scale', 'deployment', 'web', '--replicas=1']);
  await eventually('one pod of web', () => (ok(['get', 'deployment', 'web', '-o', 'jsonpath={.status.replicas}']) === '1' ? true : undefined));
  // the stored object can be repaired, and then it is reconciled
  ok(['patch', 'replicaset', 'stored-half', '--type=merge', '-p', '{"spec":{"replicas":1}}']);
  await eventually('stored-half ready', () => (ok(['get', 'replicaset', 'stored-half', '-o', 'jsonpath={.status.readyReplicas}']) === '1' ? true : undefined));
  assertReady();

  const exited = new Promise<number | null>((resolve) => cluster.process.once('exit', (code) => resolve(code)));
  cluster.process.kill('SIGTERM');
  const code = await exited;
  assert.equal(code, 0, cluster.log().slice(-2000));
});

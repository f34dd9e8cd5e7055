// Issue 10, storage: a real `a-kube up` (fake runtime) driven by the real kubectl 1.32 — the default
// local-path StorageClass, a claim provisioned and bound once its pod is scheduled, static binding, the
// tables' columns, in-use protection, resize admission, and Delete reclaiming the volume and its directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCluster, kubectl, hasKubectl, type Cluster } from './harness.js';

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

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return;
    await sleep(250);
  }
  assert.fail(`timed out waiting for ${what}\n${cluster.log().slice(-3000)}`);
}

const jsonpath = (args: string[]) => kubectl(cluster, [...args, '-o', 'jsonpath={.status.phase}']).stdout;
const header = (out: string) => (out.split('\n')[0] ?? '').trim().split(/\s{2,}/);

const manifest = `
apiVersion: v1
kind: Namespace
metadata: {name: st}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: st}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer, namespace: st}
spec:
  containers: [{name: c, image: busybox, volumeMounts: [{name: d, mountPath: /data}]}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
`;

test('the default StorageClass local-path, printed as kube-apiserver prints it', { skip }, () => {
  const out = ok(kubectl(cluster, ['get', 'sc']), 'get sc');
  assert.deepEqual(header(out), ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE']);
  assert.match(out, /^local-path \(default\)\s+a-kube\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+\S+$/m);
});

test('a claim waits for its pod, is provisioned on the pod\'s node and bound; Delete removes volume and directory', { skip }, async () => {
  ok(kubectl(cluster, ['apply', '-f', '-'], { input: manifest }), 'apply');
  await until('the claim to be Bound', () => jsonpath(['get', 'pvc', 'data', '-n', 'st']) === 'Bound');
  const claim = JSON.parse(ok(kubectl(cluster, ['get', 'pvc', 'data', '-n', 'st', '-o', 'json']), 'get pvc')) as { spec: { volumeName: string; storageClassName: string }; metadata: { finalizers: string[]; annotations: Record<string, string> } };
  assert.equal(claim.spec.storageClassName, 'local-path', 'DefaultStorageClass filled in the class');
  assert.deepEqual(claim.metadata.finalizers, ['kubernetes.io/pvc-protection']);
  // The claim binds before the pod: the scheduler binds the pod once all its claims are bound.
  await until('the pod to be scheduled', () => kubectl(cluster, ['get', 'pod', 'writer', '-n', 'st', '-o', 'jsonpath={.spec.nodeName}']).stdout !== '');
  const podNode = kubectl(cluster, ['get', 'pod', 'writer', '-n', 'st', '-o', 'jsonpath={.spec.nodeName}']).stdout;
  assert.equal(claim.metadata.annotations['volume.kubernetes.io/selected-node'], podNode);
  const pvName = claim.spec.volumeName;
  assert.match(pvName, /^pvc-[0-9a-f-]{36}$/);
  const dir = join(cluster.dataDir, 'local-path', pvName);
  assert.ok(existsSync(dir), `${dir} exists`);

  const tables = ok(kubectl(cluster, ['get', 'pvc,pv', '-n', 'st']), 'get pvc,pv');
  const [pvcTable = '', pvTable = ''] = tables.split('\n\n');
  assert.deepEqual(header(pvcTable), ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE']);
  assert.match(pvcTable, new RegExp(`^persistentvolumeclaim/data\\s+Bound\\s+${pvName}\\s+1Gi\\s+RWO\\s+local-path\\s+<unset>\\s+\\S+$`, 'm'));
  assert.deepEqual(header(pvTable), ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE']);
  assert.match(pvTable, new RegExp(`^persistentvolume/${pvName}\\s+1Gi\\s+RWO\\s+Delete\\s+Bound\\s+st/data\\s+local-path\\s+<unset>\\s+\\S+$`, 'm'));
  const wide = ok(kubectl(cluster, ['get', 'pvc', '-n', 'st', '-o', 'wide']), 'get pvc -o wide');
  assert.equal(header(wide).at(-1), 'VOLUMEMODE');

  const events = ok(kubectl(cluster, ['get', 'events', '-n', 'st', '--field-selector', 'involvedObject.name=data']), 'events');
  for (const reason of ['WaitForFirstConsumer', 'ExternalProvisioning', 'Provisioning', 'ProvisioningSucceeded']) assert.match(events, new RegExp(`\\b${reason}\\b`));

  // Growing is refused: local-path does not allow expansion.
  const grow = kubectl(cluster, ['patch', 'pvc', 'data', '-n', 'st', '-p', '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}']);
  assert.notEqual(grow.status, 0);
  assert.match(grow.stderr, /persistentvolumeclaims "data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize/);

  // In use: deleting the claim only marks it until the pod is gone.
  ok(kubectl(cluster, ['delete', 'pvc', 'data', '-n', 'st', '--wait=false']), 'delete pvc');
  await sleep(1500);
  assert.match(ok(kubectl(cluster, ['get', 'pvc', 'data', '-n', 'st']), 'get pvc'), /^data\s+Terminating\s/m);
  assert.ok(existsSync(dir));
  ok(kubectl(cluster, ['delete', 'pod', 'writer', '-n', 'st', '--grace-period=0', '--force']), 'delete pod');
  await until('the claim, the volume and its directory to go', () => {
    const pvc = kubectl(cluster, ['get', 'pvc', 'data', '-n', 'st']);
    const pv = kubectl(cluster, ['get', 'pv', pvName]);
    return pvc.status !== 0 && pv.status !== 0 && !existsSync(dir);
  });
  assert.deepEqual(readdirSync(join(cluster.dataDir, 'local-path')), []);
});

test('static volumes bind by class, size and selector; Retain keeps a Released volume', { skip }, async () => {
  ok(kubectl(cluster, ['apply', '-f', '-'], { input: `
apiVersion: v1
kind: PersistentVolume
metadata: {name: big, labels: {speed: fast}}
spec: {capacity: {storage: 5Gi}, accessModes: [ReadWriteOnce], storageClassName: manual, hostPath: {path: /tmp/akube-e2e-big}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: small}
spec: {capacity: {storage: 2Gi}, accessModes: [ReadWriteOnce], storageClassName: manual, hostPath: {path: /tmp/akube-e2e-small}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: any, namespace: st}
spec: {storageClassName: manual, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: fast, namespace: st}
spec: {storageClassName: manual, selector: {matchLabels: {speed: fast}}, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
` }), 'apply static');
  await until('both claims to be Bound', () => jsonpath(['get', 'pvc', 'any', '-n', 'st']) === 'Bound' && jsonpath(['get', 'pvc', 'fast', '-n', 'st']) === 'Bound');
  assert.equal(kubectl(cluster, ['get', 'pvc', 'any', '-n', 'st', '-o', 'jsonpath={.spec.volumeName}']).stdout, 'small');
  assert.equal(kubectl(cluster, ['get', 'pvc', 'fast', '-n', 'st', '-o', 'jsonpath={.spec.volumeName}']).stdout, 'big');
  ok(kubectl(cluster, ['delete', 'pvc', 'any', '-n', 'st']), 'delete pvc any');
  await until('the volume to be Released', () => jsonpath(['get', 'pv', 'small']) === 'Released');
  assert.match(ok(kubectl(cluster, ['get', 'pv', 'small']), 'get pv'), /^small\s+2Gi\s+RWO\s+Retain\s+Released\s+st\/any\s+manual\s+<unset>\s+\S+$/m);
  // A bound volume cannot be removed from under its claim.
  ok(kubectl(cluster, ['delete', 'pv', 'big', '--wait=false']), 'delete pv big');
  await sleep(1000);
  assert.match(ok(kubectl(cluster, ['get', 'pv', 'big']), 'get pv big'), /^big\s.*\sTerminating\s/m);
});

test('a StatefulSet\'s volumeClaimTemplates give every replica its own provisioned claim', { skip }, async () => {
  ok(kubectl(cluster, ['create', 'namespace', 'sts']), 'create namespace');
  ok(kubectl(cluster, ['apply', '-f', '-'], { input: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: sts}
spec:
  replicas: 2
  podManagementPolicy: Parallel
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: busybox, volumeMounts: [{name: www, mountPath: /www}]}]}
  volumeClaimTemplates:
  - metadata: {name: www}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 256Mi}}}
` }), 'apply statefulset');
  await until('both claims to be Bound', () => jsonpath(['get', 'pvc', 'www-web-0', '-n', 'sts']) === 'Bound' && jsonpath(['get', 'pvc', 'www-web-1', '-n', 'sts']) === 'Bound');
  const volumes = kubectl(cluster, ['get', 'pod', 'web-1', '-n', 'sts', '-o', 'jsonpath={.spec.volumes[?(@.name=="www")].persistentVolumeClaim.claimName}']).stdout;
  assert.equal(volumes, 'www-web-1');
  assert.match(ok(kubectl(cluster, ['get', 'pvc', 'www-web-0', '-n', 'sts', '--show-labels']), 'labels'), /app=web/);
});

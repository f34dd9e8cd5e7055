// a-kube's containerd offers two CRI runtime handlers (kubelet/containerd/config.ts): `runc`, the default, where
// each container joins a session keyring of its own (`_ses.<container id>`), and `runc-nokeyring` (runc's
// NoNewKeyring), where it does not. A RuntimeClass naming `runc-nokeyring` runs its pod on that handler for real:
// the same privileged pod reads /proc/keys on both, and only the default one shows its own keyring.
// Needs root, containerd, runc, iptables and the CNI plugins; run under flock /tmp/akube-realpods.lock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entry, kubectl, repoRoot, startCluster, type Cluster } from './harness.js';
import { busyboxImage, writeBusyboxArchive } from './test-images.js';
import { realPodsUnavailable, waitUntil } from './real-pods.js';


const skip = realPodsUnavailable() ?? false;
const ns = 'handlers';
let cluster: Cluster;
let work = '';

function ok(args: string[], input?: string): string {
  const r = kubectl(cluster, args, input === undefined ? {} : { input });
  assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs?: number): T {
  return waitUntil(what, probe, timeoutMs, () => cluster.log().slice(-3000));
}

/** A privileged pod (so /proc/keys is not masked) that prints its keys and stays. */
function keysPod(name: string, runtimeClassName?: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: {
      ...(runtimeClassName ? { runtimeClassName } : {}),
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: busyboxImage, imagePullPolicy: 'Never', command: ['sh', '-c', 'cat /proc/keys; echo end-of-keys; exec sleep 3600'], securityContext: { privileged: true } }],
    },
  };
}

/** The container's runtime ID once it runs, and what it printed. */
function keysOf(name: string): { id: string; keys: string } {
  return waitFor(`${ns}/${name} to run and print its keys`, () => {
    const r = kubectl(cluster, ['get', 'pod', name, '-n', ns, '-o', 'jsonpath={.status.phase} {.status.containerStatuses[0].containerID}']);
    const [phase, containerID] = r.stdout.split(' ');
    if (phase !== 'Running' || !containerID?.startsWith('containerd://')) return undefined;
    const keys = kubectl(cluster, ['logs', name, '-n', ns]).stdout;
    return keys.includes('end-of-keys') ? { id: containerID.slice('containerd://'.length), keys } : undefined;
  });
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'akube-handlers-e2e-'));
  cluster = await startCluster({ timeoutMs: 180_000 });
  const imported = spawnSync(process.execPath, [...entry('a-kube'), 'image', 'import', '--data-dir', cluster.dataDir, writeBusyboxArchive(work)], { encoding: 'utf8', cwd: repoRoot });
  assert.equal(imported.status, 0, imported.stderr);
  ok(['create', 'namespace', ns]);
});

after(async () => {
  if (work) rmSync(work, { recursive: true, force: true });
  if (skip || !cluster) return;
  kubectl(cluster, ['delete', 'namespace', ns, '--wait=false']);
  await cluster.cleanup();
});

test('a RuntimeClass naming runc-nokeyring runs its pod without a keyring of its own; the default handler gives one', { skip, timeout: 300_000 }, () => {
  ok(['apply', '-f', '-'], 'apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: nokeyring}\nhandler: runc-nokeyring\n');
  ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [keysPod('default-keys'), keysPod('nokeyring-keys', 'nokeyring')] }));
  const plain = keysOf('default-keys');
  const shared = keysOf('nokeyring-keys');
  // runc names the session keyring it creates for a container after the container's ID. (As root, each pod
  // also sees the other containers' keyrings; what differs is whether its own exists.)
  assert.match(plain.keys, new RegExp(`keyring\\s+_ses\\.${plain.id}: `), plain.keys);
  assert.match(shared.keys, /keyring/, `/proc/keys was readable: ${shared.keys}`);
  assert.doesNotMatch(shared.keys, new RegExp(`_ses\\.${shared.id}`), shared.keys);
});

test('a RuntimeClass naming a handler containerd lacks: the sandbox fails with the runtime\'s reason, on the pod', { skip, timeout: 300_000 }, () => {
  ok(['apply', '-f', '-'], 'apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: absent}\nhandler: no-such-handler\n');
  ok(['apply', '-f', '-'], JSON.stringify(keysPod('absent-keys', 'absent')));
  const events = waitFor('a FailedCreatePodSandBox event for absent-keys', () => {
    const out = kubectl(cluster, ['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=absent-keys', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']).stdout;
    return /no-such-handler/.test(out) ? out : undefined;
  });
  assert.match(events, /no runtime for "no-such-handler" is configured/);
  assert.equal(ok(['get', 'pod', 'absent-keys', '-n', ns, '-o', 'jsonpath={.status.phase}']), 'Pending');
});

// The node's extras on real pods (`a-kube up` with its own containerd and pod network): `kubectl debug` adds an
// ephemeral container in the target's process namespace (kubectl 1.32, 1.27 and a-kubectl); `kubectl top`
// reads metrics.k8s.io from the node's stats; NetworkPolicy blocks and then lets through traffic between pods.
// Needs root, containerd, runc, iptables and the CNI plugins; run under flock /tmp/akube-realpods.lock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { akubectl, entry, kubectl, kubectlBinary, repoRoot, startCluster, type Cluster } from './harness.js';
import { busyboxImage, writeBusyboxArchive } from './test-images.js';
import { realPodsUnavailable, waitUntil } from './real-pods.js';


const skip = realPodsUnavailable() ?? false;
const opts = { skip, timeout: 300_000 };
const ns = 'extras';
let cluster: Cluster;
let work = '';

function ok(args: string[], input?: string): string {
  const r = akubectl(cluster, args, input === undefined ? {} : { input });
  assert.equal(r.status, 0, `a-kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs?: number): T {
  return waitUntil(what, probe, timeoutMs, () => cluster.log().slice(-3000));
}

function podJson(name: string): Record<string, any> | undefined {
  const r = akubectl(cluster, ['get', 'pod', name, '-n', ns, '-o', 'json']);
  return r.status === 0 ? (JSON.parse(r.stdout) as Record<string, any>) : undefined;
}

function waitRunning(name: string): Record<string, any> {
  return waitFor(`${ns}/${name} to run`, () => {
    const p = podJson(name);
    return p?.['status']?.['phase'] === 'Running' && p['status']['podIP'] ? p : undefined;
  });
}

function pod(name: string, labels: Record<string, string>, command: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: busyboxImage, imagePullPolicy: 'Never', command, ...extra }] },
  };
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'akube-extras-e2e-'));
  cluster = await startCluster({ timeoutMs: 180_000 });
  const imported = spawnSync(process.execPath, [...entry('a-kube'), 'image', 'import', '--data-dir', cluster.dataDir, writeBusyboxArchive(work)], { encoding: 'utf8', cwd: repoRoot });
  assert.equal(imported.status, 0, imported.stderr);
  ok(['create', 'namespace', ns]);
  ok(['apply', '-f', '-'], [pod('target', { app: 'target' }, ['sleep', '3600']), pod('burner', { app: 'burner' }, ['sh', '-c', 'while :; do :; done'])].map((o) => JSON.stringify(o)).join('\n---\n'));
  waitRunning('target');
  waitRunning('burner');
});

after(async () => {
  if (work) rmSync(work, { recursive: true, force: true });
  if (skip || !cluster) return;
  akubectl(cluster, ['delete', 'namespace', ns, '--wait=false']);
  await cluster.cleanup();
});

/**
 * Runs a debugging session: types `echo in-debugger; ps`, and once the target's process shows (a shared PID
 * namespace) types `exit`. Stdin stays open until then: containerd ends an attach whose stdin has ended.
 */
function debugSession(binary: string[], args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary[0]!, [...binary.slice(1), '--kubeconfig', cluster.kubeconfig, ...args], { cwd: repoRoot, env: { ...process.env, HOME: cluster.dataDir } });
    let stdout = '';
    let stderr = '';
    let typed = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (!typed && /sleep 3600/.test(stdout)) {
        typed = true;
        child.stdin.end('exit\n');
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
    child.stdin.write('echo in-debugger; ps\n');
  });
}

function debugStatus(name: string): Record<string, any> | undefined {
  return (podJson('target')?.['status']?.['ephemeralContainerStatuses'] as Record<string, any>[] | undefined)?.find((s) => s['name'] === name);
}

test('kubectl 1.32 debug -i --target: an ephemeral container sees the target\'s processes', opts, async () => {
  const r = await debugSession(['kubectl'], ['debug', '-i', '-n', ns, 'target', `--image=${busyboxImage}`, '--image-pull-policy=Never', '--target=main', '-c', 'dbg132', '--', 'sh']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /in-debugger/);
  assert.match(r.stdout, /sleep 3600/, r.stderr);
  const spec = (podJson('target')?.['spec']?.['ephemeralContainers'] as Record<string, any>[]).find((c) => c['name'] === 'dbg132');
  assert.equal(spec?.['targetContainerName'], 'main');
  const st = waitFor('dbg132 terminated', () => (debugStatus('dbg132')?.['state']?.['terminated'] ? debugStatus('dbg132') : undefined));
  assert.equal(st?.['state']['terminated']['exitCode'], 0);
});

test('kubectl 1.27 debug -i (SPDY attach) to a generated container name', { ...opts, skip: skip || (kubectlBinary('1.27') ? false : 'kubectl.1.27 is missing') }, async () => {
  const r = await debugSession([kubectlBinary('1.27') ?? ''], ['debug', '-i', '-n', ns, 'target', `--image=${busyboxImage}`, '--image-pull-policy=Never', '--target=main', '--', 'sh']);
  assert.equal(r.status, 0, r.stderr);
  const names = (podJson('target')?.['spec']?.['ephemeralContainers'] as Record<string, any>[]).map((c) => String(c['name']));
  assert.ok(names.some((n) => /^debugger-[a-z0-9]{5}$/.test(n)), names.join(' '));
  assert.match(r.stdout, /sleep 3600/, r.stderr);
});

test('a-kubectl debug -i and a rejected duplicate name', opts, async () => {
  const r = await debugSession([process.execPath, ...entry('a-kubectl')], ['debug', '-i', '-n', ns, 'target', `--image=${busyboxImage}`, '--image-pull-policy=Never', '--target=main', '-c', 'dbgak', '--', 'sh']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /sleep 3600/, r.stderr);
  const dup = akubectl(cluster, ['debug', '-n', ns, 'target', `--image=${busyboxImage}`, '-c', 'main']);
  assert.notEqual(dup.status, 0);
  assert.match(dup.stderr, /spec\.ephemeralContainers\[\d+\]\.name: Duplicate value: "main"/);
});

test('kubectl top pod and node (1.32 and 1.27): a busy loop shows, memory in Mi, percentages of allocatable', opts, () => {
  const rows = waitFor('pod metrics', () => {
    const r = kubectl(cluster, ['top', 'pod', '-n', ns, '--no-headers']);
    return r.status === 0 && /burner/.test(r.stdout) && /target/.test(r.stdout) ? r.stdout : undefined;
  });
  const burner = /^burner\s+(\d+)m\s+(\d+)Mi\s*$/m.exec(rows);
  assert.ok(burner, rows);
  assert.ok(Number(burner[1]) >= 50, `a busy loop shows clearly (the machine is shared): ${rows}`);
  const header = kubectl(cluster, ['top', 'pod', '-n', ns, '-l', 'app=target']);
  assert.equal(header.status, 0, header.stderr);
  assert.match(header.stdout, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\ntarget\s+\d+m\s+\d+Mi\s*\n$/);
  const nodes = kubectl(cluster, ['top', 'node']);
  assert.equal(nodes.status, 0, nodes.stderr);
  assert.match(nodes.stdout, /^NAME\s+CPU\(cores\)\s+CPU(?:\(%\)|%)\s+MEMORY\(bytes\)\s+MEMORY(?:\(%\)|%)\s*\n\S+\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\s*\n$/);
  const k127 = kubectlBinary('1.27');
  if (k127) {
    const old = kubectl(cluster, ['top', 'pod', '-n', ns, 'burner', '--containers'], { binary: k127 });
    assert.equal(old.status, 0, old.stderr);
    assert.match(old.stdout, /burner\s+main\s+\d+m\s+\d+Mi/);
  }
});

test('a-kubectl top pod -A --containers --sum and top node; the raw metrics API', opts, () => {
  const pods = ok(['top', 'pod', '-A', '--containers', '--sort-by=cpu', '--sum']);
  const lines = pods.trim().split('\n');
  assert.match(lines[0] ?? '', /^NAMESPACE\s+POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)$/);
  assert.match(lines[1] ?? '', /^extras\s+burner\s+main\s+\d+m\s+\d+Mi$/, 'the busiest first');
  assert.match(lines.at(-1) ?? '', /^\s+\d+m\s+\d+Mi$/);
  assert.match(ok(['top', 'node']), /^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)\n\S+\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\n$/);
  const raw = JSON.parse(ok(['get', '--raw', `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods/burner`])) as Record<string, any>;
  assert.equal(raw['kind'], 'PodMetrics');
  assert.match(raw['window'], /^\d+(\.\d+)?s$/);
  assert.match(raw['containers'][0]['usage']['cpu'], /^\d+n$|^\d+u$|^\d+m$|^\d+$/);
});

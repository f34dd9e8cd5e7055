// Real clients against `a-kube up`'s own node agent and containerd (one cluster for the file): `a-kube image
// import|ls|rm` through the command; pulls from a registry that wants HTTP Basic credentials (test/support's
// registry) with and without imagePullSecrets, from the pod and from its ServiceAccount, under each pull policy;
// from Debian's docker-registry (images pushed with skopeo; behind htpasswd, a wrong pull secret before the right);
// one pod driven by kubectl 1.27 and 1.32 (exec, port-forward), @kubernetes/client-node (Exec, Cp both ways),
// python3-kubernetes' stream and `kubectl debug -it` on a pseudo-terminal.
// Needs root, containerd, runc and the CNI plugins; run under flock /tmp/akube-realpods.lock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { akubectl, entry, kubectl, kubectlBinary, ok, repoRoot, startCluster, type Cluster, type RunResult } from './harness.js';
import { busyboxImage, writeBusyboxArchive } from './test-images.js';
import { buildBusyboxImage } from '../support/busybox-image.js';
import { readImageArchive, startRegistry, type TestRegistry } from '../support/oci-registry.js';
import { dockerRegistryMissing, skopeoPush, startDockerRegistry, type DockerRegistry } from '../support/docker-registry.js';
import { realPodsUnavailable, untilResolved } from './real-pods.js';

const skip = realPodsUnavailable() ?? false;
const opts = { skip, timeout: 300_000 };
const ns = 'clients';
/** The OCI-layout archive imported at start (every busybox applet, tar among them): the streaming pod's image. */
const ociImage = 'docker.io/library/akube-oci:import';
const credentials = { username: 'puller', password: 'pull-secret-pw' };
let cluster: Cluster;
let registry: TestRegistry | undefined;
const dockerRegistries: DockerRegistry[] = [];
let work = '';

function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  return untilResolved(what, probe, timeoutMs, () => cluster.log().slice(-3000));
}

function image(args: string[]): RunResult {
  const r = spawnSync(process.execPath, [...entry('a-kube'), 'image', ...args, '--data-dir', cluster.dataDir], { encoding: 'utf8', cwd: repoRoot, timeout: 120_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function podJson(name: string): Record<string, any> | undefined {
  const r = akubectl(cluster, ['get', 'pod', name, '-n', ns, '-o', 'json']);
  return r.status === 0 ? (JSON.parse(r.stdout) as Record<string, any>) : undefined;
}

function running(name: string): Promise<Record<string, any>> {
  return until(`${ns}/${name} Running`, () => {
    const p = podJson(name);
    return p?.['status']?.['phase'] === 'Running' ? p : undefined;
  }).catch((e: unknown) => {
    throw new Error(`${String(e)}\nstatus: ${JSON.stringify(podJson(name)?.['status'])}\nevents:\n${events(name)}`);
  });
}

function waiting(name: string, reason: string): Promise<Record<string, any>> {
  return until(`${ns}/${name} waiting with ${reason}`, () => {
    const w = podJson(name)?.['status']?.['containerStatuses']?.[0]?.['state']?.['waiting'] as Record<string, any> | undefined;
    return w?.['reason'] === reason ? w : undefined;
  });
}

function events(name: string): string {
  return akubectl(cluster, ['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name}`, '-o', 'custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message', '--no-headers']).stdout;
}

function pod(name: string, img: string, extra: { policy?: string; command?: string[]; spec?: Record<string, unknown> } = {}): Record<string, unknown> {
  const container = { name: 'main', image: img, command: extra.command ?? ['sleep', '3600'], ...(extra.policy ? { imagePullPolicy: extra.policy } : {}) };
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { terminationGracePeriodSeconds: 1, ...extra.spec, containers: [container] } };
}

function apply(...objects: Record<string, unknown>[]): void {
  ok(akubectl(cluster, ['apply', '-f', '-'], { input: objects.map((o) => JSON.stringify(o)).join('\n---\n') }), 'apply');
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'akube-clients-e2e-'));
  cluster = await startCluster({ timeoutMs: 180_000 });
  ok(akubectl(cluster, ['create', 'namespace', ns]), 'create namespace');
  // The pod the streaming clients share, from an OCI-layout archive imported through the command.
  const oci = join(work, 'oci.tar');
  buildBusyboxImage(oci, ociImage, ['/bin/sh']);
  assert.equal(ok(image(['import', oci]), 'image import (OCI)'), `imported ${ociImage}\n`);
  apply(pod('box', ociImage, { policy: 'Never', command: ['sh', '-c', 'mkdir -p /www && echo served from the pod > /www/index.html && httpd -p 8080 -h /www && exec sleep 3600'] }));
});

after(async () => {
  await registry?.close();
  for (const r of dockerRegistries) await r.close();
  if (work) rmSync(work, { recursive: true, force: true });
  if (skip || !cluster) return;
  akubectl(cluster, ['delete', 'namespace', ns, '--wait=false']);
  await cluster.cleanup();
});

test('a-kube image import (a docker archive; the OCI layout before all), ls and rm against the node\'s containerd', opts, async () => {
  assert.equal(ok(image(['import', writeBusyboxArchive(work)]), 'image import (docker)'), `imported ${busyboxImage}\n`);
  const ls = ok(image(['ls']), 'image ls');
  const lines = ls.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^IMAGE +TAG +IMAGE ID +SIZE$/);
  const row = (ref: string) => {
    const cut = ref.lastIndexOf(':');
    return lines.find((l) => new RegExp(`^${escape(ref.slice(0, cut))} +${escape(ref.slice(cut + 1))} +[0-9a-f]{13} +[0-9.]+[kMG]?B$`).test(l));
  };
  assert.ok(row(ociImage), ls);
  assert.ok(row(busyboxImage), ls);
  assert.ok(lines.some((l) => /pause/.test(l)), `the sandbox image is listed too:\n${ls}`);

  assert.match(ok(image(['rm', busyboxImage]), 'image rm'), /^Deleted: sha256:[0-9a-f]{64}\n$/);
  const after = ok(image(['ls']), 'image ls');
  assert.doesNotMatch(after, new RegExp(`^${escape(busyboxImage.slice(0, busyboxImage.lastIndexOf(':')))} `, 'm'));
  const again = image(['rm', busyboxImage]);
  assert.equal(again.status, 1);
  assert.equal(again.stderr, `error: image "${busyboxImage}" not found\n`);
  const missing = image(['import', join(work, 'no-such.tar')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no-such\.tar: no such file/);
  const bad = join(work, 'not-an-image.tar');
  writeFileSync(bad, 'not a tarball');
  const refused = image(['import', bad]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /^error: ctr images import .*not-an-image\.tar failed: ctr: /);
});

test('imagePullSecrets against a registry that wants Basic credentials; pull policies Always, IfNotPresent, Never', opts, async () => {
  registry = await startRegistry({
    images: { 'private/busybox:v1': readImageArchive(writeBusyboxArchive(work)), 'private/busybox:v2': readImageArchive(join(work, 'oci.tar')) },
    credentials,
  });
  const v1 = `${registry.host}/private/busybox:v1`;
  const v2 = `${registry.host}/private/busybox:v2`;
  // Without a secret the registry answers 401; Never with an image the node lacks (removed by the test above).
  apply(pod('nosecret', v1, { policy: 'Always' }), pod('never', busyboxImage, { policy: 'Never' }));
  const backoff = await waiting('nosecret', 'ImagePullBackOff');
  assert.equal(backoff['message'], `Back-off pulling image "${v1}"`);
  const ev = events('nosecret');
  assert.match(ev, new RegExp(`Normal +Pulling +Pulling image "${escape(v1)}"`));
  assert.match(ev, new RegExp(`Warning +Failed +Failed to pull image "${escape(v1)}": rpc error: code = Unknown desc = failed to pull and unpack image .*401 Unauthorized`), ev);
  assert.match(ev, new RegExp(`Normal +BackOff +Back-off pulling image "${escape(v1)}"`));
  assert.ok(registry.requests.some((r) => !r.authorized && r.path === '/v2/private/busybox/manifests/v1'), 'the node asked the registry');
  const never = await waiting('never', 'ErrImageNeverPull');
  assert.equal(never['message'], `Container image "${busyboxImage}" is not present with pull policy of Never`);
  assert.match(events('never'), new RegExp(`Warning +ErrImageNeverPull +Container image "${escape(busyboxImage)}" is not present with pull policy of Never`));

  // A kubernetes.io/dockerconfigjson Secret (made by the real kubectl), in the pod and through its ServiceAccount.
  ok(kubectl(cluster, ['create', 'secret', 'docker-registry', 'regcred', '-n', ns, `--docker-server=${registry.host}`, `--docker-username=${credentials.username}`, `--docker-password=${credentials.password}`]), 'create secret docker-registry');
  ok(kubectl(cluster, ['create', 'serviceaccount', 'puller', '-n', ns]), 'create serviceaccount');
  ok(kubectl(cluster, ['patch', 'serviceaccount', 'puller', '-n', ns, '-p', '{"imagePullSecrets":[{"name":"regcred"}]}']), 'patch serviceaccount');
  apply(pod('withsecret', v1, { policy: 'Always', spec: { imagePullSecrets: [{ name: 'regcred' }] } }), pod('viasa', v2, { policy: 'IfNotPresent', spec: { serviceAccountName: 'puller' } }));
  const viaSa = await running('viasa');
  assert.deepEqual(viaSa['spec']['imagePullSecrets'], [{ name: 'regcred' }], 'admission copied the ServiceAccount\'s pull secrets');
  const withSecret = await running('withsecret');
  assert.match(withSecret['status']['containerStatuses'][0]['imageID'], /sha256:[0-9a-f]{64}$/);
  assert.match(events('withsecret'), new RegExp(`Normal +Pulled +Successfully pulled image "${escape(v1)}" in [0-9.]+s`));
  for (const tag of ['v1', 'v2']) assert.ok(registry.requests.some((r) => r.authorized && r.path === `/v2/private/busybox/manifests/${tag}`), `${tag} pulled with credentials`);
  // IfNotPresent with the image on the node: no request to the registry for it, no credentials needed (nosecret
  // keeps asking for v1 meanwhile).
  const asked = registry.requests.length;
  apply(pod('cached', v2, { policy: 'IfNotPresent' }));
  await running('cached');
  assert.match(events('cached'), new RegExp(`Normal +Pulled +Container image "${escape(v2)}" already present on machine`));
  assert.deepEqual(registry.requests.slice(asked).filter((r) => r.path !== '/v2/private/busybox/manifests/v1'), []);
  assert.match(ok(image(['ls']), 'image ls'), new RegExp(`^${escape(registry.host)}/private/busybox +v1 `, 'm'));
  // The pod without credentials still cannot have v1, although the node holds it now (policy Always): its pulls
  // after withsecret's went on failing.
  const pulledAt = registry.requests.findIndex((r) => r.authorized && r.path === '/v2/private/busybox/manifests/v1');
  const reg = registry;
  await until('nosecret to ask again', () => (reg.requests.slice(pulledAt).some((r) => !r.authorized && r.path === '/v2/private/busybox/manifests/v1') ? true : undefined), 60_000);
  assert.notEqual(podJson('nosecret')?.['status']?.['phase'], 'Running');
  assert.match(podJson('nosecret')?.['status']?.['containerStatuses']?.[0]?.['state']?.['waiting']?.['reason'] ?? '', /^(ErrImagePull|ImagePullBackOff)$/);
  for (const p of ['nosecret', 'never', 'withsecret', 'viasa', 'cached']) akubectl(cluster, ['delete', 'pod', p, '-n', ns, '--wait=false']);
});

test('Debian\'s docker-registry on loopback: a pod pulls what skopeo pushed by its 127.0.0.1:PORT reference; behind htpasswd, a wrong pull secret is tried before the right one', { ...opts, skip: skip || (dockerRegistryMissing() ?? false) }, async () => {
  const open = await startDockerRegistry();
  dockerRegistries.push(open);
  const locked = await startDockerRegistry({ auth: true });
  dockerRegistries.push(locked);
  const creds = locked.credentials;
  assert.ok(creds, 'the registry provisioned a user');
  const openRef = `${open.host}/e2e/busybox:v1`;
  const lockedRef = `${locked.host}/e2e/private:v1`;
  // Images of their own (another default command each): containerd reports an image by the first name it has
  // for it, and the other tests' registry serves the same content.
  const archives = { open: join(work, 'registry-open.tar'), locked: join(work, 'registry-locked.tar') };
  buildBusyboxImage(archives.open, 'docker.io/library/registry-open:v1', ['/bin/sh', '-c', 'echo open']);
  buildBusyboxImage(archives.locked, 'docker.io/library/registry-locked:v1', ['/bin/sh', '-c', 'echo locked']);
  const openDigest = skopeoPush(`oci-archive:${archives.open}`, openRef, work);
  const lockedDigest = skopeoPush(`oci-archive:${archives.locked}`, lockedRef, work, creds);
  for (const [name, user, password] of [['dr-wrong', 'intruder', 'not-the-password'], ['dr-right', creds.username, creds.password]] as const) {
    ok(kubectl(cluster, ['create', 'secret', 'docker-registry', name, '-n', ns, `--docker-server=${locked.host}`, `--docker-username=${user}`, `--docker-password=${password}`]), `create secret ${name}`);
  }
  apply(
    pod('fromregistry', openRef, { policy: 'Always' }),
    pod('twosecrets', lockedRef, { policy: 'Always', spec: { imagePullSecrets: [{ name: 'dr-wrong' }, { name: 'dr-right' }] } }),
  );

  const fromRegistry = await running('fromregistry');
  assert.equal(fromRegistry['status']['containerStatuses'][0]['imageID'], `${open.host}/e2e/busybox@${openDigest}`);
  assert.match(events('fromregistry'), new RegExp(`Normal +Pulled +Successfully pulled image "${escape(openRef)}" in [0-9.]+s`));
  assert.match(ok(image(['ls']), 'image ls'), new RegExp(`^${escape(open.host)}/e2e/busybox +v1 +[0-9a-f]{13} `, 'm'));

  const twoSecrets = await running('twosecrets');
  assert.equal(twoSecrets['status']['containerStatuses'][0]['imageID'], `${locked.host}/e2e/private@${lockedDigest}`);
  assert.match(events('twosecrets'), new RegExp(`Normal +Pulled +Successfully pulled image "${escape(lockedRef)}" in [0-9.]+s`));
  // The pod names the wrong secret first: it runs only because the next credential is tried once the registry has
  // refused the first (a node that used the first matching credential alone never pulls it).
  for (const p of ['fromregistry', 'twosecrets']) akubectl(cluster, ['delete', 'pod', p, '-n', ns, '--wait=false']);
});

interface Session {
  status: number;
  output: string;
}

/** Runs `kubectl port-forward` (any version) to the box pod until `use` is done with the local port. */
async function withPortForward(binary: string, use: (port: number) => Promise<void>): Promise<void> {
  const child = spawn(binary, ['--kubeconfig', cluster.kubeconfig, 'port-forward', '-n', ns, 'pod/box', ':8080'], { env: { ...process.env, HOME: cluster.dataDir } });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  try {
    const port = await until(`${binary} port-forward`, () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${out}`);
    });
    await use(Number(port));
  } finally {
    child.kill('SIGINT');
  }
}

function collect(into: (s: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      into(chunk.toString());
      cb();
    },
  });
}

const script = 'echo out; echo err >&2; exit 3';
type ExecRest = Parameters<k8s.Exec['exec']> extends [string, string, string, string | string[], ...infer R] ? R : never;

test('one pod on the real node, several clients: kubectl 1.32 and 1.27 exec and port-forward, client-node Exec, python3-kubernetes stream', opts, async () => {
  await running('box');
  const k127 = kubectlBinary('1.27');
  for (const binary of ['kubectl', ...(k127 ? [k127] : [])]) {
    const r = kubectl(cluster, ['exec', '-n', ns, 'box', '--', 'sh', '-c', script], { binary });
    assert.equal(r.stdout, 'out\n', binary);
    assert.equal(r.stderr, 'err\ncommand terminated with exit code 3\n', binary);
    assert.equal(r.status, 3, binary);
    const piped = kubectl(cluster, ['exec', '-i', '-n', ns, 'box', '--', 'sh', '-c', 'cat; echo end'], { binary, input: 'through stdin\n' });
    assert.equal(piped.stdout, 'through stdin\nend\n', `${binary}: ${piped.stderr}`);
    await withPortForward(binary, async (port) => {
      for (let i = 0; i < 2; i++) assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'served from the pod\n', binary);
    });
  }
  assert.ok(k127, 'kubectl.1.27 is beside kubectl');

  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  let out = '';
  let err = '';
  const status = await new Promise<k8s.V1Status>((resolve, reject) => {
    new k8s.Exec(kc).exec(ns, 'box', 'main', ['sh', '-c', script], collect((s) => (out += s)), collect((s) => (err += s)), null, false, resolve).catch(reject);
  });
  assert.equal(out, 'out\n');
  assert.equal(err, 'err\n');
  assert.equal(status.reason, 'NonZeroExitCode');
  assert.deepEqual(status.details?.causes, [{ reason: 'ExitCode', message: '3' }]);

  const py = [
    'import sys',
    'from kubernetes import client, config',
    'from kubernetes.stream import stream',
    `config.load_kube_config(config_file=${JSON.stringify(cluster.kubeconfig)})`,
    `resp = stream(client.CoreV1Api().connect_get_namespaced_pod_exec, 'box', ${JSON.stringify(ns)}, command=['sh', '-c', 'read x; echo "python sent $x"; echo e >&2; exit 4'], stderr=True, stdin=True, stdout=True, tty=False, _preload_content=False)`,
    "resp.write_stdin('hello\\n')",
    'resp.run_forever(timeout=30)',
    "sys.stdout.write(resp.read_stdout() + '|' + resp.read_stderr() + '|' + str(resp.returncode) + '\\n')",
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'python sent hello\n|e\n|4\n');
});

test('@kubernetes/client-node Cp into and out of the pod', opts, async () => {
  await running('box');
  const local = join(work, 'cp');
  mkdirSync(join(local, 'tree/sub'), { recursive: true });
  writeFileSync(join(local, 'tree/sub/nested.txt'), 'nested\n');
  writeFileSync(join(local, 'tree/top.txt'), 'top\n');
  // /cp-target is a path inside the pod's own fresh container filesystem, not on this machine
  ok(kubectl(cluster, ['exec', '-n', ns, 'box', '--', 'mkdir', '-p', '/cp-target']), 'mkdir');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  // cpToPod resolves once the upload has started: the files are read back until they are there.
  await new k8s.Cp(kc).cpToPod(ns, 'box', 'main', join(local, 'tree'), '/cp-target');
  const cat = (f: string) => kubectl(cluster, ['exec', '-n', ns, 'box', '--', 'cat', f]).stdout;
  await until('the upload', () => (cat('/cp-target/sub/nested.txt') === 'nested\n' ? true : undefined), 30_000);
  assert.equal(cat('/cp-target/top.txt'), 'top\n');
  // 1.4.0's cpFromPod asks the pod for `tar zcf -` but unpacks without gunzip (kubernetes-client/javascript#2663,
  // fixed after 1.4.0 by asking for a plain tar): its Exec is given the command the fixed client sends.
  class PlainTarExec extends k8s.Exec {
    override exec(namespace: string, pod: string, container: string, command: string | string[], ...rest: ExecRest): ReturnType<k8s.Exec['exec']> {
      const plain = Array.isArray(command) && command[0] === 'tar' && command[1] === 'zcf' ? ['tar', 'cf', ...command.slice(2)] : command;
      return super.exec(namespace, pod, container, plain, ...rest);
    }
  }
  const back = join(local, 'back');
  mkdirSync(back);
  await new k8s.Cp(kc, new PlainTarExec(kc)).cpFromPod(ns, 'box', 'main', 'cp-target', back, '/');
  await until('the download', () => (existsSync(join(back, 'cp-target/top.txt')) && readFileSync(join(back, 'cp-target/sub/nested.txt'), 'utf8') === 'nested\n' ? true : undefined), 30_000);
  assert.equal(readFileSync(join(back, 'cp-target/top.txt'), 'utf8'), 'top\n');
});

/**
 * `kubectl debug -it` on a pseudo-terminal (util-linux `script`): types a command, reads its answer (computed in
 * the container, so not the terminal's echo of what was typed), then `exit`.
 */
function debugOnTerminal(args: string[]): Promise<Session> {
  const cmd = ['kubectl', '--kubeconfig', cluster.kubeconfig, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, HOME: cluster.dataDir, TERM: 'xterm' } });
    let output = '';
    let typed = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const onData = (c: Buffer) => {
      output += c.toString();
      if (!typed && /answer-42/.test(output) && /\/dev\/pts\/\d+/.test(output)) {
        typed = true;
        child.stdin.write('exit\n');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, output });
    });
    // The shell's prompt shows once the session is attached; typing earlier is buffered by the terminal.
    child.stdin.write('echo answer-$((6*7)); tty\n');
  });
}

test('kubectl debug -it: an ephemeral container with a terminal, driven through a pseudo-terminal', opts, async () => {
  await running('box');
  const r = await debugOnTerminal(['debug', '-it', '-n', ns, 'box', `--image=${ociImage}`, '--image-pull-policy=Never', '-c', 'shell', '--', 'sh']);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /answer-42/);
  assert.match(r.output, /\/dev\/pts\/\d+/, 'the shell has a terminal');
  const spec = (podJson('box')?.['spec']?.['ephemeralContainers'] as Record<string, any>[] | undefined)?.find((c) => c['name'] === 'shell');
  assert.equal(spec?.['tty'], true);
  assert.equal(spec?.['stdin'], true);
  const st = await until('the ephemeral container to end', () => {
    const s = (podJson('box')?.['status']?.['ephemeralContainerStatuses'] as Record<string, any>[] | undefined)?.find((c) => c['name'] === 'shell');
    return s?.['state']?.['terminated'] ? s : undefined;
  });
  assert.equal(st['state']['terminated']['exitCode'], 0);
});
